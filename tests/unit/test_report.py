"""The connections report as operators read it: statuses, changes, outages, readiness, in every format."""

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from extranet.inventory import load_inventory
from extranet.report import ConnectionsReport, Format, Lang, build, render
from extranet.report.formats import as_json
from extranet.report.latest import Metrics, metrics
from extranet.report.vantages import Sight
from extranet.store import Store, open_store
from extranet.store.schema import DepartmentStatus, ProbeResult, Run

from ..conftest import REPO
from .test_store_postgres import postgres_url as postgres_url  # the server the store's tests start

EXTRANET = str(Path(sys.executable).parent / "extranet")
NOW = datetime.now(UTC).replace(microsecond=0)
RUN_TIMES = (NOW - timedelta(days=2), NOW - timedelta(days=1), NOW - timedelta(hours=1))
NOT_PROBED = ("rmt", "vil-dm-jwh")  # not connected yet (no uplink): the probe skips them
# Status per run, where it is not dual-stack in every run; None: not probed in that run.
STORY: dict[str, tuple[str | None, str | None, str | None]] = {
    "jyj": ("dual-stack", "down", "dual-stack"),  # down, then up again
    "gaj": ("dual-stack", "down", "down"),  # still down
    "twn-qt-gov": ("ipv4-only", "ipv4-only", "dual-stack"),  # IPv6 rolled out
    "vil-qj-cwh": ("ipv4-only", "ipv4-only", "ipv4-only"),
    "twn-bs-gov": ("dual-stack", "dual-stack", "degraded"),
    "sjj": ("dual-stack", "dual-stack", "unknown"),
    "kfq": ("dual-stack", None, "dual-stack"),  # missing from run 2: new again in run 3
    "daj": ("dual-stack", "dual-stack", None),  # missing from run 3
    "old-dept": ("dual-stack", "dual-stack", "dual-stack"),  # in the database, no longer in the inventory
}
FAMILIES = {
    "dual-stack": ("ok", "ok"),
    "ipv4-only": ("ok", "absent"),
    "degraded": ("degraded", "ok"),
    "down": ("down", "down"),
    "unknown": ("unknown", "unknown"),
}
REASONS = {  # as `extranet probe` words them (probe/classify.py)
    "down": ["IPv4: core 198.18.0.1: no reply (timeout)", "IPv6: gateway 2001:db8:1::1: no reply (no route)"],
    "degraded": ["IPv4: core 198.18.0.1: loss 40% over threshold 20%"],
    "ipv4-only": ["IPv6: gateway 2001:db8:2::1: no reply (network unreachable)"],
}


def add_run(store: Store, started: datetime, status: str = "problems") -> int:
    with store.transaction() as s:
        finished = None if status == "running" else started + timedelta(minutes=3)
        run = Run(
            kind="probe",
            operator="ops",
            started_at=started,
            finished_at=finished,
            status=status,
            summary={"departments": 30},
        )
        s.add(run)
        s.flush()
        return run.id


def seed(db: Path | str, departments: list[str]) -> Store:
    """Three finished probe runs over ``departments`` (following STORY), and one still running, in the SQLite
    file ``db`` or the database at that URL."""
    store = open_store(db if isinstance(db, str) else f"sqlite:///{db}")
    for index, started in enumerate(RUN_TIMES):
        run_id = add_run(store, started)
        statuses = []
        for dept in [*departments, "old-dept"]:
            status = STORY.get(dept, ("dual-stack",) * 3)[index]
            if status is None or dept in NOT_PROBED:
                continue
            ipv4, ipv6 = FAMILIES[status]
            statuses.append(DepartmentStatus(department=dept, at=started + timedelta(seconds=30), status=status,
                                             ipv4=ipv4, ipv6=ipv6, reasons=REASONS.get(status, [])))  # fmt: skip
        store.save_probe(run_id, results(index), statuses)
    running = add_run(store, NOW, status="running")
    store.save_probe(running, [], [DepartmentStatus(department="jyj", at=NOW, status="down", ipv4="down", ipv6="down")])
    return store


def results(index: int) -> list[ProbeResult]:
    """Checks behind the last run's figures for jyj (all fine) and gaj (down)."""
    if index != 2:
        return []
    icmp = {"sent": 3, "received": 3, "loss": 0.0, "rtt_min": 1.1, "rtt_max": 2.0, "jitter": 0.2}
    return [
        ProbeResult(department="jyj", family=4, kind="icmp", target="core", address="198.18.0.1", ok=True,
                    detail={**icmp, "rtt_avg": 1.5}),
        ProbeResult(department="jyj", family=6, kind="icmp", target="core", address="2001:db8::1", ok=True,
                    detail={**icmp, "rtt_avg": 2.5}),
        ProbeResult(department="jyj", family=4, kind="tcp", target="oa:443", address="198.51.100.10", ok=True,
                    detail={"latency_ms": 3.0}),
        ProbeResult(department="jyj", family=6, kind="tcp", target="oa:443", address="2001:db8:5::10", ok=True,
                    detail={"latency_ms": 3.2}),
        ProbeResult(department="jyj", family=4, kind="tcp", target="mail:25", address="198.51.100.11", ok=False,
                    detail={}, error="connection refused"),
        ProbeResult(department="jyj", family=4, kind="snmp", target="uplink", address="198.18.0.2", ok=True,
                    detail={"oper_status": "up", "in_errors": 0, "out_errors": 0, "in_bps": 12_345_678,
                            "out_bps": 1_000_000}),
        ProbeResult(department="gaj", family=4, kind="icmp", target="core", address="198.18.0.1", ok=False,
                    detail={"sent": 3, "received": 0, "loss": 1.0}),
    ]  # fmt: skip


@pytest.fixture
def seeded(tmp_path: Path) -> tuple[Store, Path]:
    inventory = REPO / "inventory"
    return seed(tmp_path / "report.db", list(load_inventory(inventory).departments)), tmp_path / "report.db"


@pytest.fixture
def report(seeded: tuple[Store, Path]) -> ConnectionsReport:
    return build(seeded[0], load_inventory(REPO / "inventory"), NOW - timedelta(days=30), NOW)


def by_id(report: ConnectionsReport) -> dict[str, dict[str, Any]]:
    document = json.loads(render(report, Format.JSON, Lang.EN))
    return {d["id"]: d for d in document["departments"]}


def test_json_lists_every_department_of_the_latest_finished_run_with_its_status(report: ConnectionsReport) -> None:
    document = json.loads(render(report, Format.JSON, Lang.ZH))
    assert document["run"]["id"] == 3 and document["previous_run"]["id"] == 2  # run 4 is still running
    assert document["run"]["status"] == "problems" and document["run"]["summary"] == {"departments": 30}
    departments = {d["id"]: d for d in document["departments"]}
    assert len(departments) == 32  # the inventory's 31 and one it no longer has
    assert departments["jyj"]["status"] == "dual-stack" and departments["jyj"]["status_label"] == "双栈正常"
    assert departments["gaj"]["status"] == "down" and departments["gaj"]["reasons"] == REASONS["down"]
    assert departments["vil-qj-cwh"] | {"metrics": None} == departments["vil-qj-cwh"] | {
        "status": "ipv4-only", "ipv4": "ok", "ipv6": "absent", "level": "village", "group": "qiaotou",
        "group_name": "桥头镇", "site_name": "桥头镇前进村", "metrics": None,
    }  # fmt: skip
    for dept in ("rmt", "vil-dm-jwh", "daj"):
        assert departments[dept]["status"] == "not-probed" and departments[dept]["ipv4"] is None
    assert departments["old-dept"]["group"] is None and departments["old-dept"]["name"] == "old-dept"
    assert document["counts"] == {"dual-stack": 25, "ipv4-only": 1, "ipv6-only": 0, "degraded": 1, "down": 1,
                                  "unknown": 1, "not-probed": 3}  # fmt: skip


def test_key_metrics_come_from_the_checks_of_the_run(report: ConnectionsReport) -> None:
    departments = by_id(report)
    assert departments["jyj"]["metrics"] == {
        "ipv4_loss": 0.0, "ipv4_rtt_ms": 1.5, "ipv6_loss": 0.0, "ipv6_rtt_ms": 2.5, "services_up": 2,
        "services_total": 3, "uplink_oper": "up", "uplink_in_bps": 12_345_678, "uplink_out_bps": 1_000_000,
    }  # fmt: skip
    assert departments["gaj"]["metrics"]["ipv4_loss"] == 1.0
    assert departments["gaj"]["metrics"]["ipv6_loss"] is None


def test_departments_are_grouped_by_township_villages_under_their_township(report: ConnectionsReport) -> None:
    groups = {group.id: [row.id for row in group.rows] for group in report.groups()}
    assert list(groups) == ["yunling", "chengguan", "qiaotou", "shuangmiao", "liulin", "baishi", None]
    assert groups["qiaotou"] == ["twn-qt-gov", "vil-qj-cwh"]
    assert groups["chengguan"] == ["twn-cg-gov", "vil-dm-jwh"]
    assert len(groups["yunling"]) == 24 and groups[None] == ["old-dept"]


def test_changes_since_the_previous_run(report: ConnectionsReport) -> None:
    changes = {c.department: (c.kind, c.before, c.after) for c in report.changes}
    assert changes == {
        "jyj": ("changed", "down", "dual-stack"),
        "twn-qt-gov": ("changed", "ipv4-only", "dual-stack"),
        "twn-bs-gov": ("changed", "dual-stack", "degraded"),
        "sjj": ("changed", "dual-stack", "unknown"),
        "kfq": ("new", None, "dual-stack"),
        "daj": ("removed", "dual-stack", None),
    }


def test_outages_run_from_first_seen_down_to_first_seen_up_or_are_ongoing(report: ConnectionsReport) -> None:
    document = json.loads(render(report, Format.JSON, Lang.EN))
    outages = {o["department"]: o for o in document["outages"]}
    down_at, up_at = RUN_TIMES[1] + timedelta(seconds=30), RUN_TIMES[2] + timedelta(seconds=30)
    assert outages["jyj"] == {"department": "jyj", "name": "云岭县教育局", "start": down_at.isoformat(),
                              "end": up_at.isoformat(), "ongoing": False, "duration_seconds": 23 * 3600}  # fmt: skip
    assert outages["gaj"]["ongoing"] and outages["gaj"]["end"] is None
    assert outages["gaj"]["duration_seconds"] == 23 * 3600  # until the last run that saw it down
    assert [o["department"] for o in document["outages"]] == ["gaj", "jyj"]  # ongoing first
    assert "| 云岭县教育局 (jyj) |" in render(report, Format.MD, Lang.ZH)
    assert "23小时0分钟" in render(report, Format.MD, Lang.ZH)
    assert "23 h 0 min" in render(report, Format.MD, Lang.EN)


def test_since_limits_the_history_not_the_latest_run(seeded: tuple[Store, Path]) -> None:
    report = build(seeded[0], load_inventory(REPO / "inventory"), NOW - timedelta(hours=12), NOW)
    assert report.run.id == 3 and report.previous is not None and report.previous.id == 2
    assert [(o.department, o.ongoing, o.duration) for o in report.outages] == [("gaj", True, timedelta(0))]
    assert [p.run for p in report.trend] == [3]


def test_readiness_per_level_over_probed_and_over_the_inventory(report: ConnectionsReport) -> None:
    readiness = {r["level"]: r for r in json.loads(render(report, Format.JSON, Lang.EN))["readiness"]}
    assert list(readiness) == ["county", "township", "village", "all"]
    assert {level: (r["dual_stack"], r["probed"], r["inventory"]) for level, r in readiness.items()} == {
        "county": (20, 22, 24), "township": (4, 5, 5), "village": (0, 1, 2), "all": (24, 28, 31),
    }  # fmt: skip
    assert readiness["township"]["rate_probed"] == pytest.approx(0.8)
    assert readiness["village"]["rate_inventory"] == 0.0
    markdown = render(report, Format.MD, Lang.ZH)
    assert "| 县级 | 20 | 22 | 24 | 90.9% | 83.3% |" in markdown
    assert "| 合计 | 24 | 28 | 31 | 85.7% | 77.4% |" in markdown


def test_trend_is_the_readiness_of_each_run_of_the_period(report: ConnectionsReport) -> None:
    trend = json.loads(render(report, Format.JSON, Lang.EN))["trend"]
    assert [(p["run"], p["dual_stack"], p["probed"]) for p in trend] == [(1, 27, 29), (2, 24, 28), (3, 24, 28)]


def test_csv_has_one_row_per_department_with_stable_columns(report: ConnectionsReport) -> None:
    rows = list(csv.DictReader(io.StringIO(render(report, Format.CSV, Lang.ZH))))
    assert len(rows) == 32
    jyj = next(row for row in rows if row["id"] == "jyj")
    assert (jyj["name"], jyj["status"], jyj["status_label"], jyj["ipv4_rtt_ms"], jyj["services_up"]) == (
        "云岭县教育局", "dual-stack", "双栈正常", "1.5", "2",
    )  # fmt: skip
    gaj = next(row for row in rows if row["id"] == "gaj")
    assert gaj["reasons"] == "; ".join(REASONS["down"]) and gaj["run"] == "3"
    assert next(row for row in rows if row["id"] == "rmt")["ipv4"] == ""


def test_chinese_labels_in_zh_and_english_in_en(report: ConnectionsReport) -> None:
    zh, en = render(report, Format.MD, Lang.ZH), render(report, Format.MD, Lang.EN)
    for text in ("政务外网部门连通情况报告", "双栈正常", "仅IPv4", "质量下降", "中断", "未知", "未探测", "桥头镇"):
        assert text in zh
    assert "Extranet connections report" in en and "IPv4 only" in en and "双栈正常" not in en
    assert "IPv4：核心 198.18.0.1 丢包 40%，超过阈值 20%" in zh  # the probe's reasons, in Chinese
    assert "IPv4: core 198.18.0.1: loss 40% over threshold 20%" in en
    html = render(report, Format.HTML, Lang.ZH)
    assert "IPv6：网关 2001:db8:1::1 无应答（无路由）" in html
    assert "IPv6: gateway 2001:db8:1::1: no reply (no route)" in render(report, Format.JSON, Lang.ZH)  # data: as stored
    assert '<html lang="zh-CN">' in html and '<meta charset="utf-8">' in html
    assert "://" not in html and "<script" not in html  # self-contained: nothing fetched, nothing run


def test_names_and_reasons_are_escaped_everywhere(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    shutil.copytree(REPO / "inventory", workspace / "inventory")
    departments = workspace / "inventory" / "departments.yml"
    evil = '云岭县财政局<script>alert("x")</script>|*'
    departments.write_text(departments.read_text(encoding="utf-8").replace("云岭县财政局", evil), encoding="utf-8")
    inv = load_inventory(workspace / "inventory")
    store = seed(tmp_path / "evil.db", list(inv.departments))
    with store.transaction() as s:
        s.add(DepartmentStatus(run_id=3, department="czj", at=NOW, status="down", ipv4="down", ipv6="down",
                               reasons=["<img src=x onerror=alert(1)>"]))  # fmt: skip
    report = build(store, inv, NOW - timedelta(days=30), NOW)
    html = render(report, Format.HTML, Lang.ZH)
    assert "<script>" not in html and "<img" not in html
    assert "云岭县财政局&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;|*" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    markdown = render(report, Format.MD, Lang.ZH)
    assert "<script>" not in markdown and '云岭县财政局&lt;script&gt;alert("x")&lt;/script&gt;\\|\\*' in markdown
    assert json.loads(render(report, Format.JSON, Lang.ZH))["departments"][3]["name"] == evil


def test_csv_cells_never_start_a_spreadsheet_formula(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    shutil.copytree(REPO / "inventory", workspace / "inventory")
    departments = workspace / "inventory" / "departments.yml"
    text = departments.read_text(encoding="utf-8").replace("name: 云岭县财政局", "name: '=HYPERLINK(\"x\")'")
    departments.write_text(text, encoding="utf-8")
    inv = load_inventory(workspace / "inventory")
    report = build(seed(tmp_path / "f.db", list(inv.departments)), inv, NOW - timedelta(days=30), NOW)
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(render(report, Format.CSV, Lang.EN)))}
    assert rows["czj"]["name"] == "'" + '=HYPERLINK("x")'  # a quote: Excel shows the text, runs nothing


def run(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EXTRANET_DB_URL": f"sqlite:///{db}"}
    env.pop("EXTRANET_INVENTORY", None)
    return subprocess.run([EXTRANET, "report", "connections", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=60)  # fmt: skip


def test_cli_prints_the_report_and_writes_files_atomically(seeded: tuple[Store, Path], tmp_path: Path) -> None:
    db = seeded[1]
    result = run("--format", "json", "--lang", "en", db=db)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["run"]["id"] == 3
    out = tmp_path / "reports" / "connections.csv"
    result = run("--format", "csv", "--output", str(out), db=db)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"wrote {out}: 32 departments, probe run #3")
    data = out.read_text(encoding="utf-8")
    assert data.startswith("\ufeffid,name,") and len(list(csv.DictReader(io.StringIO(data[1:])))) == 32
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no scratch file left
    html = tmp_path / "report.html"
    assert run("-f", "html", "-o", str(html), "--since", "7d", db=db).returncode == 0
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_cli_bad_input_exits_two_with_the_reason(seeded: tuple[Store, Path]) -> None:
    for args, message in (
        (["--format", "pdf"], "'pdf' is not one of"),
        (["--lang", "fr"], "'fr' is not one of"),
        (["--since", "last tuesday"], "--since 'last tuesday': give a date (2026-11-01)"),
        (["--since", "1000000000d"], "--since '1000000000d': reaches back before the year 1"),
    ):
        result = run(*args, db=seeded[1])
        assert result.returncode == 2, args
        assert message in result.stderr and "Traceback" not in result.stderr


def test_cli_without_a_probe_run_says_what_to_do(tmp_path: Path) -> None:
    result = run(db=tmp_path / "empty.db")
    assert result.returncode == 1
    assert "no probe run yet: run `extranet probe` first" in result.stderr and result.stdout == ""


def test_compliance_per_feature_over_the_period(seeded: tuple[Store, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 15: the connections report shows the judgements against the intent of its period, per feature, in
    JSON, Markdown and HTML; a period without one shows the last before it."""
    import extranet.store as store_module
    from extranet.compliance import DeviceCompliance, Feature, record

    store = seeded[0]

    def judged(*acl: bool) -> list[DeviceCompliance]:
        return [DeviceCompliance(f"r{i}", "0" * 40, "", [Feature("interfaces", True), Feature("acl", ok)])
                for i, ok in enumerate(acl)]  # fmt: skip

    rollout = store.start_run("push dual-stack", "CHG-9")
    for days, acl, run in ((45, (False, False), None), (20, (True, False), rollout), (19, (True, True), rollout)):
        monkeypatch.setattr(store_module, "_now", lambda days=days: NOW - timedelta(days=days))
        record(store, judged(*acl), after_run=run, wave=None if run is None else 30 - days - 9)
    monkeypatch.undo()
    inv = load_inventory(REPO / "inventory")
    document = json.loads(render(build(store, inv, NOW - timedelta(days=30), NOW), Format.JSON, Lang.EN))
    points = document["compliance"]
    assert [(p["trigger"], p["compliant"], p["devices"]) for p in points] == [
        (f"rollout #{rollout} wave 1", 1, 2), (f"rollout #{rollout} wave 2", 2, 2)]  # not the one 45 days ago
    assert [p["features"]["acl"]["rate"] for p in points] == [0.5, 1.0]
    assert points[0]["features"]["interfaces"] == {"compliant": 2, "judged": 2, "rate": 1.0}
    quiet = build(store, inv, NOW - timedelta(days=10), NOW)  # nothing judged in the last ten days
    assert [p.run for p in quiet.compliance] == [points[-1]["run"]]
    markdown = render(build(store, inv, NOW - timedelta(days=30), NOW), Format.MD, Lang.ZH)
    assert "## 设备配置合规（对照规划意图）" in markdown and f"第{rollout}次推送第1批后" in markdown
    assert "| 1 / 2 | 0 | 100.0% | 50.0% |" in markdown
    html = render(build(store, inv, NOW - timedelta(days=30), NOW), Format.HTML, Lang.EN)
    assert 'id="compliance"' in html and '<td class="num" data-feature="acl">50.0%</td>' in html


def test_json_is_byte_for_byte_what_json_dumps_writes_of_the_report(report: ConnectionsReport) -> None:
    # the departments are written by a template (formats.json_text): odd names, several vantages, no departments
    odd = replace(report.rows[0], name='a "%s" \0 \n 村 \\', reasons=("x", "%d 丢包"),
                  vantages=(Sight("probe-a", 3, "down"), Sight("probe-b", 4, "dual-stack")))  # fmt: skip
    for shown in (report, replace(report, rows=[odd, *report.rows[1:]]), replace(report, rows=[])):
        for lang in Lang:
            expected = json.dumps(as_json(shown, lang), ensure_ascii=False, indent=2) + "\n"
            assert render(shown, Format.JSON, lang) == expected


def test_the_report_reads_the_same_from_postgresql(report: ConnectionsReport, postgres_url: str) -> None:
    inventory = load_inventory(REPO / "inventory")
    on_postgresql = build(seed(postgres_url, list(inventory.departments)), inventory, NOW - timedelta(days=30), NOW)
    jyj = next(row for row in on_postgresql.rows if row.id == "jyj")
    assert jyj.metrics.uplink_in_bps == 12_345_678 and jyj.metrics.ipv6_rtt_ms == 2.5  # read from the details
    for fmt in Format:
        assert render(on_postgresql, fmt, Lang.EN) == render(report, fmt, Lang.EN)


def test_a_departments_figures_come_from_the_checks_that_stand_for_it_on_both_databases(
    tmp_path: Path, postgres_url: str
) -> None:
    # per family the last ping to the core, else the last to the gateway; the first SNMP reading; each field as the
    # probe wrote it (an integer stays one, a null or a missing field is None)
    checks = [
        ("icmp", 4, "core", True, {"loss": 0.0, "rtt_avg": 1.5}),
        ("icmp", 4, "gateway", True, {"loss": 0.5, "rtt_avg": 9.0}),  # saved after the core's: the core's stands
        ("icmp", 6, "gateway", True, {"loss": 0.0, "rtt_avg": 2.5}),
        ("icmp", 6, "gateway", False, {"loss": 1, "rtt_avg": None}),
        ("tcp", 4, "oa:443", True, {}),
        ("tcp", 6, "oa:443", False, {}),
        ("snmp", 4, "uplink", True, {"oper_status": 'up "主" \\', "in_bps": 10}),
        ("snmp", 4, "uplink", True, {"oper_status": "down", "in_bps": 0, "out_bps": 0}),
    ]
    expected = Metrics(0.0, 1.5, 1, None, 1, 2, 'up "主" \\', 10, None)
    for url in (f"sqlite:///{tmp_path / 'figures.db'}", postgres_url):
        store = open_store(url)
        run_id = store.start_run("probe")  # never finished: the other tests' reports do not see it
        store.save_probe(run_id, [ProbeResult(department="figures", family=family, kind=kind, target=target,
                                               address="198.18.0.1", ok=ok, detail=detail)
                                  for kind, family, target, ok, detail in checks], [])  # fmt: skip
        found = metrics(store, run_id)["figures"]
        assert found == expected, url
        assert [type(value) for value in vars(found).values()] == [type(value) for value in vars(expected).values()]
