"""``extranet compliance``: per device and feature, does the recorded config hold what was decided?"""

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from ..compliance import DeviceCompliance, judge_device, judge_exit, latest
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
    renderer = Renderer(DEFAULT_TEMPLATES)
    results: list[DeviceCompliance] = []
    for device in chosen:
        record = latest(history, device)
        if record is None:
            results.append(DeviceCompliance(device, "", "", problem="no recorded config (run backup.yml)"))
            continue
        sha, at, config, recorded = record
        context = builder.build(device, names.get(device), lab=lab)
        if recorded and recorded != context.platform:
            hint = "without --lab" if lab else "with --lab" if recorded == "frr" else "on its own platform"
            results.append(DeviceCompliance(device, sha, at, problem=f"recorded as {recorded}, judged as "
                                            f"{context.platform}: run it {hint}"))  # fmt: skip
            continue
        try:
            results.append(DeviceCompliance(device, sha, at, judge_device(device, context, renderer, config)))
        except Exception as exc:  # a config the platform's parser cannot read is that device's problem
            results.append(DeviceCompliance(device, sha, at, problem=f"cannot read its config: {exc}"))
    if not devices:  # departments' own routers the history knows (the lab's, after withdraw_exit.yml)
        for entry in {e.device for e in history.log() if e.device.startswith("edge-")}:
            record = latest(history, entry)
            if record is not None:
                results.append(DeviceCompliance(entry, record[0], record[1],
                                                [judge_exit(inv, entry.removeprefix("edge-"), record[2])]))  # fmt: skip
    results.sort(key=lambda r: r.device)
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
