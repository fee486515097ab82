"""``extranet backup``: read every device's running config, keep it in the history, and find what changed out of band.

A config that differs from the device's last record, when no run of ours made the difference, is an out-of-band
change: recorded (action backup, result out-of-band) with its attribution hunk by hunk from the device's command
log (``--log DEVICE=FILE``: its log buffer or the syslog file its lines went to), audited, and shown. Exit 0 when
nothing changed out of band, 1 when something did (or a device could not be read), 2 for bad input.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from ..devices.base import DeviceError
from ..devices.cli import CliDriver
from ..files import read_limited
from ..history import ConfigHistory, scrub
from ..history.oob import attribute, hunks, summary
from ..inputs import check_ticket
from ..inventory import load_inventory
from ..lab.files import SESSIONS_LOG
from ..lab.state import lab_dir, load_state
from ..rollout.setup import HISTORY
from ..rollout.targets import KNOWN_HOSTS, TargetError, device_targets, lab_targets
from ..store import open_store, operator_name
from .inventory import InventoryOption
from .output import console, error, print_json
from .push import LIMIT_HELP, select

KIND = "backup"


def backup(
    lab: bool = typer.Option(False, "--lab", help="Read the lab's routers (extranet lab up) instead of devices."),
    limit: str | None = typer.Option(None, "--limit", help=LIMIT_HELP),
    logs: list[str] = typer.Option(None, "--log", help="DEVICE=FILE: that device's command log (log buffer or syslog "
                                   "file) to attribute out-of-band changes from; repeat per device."),
    ticket: str | None = typer.Option(None, "--ticket", callback=check_ticket, help="Recorded with the backup."),
    trust_new_hosts: bool = typer.Option(False, "--trust-new-hosts", help="Record unknown SSH host keys (TOFU)."),
    as_json: bool = typer.Option(False, "--json", help="Per device: status, attribution and hunks."),
    inventory: Path | None = InventoryOption,
) -> None:
    """Back every device's running config up into the history and attribute what changed out of band."""
    inv = load_inventory(inventory)
    devices = select(inv, limit)
    sources = _logs(logs or [], set(inv.devices))
    try:
        targets = (lab_targets(inv, lab_dir(), devices) if lab
                   else device_targets(inv, devices, KNOWN_HOSTS, trust_new_hosts))  # fmt: skip
    except TargetError as exc:
        error(str(exc))
        raise typer.Exit(2) from exc
    if lab:  # the lab records every login to a router (lab.files.VTYSH_SHELL): its command log
        state = load_state(lab_dir())
        for device in devices:
            kept = state.router_dir(device) / SESSIONS_LOG if state else None
            if device not in sources and kept is not None and kept.is_file():
                sources[device] = read_limited(kept).decode("utf-8", "replace")
    store, history = open_store(), ConfigHistory(HISTORY)
    history.init()
    run_id = store.start_run(KIND, ticket, None, {"lab": lab})
    started = datetime.now(UTC) - timedelta(seconds=1)  # this backup's own logins come after it
    results = [_one(device, targets[device][0], sources.get(device), history, store, run_id, ticket, started)
               for device in devices]  # fmt: skip
    found = [r for r in results if r["status"] in ("out-of-band", "failed")]
    store.finish_run(run_id, "problems" if found else "ok", {"devices": len(results)})
    if as_json:
        print_json({"run": run_id, "devices": results})
    else:
        table = Table("device", "status", "attribution", "hunks", "commit")
        for r in results:
            table.add_row(escape(r["device"]), r["status"], escape(r["attribution"] or "-"), str(len(r["hunks"])),
                          r["commit"][:12] or "-")  # fmt: skip
        console.print(table)
        for r in results:
            for h in r["hunks"]:
                said = " ".join(filter(None, (h["attribution"], h["at"] and f"at {h['at']}",
                                              h["client"] and f"from {h['client']}")))  # fmt: skip
                lines = [f"- {x}" for x in h["removed"]] + [f"+ {x}" for x in h["added"]]
                console.print(f"{escape(r['device'])}: {escape(said)}: {escape('; '.join(lines)[:200])}",
                              highlight=False)  # fmt: skip
            if r["error"]:
                console.print(f"{escape(r['device'])}: [red]{escape(r['error'])}[/]", highlight=False)
    if found:
        raise typer.Exit(1)


def _logs(specs: list[str], known: set[str]) -> dict[str, str]:
    found = {}
    for spec in specs:
        device, sep, path = spec.partition("=")
        if not sep or device not in known:
            error(f"--log {spec!r}: give DEVICE=FILE with an inventory device")
            raise typer.Exit(2)
        try:
            found[device] = read_limited(Path(path)).decode("utf-8", "replace")
        except OSError as exc:
            error(f"{path}: {exc.strerror or exc}")
            raise typer.Exit(2) from exc
    return found


def _one(device: str, target: Any, log: str | None, history: ConfigHistory, store: Any, run_id: int,
         ticket: str | None, started: datetime) -> dict[str, Any]:  # fmt: skip
    result: dict[str, Any] = {"device": device, "status": "", "attribution": "", "hunks": [], "commit": "",
                              "error": ""}  # fmt: skip
    driver = CliDriver(target)
    try:
        driver.open()
        running = driver.running_config()
    except DeviceError as exc:
        result["status"], result["error"] = "failed", str(exc)
        store.save_device_result(run_id, device, 1, "failed", detail={"error": str(exc)})
        return result
    finally:
        driver.close()
    config = scrub(running, target.platform)
    last = history.log(device, 1)
    previous = history.show(device, last[0].sha) if last else None
    if previous == config:
        result["status"] = "unchanged"
    else:
        found = hunks(previous, config) if previous is not None else []
        if previous is not None:
            from ..history.cmdlog import parse

            attribute(found, parse(log or ""), datetime.fromisoformat(last[0].date), started)
        result["hunks"] = [h.as_json() for h in found]
        result["attribution"] = summary(found)
        result["status"] = "out-of-band" if previous is not None else "baseline"
        sha = history.record(device, target.platform, running, operator=operator_name(), ticket=ticket,
                             run_id=str(run_id), action="backup", result=result["status"],
                             attribution=result["attribution"] or None)  # fmt: skip
        result["commit"] = sha or ""
        if previous is not None:
            detail = {"attribution": result["attribution"], "hunks": result["hunks"], "commit": result["commit"]}
            store.audit("backup.out-of-band", device, "out-of-band", detail, run_id=run_id, reason=ticket)
    store.save_device_result(run_id, device, 1, result["status"], detail={k: result[k] for k in ("hunks", "commit")})
    return result
