"""Issue 13's acceptance on the lab, before the dual-stack rollout (conftest orders this module after the others
and before test_rollout.py): every item listed; a private network integrated and an own exit withdrawn through
`extranet run`, verified by `track advance` on a probe run and nothing else; a withdrawal the network does not
show is rolled back; an override does nothing until a second operator approves it."""

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from ipaddress import IPv4Interface
from pathlib import Path

import pytest

from extranet.inventory import load_inventory
from extranet.lab.faults import locked
from extranet.lab.state import LabState
from extranet.track import items

from ..conftest import REPO

pytestmark = pytest.mark.lab
EXTRANET = str(Path(sys.executable).parent / "extranet")


@pytest.fixture(scope="module")
def workspace(lab_state: LabState, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh workspace (its own database and history) on the session's lab; the lab's department routers and
    legacy line are put back afterwards, so the modules after this one see the lab as `lab up` made it."""
    root = tmp_path_factory.mktemp("moves")
    for name in ("inventory", "netplan", "playbooks", "ansible.cfg"):
        (root / name).symlink_to(REPO / name)
    yield root
    run_cli(root, lab_state, "lab", "fault", "legacy-restore", "nyj-nongye")
    with locked(Path(lab_state.dir)) as state:
        for dept in state.withdrawn:
            isp = IPv4Interface(state.isp_links[dept]).ip
            subprocess.run(["ip", "-n", state.edges[dept], "route", "replace", "default", "via", str(isp)], check=True)
        state.withdrawn = []


def run_cli(workspace: Path, lab_state: LabState, *args: str, operator: str = "tester",
            timeout: float = 240) -> subprocess.CompletedProcess[str]:  # fmt: skip
    env = {**os.environ, "EXTRANET_LAB_DIR": lab_state.dir, "EXTRANET_OPERATOR": operator}
    env.pop("EXTRANET_DB_URL", None)
    return subprocess.run([EXTRANET, *args], capture_output=True, text=True, timeout=timeout, cwd=workspace, env=env)


def in_ns(ns: str, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", "netns", "exec", ns, *command], capture_output=True, text=True, timeout=20)


def devices(proc: subprocess.CompletedProcess[str]) -> dict[str, dict[str, object]]:
    assert proc.stdout.startswith("{"), proc.stdout + proc.stderr
    return {d["device"]: d for d in json.loads(proc.stdout)["devices"]}


def test_status_lists_every_item_with_its_disposition(workspace: Path, lab_state: LabState) -> None:
    proc = run_cli(workspace, lab_state, "track", "status", "--json")
    assert proc.returncode == 0, proc.stderr
    listed = {row["item"]: row for row in json.loads(proc.stdout)["items"]}
    expected = items(load_inventory(REPO / "inventory"), date.today())
    assert set(listed) == {i.item for i in expected} and len(listed) > 50
    assert listed["network:nyj-nongye"]["disposition"] == "extranet-public"
    assert listed["exit:jyj"]["disposition"] == "withdraw" and listed["exit:jyj"]["state"] == "planned"


def test_the_integrated_network_and_the_withdrawn_exit_are_verified_and_nothing_else(
    workspace: Path, lab_state: LabState
) -> None:
    core = lab_state.namespaces["yl-core-01"]
    assert in_ns(core, "ping", "-c1", "-W1", "203.0.113.161").returncode != 0  # not integrated yet
    proc = run_cli(workspace, lab_state, "run", "integrate_private_network.yml", "--lab", "--item",
                   "network:nyj-nongye", "--ticket", "MOVE-1", "--json")  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    agg = devices(proc)["yl-agg-01"]
    assert agg["status"] == "ok" and "ip route 203.0.113.160/28 198.18.3.18" in agg["lines"]  # type: ignore[operator]
    assert in_ns(core, "ping", "-c1", "-W2", "203.0.113.161").returncode == 0  # through the extranet now
    again = run_cli(workspace, lab_state, "run", "integrate_private_network.yml", "--lab", "--item",
                    "network:nyj-nongye", "--json")  # fmt: skip
    assert devices(again)["yl-agg-01"]["status"] == "unchanged"

    cut = run_cli(workspace, lab_state, "lab", "fault", "legacy-cut", "nyj-nongye")
    assert cut.returncode == 0, cut.stderr
    proc = run_cli(workspace, lab_state, "run", "withdraw_exit.yml", "--lab", "--item", "exit:jyj", "--ticket",
                   "MOVE-2", "--json")  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    agg = devices(proc)["yl-agg-01"]
    assert agg["status"] == "ok", agg
    assert any("crosses the unified exit" in c for c in agg["checks"])  # type: ignore[union-attr]
    history = subprocess.run(["git", "-C", str(workspace / "var" / "history"), "log", "--format=%s", "--",
                              "edge-jyj.cfg"], capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert history.splitlines() == ["edge-jyj: change ok", "edge-jyj: backup ok"]

    probe = run_cli(workspace, lab_state, "probe", "--lab", "--json", timeout=300)
    assert probe.stdout.startswith("{"), probe.stderr
    run_id = json.loads(probe.stdout)["run"]
    proc = run_cli(workspace, lab_state, "track", "advance", "--all", "--runs", "1", "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    moved = {m["item"]: m for m in result["moved"]}
    assert set(moved) == {"network:nyj-nongye", "exit:jyj"}, result["moved"]
    assert all(m["to"] == "verified" and m["evidence"]["probe_runs"] == [run_id] for m in moved.values())
    assert moved["exit:jyj"]["evidence"]["history"]  # the commit of the router's config it read
    held = {h["item"]: h["why"] for h in result["held"]}
    assert "no recorded config of swj's own router" in held["exit:swj"]
    assert held["connection:xwb"].startswith(f"probe run #{run_id} classified it ipv4-only")
    shown = run_cli(workspace, lab_state, "track", "show", "exit:jyj")
    assert "advance planned → verified (applied)" in shown.stdout and "tester" in shown.stdout


def test_a_withdrawal_the_network_does_not_show_is_rolled_back(workspace: Path, lab_state: LabState) -> None:
    edge, internet = lab_state.edges["swj"], lab_state.internet_ns
    isp = str(IPv4Interface(lab_state.isp_links["swj"]).ip)
    assert in_ns(internet, "ip", "link", "set", "eth0", "down").returncode == 0  # the unified exit's line is down
    try:
        proc = run_cli(workspace, lab_state, "run", "withdraw_exit.yml", "--lab", "--item", "exit:swj",
                       "--converge-timeout", "3", "--json")  # fmt: skip
    finally:
        in_ns(internet, "ip", "link", "set", "eth0", "up")
        in_ns(internet, "ip", "route", "replace", "198.18.0.0/15", "via", "198.51.100.250")
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    agg = devices(proc)["yl-agg-02"]
    assert agg["status"] == "rolled-back" and "does not cross the unified exit" in str(agg["error"])
    assert f"default via {isp}" in in_ns(edge, "ip", "route", "show", "default").stdout  # the old default is back


def test_an_override_waits_for_a_second_operator(workspace: Path, lab_state: LabState) -> None:
    asked = run_cli(workspace, lab_state, "track", "override", "exit:zjj", "verified", "--reason",
                    "withdrawn with the renumbering, CHG-9", operator="alice")  # fmt: skip
    assert asked.returncode == 0, asked.stderr

    def state() -> str:
        rows = json.loads(run_cli(workspace, lab_state, "track", "status", "--json").stdout)["items"]
        return next(r["state"] for r in rows if r["item"] == "exit:zjj")

    assert state() == "planned"
    same = run_cli(workspace, lab_state, "track", "approve", "exit:zjj", operator="alice")
    assert same.returncode == 2 and state() == "planned"
    other = run_cli(workspace, lab_state, "track", "approve", "exit:zjj", operator="bob")
    assert other.returncode == 0, other.stderr
    assert state() == "verified"


def test_a_zombie_is_retired_when_its_services_fall_silent(workspace: Path, lab_state: LabState) -> None:
    before = run_cli(workspace, lab_state, "track", "advance", "system:czj-gkk-query", "--runs", "1", "--json")
    [held] = json.loads(before.stdout)["held"]
    assert "czj-gkk-query http answered over IPv4 at 198.19.6.20" in held["why"]  # still running
    stopped = run_cli(workspace, lab_state, "lab", "fault", "system-stop", "czj-gkk-query")
    assert stopped.returncode == 0, stopped.stderr
    try:
        probe = run_cli(workspace, lab_state, "probe", "--lab", "--json", timeout=300)
        run_id = json.loads(probe.stdout)["run"]
        proc = run_cli(workspace, lab_state, "track", "advance", "--all", "--runs", "1", "--json")
    finally:
        run_cli(workspace, lab_state, "lab", "fault", "system-start", "czj-gkk-query")
    result = json.loads(proc.stdout)
    assert [(m["item"], m["to"]) for m in result["moved"]] == [("system:czj-gkk-query", "retired")]
    assert result["moved"][0]["evidence"]["probe_runs"] == [run_id]
    held = {h["item"]: h["why"] for h in result["held"]}
    assert "czj-cgk-ledger http answered" in held["system:czj-cgk-ledger"]  # its neighbour kept its service


def test_a_system_whose_target_does_not_answer_stays_cut_over(
    lab_state: LabState, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """budget's census says it runs on the cloud now (the engineer moved it), but nothing answers at its target."""
    root = tmp_path_factory.mktemp("cutover")
    shutil.copytree(REPO / "inventory", root / "inventory")
    for name in ("netplan", "playbooks", "ansible.cfg"):
        (root / name).symlink_to(REPO / name)
    systems = root / "inventory" / "systems.yml"
    text = systems.read_text(encoding="utf-8")
    old = "runs_at: {kind: datacenter, ref: yunling-dc}\n    target: cloud\n    addresses: [198.18.8.21, 198.18.8.22]"
    assert old in text
    moved = old.replace("{kind: datacenter, ref: yunling-dc}", "{kind: cloud, ref: yunling-cloud}")
    systems.write_text(text.replace(old, moved), encoding="utf-8")
    probe = run_cli(root, lab_state, "probe", "--lab", "--json", timeout=300)
    run_id = json.loads(probe.stdout)["run"]
    proc = run_cli(root, lab_state, "track", "advance", "system:budget", "--runs", "1", "--json")
    assert proc.returncode == 0, proc.stderr
    [held] = json.loads(proc.stdout)["held"]
    assert held["state"] == "cut-over"
    assert held["why"].startswith(f"probe run #{run_id}: budget "), held
    assert "did not answer at its target address" in held["why"]
