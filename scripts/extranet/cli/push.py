"""``extranet push dual-stack``: render, diff, push in waves, verify, confirm or roll back — and record it."""

from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..compliance import point, sentence
from ..devices.cli import CliDriver
from ..devices.saved import saved_configs
from ..history import ConfigHistory
from ..inputs import check_ticket
from ..inventory import Inventory, load_inventory
from ..inventory.ansible import group_name
from ..inventory.load import inventory_dir
from ..plan.lock import DEFAULT_LOCK
from ..render import DEFAULT_TEMPLATES, RenderError
from ..rollout.engine import Options, Outcome, ResumeError, Rollout
from ..rollout.setup import HISTORY, prepare, record_compliance
from ..rollout.targets import TargetError
from ..rollout.waves import WaveError, check_timers, failure_budget, parse_sizes
from ..store import open_store
from .inventory import InventoryOption, inventory_digest
from .output import console, error, errors, fail, print_json
from .plan import hold_plan

app = typer.Typer(help="Push configuration changes to the backbone in waves, verified, with rollback.")
STYLE = {"ok": "green", "unchanged": "green", "would-change": "yellow", "done-before": "cyan",
         "rolled-back": "red", "failed": "bold red", "skipped": "yellow"}  # fmt: skip
GROUP_KINDS = ("site", "level", "role", "platform")  # the Ansible inventory's groups (inventory/ansible.py)
LIMIT_HELP = "Devices or groups, comma-separated: site_<id>, level_<level>, role_<role>, platform_<name>."


def select(inv: Inventory, limit: str | None) -> list[str]:
    """--limit: device names and the Ansible inventory's groups (site_<id>, level_<level>, role_<role>,
    platform_<name>), comma-separated; a site id is taken as written or as its group name (``-`` → ``_``)."""
    if limit is None:
        return sorted(inv.devices)
    if not limit.strip(" ,"):
        raise fail(f"--limit {limit!r}: names no device or group (leave --limit out to take every device)")
    groups: dict[str, set[str]] = {}
    for name, device in inv.devices.items():
        values = {"site": device.site, "level": str(inv.sites[device.site].level), "role": str(device.role),
                  "platform": str(device.platform)}  # fmt: skip
        for kind, value in values.items():
            for group in {f"{kind}_{value}", group_name(kind, value)}:
                groups.setdefault(group, set()).add(name)
    chosen: set[str] = set()
    for item in (part.strip() for part in limit.split(",") if part.strip()):
        kind = item.partition("_")[0]
        if item in inv.devices:
            chosen.add(item)
        elif item in groups:
            chosen |= groups[item]
        elif kind in GROUP_KINDS:
            known = sorted(g for g in groups if g.startswith(f"{kind}_"))
            raise fail(f"--limit {item!r}: no such group; {kind} groups: {', '.join(known[:12])}")
        else:
            raise fail(f"--limit {item!r}: not a device or group; devices: {', '.join(sorted(inv.devices)[:6])}, "
                       "groups: site_<id>, level_<level>, role_<role>, platform_<name>")  # fmt: skip
    return sorted(chosen)


@app.command("dual-stack")
def dual_stack(
    ctx: typer.Context,
    inventory: Path | None = InventoryOption,
    lock: Path = typer.Option(DEFAULT_LOCK, "--lock", help="The allocation lock (the plan's addresses)."),
    templates: Path = typer.Option(DEFAULT_TEMPLATES, "--templates", help="playbooks/templates/<platform>/."),
    lab: bool = typer.Option(False, "--lab", help="Push to the lab's routers (extranet lab up) instead of devices."),
    limit: str | None = typer.Option(None, "--limit", help=LIMIT_HELP),
    waves: str = typer.Option("1,10%,100%", "--waves", help="Batch sizes, as Ansible's serial (last repeats)."),
    budget: str = typer.Option("0", "--failure-budget", help="Failed devices (or %) before later waves stop."),
    forks: int = typer.Option(10, "--forks", min=1, max=200, help="Devices changed at once."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Connect, read and show the change; send nothing."),
    running: Path | None = typer.Option(
        None, "--running", metavar="DIR", help="With --dry-run: plan offline against saved configs DIR/<device>.cfg."
    ),
    ticket: str | None = typer.Option(
        None, "--ticket", callback=check_ticket, help="Change ticket, recorded in history and audit."
    ),
    confirm_timer: int = typer.Option(300, "--confirm-timer", help="Seconds a device-side commit waits."),
    converge_timeout: float = typer.Option(30.0, "--converge-timeout", help="Seconds to wait for OSPFv3 Full."),
    trust_new_hosts: bool = typer.Option(False, "--trust-new-hosts", help="Record unknown SSH host keys (TOFU)."),
    show_diff: bool = typer.Option(False, "--diff", help="Print every device's change."),
    as_json: bool = typer.Option(False, "--json", help="Per-device results as JSON."),
) -> None:
    """Make the backbone IPv4/IPv6 dual stack: exit 0 when every device ended dual-stack and verified,
    1 when any failed or was rolled back, 2 for bad input.

    With --dry-run --running DIR it connects to nothing: each device's change is planned against its saved
    config DIR/<device>.cfg and printed in the order it would be sent (exit 0 unless a device failed)."""
    check_running(running, dry_run)
    inv = load_inventory(inventory)
    try:
        sizes = parse_sizes(waves)
        check_timers(confirm_timer, converge_timeout)  # before credentials are asked for
        devices = select(inv, limit)
        if not dry_run:  # the lock cannot change while its addresses are pushed (a dry run reads it once)
            hold_plan(ctx, lock, shared=True, doing="push dual-stack")
        prepared = prepare(inv, devices, lab=lab, lock=lock, templates=templates, trust_new_hosts=trust_new_hosts,
                           running=running)  # fmt: skip
        # offline, nothing is changed, so there is nothing for a failure budget to protect: a device without
        # a saved config must not stop the plan of the others
        spend = failure_budget(budget, len(devices))
        spend = len(devices) if running is not None else spend
        options = Options(sizes, spend, forks, dry_run, ticket, confirm_timer, converge_timeout,
                          inventory_digest(inventory_dir(inventory)))  # fmt: skip
    except (WaveError, TargetError, RenderError) as exc:
        raise fail(str(exc)) from exc
    store = open_store()  # a database that cannot be used is said before anything starts
    history = ConfigHistory(HISTORY)
    if not dry_run:  # a dry run records nothing in the history: no need to create it
        history.init()
    factory = saved_configs(running) if running is not None else CliDriver
    judged: list[int] = []

    def after_wave(run_id: int, wave: int) -> None:  # compliance with intent, kept for the reports
        judged.append(record_compliance(store, history, inv, prepared.names, lab=lab, lock=lock, templates=templates,
                                        run_id=run_id, wave=wave, ticket=ticket))  # fmt: skip

    with RolloutProgress(len(prepared.targets), as_json, "dual-stack") as (on_event, _):
        rollout = Rollout(inv, prepared.targets, prepared.contexts, prepared.renderer, store, history,
                          options, on_event, factory, None if running is not None else after_wave)  # fmt: skip
        try:
            outcomes = rollout.run()
        except ResumeError as exc:
            raise fail(str(exc)) from exc
    title = f"dual-stack rollout #{rollout.run_id}" if running is None else f"dual-stack plan against {running}"
    report_table(outcomes, title, rollout.run_id, rollout.resumed_from, as_json, show_diff or dry_run)
    if judged and not as_json:
        found = store.get_run(judged[-1])
        if found is not None:
            console.print(sentence(point(found)), highlight=False, markup=False)
    for note in rollout.notes:
        error(note)
    # An offline plan is the answer asked for: pending changes are its result, not problems (exit 0); a
    # dry run against the devices says "they differ" with exit 1, as `extranet plan` does.
    pending = () if running is not None else ("would-change",)
    if any(o.failed or o.status in ("skipped", *pending) for o in outcomes):
        raise typer.Exit(1)


def check_running(running: Path | None, dry_run: bool) -> None:
    """--running plans and never pushes: it needs --dry-run, and a directory to read."""
    if running is None:
        return
    if not dry_run:
        raise fail("--running only plans: add --dry-run")
    if not running.is_dir():
        raise fail(f"--running {running}: no such directory (the saved configs, one <device>.cfg each)")


class RolloutProgress:
    """A progress bar per rollout (on stderr, so --json stays clean), advanced by the engine's events."""

    def __init__(self, total: int, quiet: bool, label: str) -> None:
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            console=errors, transient=False, disable=quiet)  # fmt: skip
        self.task = self.bar.add_task(label, total=total)

    def __enter__(self) -> tuple[Any, Progress]:
        self.bar.start()
        return self.event, self.bar

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def event(self, phase: str, outcome: Outcome) -> None:
        if phase == "finished":
            self.bar.advance(self.task)
            style = STYLE.get(outcome.status, "white")
            self.bar.console.print(f"  wave {outcome.wave} [{style}]{outcome.status:>12}[/] {escape(outcome.device)}",
                                   highlight=False)  # fmt: skip
        else:
            self.bar.update(self.task, description=f"{phase} {outcome.device}")


def report_table(outcomes: list[Outcome], title: str, run_id: int, resumed_from: int | None, as_json: bool,
                  show_diff: bool) -> None:  # fmt: skip
    """The per-device result table (or JSON) both front doors print at the end."""
    if as_json:
        print_json({"run": run_id, "resumed_from": resumed_from,
                    "devices": [{"device": o.device, "wave": o.wave, "status": o.status, **o.summary()}
                                for o in outcomes]})  # fmt: skip
        return
    if show_diff:
        for o in outcomes:
            if o.lines:
                console.print(f"[bold]{escape(o.device)}[/] ({len(o.lines)} lines)", highlight=False)
                console.print("\n".join(f"+ {line}" for line in o.shown()), highlight=False, markup=False)
    table = Table(title=escape(title) + (f" (resumes #{resumed_from})" if resumed_from else ""))
    for column in ("device", "wave", "result", "lines", "seconds", "checks / reason"):
        table.add_column(column)
    for o in outcomes:
        style = STYLE.get(o.status, "white")
        detail = o.summary()["error"] or "; ".join(o.checks)
        table.add_row(escape(o.device), str(o.wave), f"[{style}]{escape(o.status)}[/]", str(len(o.lines)),
                      f"{o.seconds:.1f}", escape(detail))  # fmt: skip
    console.print(table)
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    console.print(", ".join(f"{n} {s}" for s, n in sorted(counts.items())), highlight=False, markup=False)
