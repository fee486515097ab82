"""``extranet audit``: the append-only, hash-chained record of every action."""

import base64
import os
import sys
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from ..files import check_output, read_limited, write_atomically
from ..history.checkpoint import (
    CHECKPOINT_ACTION,
    KEY_VARIABLE,
    VERIFIER_VARIABLE,
    Checkpoint,
    CheckpointError,
    generate,
    judge,
    make,
    open_note,
    sign,
    signing_key,
)
from .options import InventoryOption
from .output import console, error, print_json

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
                        "os_user",
                        "ssh_client",
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
def verify(
    checkpoint: Path | None = typer.Option(
        None, "--checkpoint", help="A signed checkpoint (`audit checkpoint`): prove today's log extends it."
    ),
    verifier: str | None = typer.Option(
        None, "--verifier", help=f"The verifier key (NAME+KEYID+KEY) or a file holding it (KEY.pub of `audit "
        f"keygen`); default ${VERIFIER_VARIABLE}."
    ),
) -> None:
    """Check the hash chain end to end, and against the head kept in the config history; with --checkpoint, that
    today's log begins with the events a signed checkpoint covers (RFC 9162). Exit 1 and name each break if any
    row was edited, removed, cut off at the end or rewritten, even consistently; 2 for a bad checkpoint or key."""
    from .. import store

    signed = _open_checkpoint(checkpoint, verifier) if checkpoint is not None else None
    try:
        db = store.open_store(create=False)
    except store.MissingDatabase:
        if not os.environ.get("EXTRANET_DB_URL"):  # the workspace's database deleted: the whole log truncated
            _gone(store.HISTORY_DIR, store.database_url())
        raise
    breaks, events = db.checked_audit_chain()  # one read of the table: checked, counted, judged
    said: list[str] = []
    if signed is not None:
        verdict = judge(signed, events.described(), _kept_hashes(db.history, db.database))
        (said if verdict.ok else breaks).extend(verdict.lines)
    if breaks:
        for line in breaks:
            console.print(f"[red]broken:[/] {escape(line)}", highlight=False)
        raise typer.Exit(1)
    console.print(f"audit chain intact: {len(events)} events{_head_note(db.history, db.database)}", highlight=False,
                  markup=False)  # fmt: skip
    for line in said:
        console.print(line, highlight=False, markup=False)


@app.command("keygen")
def keygen(
    out: Path = typer.Option(..., "--out", "-o", help="The signing key file (outside the workspace; mode 0600); "
                             "the verifier key goes to FILE.pub."),
    name: str | None = typer.Option(None, "--name", help="The key's name (default extranet.REGION/audit)."),
    inventory: Path | None = InventoryOption,
) -> None:
    """Make an Ed25519 key pair for signing checkpoints: the private key stays off the repository, the verifier key
    (FILE.pub) goes to whoever keeps and checks the checkpoints."""
    name = name or _origin(inventory)
    try:
        if out.absolute().is_relative_to(Path.cwd().resolve()):
            raise CheckpointError(f"{out}: the signing key lives outside the workspace (it would end up beside the "
                                  "repository); e.g. /etc/extranet/audit.key")  # fmt: skip
        pem, public = generate(name)
        pub = out.with_name(out.name + ".pub")
        check_output(out)
        check_output(pub)
    except CheckpointError as exc:
        error(str(exc))
        raise typer.Exit(2) from exc
    write_atomically(out, [pem.decode()])
    write_atomically(pub, [public + "\n"], shared=True)
    console.print(f"wrote {out} (signing key, 0600) and {pub} (verifier key: {public})", highlight=False, markup=False)


@app.command("checkpoint")
def checkpoint_cmd(
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the signed checkpoint here (else stdout)."),
    key: Path | None = typer.Option(None, "--key", help=f"The signing key file (default ${KEY_VARIABLE}, its PEM)."),
    name: str | None = typer.Option(None, "--name", help="The key's name (default extranet.REGION/audit)."),
    inventory: Path | None = InventoryOption,
) -> None:
    """Sign the Merkle tree head of the audit log as it is now (C2SP checkpoint, Ed25519): give it to a second
    party; `audit verify --checkpoint` later proves the log still begins with these events."""
    from .. import store
    from ..history.merkle import leaf_hash

    name = name or _origin(inventory)
    try:
        if out is not None:
            check_output(out)
        signer = signing_key(key, Path.cwd())
    except CheckpointError as exc:
        error(str(exc))
        raise typer.Exit(2) from exc
    db = store.open_store(create=False)
    events = db.audit_events()
    last = events[-1] if events else None
    head = make(name, [leaf_hash(bytes.fromhex(e.hash)) for e in events], last.id if last else None,
                last.hash if last else None)  # fmt: skip
    note = sign(head, signer, name)
    if out is not None:
        write_atomically(out, [note], shared=True)
    # the log itself says a checkpoint was given out (the monthly report prints the latest): the next event
    db.audit(CHECKPOINT_ACTION, f"{head.size} events", "signed",
             {"size": head.size, "root": base64.b64encode(head.root).decode(), "key": name,
              "last_id": last.id if last else None, "written_to": str(out.absolute()) if out else "stdout",
              "note": note})  # fmt: skip
    if out is None:
        sys.stdout.write(note)
        return
    console.print(f"wrote {out}: checkpoint of {head.size} events, root {head.text().splitlines()[2]}",
                  highlight=False, markup=False)  # fmt: skip


@app.command("export")
def export(
    fmt: str = typer.Option("jsonl", "--format", "-f", help="jsonl (one JSON object per line) or syslog (RFC 5424)."),
    since: int = typer.Option(0, "--since-id", min=0, help="Only events after this id (what a SIEM already has)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write this file (else stdout)."),
) -> None:
    """Stream the audit events for a SIEM: JSON lines, or RFC 5424 syslog messages (facility log audit, with the
    event as structured data)."""
    from .. import store
    from ..history.siem import json_line, syslog_line

    if fmt not in ("jsonl", "syslog"):
        error(f"--format {fmt!r}: allowed: jsonl, syslog")
        raise typer.Exit(2)
    if out is not None:
        check_output(out)
    events = [e for e in store.open_store(create=False).audit_events() if e.id > since]
    lines = [(json_line if fmt == "jsonl" else syslog_line)(e) + "\n" for e in events]
    if out is None:
        sys.stdout.write("".join(lines))
        return
    write_atomically(out, lines, shared=True)
    console.print(f"wrote {out}: {len(lines)} events", highlight=False, markup=False)


def _origin(inventory: Path | None) -> str:
    from ..inventory import load_inventory

    return f"extranet.{load_inventory(inventory).region.id}/audit"


def _open_checkpoint(path: Path, verifier: str | None) -> Checkpoint:
    key = verifier or os.environ.get(VERIFIER_VARIABLE)
    try:
        if not key:
            raise CheckpointError(f"--checkpoint needs the verifier key: --verifier KEY|FILE or ${VERIFIER_VARIABLE}")
        if "+" not in key or Path(key).is_file():
            key = read_limited(Path(key)).decode("utf-8", "replace")
        return open_note(read_limited(path).decode("utf-8", "replace"), key)
    except CheckpointError as exc:
        error(f"{path}: {exc}")
        raise typer.Exit(2) from exc
    except OSError as exc:
        error(f"{exc.filename or path}: {exc.strerror or exc}")
        raise typer.Exit(2) from exc


def _kept_hashes(history: Path | None, database: str) -> dict[int, str]:
    """Event id -> the chain hash the config history kept for it (history.head), if any."""
    if history is None:
        return {}
    from ..history.head import recorded_heads

    return {head.event_id: head.hash for head in recorded_heads(history, database).heads}


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
