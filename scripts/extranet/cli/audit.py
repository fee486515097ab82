"""``extranet audit``: the append-only, hash-chained record of every action."""

import os
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from .output import console, print_json

app = typer.Typer(
    help="Review and verify the audit log (who did what, when, why, with what result).", no_args_is_help=True
)


@app.command("log")
def log(
    limit: int = typer.Option(50, "--limit", "-n", min=1, max=10**9, help="Show the newest N events."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Show the newest audit events."""
    from .. import store

    events = store.open_store(create=False).audit_events(limit)
    if as_json:
        print_json(
            [
                {
                    c: getattr(e, c)
                    for c in (
                        "id",
                        "at",
                        "run_id",
                        "operator",
                        "action",
                        "target",
                        "outcome",
                        "reason",
                        "detail",
                        "prev_hash",
                        "hash",
                    )
                }
                for e in events
            ]
        )
        return
    table = Table("id", "at (UTC)", "operator", "action", "target", "outcome", "hash")
    for e in events:
        cells = (e.operator, e.action, e.target, e.outcome)  # from the database: text, never markup
        table.add_row(str(e.id), e.at.strftime("%Y-%m-%d %H:%M:%S"), *map(escape, cells), e.hash[:12])
    console.print(table)


@app.command("verify")
def verify() -> None:
    """Check the hash chain end to end, and against the head kept in the config history; exit 1 and name each
    break if any row was edited, removed, cut off at the end or rewritten."""
    from .. import store

    try:
        db = store.open_store(create=False)
    except store.MissingDatabase:
        if not os.environ.get("EXTRANET_DB_URL"):  # the workspace's database deleted: the whole log truncated
            _gone(store.HISTORY_DIR, store.database_url())
        raise
    breaks = db.verify_audit_chain()
    count = len(db.audit_events())
    if breaks:
        for line in breaks:
            console.print(f"[red]broken:[/] {escape(line)}", highlight=False)
        raise typer.Exit(1)
    console.print(f"audit chain intact: {count} events{_head_note(db.history, db.database)}", highlight=False,
                  markup=False)  # fmt: skip


def _gone(history: Path, database: str) -> None:
    """Exit 1 when the config history kept heads of a log whose database is missing."""
    from ..history.head import recorded_heads

    newest = recorded_heads(history, database).newest
    if newest is not None:
        console.print(
            f"[red]broken:[/] the database is missing, but {escape(str(history))} recorded {newest.events} audit "
            f"events (the last on {newest.date}): the database was deleted or moved",
            highlight=False,
        )
        raise typer.Exit(1)


def _head_note(history: Path | None, database: str) -> str:
    """What the heads kept in the config history add (history.head), and which other databases they name."""
    if history is None:
        return ""
    from ..history.head import recorded_heads

    heads = recorded_heads(history, database)
    others = "".join(
        f"; {history} also keeps the heads of {name} ({head.events} events, the last on {head.date}): the "
        "workspace used that database before"
        for name, head in sorted(heads.elsewhere.items())
    )
    if heads.newest is None:
        return f" (no head kept in {history} yet: truncation is checked from the next event on){others}"
    newest = heads.newest
    return f"; the head kept in {history} agrees ({newest.events} recorded, the last on {newest.date}){others}"
