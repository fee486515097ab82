"""A department's filled census return, read back: its sheets, their columns found by the field key in each
header, and every row's cells. Nothing here judges the values; that is ``update``'s work (and the inventory's)."""

import zipfile
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from openpyxl import load_workbook  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from openpyxl.worksheet.worksheet import Worksheet  # type: ignore[import-untyped]

from ..files import RefusedPath, read_limited
from ..inventory.problems import display_path
from .columns import BY_KEY, COLUMNS, GUIDE_SHEET, HEADER_KEY

UNPACKED_LIMIT = 512 << 20  # a return's XML unpacked; a zip bomb is refused before openpyxl inflates it
XLS_MAGIC = b"\xd0\xcf\x11\xe0"  # Excel 97-2003 (and other OLE2) files
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True, order=True)
class CellProblem:
    """One refused cell, as the operator will read it: ``FILE:SHEET!CELL: field: what is wrong; allowed: …``."""

    file: str
    sheet: str
    cell: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.sheet}!{self.cell}: {self.field}: {self.message}"


@dataclass
class ReturnRow:
    """One system's row: the raw cell values by column key, and each cell's reference (``F3``)."""

    sheet: str
    row: int
    department: str
    values: dict[str, Any] = field(default_factory=dict)
    cells: dict[str, str] = field(default_factory=dict)

    def cell(self, key: str) -> str:
        """The cell of ``key``, or the row's id cell when the sheet has no such column."""
        return self.cells.get(key) or self.cells.get("id") or f"A{self.row}"


@dataclass
class CensusReturn:
    file: str
    rows: list[ReturnRow] = field(default_factory=list)
    problems: list[CellProblem] = field(default_factory=list)

    def refuse(self, sheet: str, cell: str, field_: str, message: str) -> None:
        self.problems.append(CellProblem(self.file, sheet, cell, field_, message))


def read_return(path: Path, sheets: dict[str, str]) -> CensusReturn:
    """The rows of every department sheet in ``path``; ``sheets`` maps a sheet title (or a department id) to its
    department. A file that is no xlsx workbook raises RefusedPath (the CLI: ``error: FILE: why``, exit 2)."""
    data = read_limited(path)
    book = _open(path, data)
    found = CensusReturn(display_path(path))
    for sheet in book.worksheets:
        if sheet.title == GUIDE_SHEET:
            continue
        department = sheets.get(sheet.title)
        if department is None:
            listing = ", ".join(sorted(sheets)[:12]) + (", …" if len(sheets) > 12 else "")
            found.refuse(sheet.title, "A1", "sheet", f"{sheet.title!r} is not a department's sheet; allowed: {listing}")
            continue
        _read_sheet(found, sheet, department)
    if not found.rows and not found.problems:
        raise RefusedPath(path, "no department sheet with a system row in it: nothing to import")
    return found


def _open(path: Path, data: bytes) -> Any:
    save_as = "save the return as an Excel Workbook (.xlsx)"
    if data.startswith(XLS_MAGIC):
        raise RefusedPath(path, f"is an Excel 97-2003 (.xls) file, not .xlsx: {save_as}")
    if not data.startswith(ZIP_MAGIC):
        raise RefusedPath(path, f"is not an .xlsx workbook: {save_as}")
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > UNPACKED_LIMIT:
            raise RefusedPath(path, f"unpacks to {unpacked >> 20} MiB: larger than a census return can be")
        return load_workbook(BytesIO(data), data_only=False, keep_links=False)
    except RefusedPath:
        raise
    except Exception as exc:  # any failure of a hostile or damaged file is a refusal, never a traceback
        raise RefusedPath(path, f"cannot be read as an .xlsx workbook ({type(exc).__name__}): {save_as}") from None


def _read_sheet(found: CensusReturn, sheet: Worksheet, department: str) -> None:
    columns: dict[int, str] = {}
    for cell in sheet[1]:
        if cell.value is None or str(cell.value).strip() == "":
            continue
        text = str(cell.value).strip()
        match = HEADER_KEY.search(text)
        key = match.group(1) if match else text
        if key not in BY_KEY:
            allowed = ", ".join(column.key for column in COLUMNS)
            found.refuse(sheet.title, cell.coordinate, "header", f"{text!r} names no census field; allowed: {allowed}")
        elif key in columns.values():
            found.refuse(sheet.title, cell.coordinate, "header", f"{key!r} is a second column for the same field")
        else:
            columns[cell.column] = key
    if "id" not in columns.values():
        found.refuse(sheet.title, "A1", "header", f"no {BY_KEY['id'].header} column: every row names its system")
        return
    for cells in sheet.iter_rows(min_row=2):
        row = ReturnRow(sheet.title, cells[0].row, department)
        for cell in cells:
            key = columns.get(cell.column)
            if key is None or cell.value is None or (isinstance(cell.value, str) and not cell.value.strip()):
                continue
            row.cells[key] = cell.coordinate
            if cell.data_type == "f":
                found.refuse(sheet.title, cell.coordinate, key, "a formula is not a census value; type the value")
            elif cell.data_type == "e":
                found.refuse(sheet.title, cell.coordinate, key, f"the error value {cell.value}; type the value")
            else:
                row.values[key] = cell.value
        if row.cells:
            for index, key in columns.items():  # blank cells too: a cleared optional field is a change
                row.cells.setdefault(key, f"{get_column_letter(index)}{row.row}")
            found.rows.append(row)


def present(row: ReturnRow, key: str) -> bool:
    """Whether the return has a column for ``key`` (a blank cell in it clears the field)."""
    return key in row.cells
