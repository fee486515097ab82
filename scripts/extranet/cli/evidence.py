"""``extranet evidence RUN -o FILE.zip`` and ``extranet evidence verify FILE.zip``: one run's proof for auditors."""

import os
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from ..compliance import after as compliance_after
from ..files import check_output, read_limited, write_atomically
from ..history import ConfigHistory
from ..history.checkpoint import KEY_VARIABLE, VERIFIER_VARIABLE, CheckpointError, signing_key
from ..history.evidence import Pack, build, config_around, verify
from ..history.siem import as_dict
from ..rollout.setup import HISTORY
from .inventory import InventoryOption
from .output import console, error

FINISHED = ("ok", "problems")


def evidence(
    what: str = typer.Argument(..., help="A run id (`extranet audit log`, the run tables), or `verify`."),
    pack: Path | None = typer.Argument(None, help="verify: the pack (FILE.zip)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="The pack to write (FILE.zip)."),
    key: Path | None = typer.Option(None, "--key", help=f"The signing key (default ${KEY_VARIABLE}: its PEM)."),
    verifier: str | None = typer.Option(
        None, "--verifier", help=f"verify: the verifier key or its file (default ${VERIFIER_VARIABLE})."
    ),
    name: str | None = typer.Option(None, "--name", help="The key's name (default extranet.REGION/audit)."),
    inventory: Path | None = InventoryOption,
) -> None:
    """Pack one run's evidence (record, configs before/after and diffs, checks, probes before/after, its audit
    events with inclusion proofs, a signed manifest of SHA-256 sums), or verify a pack offline: exit 0 when it is
    the pack that was signed, 1 naming what does not match, 2 for bad input."""
    if what == "verify":
        _verify(pack, verifier)
        return
    if not what.isdigit():
        error(f"{what!r}: give a run id (a number) or `verify FILE.zip`")
        raise typer.Exit(2)
    if out is None:
        error("give the pack to write: -o FILE.zip")
        raise typer.Exit(2)
    from .. import store
    from ..inventory import load_inventory

    check_output(out)
    try:
        signer = signing_key(key, Path.cwd())
    except CheckpointError as exc:
        error(str(exc))
        raise typer.Exit(2) from exc
    db = store.open_store(create=False)
    run = db.get_run(int(what))
    if run is None:
        error(f"no run #{what} in the database")
        raise typer.Exit(2)
    key_name = name or f"extranet.{load_inventory(inventory).region.id}/audit"
    data = build(collect(db, run), signer, key_name)
    write_atomically(out, data, shared=True)
    console.print(f"wrote {out}: evidence of run #{run.id} ({run.kind}), {len(data)} bytes", highlight=False,
                  markup=False)  # fmt: skip


def collect(db: Any, run: Any) -> Pack:
    """The run's evidence from the database and the config history."""
    record = {"id": run.id, "kind": run.kind, "operator": run.operator, "ticket": run.ticket,
              "started_at": run.started_at, "finished_at": run.finished_at, "status": run.status,
              "inventory_digest": run.inventory_digest, "summary": run.summary}  # fmt: skip
    pack = Pack(record)
    history = ConfigHistory(HISTORY)
    for row in db.device_results(run.id):
        found: dict[str, Any] = {"result": {"device": row.device, "wave": row.wave, "status": row.status,
                                            **(row.detail or {})}}  # fmt: skip
        if history.git_dir.is_dir():
            found |= config_around(history, row.device, run.id)
        else:
            pack.missing.append(f"{row.device}: no config history in {HISTORY}")
        pack.devices[row.device] = found
    probes = db.runs("probe", statuses=FINISHED)
    start, end = run.started_at, run.finished_at or run.started_at
    before = [p for p in probes if p.finished_at is not None and _utc(p.finished_at) <= _utc(start)]
    after = [p for p in probes if _utc(p.started_at) >= _utc(end)]
    for when, chosen in (("before", before[-1] if before else None), ("after", after[0] if after else None)):
        if chosen is None:
            pack.missing.append(f"probes/{when}.json: no full probe run {when} the run")
            continue
        pack.probes[when] = {"run": chosen.id, "started_at": chosen.started_at, "finished_at": chosen.finished_at,
                             "departments": {s.department: {"status": s.status, "ipv4": s.ipv4, "ipv6": s.ipv6,
                                                            "reasons": list(s.reasons)}
                                             for s in db.department_statuses([chosen.id])}}  # fmt: skip
    events = db.audit_events()
    pack.leaves = [e.hash for e in events]
    pack.positions = {e.id: index for index, e in enumerate(events)}
    pack.events = [as_dict(e) for e in events if e.run_id == run.id]
    judged = compliance_after(db, run.id)
    if judged is None:
        pack.missing.append(f"compliance/after.json: no judgement recorded after run #{run.id} (a rollout records "
                            "one after each wave)")  # fmt: skip
    else:
        pack.compliance = {"run": judged.id, "finished_at": judged.finished_at, "status": judged.status,
                           **judged.summary}  # fmt: skip
    return pack


def _utc(moment: Any) -> Any:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _verify(pack: Path | None, verifier: str | None) -> None:
    if pack is None:
        error("give the pack: extranet evidence verify FILE.zip")
        raise typer.Exit(2)
    key = verifier or os.environ.get(VERIFIER_VARIABLE)
    try:
        data = read_limited(pack)
        if key and ("+" not in key or Path(key).is_file()):
            key = read_limited(Path(key)).decode("utf-8", "replace").strip()
    except OSError as exc:
        error(f"{exc.filename or pack}: {exc.strerror or exc}")
        raise typer.Exit(2) from exc
    problems, facts = verify(data, key)
    for line in facts:
        console.print(line, highlight=False, markup=False)
    if problems:
        for line in problems:
            console.print(f"[red]does not match:[/] {escape(line)}", highlight=False)
        raise typer.Exit(1)
    console.print(f"{pack}: verified", highlight=False, markup=False)
