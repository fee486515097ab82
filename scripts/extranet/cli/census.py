"""``extranet census``: the census of information systems (信息系统普查) as a spreadsheet round trip."""

from enum import StrEnum
from pathlib import Path

import typer

from ..census.columns import sheet_titles
from ..census.returns import read_return
from ..census.update import ImportPlan, plan_import
from ..census.workbook import census_workbook
from ..files import check_output, read_limited, write_atomically
from ..inventory import load_inventory
from ..inventory.problems import display_path
from ..plan.lock import DEFAULT_LOCK
from .inventory import InventoryOption
from .output import console, error, errors, print_json

app = typer.Typer(
    help="The census of information systems (信息系统普查): the workbook departments fill in, and their returns.",
    no_args_is_help=True,
)


class CensusFormat(StrEnum):
    XLSX = "xlsx"


@app.command("export")
def export(
    output: Path = typer.Option(..., "--output", "-o", help="The workbook to write (atomically)."),
    fmt: CensusFormat = typer.Option(CensusFormat.XLSX, "--format", "-f", help="xlsx (Excel, WPS, LibreOffice)."),
    dept: str | None = typer.Option(None, "--dept", help="Only this department's sheet (its id)."),
    inventory: Path | None = InventoryOption,
) -> None:
    """A sheet per department, one row per system with every census field, drop-down lists for the enumerated
    fields and a 说明 sheet; the same inventory gives the same bytes."""
    check_output(output)
    inv = load_inventory(inventory)
    if dept is not None and dept not in inv.departments:
        error(f"--dept: unknown department {dept!r}; defined: {', '.join(sorted(inv.departments)[:20])}")
        raise typer.Exit(2)
    departments = [inv.departments[dept]] if dept else list(inv.departments.values())
    data = census_workbook(inv, departments)
    write_atomically(output, data, shared=True)
    count = sum(1 for s in inv.systems.values() if s.owner in {d.id for d in departments})
    console.print(f"wrote {output}: {len(departments)} departments, {count} systems", highlight=False, markup=False)


@app.command("import")
def import_(
    file: Path = typer.Argument(..., help="A department's filled return (.xlsx).", show_default=False),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check and show the changes; write nothing."),
    as_json: bool = typer.Option(False, "--json", help="The summary as JSON."),
    inventory: Path | None = InventoryOption,
) -> None:
    """Check every cell of a return and update inventory/systems.yml in place (comments and order kept): exit 0
    when applied or nothing changes, 2 naming FILE:SHEET!CELL for each refused cell (nothing written)."""
    inv = load_inventory(inventory)
    titles = sheet_titles(inv.departments.values())
    sheets = {**{d: d for d in inv.departments}, **{title: d for d, title in titles.items()}}
    plan = plan_import(inv, read_return(file, sheets), DEFAULT_LOCK)
    shown = display_path(file)
    if plan.problems:
        if as_json:
            print_json({"file": shown, "ok": False, "written": False, "problems": plan.problems})
        else:
            count = f"{len(plan.problems)} problem{'s' if len(plan.problems) != 1 else ''}"
            errors.print(f"{count} in {shown}: nothing written", highlight=False, markup=False)
            for problem in plan.problems:
                errors.print(problem, highlight=False, markup=False)
        raise typer.Exit(2)
    written = plan.text is not None and not dry_run and _write(plan)
    if as_json:
        print_json(
            {
                "file": shown,
                "ok": True,
                "written": written,
                "systems_file": display_path(plan.systems_file),
                "systems": [c.as_json() for c in plan.changes],
            }
        )
        return
    _summary(plan, shown, written)


def _write(plan: ImportPlan) -> bool:
    assert plan.text is not None
    if read_limited(plan.systems_file) != plan.original:  # edited meanwhile: the plan was made on older bytes
        error(f"{display_path(plan.systems_file)}: changed while the return was checked; run the import again")
        raise typer.Exit(2)
    write_atomically(plan.systems_file, [plan.text], shared=True)
    return True


def _summary(plan: ImportPlan, shown: str, written: bool) -> None:
    target = display_path(plan.systems_file)
    if not plan.changes:
        console.print(f"{shown}: no change to {target}; nothing written", highlight=False, markup=False)
        return
    for change in plan.changes:
        where = f"{change.sheet}!A{change.row}"
        if change.added:
            console.print(f"+ {change.id} ({where}): new system", highlight=False, markup=False)
        for item in change.changes:
            console.print(f"~ {change.id} ({where}): {item.field}: {item.old} → {item.new}", highlight=False,
                          markup=False)  # fmt: skip
    verb = "updated" if written else "would update (--dry-run)"
    console.print(f"{verb} {target}: {len(plan.changes)} systems from {shown}", highlight=False, markup=False)
