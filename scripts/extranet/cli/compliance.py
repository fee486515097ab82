"""``extranet compliance``: per device and feature, does the recorded config hold what was decided?"""

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from ..compliance import DeviceCompliance, judge_all, record
from ..history import ConfigHistory
from ..inventory import load_inventory
from ..lab.state import lab_dir
from ..plan.lock import DEFAULT_LOCK, read_lock
from ..render import ContextBuilder, Renderer
from ..render.engine import DEFAULT_TEMPLATES
from ..rollout.setup import HISTORY
from ..rollout.targets import TargetError, lab_targets
from .inventory import InventoryOption
from .output import console, error, print_json


def compliance(
    devices: list[str] = typer.Option(None, "--device", "-d", help="Only these devices (repeat); default all."),
    lab: bool = typer.Option(False, "--lab", help="The history was recorded from the lab (FRR, Linux names)."),
    as_json: bool = typer.Option(False, "--json", help='{"devices": [{"device", "features": [{"feature", …}]}]}'),
    record_it: bool | None = typer.Option(None, "--record/--no-record", help="Keep the judgement in the database "
                                          "(the reports' compliance over time); default: when every device is judged."),
    inventory: Path | None = InventoryOption,
) -> None:
    """Each device's last recorded config (var/history) against the intent the plan renders, per feature
    (interfaces, OSPFv3, BGP, statics, ACL, SNMP; a department's own router: its exit): the missing and the extra
    lines. Exit 0 when every device complies, 1 naming those that do not, 2 for bad input."""
    inv = load_inventory(inventory)
    unknown = sorted(set(devices or []) - set(inv.devices))
    if unknown:
        error(f"not in the inventory: {', '.join(unknown)} (devices: {', '.join(sorted(inv.devices))})")
        raise typer.Exit(2)
    chosen = list(devices or inv.devices)
    history = ConfigHistory(HISTORY)
    if not history.git_dir.is_dir():
        error(f"no config history in {HISTORY} yet: `extranet run backup.yml` records the configs to judge")
        raise typer.Exit(1)
    try:
        names = {d: n for d, (_, n) in lab_targets(inv, lab_dir(), chosen).items()} if lab else {}
    except TargetError as exc:
        error(str(exc))
        raise typer.Exit(2) from exc
    builder = ContextBuilder(inv, read_lock(DEFAULT_LOCK), snmp=None)
    results = judge_all(inv, history, chosen, lambda d: builder.build(d, names.get(d), lab=lab),
                        Renderer(DEFAULT_TEMPLATES), lab=lab, edges=not devices)  # fmt: skip
    if record_it or (record_it is None and not devices):
        from ..store import open_store

        record(open_store(), results)
    failing = [r for r in results if not r.compliant]
    if as_json:
        print_json({"devices": [r.as_json() for r in results]})
    else:
        _show(results)
    if failing:
        raise typer.Exit(1)


def _show(results: list[DeviceCompliance]) -> None:
    table = Table("device", "commit", *sorted({f.feature for r in results for f in r.features}, key=_order))
    features = [c.header for c in table.columns][2:]
    for r in results:
        by = {f.feature: f for f in r.features}
        cells = [("-" if f not in by else "[green]ok[/]" if by[f].compliant else
                  f"[red]{len(by[f].missing)} missing, {len(by[f].extra)} extra[/]") for f in features]  # fmt: skip
        table.add_row(escape(r.device), r.commit[:12] or "-", *cells)
    console.print(table)
    for r in results:
        if r.problem:
            console.print(f"{escape(r.device)}: [yellow]not judged[/]: {escape(r.problem)}", highlight=False)
        for f in r.features:
            for line in f.missing:
                console.print(f"{escape(r.device)} {f.feature}: [red]missing[/] {escape(line)}", highlight=False)
            for line in f.extra:
                console.print(f"{escape(r.device)} {f.feature}: [yellow]extra[/] {escape(line)}", highlight=False)
    total = len(results)
    console.print(f"{sum(r.compliant for r in results)} of {total} devices comply", highlight=False, markup=False)


def _order(feature: object) -> int:
    from ..compliance import FEATURES

    return (*FEATURES, "exit").index(str(feature))
