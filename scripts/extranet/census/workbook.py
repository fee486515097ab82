"""The census workbook a department fills in: a sheet per department, one row per system, a 说明 sheet.

A county's 普查 template goes to each 填报单位 and comes back from it, so each department gets its own sheet
(named after it) and returns it; the supervising office sees every department's return side by side. The bytes
are reproducible: the workbook's dates and the zip entries' times are the inventory's newest census date, so
exporting the same inventory twice gives the same file (and the same SHA-256).
"""

from collections.abc import Iterable
from datetime import date, datetime, time
from io import BytesIO
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from openpyxl.worksheet.datavalidation import DataValidation  # type: ignore[import-untyped]
from openpyxl.worksheet.worksheet import Worksheet  # type: ignore[import-untyped]
from openpyxl.writer.excel import ExcelWriter  # type: ignore[import-untyped]

from ..inventory import Inventory
from ..inventory.models import Department, System
from ..spreadsheet import FORMULA_START
from .columns import COLUMNS, GUIDE_SHEET, CellKind, Column, cell_value, sheet_titles

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
SPARE_ROWS = 200  # rows below the systems where a department adds its new ones (drop-downs reach them)
NO_DATE = date(2000, 1, 1)


def census_date(systems: Iterable[System]) -> date:
    """The newest date the census records: the workbook's own date (reproducible, unlike the clock)."""
    dates = [d for s in systems for d in (s.approved_on, s.last_used, s.deadline) if d is not None]
    return max(dates, default=NO_DATE)


def census_workbook(inv: Inventory, departments: list[Department]) -> bytes:
    """The xlsx bytes: each department's sheet with its systems, then the 说明 sheet."""
    titles = sheet_titles(inv.departments.values())
    book = Workbook()
    book.remove(book.active)
    exported: list[System] = []
    for dept in departments:
        systems = [s for s in inv.systems.values() if s.owner == dept.id]
        exported += systems
        _department_sheet(book.create_sheet(titles[dept.id]), dept, systems)
    _guide_sheet(book.create_sheet(GUIDE_SHEET), inv)
    when = datetime.combine(census_date(exported), time())
    book.properties.creator = "extranet"
    book.properties.title = f"{inv.region.name}信息系统普查表"
    book.properties.created = book.properties.modified = when
    return _reproducible(book, when)


def _department_sheet(sheet: Worksheet, dept: Department, systems: list[System]) -> None:
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    for row, system in enumerate(systems, start=2):
        for index, column in enumerate(COLUMNS, start=1):
            _write(sheet, row, index, cell_value(system, column))
    last_row = len(systems) + 1 + SPARE_ROWS
    for index, column in enumerate(COLUMNS, start=1):
        allowed = (dept.id,) if column.key == "owner" else column.allowed
        if allowed:
            _drop_down(sheet, column, allowed, f"{get_column_letter(index)}2:{get_column_letter(index)}{last_row}")
    sheet.freeze_panes = "B2"  # the header and the system's id stay in view
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(systems) + 1}"
    sheet.row_dimensions[1].height = 32
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4


def _write(sheet: Worksheet, row: int, column: int, value: object) -> None:
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    elif isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"  # text, never a formula: openpyxl would store '=…' as one
        cell.quotePrefix = True  # and a spreadsheet keeps it text when the cell is edited


def _drop_down(sheet: Worksheet, column: Column, allowed: tuple[str, ...], cells: str) -> None:
    listing = ",".join(allowed)
    check = DataValidation(
        type="list",
        formula1=f'"{listing}"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=column.label,
        error=f"{column.header}: {', '.join(allowed)}",
        promptTitle=column.label,
        prompt=", ".join(f"{v} {column.labels[v]}" if v in column.labels else v for v in allowed)[:255],
        showInputMessage=True,
    )
    check.add(cells)
    sheet.add_data_validation(check)


GUIDE_INTRO = (
    "信息系统普查表填写说明",
    "每个部门填写以本部门命名的工作表，一行一个信息系统；列按表头括号内的字段名识别，可调整顺序，不要改动字段名。",
    "新增系统：在本部门最后一行之后追加一行，填写新的系统编号。",
    "删除一行不会删除系统：已停用的系统请将“迁移去向”填为 retire。",
    "多个值（地址、端口、域名）以“; ”分隔；日期填日期单元格或 YYYY-MM-DD；带下拉列表的列只能填列表中的值。",
    "涉密系统（classified）只能迁入电子政务内网（internal）或关停（retire），不得上云、不得接入政务外网。",
)


def _guide_sheet(sheet: Worksheet, inv: Inventory) -> None:
    for row, line in enumerate(GUIDE_INTRO, start=1):
        sheet.cell(row=row, column=1, value=line).font = HEADER_FONT if row == 1 else Font()
    top = len(GUIDE_INTRO) + 2
    for index, title in enumerate(("字段", "含义", "允许的值"), start=1):
        cell = sheet.cell(row=top, column=index, value=title)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for row, column in enumerate(COLUMNS, start=top + 1):
        sheet.cell(row=row, column=1, value=column.header)
        sheet.cell(row=row, column=2, value=column.meaning)
        allowed = "; ".join(f"{v} {column.labels[v]}" if v in column.labels else v for v in column.allowed)
        sheet.cell(row=row, column=3, value=allowed or _free_form(column))
    for letter, width in (("A", 26), ("B", 60), ("C", 70)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = f"A{top + 1}"


def _free_form(column: Column) -> str:
    if column.kind is CellKind.DATE:
        return "日期，如 2026-11-20"
    if column.key in ("id", "owner", "runs_at.ref", "replaced_by"):
        return "编号：小写字母、数字、- 和 _"
    return "文字"


def _reproducible(book: Workbook, when: datetime) -> bytes:
    """The workbook's bytes with every zip entry dated ``when``: openpyxl's ``save`` stamps the clock twice
    (the core properties' modified time and each entry's time), so the writer is driven here instead."""
    raw = BytesIO()
    with ZipFile(raw, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(book, archive).write_data()
    fixed = BytesIO()
    stamp = (when.year, when.month, when.day, 0, 0, 0)
    with ZipFile(BytesIO(raw.getvalue())) as source, ZipFile(fixed, "w", ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, source.read(info))
    return fixed.getvalue()
