"""`extranet push dual-stack --lab`: the acceptance of the rollout on the example county's lab.

Runs last in the session (it leaves the routers dual-stack). Each test builds on the one before, as an
operator's day would: roll out, run again, a failing device rolled back, a killed rollout resumed.
"""

import json
import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from extranet.compliance import sentence, trend
from extranet.inventory import load_inventory
from extranet.lab import wait_converged
from extranet.lab.state import LabState
from extranet.plan.lock import read_lock
from extranet.plan.pairs import pairs
from extranet.store import open_store

from ..conftest import REPO
from .conftest import EXTRANET, run_cli

pytestmark = pytest.mark.lab
CORE = "yl-core-01"


@pytest.fixture(scope="module")
def workspace(lab_state: LabState, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """An operator's workspace: the repository's inventory, plan and templates; its own var/ (db, history)."""
    root = tmp_path_factory.mktemp("workspace")
    for name in ("inventory", "netplan", "playbooks", "ansible.cfg"):
        (root / name).symlink_to(REPO / name)
    yield root


def push(workspace: Path, lab_state: LabState, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EXTRANET_LAB_DIR": lab_state.dir, "EXTRANET_OPERATOR": "tester"}
    env.pop("EXTRANET_DB_URL", None)
    return subprocess.run([EXTRANET, "push", "dual-stack", "--lab", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=workspace, env=env)  # fmt: skip


def playbook(workspace: Path, lab_state: LabState, *args: str) -> subprocess.CompletedProcess[str]:
    """The Ansible front door: `extranet run PLAYBOOK --lab …` (ansible-runner, modules over the same engine)."""
    env = {**os.environ, "EXTRANET_LAB_DIR": lab_state.dir, "EXTRANET_OPERATOR": "tester"}
    env.pop("EXTRANET_DB_URL", None)
    return subprocess.run([EXTRANET, "run", *args, "--lab", "--json"], capture_output=True, text=True, timeout=300,
                          cwd=workspace, env=env)  # fmt: skip


def results(proc: subprocess.CompletedProcess[str]) -> dict[str, dict[str, object]]:
    assert proc.stdout.startswith("{"), proc.stdout + proc.stderr
    return {d["device"]: d for d in json.loads(proc.stdout)["devices"]}


def vtysh(lab_state: LabState, device: str, *commands: str) -> str:
    args = [arg for command in commands for arg in ("-c", command)]
    proc = subprocess.run(["ip", "netns", "exec", lab_state.namespaces[device], "vtysh",
                           "--vty_socket", f"{lab_state.dir}/routers/{device}/run", *args],
                          capture_output=True, text=True, timeout=30)  # fmt: skip
    return proc.stdout


def drop_loopback_ipv6(lab_state: LabState, device: str) -> None:
    """Undo part of the rollout by hand on one router, so the next push has work to do there."""
    address = planned(device)["loopback"][0]
    vtysh(lab_state, device, "configure terminal", "interface lo", f"no ipv6 address {address}")


def planned(device: str) -> dict[str, list[str]]:
    inv = load_inventory(REPO / "inventory")
    rows: dict[str, list[str]] = {}
    for pair in pairs(inv, read_lock(REPO / "netplan" / "allocations.yml")):
        if pair.device == device:
            rows.setdefault(pair.kind, []).append(pair.ipv6)
    return rows


def ping(ns: str, address: str, family: str) -> bool:
    proc = subprocess.run(["ip", "netns", "exec", ns, "ping", f"-{family}", "-c", "1", "-W", "2", address],
                          capture_output=True, timeout=10)  # fmt: skip
    return proc.returncode == 0


def test_rollout_makes_the_backbone_dual_stack(workspace: Path, lab_state: LabState) -> None:
    proc = push(workspace, lab_state, "--ticket", "CHG-2026-001", "--json")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    outcome = results(proc)
    assert {d["status"] for d in outcome.values()} == {"ok"}, outcome
    inv = load_inventory(REPO / "inventory")
    for device in inv.devices:
        running = vtysh(lab_state, device, "show running-config")
        addresses = planned(device)
        for kind in ("loopback", "link"):
            for address in addresses.get(kind, []):
                assert f"ipv6 address {address}" in running, (device, address)
        neighbours = json.loads(vtysh(lab_state, device, "show ipv6 ospf6 neighbor json"))["neighbors"]
        links = len(addresses.get("link", []))
        assert [n["state"] for n in neighbours] == ["Full"] * links, (device, neighbours)
    core6 = planned(CORE)["loopback"][0].split("/")[0]
    core4 = str(inv.devices[CORE].loopback)
    departments = [ns for key, ns in lab_state.hosts.items() if key.split(".")[0] in inv.departments]
    assert len(departments) == 35  # every department LAN with a gateway (DC and cloud servers have no plan)
    unreachable = [ns for ns in departments if not (ping(ns, core6, "6") and ping(ns, core4, "4"))]
    assert not unreachable, f"hosts without IPv6 and IPv4 to the core loopback: {unreachable}"


def probe(workspace: Path, lab_state: LabState, *args: str) -> dict[str, dict[str, object]]:
    env = {**os.environ, "EXTRANET_LAB_DIR": lab_state.dir}
    env.pop("EXTRANET_DB_URL", None)
    proc = subprocess.run([EXTRANET, "probe", "--lab", "--json", *args], capture_output=True, text=True,
                          timeout=180, cwd=workspace, env=env)  # fmt: skip
    return {d["id"]: d for d in json.loads(proc.stdout)["departments"]}


def test_after_the_rollout_departments_probe_dual_stack(workspace: Path, lab_state: LabState) -> None:
    found = probe(workspace, lab_state)
    skipped = {"rmt", "vil-dm-jwh", "kfq"}  # not connected / not in the lab (see test_probe.py)
    late = sorted(d for d, v in found.items() if v["status"] != "dual-stack" and d not in skipped)
    first = {d: (found[d]["status"], found[d]["reasons"]) for d in late}
    if late:  # a router's new address can still be tentative (DAD) right after its wave: probe those again
        time.sleep(3)
        found |= probe(workspace, lab_state, "--dept", ",".join(late))
    assert {d for d, v in found.items() if v["status"] == "dual-stack"} == set(found) - skipped, first
    for dept in ("jyj", "swj", "zjj"):  # their own router behind a hand-off: probed from it, over both families
        assert "edge" in str(found[dept]["vantage"]) and found[dept]["status"] == "dual-stack"


def test_track_advance_verifies_the_connections_the_probe_shows_dual_stack(
    workspace: Path, lab_state: LabState
) -> None:
    """Issue 13's gate on real packets: a department's connection is verified on the probe's verdict only."""
    found = probe(workspace, lab_state)  # a full run: every department, both families
    env = {**os.environ, "EXTRANET_LAB_DIR": lab_state.dir}
    env.pop("EXTRANET_DB_URL", None)
    proc = subprocess.run([EXTRANET, "track", "advance", "--all", "--runs", "1", "--json"], capture_output=True,
                          text=True, timeout=120, cwd=workspace, env=env)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    moved = {m["item"] for m in result["moved"]}
    dual = {f"connection:{d}" for d, v in found.items() if v["status"] == "dual-stack"}
    assert moved == dual - {"connection:rmt", "connection:vil-dm-jwh"}, (moved ^ dual, found)
    assert len(moved) >= 25 and all(m["to"] == "verified" for m in result["moved"])
    held = {h["item"]: h["why"] for h in result["held"]}
    assert held["connection:rmt"] == "not connected: the inventory gives it no uplink yet"


def test_history_and_audit_record_every_change(workspace: Path, lab_state: LabState) -> None:
    log = subprocess.run(["git", "-C", str(workspace / "var" / "history"), "log", "-p", "--", f"{CORE}.cfg"],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "Ticket: CHG-2026-001" in log and "Operator: tester" in log and "Action: change" in log
    assert f"+ ipv6 address {planned(CORE)['loopback'][0]}" in log  # git log -p answers "what changed"
    credentials = json.loads((Path(lab_state.dir) / "credentials.json").read_text())
    stored = "".join(p.read_text() for p in (workspace / "var" / "history").glob("*.cfg"))
    assert credentials["password"] not in stored and credentials["community"] not in stored
    verify = subprocess.run([EXTRANET, "audit", "verify"], capture_output=True, text=True, cwd=workspace)
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_compliance_is_judged_after_each_wave(workspace: Path, lab_state: LabState) -> None:
    """Issue 15 item 3: the first rollout (waves 1, 10%, 100%) judged every device against the intent after each
    wave; after the last, every device complies in every feature."""
    store = open_store(f"sqlite:///{workspace / 'var' / 'extranet.db'}")
    rollout = store.runs("push dual-stack")[0].id
    judged = [p for p in trend(store) if p.after_run == rollout]
    devices = len(load_inventory(REPO / "inventory").devices)
    assert [p.wave for p in judged] == [1, 2, 3]
    assert judged[0].compliant < judged[-1].compliant == judged[-1].devices == devices, [sentence(p) for p in judged]
    assert all(share.rate == 1.0 for share in judged[-1].features.values()), sentence(judged[-1])
    audited = [e for e in store.audit_events() if e.action == "compliance" and e.run_id == rollout]
    assert [e.outcome for e in audited][-1] == "compliant" and len(audited) == 3


def test_second_rollout_changes_nothing(workspace: Path, lab_state: LabState) -> None:
    proc = push(workspace, lab_state, "--json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    outcome = results(proc)
    assert {d["status"] for d in outcome.values()} == {"unchanged"}
    assert all(d["lines"] == [] for d in outcome.values())


def test_an_old_plans_address_is_replaced_not_kept_beside(workspace: Path, lab_state: LabState) -> None:
    device, old = "yl-sm-acc-01", "2001:db8:ab00::dead/128"
    vtysh(lab_state, device, "configure terminal", "interface lo", f"ipv6 address {old}")
    proc = push(workspace, lab_state, "--limit", device, "--json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f" no ipv6 address {old}" in results(proc)[device]["lines"]  # type: ignore[operator]
    running = vtysh(lab_state, device, "show running-config")
    assert old not in running and f"ipv6 address {planned(device)['loopback'][0]}" in running
    assert results(push(workspace, lab_state, "--limit", device, "--json"))[device]["status"] == "unchanged"


def test_playbook_front_door_sees_the_same_state(workspace: Path, lab_state: LabState) -> None:
    proc = playbook(workspace, lab_state, "dual_stack.yml")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    outcome = results(proc)
    assert set(outcome) == set(load_inventory(REPO / "inventory").devices)
    assert {d["status"] for d in outcome.values()} == {"unchanged"}
    run = json.loads(proc.stdout)["run"]
    assert list((workspace / "var" / "ansible" / f"run-{run}" / "artifacts").glob("*/job_events/*.json"))
    # the playbook judges compliance once per batch too (run_once), under the same run
    judged = [p for p in trend(open_store(f"sqlite:///{workspace / 'var' / 'extranet.db'}")) if p.after_run == run]
    assert judged and judged[-1].compliant == judged[-1].devices == len(outcome), [sentence(p) for p in judged]


def test_backup_playbook_commits_what_changed_by_hand(workspace: Path, lab_state: LabState) -> None:
    device = "yl-sm-acc-01"
    vtysh(lab_state, device, "configure terminal", "interface lo", "description changed-by-hand")
    proc = playbook(workspace, lab_state, "backup.yml", "--ticket", "AUD-7")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    outcome = results(proc)
    assert outcome[device]["status"] == "ok" and outcome[device]["commits"]
    assert {d["status"] for n, d in outcome.items() if n != device} == {"unchanged"}
    log = subprocess.run(["git", "-C", str(workspace / "var" / "history"), "log", "-1", "-p", "--", f"{device}.cfg"],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "Ticket: AUD-7" in log and "+ description changed-by-hand" in log and "Action: backup" in log
    vtysh(lab_state, device, "configure terminal", "interface lo", "no description")


def test_playbook_rollout_rolls_back_and_stops_later_batches(workspace: Path, lab_state: LabState) -> None:
    first, later = "yl-ll-acc-01", "yl-qj-acc-01"
    for device in (first, later):
        drop_loopback_ipv6(lab_state, device)
    before = vtysh(lab_state, first, "show running-config")
    assert run_cli("lab", "fault", "link-down", first, "yl-core-02", "--dir", lab_state.dir).returncode == 0
    try:
        proc = playbook(workspace, lab_state, "dual_stack.yml", "--limit", f"yl-core-02,{first},{later}",
                        "--waves", "1", "--converge-timeout", "5")  # fmt: skip
    finally:
        run_cli("lab", "fault", "link-up", first, "yl-core-02", "--dir", lab_state.dir)
        assert wait_converged(lab_state, 60), "IPv4 did not reconverge after link-up"
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    outcome = results(proc)
    assert outcome["yl-core-02"]["status"] == "unchanged"
    assert outcome[first]["status"] == "rolled-back" and "OSPFv3 not Full" in str(outcome[first]["error"])
    assert outcome[later]["status"] == "skipped" and "play stopped" in str(outcome[later]["error"])
    assert vtysh(lab_state, first, "show running-config") == before


def test_failed_post_check_rolls_back_exactly_and_stops_later_waves(workspace: Path, lab_state: LabState) -> None:
    first, later = "yl-ll-acc-01", "yl-qj-acc-01"  # core-outwards order: ll-acc-01 is changed first
    for device in (first, later):
        drop_loopback_ipv6(lab_state, device)
    before = vtysh(lab_state, first, "show running-config")
    assert run_cli("lab", "fault", "link-down", first, "yl-core-02", "--dir", lab_state.dir).returncode == 0
    try:
        # yl-core-02 (already dual-stack) in the run makes it an expected OSPFv3 peer of yl-ll-acc-01
        proc = push(workspace, lab_state, "--limit", f"yl-core-02,{first},{later}", "--waves", "1",
                    "--converge-timeout", "5", "--json")  # fmt: skip
    finally:
        run_cli("lab", "fault", "link-up", first, "yl-core-02", "--dir", lab_state.dir)
        assert wait_converged(lab_state, 60), "IPv4 did not reconverge after link-up"
    assert proc.returncode == 1, proc.stderr[-2000:]
    outcome = results(proc)
    assert outcome[first]["status"] == "rolled-back" and "OSPFv3 not Full" in str(outcome[first]["error"])
    assert outcome[later]["status"] == "skipped" and "failure budget" in str(outcome[later]["error"])
    assert vtysh(lab_state, first, "show running-config") == before  # exactly its previous config


def test_killed_rollout_resumes_and_finishes(workspace: Path, lab_state: LabState) -> None:
    devices = ["yl-ll-acc-01", "yl-qj-acc-01", "yl-sm-acc-01", "yl-bs-acc-01"]
    for device in devices:
        drop_loopback_ipv6(lab_state, device)
    env = {**os.environ, "EXTRANET_LAB_DIR": lab_state.dir}
    env.pop("EXTRANET_DB_URL", None)
    args = [EXTRANET, "push", "dual-stack", "--lab", "--limit", ",".join(devices), "--waves", "1", "--forks", "1"]
    said = workspace / "killed-push.err"  # what the push said, for the assertion below (a pipe could fill up)
    with said.open("wb") as err:
        runner = subprocess.Popen(args, cwd=workspace, env=env, stdout=subprocess.DEVNULL, stderr=err)
    db = workspace / "var" / "extranet.db"
    deadline = time.monotonic() + 120
    finished: list[str] = []
    while time.monotonic() < deadline and not finished and runner.poll() is None:
        time.sleep(0.05)  # a lab device takes under a second: look often enough to kill the push in the middle
        if not db.exists():  # the push has not opened its database yet (this test run alone)
            continue
        with sqlite3.connect(db) as conn:
            # the rollout's own run: a compliance judgement after each wave is a run of its own (kind compliance)
            query = ("SELECT device FROM device_results WHERE status = 'ok' AND run_id = "
                     "(SELECT max(id) FROM runs WHERE kind = 'push dual-stack')")  # fmt: skip
            finished = [row[0] for row in conn.execute(query)]
    exited = runner.poll()
    runner.send_signal(signal.SIGKILL)
    runner.wait()
    assert finished, f"the first device never finished (push exited: {exited}): {said.read_text()[-2000:]}"
    proc = push(workspace, lab_state, "--limit", ",".join(devices), "--json")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert json.loads(proc.stdout)["resumed_from"] is not None
    outcome = results(proc)
    assert outcome[finished[0]]["status"] == "done-before"
    assert {d["status"] for n, d in outcome.items() if n not in finished} <= {"ok", "unchanged"}
    for device in devices:
        assert f"ipv6 address {planned(device)['loopback'][0]}" in vtysh(lab_state, device, "show running-config")
