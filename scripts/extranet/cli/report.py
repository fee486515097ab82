"""``extranet report connections``: which departments are connected, over which family, which are down."""

import hashlib
import sys
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path

import typer

from ..files import check_output, write_atomically
from ..inventory import load_inventory
from ..report import BOM, Format, Lang, NoProbeRun, build, parse_since
from ..report.formats import ProgressFormat, render_parts
from ..store import MissingDatabase, open_store
from .inventory import InventoryOption
from .output import console, error, errors, fail

app = typer.Typer(help="Reports from what the probes recorded, in Chinese or English.", no_args_is_help=True)


@app.command("connections")
def connections(
    inventory: Path | None = InventoryOption,
    fmt: Format = typer.Option(Format.MD, "--format", "-f", help="html (one self-contained file), md, csv or json."),
    lang: Lang = typer.Option(Lang.ZH, "--lang", help="Language of the labels: zh or en."),
    since: str = typer.Option("30d", "--since", help="History from a date (2026-11-01) or a span back (7d, 12h)."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Write this file (atomically; a CSV file gets a BOM for Excel), not stdout."
    ),
) -> None:
    """The latest probe run by department and township, readiness per level, changes, outages: exit 0 when
    rendered, 1 when there is no probe run yet, 2 for bad input."""
    if output is not None:
        check_output(output)  # before the work, not after it
    now = datetime.now(UTC)
    try:
        start = parse_since(since, now)
    except ValueError as exc:
        raise fail(str(exc)) from exc
    inv = load_inventory(inventory)
    try:
        report = build(open_store(create=False), inv, start, now)
    except (NoProbeRun, MissingDatabase) as exc:  # no database yet is no probe run yet: say what to do
        errors.print(str(NoProbeRun()) if isinstance(exc, MissingDatabase) else str(exc), highlight=False, markup=False)
        raise typer.Exit(1) from exc
    text = render_parts(report, fmt, lang)  # written as it comes: a province's report is some 10^8 characters
    if output is None:
        sys.stdout.writelines(text)
    else:
        write_atomically(output, chain([BOM if fmt is Format.CSV else ""], text))
        console.print(
            f"wrote {output}: {len(report.rows)} departments, probe run #{report.run.id}", highlight=False, markup=False
        )


@app.command("progress")
def progress(
    month: str = typer.Option(..., "--month", help="The month to report, YYYY-MM (UTC+8), e.g. 2026-10."),
    inventory: Path | None = InventoryOption,
    fmt: ProgressFormat = typer.Option(
        ProgressFormat.MD, "--format", "-f", help="xlsx, docx, pdf (files: need -o), html (self-contained), md, json."
    ),
    lang: Lang = typer.Option(Lang.ZH, "--lang", help="Language of the labels: zh or en."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write this file (atomically), not stdout."),
) -> None:
    """The monthly supervision report (督查月报): the region's summary, then each department's connection,
    items by state, overdue items, violations, trend and rank; its SHA-256 recorded in the audit log. Exit 0
    when written, 1 when there is no database yet, 2 for bad input."""
    if output is not None:
        check_output(output)  # before the work, not after it
    elif fmt.binary:
        raise fail(f"--format {fmt} writes a binary file, not for a terminal: give -o FILE (e.g. -o 月报.{fmt})")
    from ..report import progress as monthly  # here: the connections report needs neither
    from ..report.progress_formats import render_progress

    now = datetime.now(UTC)
    try:
        chosen = monthly.parse_month(month, now)
    except ValueError as exc:
        raise fail(str(exc)) from exc
    inv = load_inventory(inventory)
    try:
        store = open_store(create=False)
    except MissingDatabase as exc:
        error(f"{exc}; run `extranet probe` and `extranet track` first")
        raise typer.Exit(1) from exc
    report = monthly.build(store, inv, chosen, now)
    data = render_progress(report, fmt, lang)
    digest = hashlib.sha256(data).hexdigest()
    where = "-" if output is None else str(output)
    if output is None:
        sys.stdout.write(data.decode())
        sys.stdout.flush()
    else:
        write_atomically(output, data)
    store.audit("report.progress", target=str(chosen), outcome="ok",
                detail={"sha256": digest, "format": str(fmt), "path": where, "lang": str(lang)})  # fmt: skip
    told = console if output is not None else errors  # stdout is the report itself when there is no -o
    told.print(f"wrote {where}: progress report {chosen} ({fmt}, {len(report.departments)} departments), "
               f"sha256 {digest}", highlight=False, markup=False)  # fmt: skip
