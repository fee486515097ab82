"""The census round trip as a county runs it: the workbook exported from the example inventory, filled in by a
department (here: edited with openpyxl, as Excel or WPS would save it) and imported back into systems.yml."""

import difflib
import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]

from extranet.census.columns import COLUMNS, GUIDE_SHEET
from extranet.inventory import load_inventory

from ..conftest import REPO
from ..office import first_page_png, pdf_text, to_pdf

EXTRANET = str(Path(sys.executable).parent / "extranet")
FINANCE = "云岭县财政局"  # czj's sheet
POLICE = "云岭县公安局"  # gaj's sheet


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([EXTRANET, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture
def county(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace with the example inventory and address plan, and the census workbook exported from it."""
    for part in ("inventory", "netplan"):
        shutil.copytree(REPO / part, tmp_path / part)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EXTRANET_INVENTORY", raising=False)
    monkeypatch.setenv("EXTRANET_DB_URL", f"sqlite:///{tmp_path / 'test.db'}")
    result = run("census", "export", "--format", "xlsx", "-o", "census.xlsx", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return tmp_path


def letters(sheet: Any) -> dict[str, str]:
    """Column letter by field key, read from the header as the import does."""
    return {c.value.rsplit("(", 1)[1].rstrip(")"): c.column_letter for c in sheet[1] if c.value}


def row_of(sheet: Any, system_id: str) -> int:
    return int(next(c.row for c in sheet["A"] if c.value == system_id))


def fill(county: Path, edits: dict[str, dict[tuple[str, str], Any]], name: str = "return.xlsx") -> Path:
    """The exported workbook with ``{sheet: {(system id, field): value}}`` typed in; a new id gets a new row."""
    book = load_workbook(county / "census.xlsx")
    for title, cells in edits.items():
        sheet = book[title]
        columns = letters(sheet)
        for (system_id, key), value in cells.items():
            ids = [c.value for c in sheet["A"]]
            row = ids.index(system_id) + 1 if system_id in ids else len([i for i in ids if i]) + 1
            sheet[f"A{row}"] = system_id
            sheet[f"{columns[key]}{row}"] = value
    book.save(county / name)
    return county / name


def snapshot(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


# ---- export ----------------------------------------------------------------------------------------------


def test_export_has_a_sheet_per_department_with_census_headers_drop_downs_and_real_dates(county: Path) -> None:
    inv = load_inventory(county / "inventory")
    book = load_workbook(county / "census.xlsx")
    assert len(book.sheetnames) == len(inv.departments) + 1 and book.sheetnames[-1] == GUIDE_SHEET
    sheet = book[FINANCE]
    assert [c.value for c in sheet[1]] == [column.header for column in COLUMNS]
    assert "使用频率 (frequency)" in [c.value for c in sheet[1]]
    assert sheet.freeze_panes == "B2"
    columns = letters(sheet)
    czj = [s for s in inv.systems.values() if s.owner == "czj"]
    assert [sheet[f"A{r}"].value for r in range(2, len(czj) + 2)] == [s.id for s in czj]
    budget = row_of(sheet, "budget")
    assert sheet[f"{columns['services']}{budget}"].value == "443/tcp https; 8443/tcp api"
    assert sheet[f"{columns['addresses']}{budget}"].value == "198.18.8.21; 198.18.8.22"
    approved = sheet[f"{columns['approved_on']}{budget}"]
    assert approved.is_date and approved.value == datetime(2021, 11, 1)
    lists = {str(v.sqref).split(":")[0].rstrip("0123456789"): v.formula1.strip('"').split(",")
             for v in sheet.data_validations.dataValidation}  # fmt: skip
    assert lists[columns["frequency"]] == ["daily", "weekly", "monthly", "quarterly", "yearly", "rarely", "unused"]
    assert lists[columns["classification"]] == ["classified", "unclassified"]
    assert lists[columns["protection_level"]] == ["1", "2", "3", "4", "5"]
    assert lists[columns["maintained"]] == ["yes", "no"]
    assert lists[columns["owner"]] == ["czj"]
    for key in ("scope", "funding", "runs_at.kind", "target"):
        assert key in columns and lists[columns[key]], key
    guide = [c.value for row in book[GUIDE_SHEET].iter_rows() for c in row if c.value]
    assert "使用频率 (frequency)" in guide and any("unused 已不使用" in str(v) for v in guide)


def test_export_twice_gives_the_same_bytes(county: Path) -> None:
    assert run("census", "export", "-o", "again.xlsx", cwd=county).returncode == 0
    assert (county / "again.xlsx").read_bytes() == (county / "census.xlsx").read_bytes()


def test_dept_exports_one_sheet_and_an_unknown_one_is_refused(county: Path) -> None:
    assert run("census", "export", "--dept", "czj", "-o", "czj.xlsx", cwd=county).returncode == 0
    assert load_workbook(county / "czj.xlsx").sheetnames == [FINANCE, GUIDE_SHEET]
    refused = run("census", "export", "--dept", "nosuch", "-o", "x.xlsx", cwd=county)
    assert refused.returncode == 2 and "unknown department 'nosuch'" in refused.stderr
    assert not (county / "x.xlsx").exists()


def test_a_formula_looking_value_is_stored_as_text_and_comes_back_unchanged(county: Path) -> None:
    systems = county / "inventory" / "systems.yml"
    formula = 'name: \'=HYPERLINK("http://198.51.100.9","预算")\''
    systems.write_text(
        systems.read_text(encoding="utf-8").replace("name: 预算管理一体化系统", formula), encoding="utf-8"
    )
    assert run("census", "export", "-o", "census.xlsx", cwd=county).returncode == 0
    sheet = load_workbook(county / "census.xlsx")[FINANCE]
    cell = sheet[f"{letters(sheet)['name']}{row_of(sheet, 'budget')}"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK(")
    before = snapshot(systems)
    result = run("census", "import", "census.xlsx", cwd=county)
    assert result.returncode == 0, result.stderr
    assert snapshot(systems) == before


# ---- import ----------------------------------------------------------------------------------------------


def test_an_unchanged_return_writes_nothing(county: Path) -> None:
    systems = county / "inventory" / "systems.yml"
    before = snapshot(systems)
    result = run("census", "import", "census.xlsx", cwd=county)
    assert result.returncode == 0, result.stderr
    assert "no change to inventory/systems.yml; nothing written" in result.stdout
    assert snapshot(systems) == before


def test_one_changed_field_changes_exactly_that_line_and_keeps_every_comment(county: Path) -> None:
    systems = county / "inventory" / "systems.yml"
    old = systems.read_text(encoding="utf-8").splitlines()
    fill(county, {FINANCE: {("czj-gkk-query", "frequency"): "rarely"}})
    result = run("census", "import", "return.xlsx", cwd=county)
    assert result.returncode == 0, result.stderr
    assert "czj-gkk-query (云岭县财政局!A3): frequency: weekly → rarely" in result.stdout
    new = systems.read_text(encoding="utf-8").splitlines()
    changed = [line for line in difflib.unified_diff(old, new, lineterm="", n=0) if line[:1] in "+-"]
    assert changed == ["--- ", "+++ ", "-    frequency: weekly", "+    frequency: rarely"]
    assert len(new) == len(old)
    assert [line for line in new if "#" in line] == [line for line in old if "#" in line]
    assert load_inventory(county / "inventory").systems["czj-gkk-query"].frequency == "rarely"


def test_a_new_row_is_appended_after_its_departments_last_system(county: Path) -> None:
    new_system = {
        "name": "非税收入收缴管理系统", "function": "非税收入票据与收缴", "scope": "department",
        "frequency": "daily", "approved_by": "云岭县财政局", "approved_on": datetime(2025, 3, 1), "funding": "fiscal",
        "classification": "unclassified", "protection_level": 2, "runs_at.kind": "department", "runs_at.ref": "czj",
        "target": "cloud", "addresses": "198.19.5.40; 2001:db8:ab02:4::28", "services": "443/tcp https",
    }  # fmt: skip
    fill(county, {FINANCE: {("czj-fsr", key): value for key, value in new_system.items()}})
    result = run("census", "import", "return.xlsx", cwd=county)
    assert "+ czj-fsr (云岭县财政局!A5): new system" in result.stdout
    text = (county / "inventory" / "systems.yml").read_text(encoding="utf-8")
    ledger, added = text.index("- id: czj-cgk-ledger"), text.index("- id: czj-fsr")
    heading = text.index("# ======================= social security")
    assert ledger < added < heading, "after czj's last system, before the next section's heading"
    assert "    runs_at: {kind: department, ref: czj}\n" in text[added:heading]
    assert '    addresses: [198.19.5.40, "2001:db8:ab02:4::28"]\n' in text[added:heading]
    assert text[added:heading].endswith("\n\n  "), "a blank line before the heading, as between the others"
    system = load_inventory(county / "inventory").systems["czj-fsr"]
    assert (system.owner, system.protection_level, system.services[0].port) == ("czj", 2, 443)
    assert run("inventory", "check", cwd=county).returncode == 0


def test_dry_run_json_reports_the_change_and_writes_nothing(county: Path) -> None:
    systems = county / "inventory" / "systems.yml"
    before = snapshot(systems)
    fill(county, {POLICE: {("xueliang", "last_used"): "2026-11-25", ("xueliang", "dns"): "xl.yunling.gov.example"}})
    result = run("census", "import", "return.xlsx", "--dry-run", "--json", cwd=county)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["written"] is False
    change = {"field": "last_used", "old": "2026-11-21", "new": "2026-11-25"}
    cell = f"{POLICE}!A2"
    assert summary["systems"] == [
        {"id": "xueliang", "department": "gaj", "cell": cell, "action": "changed", "changes": [change]}
    ]
    assert snapshot(systems) == before


BAD_CELLS = [
    pytest.param(FINANCE, "czj-gkk-query", "frequency", "sometimes",
                 "frequency: 'sometimes' is not a census frequency; allowed: daily, weekly, monthly", id="enum"),
    pytest.param(FINANCE, "budget", "approved_on", "2026-13-01",
                 "approved_on: '2026-13-01' is not a date; allowed: a date cell or YYYY-MM-DD", id="date"),
    pytest.param(POLICE, "gaj-video-analysis", "target", "cloud",
                 "target: a classified (涉密) system cannot move to the cloud", id="classified-to-cloud"),
    pytest.param(FINANCE, "budget", "owner", "nosuch",
                 "owner: 'nosuch' is not this sheet's department (a department returns its own systems); allowed: "
                 "czj", id="unknown-department"),
    pytest.param(FINANCE, "budget", "target_addresses", "198.18.16.41; 2001:db8::zz",
                 "target_addresses: '2001:db8::zz' is not an IPv4 or IPv6 address", id="bad-ipv6"),
    pytest.param(POLICE, "budget", "frequency", "weekly",
                 "id: 'budget' is a system of 云岭县财政局 (czj), not of this sheet's department; allowed: "
                 "gaj-video-analysis, xueliang or a new id", id="another-departments-system"),
    pytest.param(FINANCE, "budget", "runs_at.ref", "nosuch-dc",
                 "runs_at.ref: unknown site 'nosuch-dc'", id="cross-file-reference"),
]  # fmt: skip


@pytest.mark.parametrize(("title", "system_id", "key", "value", "said"), BAD_CELLS)
def test_a_bad_cell_exits_2_naming_file_sheet_cell_and_writes_nothing(
    county: Path, title: str, system_id: str, key: str, value: str, said: str
) -> None:
    systems = county / "inventory" / "systems.yml"
    before = snapshot(systems)
    fill(county, {title: {(system_id, key): value}})
    result = run("census", "import", "return.xlsx", cwd=county)
    assert result.returncode == 2
    sheet = load_workbook(county / "return.xlsx")[title]
    column = "A" if said.startswith("id:") else letters(sheet)[key]
    cell = f"{column}{row_of(sheet, system_id)}"
    assert f"return.xlsx:{title}!{cell}: {said}" in result.stderr
    assert "nothing written" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(systems) == before


def test_every_bad_cell_is_listed_at_once(county: Path) -> None:
    fill(county, {
        FINANCE: {("czj-gkk-query", "frequency"): "sometimes", ("budget", "protection_level"): 7},
        POLICE: {("gaj-video-analysis", "target"): "extranet"},
    })  # fmt: skip
    result = run("census", "import", "return.xlsx", cwd=county)
    assert result.returncode == 2
    located = [line for line in result.stderr.splitlines() if line.startswith("return.xlsx:")]
    assert len(located) == 3, result.stderr
    assert "3 problems in return.xlsx: nothing written" in result.stderr


def test_files_that_are_no_return_are_refused_clearly(county: Path) -> None:
    (county / "notes.xlsx").write_text("系统,频率\n", encoding="utf-8")
    (county / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    os.mkfifo(county / "pipe.xlsx")
    expected = {
        "notes.xlsx": "error: notes.xlsx: is not an .xlsx workbook: save the return as an Excel Workbook (.xlsx)",
        "old.xls": "error: old.xls: is an Excel 97-2003 (.xls) file, not .xlsx",
        "missing.xlsx": "error: missing.xlsx: No such file or directory",
        "pipe.xlsx": "error: pipe.xlsx: is a FIFO (named pipe), not a regular file",
    }
    for name, said in expected.items():
        result = run("census", "import", name, cwd=county)
        assert result.returncode == 2, name
        assert said in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


# ---- opened as its readers do ----------------------------------------------------------------------------


def test_libreoffice_opens_the_workbook_with_chinese_headers_and_systems(county: Path) -> None:
    inv = load_inventory(county / "inventory")
    first = next(iter(inv.departments.values()))
    names = [s.name for s in inv.systems.values() if s.owner == first.id]
    pdf = to_pdf(county / "census.xlsx")
    text = pdf_text(pdf, 1, 1)
    assert "系统名称" in text and "系统编号" in text
    assert names and names[0] in text
    first_page_png(pdf, "census-xlsx")
