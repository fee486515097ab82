"""Several probing hosts (vantages) in one database: recorded per run, merged per department by the report, and
two `extranet probe` processes writing to the same PostgreSQL server at once."""

import json
import os
import shutil
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from extranet import store
from extranet.inventory import load_inventory
from extranet.report import Format, Lang, build, render
from extranet.store import Store, open_store
from extranet.store.schema import DepartmentStatus, Run

from ..conftest import REPO
from .test_cli import run
from .test_store_postgres import postgres_url as postgres_url  # the server the store's tests start

NOW = datetime.now(UTC).replace(microsecond=0)
FAMILIES = {"dual-stack": ("ok", "ok"), "ipv4-only": ("ok", "down"), "ipv6-only": ("down", "ok"),
            "down": ("down", "down"), "degraded": ("degraded", "ok"), "unknown": ("unknown", "unknown")}  # fmt: skip
V4_DOWN, V6_DOWN = "IPv4: gateway 198.19.2.1: no reply (timeout)", "IPv6: gateway 2001:db8:2::1: no reply (timeout)"
REASONS = {"ipv4-only": [V6_DOWN], "ipv6-only": [V4_DOWN], "down": [V4_DOWN, V6_DOWN]}


def probe_run(db: Store, vantage: str | None, started: datetime, seen: dict[str, str]) -> int:
    """A finished probe run from ``vantage`` that saw each department of ``seen`` at its status."""
    with db.transaction() as s:
        row = Run(kind="probe", operator="ops", started_at=started, finished_at=started + timedelta(minutes=2),
                  status="problems", summary={}, vantage=vantage)  # fmt: skip
        s.add(row)
        s.flush()
        run_id = row.id
    db.save_probe(run_id, [], [
        DepartmentStatus(department=dept, at=started + timedelta(seconds=30), status=status,
                         ipv4=FAMILIES[status][0], ipv6=FAMILIES[status][1], reasons=REASONS.get(status, []))
        for dept, status in seen.items()])  # fmt: skip
    return run_id


@pytest.fixture
def db(tmp_path: Path) -> Store:
    return open_store(f"sqlite:///{tmp_path / 'vantages.db'}")


def departments(db: Store, since: timedelta = timedelta(days=30)) -> dict[str, dict[str, object]]:
    report = build(db, load_inventory(REPO / "inventory"), NOW - since, NOW)
    return {d["id"]: d for d in json.loads(render(report, Format.JSON, Lang.EN))["departments"]}


def test_a_department_down_from_one_vantage_and_up_from_another_is_a_path_problem(db: Store) -> None:
    a = probe_run(db, "probe-a", NOW - timedelta(hours=2), {"gaj": "dual-stack", "jyj": "down"})
    b = probe_run(db, "probe-b", NOW - timedelta(hours=1), {"gaj": "down", "jyj": "down"})
    report = build(db, load_inventory(REPO / "inventory"), NOW - timedelta(days=30), NOW)
    document = json.loads(render(report, Format.JSON, Lang.EN))
    found = {d["id"]: d for d in document["departments"]}
    assert found["gaj"]["status"] == "dual-stack" and (found["gaj"]["ipv4"], found["gaj"]["ipv6"]) == ("ok", "ok")
    assert found["gaj"]["vantages"] == [{"vantage": "probe-a", "run": a, "status": "dual-stack"},
                                        {"vantage": "probe-b", "run": b, "status": "down"}]  # fmt: skip
    assert found["gaj"]["reasons"] == [
        "IPv4: down from vantage probe-b, ok from probe-a: a path problem, not the department",
        "IPv6: down from vantage probe-b, ok from probe-a: a path problem, not the department",
    ]
    assert found["jyj"]["status"] == "down" and found["jyj"]["reasons"] == REASONS["down"]  # down from everywhere
    assert [v["vantage"] for v in document["vantages"]] == ["probe-a", "probe-b"]
    assert document["counts"]["down"] == 1  # jyj: gaj is not a department down
    assert [o.department for o in report.outages] == ["jyj"]
    markdown = render(report, Format.MD, Lang.ZH)
    assert "- 探测观测点: probe-a (#1," in markdown and "; probe-b (#2," in markdown
    assert "IPv4：从观测点 probe-b 看中断，从 probe-a 看正常：属路径问题，非部门故障" in markdown
    assert "probe-b" in render(report, Format.HTML, Lang.EN) and "path problem" in render(report, Format.CSV, Lang.EN)


def test_ipv4_from_one_vantage_and_ipv6_from_another_make_a_dual_stack_department(db: Store) -> None:
    probe_run(db, "probe-a", NOW - timedelta(hours=2), {"gaj": "ipv4-only"})
    probe_run(db, "probe-b", NOW - timedelta(hours=1), {"gaj": "ipv6-only"})
    gaj = departments(db)["gaj"]
    assert (gaj["status"], gaj["ipv4"], gaj["ipv6"]) == ("dual-stack", "ok", "ok")
    assert gaj["reasons"] == [
        "IPv4: down from vantage probe-b, ok from probe-a: a path problem, not the department",
        "IPv6: down from vantage probe-a, ok from probe-b: a path problem, not the department",
    ]


def test_a_probe_that_could_not_run_does_not_hide_what_another_vantage_saw(db: Store) -> None:
    probe_run(db, "probe-a", NOW - timedelta(hours=2), {"gaj": "down", "jyj": "degraded"})
    probe_run(db, "probe-b", NOW - timedelta(hours=1), {"gaj": "unknown", "jyj": "dual-stack"})
    found = departments(db)
    assert found["gaj"]["status"] == "down" and found["gaj"]["reasons"] == REASONS["down"]
    assert found["jyj"]["status"] == "dual-stack"
    assert found["jyj"]["reasons"] == [
        "IPv4: degraded from vantage probe-a, ok from probe-b: a path problem, not the department"
    ]


def test_a_vantage_that_stopped_probing_drops_out_after_a_day(db: Store) -> None:
    probe_run(db, "retired", NOW - timedelta(days=3), {"gaj": "down"})
    probe_run(db, "probe-a", NOW - timedelta(hours=1), {"gaj": "ipv4-only"})
    gaj = departments(db)["gaj"]
    assert gaj["status"] == "ipv4-only" and gaj["reasons"] == REASONS["ipv4-only"]
    assert [v["vantage"] for v in gaj["vantages"]] == ["probe-a"]


def test_outages_and_the_trend_follow_the_vantages_together(db: Store) -> None:
    """gaj is cut off from probe-b for two days (a path problem: no outage), then down from both for a day."""
    story = [("probe-a", "dual-stack"), ("probe-b", "down"), ("probe-a", "dual-stack"), ("probe-b", "down"),
             ("probe-a", "down"), ("probe-b", "down"), ("probe-a", "dual-stack")]  # fmt: skip
    for index, (vantage, status) in enumerate(story):
        probe_run(db, vantage, NOW - timedelta(hours=12 * (len(story) - index)), {"gaj": status, "jyj": "dual-stack"})
    report = build(db, load_inventory(REPO / "inventory"), NOW - timedelta(days=30), NOW)
    (outage,) = report.outages
    down_at = NOW - timedelta(hours=12 * 3) + timedelta(seconds=30)
    assert (outage.department, outage.start, outage.end) == ("gaj", down_at, down_at + timedelta(hours=24))
    assert [p.dual_stack for p in report.trend] == [2, 2, 2, 2, 1, 1, 2]
    assert {r.id: r.status for r in report.rows}["gaj"] == "dual-stack"
    assert [(c.department, c.before, c.after) for c in report.changes] == [("gaj", "down", "dual-stack")]


def test_one_vantage_is_reported_as_before(db: Store) -> None:
    first = probe_run(db, "probe-a", NOW - timedelta(hours=2), {"gaj": "down"})
    probe_run(db, "probe-a", NOW - timedelta(hours=1), {"gaj": "ipv4-only"})
    report = build(db, load_inventory(REPO / "inventory"), NOW - timedelta(days=30), NOW)
    assert "探测观测点" not in render(report, Format.MD, Lang.ZH)
    gaj = {r.id: r for r in report.rows}["gaj"]
    assert gaj.status == "ipv4-only" and gaj.reasons == tuple(REASONS["ipv4-only"])
    assert report.previous is not None and report.previous.id == first
    assert departments(db)["gaj"]["vantages"] == [{"vantage": "probe-a", "run": first + 1, "status": "ipv4-only"}]


def test_probe_runs_recorded_before_vantages_are_named_after_this_host_or_the_lab(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    db = open_store(url)
    cfg = store._alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0005")
        for run_id, kind, lab in ((1, "probe", "false"), (2, "probe (partial)", "true"), (3, "plan.apply", "false")):
            values = f"({run_id}, '{kind}', 'ops', '2026-11-01 00:00:00', 'ok', '{{\"lab\": {lab}}}')"
            conn.execute(text(f"INSERT INTO runs (id, kind, operator, started_at, status, summary) VALUES {values}"))
    open_store(url)  # upgrades it
    with db.engine.connect() as conn:
        named = dict(conn.execute(text("SELECT id, vantage FROM runs ORDER BY id")).all())
    assert named == {1: socket.gethostname()[:64], 2: "lab", 3: None}


def test_probe_refuses_a_vantage_that_is_not_one_word(workspace: Path) -> None:
    result = run("probe", "--vantage", "east side", cwd=workspace)
    assert result.returncode == 2 and "--vantage: has a character or form that is not allowed" in result.stderr
    assert "east side" not in result.stderr


def loopback_probe(workspace: Path, vantage: str, loopback_up: bool, url: str) -> subprocess.Popen[str]:
    """`extranet probe --vantage VANTAGE` in a network namespace of its own, its ICMP aimed at loopback (up: every
    department answers; down: none does)."""
    setup = "ip link set lo up && " if loopback_up else ""
    probe = (f"{sys.executable} -m tests.fakes.loopback_probe --vantage {vantage} --json --inventory inventory "
             "--lock allocations.yml --settings probe.yml")  # fmt: skip
    environment = {**os.environ, "EXTRANET_DB_URL": url, "PYTHONPATH": str(REPO), "LOOPBACK_BATCH": "3",
                   "LOOPBACK_MEET": str(workspace / "meet"), "LOOPBACK_PARTIES": "2"}  # fmt: skip
    return subprocess.Popen(["unshare", "--net", "sh", "-c", setup + "exec " + probe], cwd=workspace, text=True,
                            env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip


def test_two_vantages_probe_into_one_postgresql_database_at_once(postgres_url: str, tmp_path: Path) -> None:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.skip("needs unshare and ip (util-linux, iproute2) to probe loopback in a namespace of its own")
    shutil.copytree(REPO / "inventory", tmp_path / "inventory")
    shutil.copy(REPO / "netplan" / "allocations.yml", tmp_path / "allocations.yml")
    shutil.copy(REPO / "playbooks" / "group_vars" / "all" / "probe.yml", tmp_path / "probe.yml")
    (tmp_path / "meet").mkdir()
    open_store(postgres_url)  # the schema first: two first runs would both migrate an empty database
    probes = {"east": loopback_probe(tmp_path, "east", True, postgres_url),
              "west": loopback_probe(tmp_path, "west", False, postgres_url)}  # fmt: skip
    said = {vantage: process.communicate(timeout=300) for vantage, process in probes.items()}
    assert probes["east"].returncode == 1, said["east"][1]  # two departments are not connected yet
    assert probes["west"].returncode == 1, said["west"][1]
    runs = {vantage: json.loads(out)["run"] for vantage, (out, _) in said.items()}
    db = open_store(postgres_url)
    east, west = (db.get_run(runs[vantage]) for vantage in ("east", "west"))
    assert east is not None and west is not None and (east.vantage, west.vantage) == ("east", "west")
    assert east.finished_at and west.finished_at  # each wrote while the other was writing:
    assert east.started_at < west.finished_at and west.started_at < east.finished_at
    assert [run.id for run in db.runs("probe")] == sorted(runs.values())
    inventory = load_inventory(tmp_path / "inventory")
    for vantage, expected in (("east", "dual-stack"), ("west", "down")):
        statuses = db.department_statuses([runs[vantage]])
        assert sorted(s.department for s in statuses) == sorted(inventory.departments)  # none lost, none twice
        connected = {s.status for s in statuses if inventory.departments[s.department].uplink is not None}
        assert connected == {expected}  # none of the other vantage's results mixed in
        assert {r.department for r in db.probe_results(runs[vantage])} <= set(inventory.departments)
    report = build(db, inventory, NOW - timedelta(days=1))
    rows = {row.id: row for row in report.rows}
    assert rows["gaj"].status == "dual-stack"
    assert "IPv4: down from vantage west, ok from east: a path problem, not the department" in rows["gaj"].reasons
    assert [v.vantage for v in report.vantages] == sorted(runs, key=runs.__getitem__)
    assert store.schema_revisions(db.engine) == (store.SCHEMA_HEAD, store.SCHEMA_HEAD)
