"""``extranet report connections``: which departments are connected, over which family, which are down."""

import sys
from datetime import UTC, datetime
from pathlib import Path

import typer

from ..files import check_output, write_atomically
from ..inventory import load_inventory
from ..report import BOM, Format, Lang, NoProbeRun, build, parse_since, render
from ..store import MissingDatabase, open_store
from .inventory import InventoryOption
from .output import console, errors
from .push import fail

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
    text = render(report, fmt, lang)
    if output is None:
        sys.stdout.write(text)
    else:
        write_atomically(output, [BOM if fmt is Format.CSV else "", text])
        console.print(
            f"wrote {output}: {len(report.rows)} departments, probe run #{report.run.id}", highlight=False, markup=False
        )
