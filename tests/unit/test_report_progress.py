"""The monthly supervision report as the supervising office reads it: the region's summary, each department's
items, overdue, violations, trend and rank, in Excel, Word, PDF, HTML, Markdown and JSON, the same every time."""

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]

from extranet.inventory import load_inventory
from extranet.report.labels import Lang
from extranet.report.progress import CONNECTIONS, Month, ProgressReport, build
from extranet.report.progress_formats import ProgressFormat, render_progress
from extranet.store import Store, open_store
from extranet.store.schema import DepartmentStatus, Run, TrackEvent

from ..conftest import REPO
from ..office import first_page_png, pdf_text, to_pdf

EXTRANET = str(Path(sys.executable).parent / "extranet")
NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)  # the report is asked for in November: October is over
FORMULA_NAME = '=HYPERLINK("http://198.51.100.7/","司法局")'  # a department name that looks like a formula
NOT_CONNECTED = ("rmt", "vil-dm-jwh")  # no uplink in the inventory: never probed
SEPTEMBER = {"gaj": "down", "vil-qj-cwh": "ipv4-only", "twn-qt-gov": "ipv4-only"}
OCTOBER_EARLY = {"jyj": "down"}  # an earlier October run: the last one of the month counts
OCTOBER = {"gaj": "down", "vil-qj-cwh": "ipv4-only", "twn-bs-gov": "degraded"}
FAMILIES = {"dual-stack": ("ok", "ok"), "ipv4-only": ("ok", "absent"), "degraded": ("degraded", "ok"),
            "down": ("down", "down")}  # fmt: skip
# (when, item, state, status): what `extranet track` recorded
EVENTS = (
    (datetime(2026, 9, 10, 2, 0, tzinfo=UTC), "connection:twn-qt-gov", "verified", "applied"),
    (datetime(2026, 10, 15, 6, 0, tzinfo=UTC), "system:oa-2009", "retired", "applied"),
    (datetime(2026, 10, 20, 6, 0, tzinfo=UTC), "system:nyj-price", "retired", "pending"),  # no second operator
    (datetime(2026, 10, 31, 16, 30, tzinfo=UTC), "network:rsj-sibao", "verified", "applied"),  # 1 Nov, UTC+8
)


def add_run(store: Store, finished: datetime, statuses: dict[str, str], departments: list[str],
            status: str = "problems") -> int:  # fmt: skip
    with store.transaction() as s:
        run = Run(kind="probe", operator="ops", started_at=finished - timedelta(minutes=5),
                  finished_at=None if status == "running" else finished, status=status, summary={})  # fmt: skip
        s.add(run)
        s.flush()
        run_id = run.id
    rows = []
    for dept in departments:
        if dept in NOT_CONNECTED:
            continue
        state = statuses.get(dept, "dual-stack")
        ipv4, ipv6 = FAMILIES[state]
        rows.append(DepartmentStatus(department=dept, at=finished - timedelta(minutes=1), status=state, ipv4=ipv4,
                                     ipv6=ipv6, reasons=[]))  # fmt: skip
    store.save_probe(run_id, [], rows)
    return run_id


def seed(db: Path, departments: list[str]) -> dict[str, int]:
    """Probe runs in September and October (one finished at 23:30 on 31 October UTC+8, one 30 minutes later, in
    November), one still running, and the track events above."""
    store = open_store(f"sqlite:///{db}")
    runs = {
        "september": add_run(store, datetime(2026, 9, 20, 3, 0, tzinfo=UTC), SEPTEMBER, departments),
        "october-early": add_run(store, datetime(2026, 10, 10, 3, 0, tzinfo=UTC), OCTOBER_EARLY, departments),
        "october": add_run(store, datetime(2026, 10, 31, 15, 30, tzinfo=UTC), OCTOBER, departments),
        "november": add_run(store, datetime(2026, 10, 31, 16, 30, tzinfo=UTC), {}, departments),
        "running": add_run(store, datetime(2026, 10, 30, 1, 0, tzinfo=UTC), {}, departments, status="running"),
    }
    with store.transaction() as s:
        for at, item, state, status in EVENTS:
            s.add(TrackEvent(at=at, item=item, action="advance" if status == "applied" else "override",
                             status=status, previous="planned", state=state, operator="ops", reason="seeded",
                             evidence={}))  # fmt: skip
    return runs


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """The example inventory (one department renamed to look like a formula) and a seeded database."""
    shutil.copytree(REPO / "inventory", tmp_path / "inventory")
    departments = tmp_path / "inventory" / "departments.yml"
    text = departments.read_text(encoding="utf-8")
    assert "name: 云岭县司法局" in text
    departments.write_text(text.replace("name: 云岭县司法局", f"name: '{FORMULA_NAME}'"), encoding="utf-8")
    seed(tmp_path / "extranet.db", list(load_inventory(tmp_path / "inventory").departments))
    return tmp_path


def report_of(workspace: Path, month: Month) -> ProgressReport:
    store = open_store(f"sqlite:///{workspace / 'extranet.db'}")
    return build(store, load_inventory(workspace / "inventory"), month, NOW)


def as_json(workspace: Path, month: Month, lang: Lang = Lang.ZH) -> dict[str, Any]:
    return dict(json.loads(render_progress(report_of(workspace, month), ProgressFormat.JSON, lang)))


def test_the_regions_summary_comes_from_the_last_probe_run_finished_within_the_month(workspace: Path) -> None:
    october = as_json(workspace, Month(2026, 10))
    assert october["period"] == {"start": "2026-10-01T00:00:00+08:00", "end": "2026-11-01T00:00:00+08:00"}
    assert october["run"]["finished_at"] == "2026-10-31T23:30:00+08:00"  # not the run 30 minutes later
    levels = {row["level"]: row for row in october["levels"]}
    assert levels["all"] | {"rate": None} == {"level": "all", "departments": 31, "probed": 29, "connected": 28,
                                              "dual_stack": 26, "rate": None}  # fmt: skip
    assert levels["all"]["rate"] == pytest.approx(26 / 31)
    assert (levels["township"]["dual_stack"], levels["village"]["dual_stack"]) == (4, 0)
    november = as_json(workspace, Month(2026, 11))
    assert {r["level"]: r["dual_stack"] for r in november["levels"]}["all"] == 29  # that run is November's


def test_several_vantages_make_the_months_picture_together(workspace: Path) -> None:
    """A second probing host's October run, an hour before the first's: gaj, down from one host and up from the
    other, is a path problem, not a department down; twn-bs-gov, degraded from one and dual-stack from the other,
    is dual-stack; a host that last probed ten days before drops out of the month's picture."""
    store = open_store(f"sqlite:///{workspace / 'extranet.db'}")
    departments = list(load_inventory(workspace / "inventory").departments)
    before = {r["level"]: r for r in as_json(workspace, Month(2026, 10))["levels"]}["all"]
    with store.transaction() as s:
        s.execute(Run.__table__.update().values(vantage="probe-a"))
    seen_by_b = {"jyj": "down", "vil-qj-cwh": "ipv4-only"}  # jyj: down from b alone, a path problem too
    other = add_run(store, datetime(2026, 10, 31, 14, 30, tzinfo=UTC), seen_by_b, departments)
    stale = add_run(store, datetime(2026, 10, 21, 14, 30, tzinfo=UTC), {"vil-qj-cwh": "dual-stack"}, departments)
    with store.transaction() as s:
        s.execute(Run.__table__.update().where(Run.id == other).values(vantage="probe-b"))
        s.execute(Run.__table__.update().where(Run.id == stale).values(vantage="retired"))
    report = report_of(workspace, Month(2026, 10))
    october = {r.level: r for r in report.levels}["all"]
    assert before["probed"] == october.probed == 29
    assert (before["connected"], before["dual_stack"]) == (28, 26)  # gaj down; twn-bs-gov, vil-qj-cwh not dual
    # gaj and twn-bs-gov up from probe-b, jyj from probe-a; vil-qj-cwh ipv4-only from both (not dual-stack
    # from the retired host's stale run)
    assert (october.connected, october.dual_stack) == (29, 28)
    assert report.run is not None and report.run.vantage == "probe-a"  # the month's newest run


def test_items_take_the_states_recorded_before_the_months_end(workspace: Path) -> None:
    september, october = as_json(workspace, Month(2026, 9)), as_json(workspace, Month(2026, 10))
    kinds = {k["kind"]: k for k in october["kinds"]}
    assert kinds["system"]["states"]["retired"] == 1  # oa-2009 in October; nyj-price's override still waits
    assert kinds["network"]["states"]["verified"] == 0  # recorded at 00:30 on 1 November (UTC+8)
    assert kinds["connection"]["states"]["verified"] == 1
    assert {k["kind"]: k for k in september["kinds"]}["system"]["states"]["retired"] == 0
    assert kinds["all"]["done"] == {k["kind"]: k for k in september["kinds"]}["all"]["done"] + 1
    late = {o["item"]: o for o in october["overdue"]}
    assert "system:oa-2009" not in late and "system:oa-2009" in {o["item"] for o in september["overdue"]}
    assert late["system:nyj-price"] == {"item": "system:nyj-price", "kind": "system", "owner": "nyj",
                                        "disposition": "retire", "deadline": "2018-05-31",
                                        "days": (date(2026, 10, 31) - date(2018, 5, 31)).days}  # fmt: skip
    assert kinds["all"]["overdue"] == len(october["overdue"])


def test_violations_name_the_classified_placement_and_zombies_past_their_deadline(workspace: Path) -> None:
    violations = {v["item"]: v for v in as_json(workspace, Month(2026, 10))["violations"]}
    assert violations["system:gaj-video-analysis"]["violation"] == "classified-placement"
    assert violations["system:nyj-price"]["violation"] == "zombie-not-retired"
    assert "system:oa-2009" not in violations  # retired in October
    assert all(v["violation"] != "not-on-cloud" for v in violations.values())  # no cloud move has a deadline


def test_departments_are_ranked_by_share_done_then_overdue_then_connection(workspace: Path) -> None:
    departments = as_json(workspace, Month(2026, 10))["departments"]
    assert [d["rank"] for d in departments] == list(range(1, 32))
    first, second = departments[0], departments[1]
    assert (first["id"], first["share"], first["items"]) == ("twn-qt-gov", 1.0, 1)
    assert (second["id"], second["done"], second["items"]) == ("zfb", 3, 4)
    keys = [(-d["share"], len(d["overdue"]), CONNECTIONS.index(d["connection"]), d["id"]) for d in departments]
    assert keys == sorted(keys)
    half = [d["id"] for d in departments if d["share"] == 0.5]
    assert half == ["scjgj", "sjzj", "xwb"]  # 1 of 2 done, none late: ties broken by id
    gaj = next(d for d in departments if d["id"] == "gaj")
    assert gaj["connection"] == "down" and [v["violation"] for v in gaj["violations"]] == ["classified-placement"]


def test_each_department_shows_its_trend_over_three_month_ends(workspace: Path) -> None:
    departments = {d["id"]: d for d in as_json(workspace, Month(2026, 10))["departments"]}
    assert [(p["month"], p["done"], p["connection"]) for p in departments["zfb"]["trend"]] == [
        ("2026-08", 2, "not-probed"), ("2026-09", 2, "dual-stack"), ("2026-10", 3, "dual-stack")]  # fmt: skip
    assert [(p["done"], p["connection"]) for p in departments["twn-qt-gov"]["trend"]] == [
        (0, "not-probed"), (1, "ipv4-only"), (1, "dual-stack")]  # fmt: skip
    assert [p["connection"] for p in departments["jyj"]["trend"]][-1] == "dual-stack"  # down only earlier


def cli(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EXTRANET_DB_URL": f"sqlite:///{workspace / 'extranet.db'}"}
    env.pop("EXTRANET_INVENTORY", None)
    return subprocess.run([EXTRANET, "report", "progress", "--inventory", str(workspace / "inventory"), *args],
                          cwd=workspace, env=env, capture_output=True, text=True, timeout=300)  # fmt: skip


def test_the_same_month_gives_the_same_bytes_and_the_audit_log_keeps_its_sha256(workspace: Path) -> None:
    for fmt in ("md", "json", "html", "xlsx", "docx"):
        digests = []
        for attempt in (1, 2):
            out = workspace / f"{attempt}" / f"月报.{fmt}"
            done = cli(workspace, "--month", "2026-10", "-f", fmt, "-o", str(out))
            assert done.returncode == 0, done.stderr
            digest = hashlib.sha256(out.read_bytes()).hexdigest()
            assert digest in done.stdout
            digests.append(digest)
        assert digests[0] == digests[1], fmt
    events = [e for e in open_store(f"sqlite:///{workspace / 'extranet.db'}").audit_events()
              if e.action == "report.progress"]  # fmt: skip
    assert len(events) == 10 and {e.target for e in events} == {"2026-10"}
    xlsx = workspace / "2" / "月报.xlsx"
    assert events[-3].detail == {"sha256": hashlib.sha256(xlsx.read_bytes()).hexdigest(), "format": "xlsx",
                                 "path": str(xlsx), "lang": "zh"}  # fmt: skip


def test_cli_refuses_bad_months_binary_to_a_terminal_and_a_missing_database(workspace: Path) -> None:
    for month, said in (("2026-13", "YYYY-MM"), ("10/2026", "YYYY-MM"), ("2099-01", "has not begun")):
        done = cli(workspace, "--month", month, "-f", "json")
        assert done.returncode == 2 and said in done.stderr and "Traceback" not in done.stderr
    done = cli(workspace, "--month", "2026-10", "-f", "xlsx")
    assert done.returncode == 2 and "-o FILE" in done.stderr
    (workspace / "extranet.db").rename(workspace / "moved.db")
    done = cli(workspace, "--month", "2026-10", "-f", "json")
    assert done.returncode == 1 and "extranet probe" in done.stderr and not (workspace / "extranet.db").exists()


def test_english_labels_with_lang_en(workspace: Path) -> None:
    text = render_progress(report_of(workspace, Month(2026, 10)), ProgressFormat.MD, Lang.EN).decode()
    assert "## 1. Summary" in text and "| Dual-stack readiness | 83.9% |" in text and "汇总" not in text
    chinese = render_progress(report_of(workspace, Month(2026, 10)), ProgressFormat.MD, Lang.ZH).decode()
    assert "## 一、总体情况" in chinese and "| 双栈就绪率 | 83.9% |" in chinese


def test_xlsx_has_a_sheet_per_section_with_typed_cells_and_formula_names_as_text(workspace: Path) -> None:
    path = workspace / "月报.xlsx"
    path.write_bytes(render_progress(report_of(workspace, Month(2026, 10)), ProgressFormat.XLSX, Lang.ZH))
    book = load_workbook(path)
    assert book.sheetnames[:4] == ["汇总", "层级", "迁移", "迁移状态"] and {"部门", "逾期", "违规", "趋势"} <= set(
        book.sheetnames)  # fmt: skip
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:"), sheet.title
    summary = {row[0]: row[1] for row in book["汇总"].iter_rows(min_row=2, values_only=True)}
    assert summary["地区"] == "云岭县" and summary["部门总数"] == 31 and summary["双栈部门"] == 26
    levels = book["层级"]
    village = next(row for row in levels.iter_rows(min_row=2) if row[0].value == "村级")
    assert village[4].value == 0 and village[4].data_type == "n"  # zero as a number, not blank
    assert village[5].number_format == "0.0%" and village[5].value == 0.0
    departments = book["部门"]
    header = [c.value for c in departments[1]]
    assert header[:3] == ["排名", "部门编码", "部门"]
    sfj = next(row for row in departments.iter_rows(min_row=2) if row[1].value == "sfj")
    assert sfj[2].value == FORMULA_NAME and sfj[2].data_type == "s" and sfj[0].data_type == "n"
    width = departments.column_dimensions["C"].width
    assert width >= 2 * len("城关街道东门社区居民委员会")  # CJK characters count double
    assert book.properties.created == book.properties.modified == datetime(2026, 10, 31, 16, 0)


def test_the_office_formats_open_as_readers_open_them(workspace: Path) -> None:
    report = report_of(workspace, Month(2026, 10))
    expected = ("云岭县", "一、总体情况", "双栈就绪率")  # the xlsx prints the section's heading in its page header
    for fmt in (ProgressFormat.XLSX, ProgressFormat.DOCX):
        path = workspace / f"progress.{fmt}"
        path.write_bytes(render_progress(report, fmt, Lang.ZH))
        pdf = to_pdf(path)
        first = " ".join(pdf_text(pdf, 1, 1).split())
        assert all(word in first for word in expected), first
        assert "部门总数 31" in first and "双栈部门 26" in first, first
        first_page_png(pdf, f"progress-{fmt}")
    pdf = workspace / "progress.pdf"
    pdf.write_bytes(render_progress(report, ProgressFormat.PDF, Lang.ZH))
    assert render_progress(report, ProgressFormat.PDF, Lang.ZH) == pdf.read_bytes()  # metadata from the month
    text = " ".join(pdf_text(pdf).split())
    assert "云岭县政务外网迁移工作督查月报（2026年10月）" in text.replace(" ", "")
    assert "部门总数 31" in text and "五、各部门进度与排名" in text and "sfj =HYPERLINK(" in text  # shown, never run
    first_page_png(pdf, "progress-pdf")


def test_compliance_per_feature_and_the_latest_checkpoint_are_printed(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15: the percentage per feature over the trend's month ends (the last judgement before each), and the
    last signed checkpoint of the audit log given out before the cut-off — what a second party should hold."""
    import extranet.store as store_module
    from extranet.compliance import DeviceCompliance, Feature, record

    store = open_store(f"sqlite:///{workspace / 'extranet.db'}")

    def at(moment: datetime) -> None:
        monkeypatch.setattr(store_module, "_now", lambda: moment)

    def judged(*ospf: bool) -> list[DeviceCompliance]:
        return [DeviceCompliance(f"r{i}", "0" * 40, "", [Feature("interfaces", True), Feature("ospfv3", ok)])
                for i, ok in enumerate(ospf)]  # fmt: skip

    at(datetime(2026, 9, 12, 2, 0, tzinfo=UTC))
    record(store, judged(False, False, False, False))
    at(datetime(2026, 10, 12, 2, 0, tzinfo=UTC))
    record(store, judged(True, False, False, False), after_run=7, wave=1)
    at(datetime(2026, 10, 12, 3, 0, tzinfo=UTC))
    record(store, judged(True, True, True, False), after_run=7, wave=2)
    at(datetime(2026, 10, 20, 2, 0, tzinfo=UTC))
    note = "extranet.yunling/audit\n12\nUm9vdA==\n\n— sig\n"
    store.audit("audit.checkpoint", "12 events", "signed", {"size": 12, "root": "Um9vdA==", "note": note,
                "key": "extranet.yunling/audit", "written_to": "/srv/audit/2026-10.txt"})  # fmt: skip
    at(datetime(2026, 11, 2, 2, 0, tzinfo=UTC))  # November's: not in October's report
    record(store, judged(True, True, True, True))
    store.audit("audit.checkpoint", "15 events", "signed", {"size": 15, "root": "TmV3", "key": "k", "written_to": "x",
                                                            "note": "n"})  # fmt: skip
    monkeypatch.undo()
    october = as_json(workspace, Month(2026, 10))
    points = {p["month"]: p["judgement"] for p in october["compliance"]}
    assert points["2026-08"] is None
    assert points["2026-09"]["features"]["ospfv3"] == {"compliant": 0, "judged": 4, "rate": 0.0}
    assert points["2026-10"]["trigger"] == "rollout #7 wave 2"  # the last before the month's end
    assert points["2026-10"]["features"]["ospfv3"]["rate"] == 0.75
    assert points["2026-10"]["features"]["interfaces"]["rate"] == 1.0
    assert october["checkpoint"]["size"] == 12 and october["checkpoint"]["written_to"] == "/srv/audit/2026-10.txt"
    assert october["checkpoint"]["at"] == "2026-10-20T02:00:00+00:00"
    markdown = render_progress(report_of(workspace, Month(2026, 10)), ProgressFormat.MD, Lang.ZH).decode()
    assert "## 十、设备配置合规（对照规划意图）" in markdown and "| 2026-10 | \\#" in markdown
    assert "第7次推送第2批后" in markdown and "75.0%" in markdown
    assert "## 十一、审计日志检查点" in markdown and "/srv/audit/2026-10.txt" in markdown and "Um9vdA==" in markdown
    november = render_progress(report_of(workspace, Month(2026, 11)), ProgressFormat.JSON, Lang.EN)
    assert json.loads(november)["checkpoint"]["size"] == 15
    book = load_workbook(io.BytesIO(render_progress(report_of(workspace, Month(2026, 10)), ProgressFormat.XLSX,
                                                    Lang.ZH)))  # fmt: skip
    sheet = book["配置合规"]
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["月份", "合规检查", "设备数", "全部合规", "未能检查"]
    assert sheet.cell(row=4, column=header.index("ospfv3 合规率") + 1).value == 0.75  # a number, shown as a percent
    assert "审计检查点" in book.sheetnames
