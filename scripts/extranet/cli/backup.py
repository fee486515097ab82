"""``extranet backup``: read every device's running config, keep it in the history, and find what changed out of band.

A config that differs from the device's last record, when no run of ours made the difference, is an out-of-band
change: recorded (action backup, result out-of-band) with its attribution hunk by hunk from the device's command
log, audited, and shown. The log is, first found: ``--log DEVICE=FILE`` (a saved log buffer or the syslog file its
lines went to: ``file``), the lab's record of its vtysh sessions (``lab``), or the device's own log read in the
same SSH session as the running config where the platform has the ``command-log`` getter (``device``); else
``none``, and the change stays ``unattributed`` with the reason shown. Exit 0 when nothing changed out of band, 1
when something did (or a device could not be read), 2 for bad input.
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
from ..history.cmdlog import Command, parse
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
FILE, LAB, DEVICE, NONE = "file", "lab", "device", "none"  # where a device's command log came from


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
    sources = {device: (FILE, text) for device, text in _logs(logs or [], set(inv.devices)).items()}
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
                sources[device] = (LAB, read_limited(kept).decode("utf-8", "replace"))
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
        table = Table("device", "status", "attribution", "log", "hunks", "commit")
        for r in results:
            table.add_row(escape(r["device"]), r["status"], escape(r["attribution"] or "-"), r["log"],
                          str(len(r["hunks"])), r["commit"][:12] or "-")  # fmt: skip
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
            if r["log_error"]:
                console.print(f"{escape(r['device'])}: [yellow]command log not read: {escape(r['log_error'])}[/]",
                              highlight=False)  # fmt: skip
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


def _device_log(driver: CliDriver) -> tuple[list[Command] | None, str]:
    """The device's own command log, read in the open session; None and why when it cannot be read (the
    backup goes on: the change is then unattributed)."""
    try:
        return driver.command_log(), ""
    except DeviceError as exc:
        return None, str(exc).removeprefix(f"{driver.device}: ")
    except Exception as exc:  # a timeout, a session cut while reading the log: the config is already in hand
        return None, f"{type(exc).__name__}: {exc}"


def _one(device: str, target: Any, source: tuple[str, str] | None, history: ConfigHistory, store: Any,
         run_id: int, ticket: str | None, started: datetime) -> dict[str, Any]:  # fmt: skip
    result: dict[str, Any] = {"device": device, "status": "", "attribution": "", "log": NONE, "log_error": "",
                              "hunks": [], "commit": "", "error": ""}  # fmt: skip
    last = history.log(device, 1)
    previous = history.show(device, last[0].sha) if last else None
    commands: list[Command] | None = None
    driver = CliDriver(target)
    try:
        driver.open()
        running = driver.running_config()
        config = scrub(running, target.platform)
        if source is not None:
            result["log"], commands = source[0], parse(source[1])
        elif previous is not None and previous != config:  # only a change needs its log, read in this session
            commands, result["log_error"] = _device_log(driver)
            result["log"] = DEVICE if commands is not None else NONE
    except DeviceError as exc:
        result["status"], result["error"] = "failed", str(exc)
        store.save_device_result(run_id, device, 1, "failed", detail={"error": str(exc)})
        return result
    finally:
        driver.close()
    if previous == config:
        result["status"] = "unchanged"
    else:
        found = hunks(previous, config) if previous is not None else []
        if previous is not None:
            attribute(found, commands or [], datetime.fromisoformat(last[0].date), started)
        result["hunks"] = [h.as_json() for h in found]
        result["attribution"] = summary(found)
        result["status"] = "out-of-band" if previous is not None else "baseline"
        sha = history.record(device, target.platform, running, operator=operator_name(), ticket=ticket,
                             run_id=str(run_id), action="backup", result=result["status"],
                             attribution=result["attribution"] or None)  # fmt: skip
        result["commit"] = sha or ""
        if previous is not None:
            detail = {"attribution": result["attribution"], "hunks": result["hunks"], "commit": result["commit"],
                      "log": result["log"], "log_error": result["log_error"]}
            store.audit("backup.out-of-band", device, "out-of-band", detail, run_id=run_id, reason=ticket)
    store.save_device_result(run_id, device, 1, result["status"],
                             detail={k: result[k] for k in ("hunks", "commit", "log", "log_error")})  # fmt: skip
    return result
