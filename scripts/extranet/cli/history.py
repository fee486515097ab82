"""``extranet history``: the config history for auditors, without git commands (git stays the store).

Per device: the commits with operator, ticket, run, action and result (`log`); its config at any moment (`show
--at`); the difference between two moments (`diff`); for each line of today's config the commit that brought it
(`blame`). A moment is a date (the end of that day, China Standard Time, UTC+8: the offices' day), a date and time
with its zone, or a commit. Attribution: ``planned`` for what a run of ours changed or rolled back, ``unattributed``
for a difference a backup found that no run made.
"""

import re
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import typer
from rich.table import Table

from ..history import ConfigHistory, HistoryEntry, HistoryError
from ..rollout.setup import HISTORY
from .output import console, error, errors, print_json

app = typer.Typer(help="Who changed which device, when, why, with what result (the config history).",
                  no_args_is_help=True)  # fmt: skip

OFFICE_TIME = timezone(timedelta(hours=8), "UTC+8")
COMMIT = re.compile(r"^[0-9a-f]{7,40}$")
DeviceArgument = typer.Argument(..., help="A device name (inventory), or edge-DEPT for a department's own router.")


def attribution(entry: HistoryEntry, first: bool = False) -> str:
    """Who made the change: a run of ours (``planned``), nobody we know of (``unattributed``: a backup found the
    config changed since the last record); the device's first record changes nothing (``baseline``)."""
    if entry.attribution:  # what `extranet backup` found in the device's command log
        return entry.attribution
    if entry.action in ("change", "rollback") and entry.run:
        return "planned"
    return "baseline" if first else "unattributed"


def as_json(entry: HistoryEntry, first: bool = False) -> dict[str, Any]:
    return {"commit": entry.sha, "at": entry.date, "operator": entry.operator, "ticket": entry.ticket,
            "run": entry.run, "action": entry.action, "result": entry.result,
            "attribution": attribution(entry, first), "os_user": entry.os_user or None,
            "ssh_client": entry.ssh_client or None}  # fmt: skip


def _history() -> ConfigHistory:
    history = ConfigHistory(HISTORY)
    if not history.git_dir.is_dir():
        errors.print(f"no config history in {HISTORY} yet: a rollout or `extranet run backup.yml` records one",
                     highlight=False, markup=False)  # fmt: skip
        raise typer.Exit(1)
    return history


def _entries(history: ConfigHistory, device: str, limit: int | None = None) -> list[HistoryEntry]:
    try:
        found = history.log(device, limit)
    except ValueError as exc:
        error(str(exc))
        raise typer.Exit(2) from exc
    if not found:
        known = sorted({e.device for e in history.log() if e.device != "audit"})  # not the audit heads
        error(f"no history of {device!r}; devices with a history: {', '.join(known) or 'none'}")
        raise typer.Exit(2)
    return found


def moment(text: str) -> str:
    """A date (end of that day, UTC+8) or an ISO date-time (its zone; UTC+8 when it has none), as ISO 8601."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day, time(23, 59, 59), OFFICE_TIME).isoformat()
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date (2026-11-27), a date and time (2026-11-27T14:30+08:00) or a "
                         "commit") from None  # fmt: skip
    return (when if when.tzinfo else when.replace(tzinfo=OFFICE_TIME)).isoformat()


def _resolve(history: ConfigHistory, device: str, text: str) -> HistoryEntry:
    """The device's commit at a moment, or the commit named."""
    entries = _entries(history, device)
    if COMMIT.match(text):
        found = next((e for e in entries if e.sha.startswith(text)), None)
        if found is None:
            error(f"commit {text} did not change {device}")
            raise typer.Exit(2)
        return found
    try:
        entry = history.at(device, moment(text))
    except ValueError as exc:
        error(str(exc))
        raise typer.Exit(2) from exc
    if entry is None:
        error(f"{device} had no recorded config yet at {text} (the first is from {entries[-1].date})")
        raise typer.Exit(2)
    return entry


@app.command("log")
def log(
    device: str = DeviceArgument,
    limit: int | None = typer.Option(None, "--limit", "-n", min=1, help="The newest N commits."),
    json_out: bool = typer.Option(False, "--json", help='{"entries": [{"commit", "at", "operator", …}]}'),
) -> None:
    """The device's commits, newest first: when, who (operator), ticket, run, action, result, attribution."""
    history = _history()
    entries = _entries(history, device, limit)
    oldest = _entries(history, device)[-1].sha
    if json_out:
        print_json({"device": device, "entries": [as_json(e, e.sha == oldest) for e in entries]})
        return
    table = Table("commit", "at", "operator", "ticket", "run", "action", "result", "attribution")
    for e in entries:
        table.add_row(e.sha[:12], e.date, e.operator, e.ticket or "-", e.run or "-", e.action, e.result,
                      attribution(e, e.sha == oldest))  # fmt: skip
    console.print(table, markup=False)


@app.command("show")
def show(
    device: str = DeviceArgument,
    at: str = typer.Option("now", "--at", help="A date (end of day, UTC+8), a date-time or a commit; default now."),
) -> None:
    """The device's config as recorded at that moment (stdout); which commit it is, on stderr."""
    history = _history()
    entry = _entries(history, device, 1)[0] if at == "now" else _resolve(history, device, at)
    errors.print(f"{device} at {entry.sha[:12]} ({entry.date}, {entry.action} {entry.result} by {entry.operator})",
                 highlight=False, markup=False)  # fmt: skip
    typer.echo(history.show(device, entry.sha), nl=False)


@app.command("diff")
def diff(
    device: str = DeviceArgument,
    start: str = typer.Option(..., "--from", help="A date, date-time or commit: the config then."),
    end: str = typer.Option("now", "--to", help="A date, date-time or commit (default now)."),
) -> None:
    """What changed in the device's config between two moments (a unified diff; nothing when nothing did)."""
    history = _history()
    a = _resolve(history, device, start)
    b = _entries(history, device, 1)[0] if end == "now" else _resolve(history, device, end)
    try:
        text = history.diff(device, a.sha, b.sha)
    except HistoryError as exc:
        error(str(exc))
        raise typer.Exit(1) from exc
    errors.print(f"{device}: {a.sha[:12]} ({a.date}) → {b.sha[:12]} ({b.date})", highlight=False, markup=False)
    typer.echo(text, nl=False)


@app.command("blame")
def blame(
    device: str = DeviceArgument,
    json_out: bool = typer.Option(False, "--json", help='{"lines": [{"line", "commit", "at", "operator", …}]}'),
) -> None:
    """Each line of the device's config today with the change that brought it: when, who, ticket, run, action."""
    history = _history()
    found = _entries(history, device)
    entries, oldest = {e.sha: e for e in found}, found[-1].sha
    lines = history.blame(device)
    if json_out:
        print_json({"device": device, "lines": [{"line": text, **as_json(entries[sha], sha == oldest)}
                                                for sha, text in lines]})  # fmt: skip
        return
    for sha, text in lines:
        e = entries[sha]
        said = attribution(e, sha == oldest)
        who = f"{sha[:8]} {e.date[:16]} {e.operator:<10.10} {(e.ticket or '-'):<12.12} {said:<12}"
        console.print(f"{who} │ {text}", highlight=False, markup=False)
