"""`extranet probe --lab` and `extranet report connections` on the example county's lab, before the rollout.

The lab is legacy IPv4-only here (test_rollout.py, which runs last, checks the probe after the rollout).
Probes run from inside each department's namespace; SNMP reads the access router's port over the lab's
management bridge.
"""

import json
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from extranet.inventory import load_inventory
from extranet.lab.state import LabState

from ..conftest import REPO
from .conftest import EXTRANET, run_cli

pytestmark = pytest.mark.lab
UNCONNECTED = {"rmt", "vil-dm-jwh"}  # no uplink yet (connect_by)
NOT_IN_LAB = {"kfq"}  # a park network (class F): the lab has no namespace for it


@pytest.fixture(scope="module")
def workspace(lab_state: LabState, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("probe-workspace")
    for name in ("inventory", "netplan", "playbooks"):
        (root / name).symlink_to(REPO / name)
    yield root


def extranet(workspace: Path, lab_state: LabState, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "EXTRANET_LAB_DIR": lab_state.dir, **env}
    environment.pop("EXTRANET_DB_URL", None)
    return subprocess.run([EXTRANET, *args], capture_output=True, text=True, timeout=180, cwd=workspace,
                          env=environment)  # fmt: skip


def probe(workspace: Path, lab_state: LabState, *args: str, **env: str) -> dict[str, dict[str, object]]:
    proc = extranet(workspace, lab_state, "probe", "--lab", "--json", *args, **env)
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    return {d["id"]: d for d in json.loads(proc.stdout)["departments"]}


def test_before_the_rollout_every_department_is_ipv4_only(workspace: Path, lab_state: LabState) -> None:
    found = probe(workspace, lab_state)
    assert set(found) == set(load_inventory(REPO / "inventory").departments)
    lab_departments = set(found) - UNCONNECTED - NOT_IN_LAB
    for dept in lab_departments:
        d = found[dept]
        assert (d["status"], d["ipv4"], d["ipv6"]) == ("ipv4-only", "ok", "down"), d
        assert any(str(r).startswith("IPv6: gateway") for r in d["reasons"]), d["reasons"]  # type: ignore[attr-defined]
        snmp = [r for r in d["results"] if r["kind"] == "snmp"]  # type: ignore[attr-defined]
        assert snmp and snmp[0]["ok"] and snmp[0]["oper_status"] == "up", snmp
    for dept in UNCONNECTED:
        assert found[dept]["status"] == "down" and "not connected" in str(found[dept]["reasons"])
    for dept in NOT_IN_LAB:
        assert found[dept]["status"] == "unknown" and "no namespace in the lab" in str(found[dept]["reasons"])
    db = workspace / "var" / "extranet.db"
    with sqlite3.connect(db) as conn:
        run = conn.execute("SELECT id, status FROM runs WHERE kind = 'probe' ORDER BY id DESC").fetchone()
        statuses = conn.execute("SELECT count(*) FROM department_status WHERE run_id = ?", (run[0],)).fetchone()
        pings = conn.execute("SELECT count(*) FROM probe_results WHERE run_id = ? AND kind = 'icmp' AND family = 6",
                             (run[0],)).fetchone()  # fmt: skip
    assert run[1] == "problems" and statuses[0] == len(found) and pings[0] >= 2 * len(lab_departments)


def test_a_partitioned_department_is_down_with_the_reason(workspace: Path, lab_state: LabState) -> None:
    assert run_cli("lab", "fault", "partition", "xwb", "--dir", lab_state.dir).returncode == 0
    try:
        found = probe(workspace, lab_state, "--dept", "xwb,zfb")
    finally:
        assert run_cli("lab", "fault", "heal", "xwb", "--dir", lab_state.dir).returncode == 0
    assert set(found) == {"xwb", "zfb"}
    assert found["xwb"]["status"] == "down" and found["xwb"]["ipv4"] == "down"
    assert "IPv4: gateway 198.19.1.1: no reply" in str(found["xwb"]["reasons"])
    assert "uplink oper status down" in str(found["xwb"]["reasons"])  # SNMP sees the port go down
    assert found["zfb"]["status"] == "ipv4-only"


def test_wrong_snmp_credentials_are_reported_and_the_run_goes_on(workspace: Path, lab_state: LabState) -> None:
    wrong = {"EXTRANET_SNMP_USER": "labv3", "EXTRANET_SNMP_AUTH_KEY": "wrong-auth-key",
             "EXTRANET_SNMP_PRIV_KEY": "x" * 12}  # fmt: skip
    found = probe(workspace, lab_state, "--site", "baishi", **wrong)
    assert found, "no department probed"
    for d in found.values():
        assert d["status"] == "unknown" and d["ipv4"] == "ok", d  # the pings still ran and count
        assert "authentication failed" in str(d["reasons"]) and "wrong-auth-key" not in json.dumps(d)


def test_bad_input_is_refused_with_exit_2(workspace: Path, lab_state: LabState) -> None:
    for args, said in ((["--family", "5"], "--family"), (["--dept", "nosuch"], "no department nosuch"),
                       (["--from", "moon"], "--from")):  # fmt: skip
        proc = extranet(workspace, lab_state, "probe", "--lab", *args)
        assert proc.returncode == 2 and said in proc.stderr, (args, proc.stderr)
    bad = workspace / "bad-probe.yml"
    bad.write_text("extranet_probe:\n  count: 5\n  loss_degraded: 2\n", encoding="utf-8")
    proc = extranet(workspace, lab_state, "probe", "--lab", "--settings", str(bad))
    assert proc.returncode == 2 and "bad-probe.yml:3" in proc.stderr and "loss_degraded" in proc.stderr, proc.stderr


def test_the_connections_report_shows_the_probe(workspace: Path, lab_state: LabState) -> None:
    proc = extranet(workspace, lab_state, "report", "connections", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    statuses = {d["id"]: d["status"] for d in report["departments"]}
    assert statuses["xwb"] == "ipv4-only" and statuses["rmt"] == "down"
    html = workspace / "var" / "reports" / "connections.html"
    proc = extranet(workspace, lab_state, "report", "connections", "--format", "html", "--output", str(html))
    assert proc.returncode == 0 and "中共云岭县委办公室" in html.read_text(encoding="utf-8")
