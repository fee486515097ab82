"""The monthly report in the formats the offices work in: an Excel workbook (a sheet per section) and a Word
document laid out as GB/T 9704 sets official documents (A4; margins top 37 mm, bottom 35 mm, left 28 mm, right
26 mm; title in 黑体, body in 仿宋).

Both are zip packages whose parts and entries carry dates: every one is the report's cut-off, so the same report
gives the same bytes. Text a department or a reason reaches is stored as text, never as a formula.
"""

import io
import unicodedata
import zipfile
from datetime import UTC, date, datetime
from typing import Any

from ..spreadsheet import FORMULA_START
from .labels import Lang
from .progress import ProgressReport
from .progress_formats import cell_text
from .progress_tables import Cell, Table, month_title, summary_sentences, tables

BODY_FONT = "仿宋"  # FangSong: what GB/T 9704 sets for the body; Chinese Windows and WPS have it
TITLE_FONT = "黑体"  # SimHei: for the title and headings (小标宋 is rarely installed; 黑体 always is)
LATIN_FONT = "Times New Roman"
MAX_WIDTH = 60  # characters: a long reason wraps instead of making a column a page wide
PERCENT, DAY = "0.0%", "yyyy-mm-dd"


def display_width(text: str) -> int:
    """Columns a spreadsheet needs for ``text``: CJK (wide and full-width) characters count double.

    >>> display_width("云岭县"), display_width("2026-10"), display_width("IPv6 双栈")
    (6, 7, 9)
    """
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _utc_naive(moment: datetime) -> datetime:
    """openpyxl and python-docx take document dates as naive UTC."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def fixed_zip(data: bytes, moment: datetime) -> bytes:
    """The zip package ``data`` again, every entry dated ``moment`` (zip times are local wall-clock times
    without a zone: the offices' time is given) and stored in the same order with the same compression."""
    stamp = moment.timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            fixed = zipfile.ZipInfo(entry.filename, date_time=stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, source.read(entry.filename))
    return out.getvalue()


def as_xlsx(report: ProgressReport, lang: Lang) -> bytes:
    """A sheet per section: header row frozen and filtered, numbers as numbers, widths that fit Chinese text."""
    from openpyxl import Workbook  # type: ignore[import-untyped]  # openpyxl ships no type hints
    from openpyxl.writer.excel import ExcelWriter  # type: ignore[import-untyped]

    workbook = Workbook()
    workbook.remove(workbook.active)
    title = month_title(report, lang)
    for table in tables(report, lang):
        sheet = workbook.create_sheet(table.name)
        _sheet(sheet, table)
        sheet.oddHeader.center.text = f"{title} — {table.title}"  # on every printed page: what this is
    when = _utc_naive(report.cutoff.at)
    workbook.properties.title = title
    workbook.properties.creator = "extranet"
    workbook.properties.lastModifiedBy = "extranet"
    workbook.properties.created = workbook.properties.modified = when  # never the clock: openpyxl's save() would
    buffer = io.BytesIO()
    ExcelWriter(workbook, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()  # closes the archive
    return fixed_zip(buffer.getvalue(), report.cutoff.at)


def _sheet(sheet: Any, table: Table) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    header = Font(bold=True)
    fill = PatternFill("solid", fgColor="EAEEF2")
    widths = [display_width(c.title) for c in table.columns]
    for index, column in enumerate(table.columns, start=1):
        cell = sheet.cell(row=1, column=index)
        _put(cell, column.title, "text")
        cell.font, cell.fill = header, fill
    for number, row in enumerate(table.rows, start=2):
        for index, (column, value) in enumerate(zip(table.columns, row, strict=True), start=1):
            _put(sheet.cell(row=number, column=index), value, column.kind)
            widths[index - 1] = max(widths[index - 1], display_width(cell_text(value, column.kind, "zh")))
    last = get_column_letter(len(table.columns))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{last}{len(table.rows) + 1}"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(width, MAX_WIDTH) + 3  # room for the filter
        if width > MAX_WIDTH:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.page_setup.orientation = "landscape" if len(table.columns) > 6 else "portrait"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"


def _put(cell: Any, value: Cell, kind: str) -> None:
    """One value, typed: numbers as numbers (0 stays 0), rates as percentages, dates as dates, text as text —
    a text starting like a formula (= + - @) stays text, shown with a leading quote."""
    if value is None or isinstance(value, int):
        cell.value = value
    elif isinstance(value, float):
        cell.value = value
        cell.number_format = PERCENT if kind in ("rate", "mixed") else "0.00"
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = DAY
    else:
        cell.value = value
        if value.startswith(FORMULA_START):
            cell.data_type = "s"  # openpyxl took a leading = for a formula: store it as a string
            cell.quotePrefix = True  # and the spreadsheet keeps it text when the cell is edited


def as_docx(report: ProgressReport, lang: Lang) -> bytes:
    """Title, the summary in sentences, then a table per section; East-Asian fonts set on every run."""
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = document.styles["Normal"]
    normal.font.size = Pt(16)  # 三号
    _fonts(normal.element.get_or_add_rPr(), BODY_FONT)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(title, month_title(report, lang), TITLE_FONT, 22)  # 二号
    for sentence in summary_sentences(report, lang):
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.first_line_indent = Pt(32)  # two characters
        _run(paragraph, sentence, BODY_FONT, 16)
    for table in tables(report, lang):
        _run(document.add_paragraph(), table.title, TITLE_FONT, 16)
        if not table.rows:
            _run(document.add_paragraph(), cell_text(None, "text", lang), BODY_FONT, 16)
            continue
        size = 9 if len(table.columns) > 8 else 10.5  # 小五 for the wide tables, else 五号
        grid = document.add_table(rows=1 + len(table.rows), cols=len(table.columns))
        grid.style = "Table Grid"
        grid.alignment = WD_TABLE_ALIGNMENT.CENTER
        _header_repeats(grid.rows[0])
        for index, column in enumerate(table.columns):
            _run(grid.cell(0, index).paragraphs[0], column.title, TITLE_FONT, size)
        for number, row in enumerate(table.rows, start=1):
            for index, (column, value) in enumerate(zip(table.columns, row, strict=True)):
                paragraph = grid.cell(number, index).paragraphs[0]
                if column.kind in ("int", "rate"):
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                _run(paragraph, cell_text(value, column.kind, lang), BODY_FONT, size)
    properties = document.core_properties
    properties.title = month_title(report, lang)
    properties.author = properties.last_modified_by = "extranet"
    properties.created = properties.modified = properties.last_printed = _utc_naive(report.cutoff.at)
    properties.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    return fixed_zip(buffer.getvalue(), report.cutoff.at)


def _run(paragraph: Any, text: str, font: str, size: float) -> None:
    from docx.shared import Pt

    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    _fonts(run._element.get_or_add_rPr(), font)


def _fonts(rpr: Any, east_asia: str) -> None:
    """``w:rFonts``: Latin text in Times New Roman, Chinese in ``east_asia`` (named explicitly: Word picks the
    East-Asian font from ``w:eastAsia``, not from the font name python-docx sets)."""
    from docx.oxml.ns import qn

    fonts = rpr.get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), east_asia)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = rpr.makeelement(qn("w:lang"), {})
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def _header_repeats(row: Any) -> None:
    """The header row repeats on every page a long table runs over."""
    from docx.oxml.ns import qn

    properties = row._tr.get_or_add_trPr()
    header = properties.makeelement(qn("w:tblHeader"), {qn("w:val"): "true"})
    properties.append(header)
