"""``extranet plan``: the IPv6 address plan — what would change, apply it, show, export, reverse DNS."""

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.segment import Segment, Segments
from rich.tree import Tree

from ..files import output_dir, write_all_atomically, write_atomically
from ..gc import without_gc
from ..inputs import check_name_servers, check_ticket
from ..inventory import Inventory, Problem, load_inventory
from ..plan.dns import reverse_zones, serial
from ..plan.export import netbox_addresses, netbox_prefixes, pairs_csv, pairs_json
from ..plan.guard import PlanBusy, WaitError, change_lock, hold, tidy
from ..plan.lock import DEFAULT_LOCK, Lock, PlanError, format_value, lock_text, read_lock, remember
from ..plan.pairs import pairs
from ..plan.planner import Plan, plan
from ..plan.policy import DEFAULT_POLICY, LanClass, Policy, load_policy
from ..plan.systems import system_addresses
from ..plan.tree import PlanTree
from .inventory import InventoryOption
from .output import console, errors, print_json

app = typer.Typer(
    help="The IPv6 address plan: netplan/policy.yml + the lock netplan/allocations.yml.", invoke_without_command=True
)
PolicyOption = typer.Option(DEFAULT_POLICY, "--policy", help="The address policy.")
LockOption = typer.Option(DEFAULT_LOCK, "--lock", help="The allocation lock.")
SHOWN = 40  # changes listed one by one; the rest are counted (use --json for all)


def _inputs(inventory: Path | None, policy: Path, lock: Path) -> tuple[Inventory, Policy, Lock]:
    return load_inventory(inventory), load_policy(policy), read_lock(lock)


def hold_plan(ctx: typer.Context, lock: Path, *, shared: bool, doing: str) -> None:
    """Hold the plan of ``lock`` until the command ends (``plan.guard``): exclusively to change it, shared to
    push it. Exit 1 naming the holder when another extranet process keeps it past the wait."""
    try:
        ctx.with_resource(
            hold(lock, shared=shared, doing=doing, on_wait=lambda text: errors.print(escape(text), highlight=False))
        )
    except PlanBusy as exc:
        errors.print(f"[red]error:[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(1) from None
    except WaitError as exc:
        errors.print(f"[red]error:[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        errors.print("interrupted while waiting for the plan: nothing was changed", highlight=False)
        raise typer.Exit(130) from None


@app.callback()
def plan_command(
    ctx: typer.Context,
    inventory: Path | None = InventoryOption,
    policy: Path = PolicyOption,
    lock: Path = LockOption,
    apply: bool = typer.Option(False, "--apply", help="Write the new lock (atomically) and record it."),
    ticket: str | None = typer.Option(
        None, "--ticket", callback=check_ticket, help="Change ticket recorded with --apply."
    ),
    as_json: bool = typer.Option(False, "--json", help="Every change as JSON."),
) -> None:
    """Show what would change against the lock (added, kept, held, restored); exit 1 if anything would."""
    if ctx.invoked_subcommand is not None:
        return
    if apply:  # from the read to the write: a second apply plans on this one's result
        hold_plan(ctx, lock, shared=False, doing="plan --apply")
    else:
        tidy(lock)
    with without_gc():  # a province is millions of objects and no cycles: see extranet.gc
        inv, pol, old = _inputs(inventory, policy, lock)
        result = plan(inv, pol, old)
        system_addresses(inv, result.lock)  # systems' addresses lie in the plan: else exit 2 naming file:line
        if as_json:
            print_json(_changes_json(result))
        else:
            _print_changes(result)
        if apply:
            _apply(result, lock, ticket)
        elif result.changed:
            raise typer.Exit(1)


def _changes_json(result: Plan) -> dict[str, Any]:
    def rows(changes: list[Any]) -> list[dict[str, str]]:
        return [{"section": c.section, "key": c.key, "value": format_value(c.section, c.value)} for c in changes]

    return {
        "added": rows(result.added),
        "held": rows(result.held),
        "restored": rows(result.restored),
        "kept": result.kept,
        "held_total": len(result.lock.held),
        "changed": result.changed,
    }


def _print_changes(result: Plan) -> None:
    for sign, style, changes, note in (
        ("+", "green", result.added, ""),
        ("↺", "cyan", result.restored, " (restored)"),
        (
            "~",
            "yellow",
            result.held,
            " (held: no longer in the inventory or moved; released only by `extranet plan release`)",
        ),
    ):
        for change in changes[:SHOWN]:
            console.print(
                f"[{style}]{sign}[/] {change.section:<11} {escape(f'{change.key:<40}')} "
                f"{escape(format_value(change.section, change.value))}{escape(note)}",
                highlight=False,
            )
        if len(changes) > SHOWN:
            console.print(f"  … and {len(changes) - SHOWN} more {sign} (see --json)", highlight=False)
    console.print(
        f"Plan: {len(result.added)} to add, {result.kept} kept, {len(result.held)} to hold, "
        f"{len(result.restored)} restored; {len(result.lock.held)} held in all.",
        highlight=False,
    )
    if not result.changed:
        console.print("[green]No changes.[/] The lock matches the inventory and the policy.")


def _apply(result: Plan, lock_path: Path, ticket: str | None) -> None:
    text = lock_text(result.lock)
    digest = hashlib.sha256(text.encode()).hexdigest()
    detail = {
        "added": len(result.added),
        "held": len(result.held),
        "restored": len(result.restored),
        "kept": result.kept,
        "lock_sha256": digest,
    }
    _record("plan.apply", lock_path, text, detail, ticket, result.lock)
    console.print(
        f"[green]wrote[/] {escape(str(lock_path))} ({len(result.lock)} allocations, sha256 {digest[:12]})",
        highlight=False,
    )


def _record(action: str, lock_path: Path, text: str, detail: dict[str, Any], ticket: str | None, lock: Lock) -> None:
    """The new lock and its audit record, written as one step (``plan.guard.change_lock``); the lock kept for
    the next read."""
    from .. import store

    change_lock(store.open_store(), lock_path, text, action, detail, ticket)
    remember(lock_path, text, lock)


@app.command("release")
def release(
    ctx: typer.Context,
    keys: list[str] = typer.Argument(None, help="Held entries to release, e.g. subnets:old-dept/office."),
    all_held: bool = typer.Option(False, "--all", help="Release every held entry."),
    lock: Path = LockOption,
    ticket: str | None = typer.Option(
        None, "--ticket", callback=check_ticket, help="Change ticket recorded with the release."
    ),
) -> None:
    """Give held space back for reuse (after the objects it belonged to are truly gone)."""
    hold_plan(ctx, lock, shared=False, doing="plan release")
    current = read_lock(lock)
    chosen = sorted(current.held) if all_held else list(keys or [])
    unknown = [k for k in chosen if k not in current.held]
    if unknown or not chosen:
        held = ", ".join(sorted(current.held)[:10]) or "(nothing is held)"
        errors.print(f"not held: {', '.join(unknown) or '(no key given)'}; held: {held}", highlight=False, markup=False)
        raise typer.Exit(2)
    for key in chosen:
        del current.held[key]
    _record("plan.release", lock, lock_text(current), {"released": chosen}, ticket, current)
    console.print(
        f"released {len(chosen)}: {', '.join(chosen[:10])}{' …' if len(chosen) > 10 else ''}",
        highlight=False,
        markup=False,
    )


@app.command("show")
def show(
    inventory: Path | None = InventoryOption,
    policy: Path = PolicyOption,
    lock: Path = LockOption,
    site: str | None = typer.Option(None, "--site", help="Only this site."),
    as_json: bool = typer.Option(False, "--json", help="The tree as JSON."),
) -> None:
    """The plan as a tree (classes → sites → departments → LANs) with utilisation per level."""
    with without_gc():  # a province is millions of objects and no cycles: see extranet.gc
        inv, pol, current = _inputs(inventory, policy, lock)
        if site is not None and site not in inv.sites:
            errors.print(f"unknown site {site!r}", highlight=False, markup=False)
            raise typer.Exit(2)
        tree = PlanTree(inv, pol, current, site)
        if as_json:
            print_json(tree.whole())
            return
        _print_streamed(_show_tree(tree))


def _show_tree(tree: PlanTree) -> Tree:
    """The rich tree, each class's sites built only when the printer reaches them."""
    top = Tree(f"[bold]{tree.policy.prefix}[/] {escape(tree.inv.region.name)}")
    for _, lan_class, cls, sites in tree.classes():
        branch = top.add(
            f"[bold cyan]{escape(cls['name'])}[/] {cls['prefix']}  sites {cls['sites']}/{cls['site_limit']}"
        )
        branch.children = _Later(len(sites), _site_nodes(tree, lan_class, sites))
    infra = tree.infrastructure()
    top.add(
        f"[bold cyan]infrastructure[/] {infra['prefix']}  loopbacks {infra['loopbacks']}, links "
        f"{infra['links']}/{infra['link_limit']}, hand-offs {infra['handoffs']}/{infra['link_limit']}"
    )
    return top


def _site_nodes(tree: PlanTree, lan_class: LanClass, sites: list[tuple[str, int]]) -> Iterator[Tree]:
    for key, slot in sites:
        yield _site_node(tree.site(lan_class, key, slot))


def _site_node(s: dict[str, Any]) -> Tree:
    node = Tree(
        f"[cyan]{escape(s['name'])}[/] [dim]{s['id']} slot {s['slot']}[/]  {', '.join(s['blocks'])}  "
        f"departments {len(s['departments'])}/{s['department_limit']}"
    )
    for d in s["departments"]:
        leaf = node.add(
            f"[green]{escape(d['name'])}[/] [dim]{d['id']} slot {d['slot']}[/]  "
            f"LANs {len(d['lans'])}/{d['subnet_limit']}"
        )
        for lan in d["lans"]:
            leaf.add(escape(f"{lan['name']}: {lan['ipv4']} ↔ {lan['ipv6']}"), highlight=False)
    return node


class _Later(list[Tree]):
    """A tree's children made when rich's renderer walks to them: it asks only their number and iterates once."""

    def __init__(self, count: int, nodes: Iterator[Tree]) -> None:
        super().__init__()
        self._count, self._nodes = count, nodes

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Tree]:
        return self._nodes


def _print_streamed(renderable: Tree, lines_per_write: int = 2000) -> None:
    """``console.print(renderable)``, written as it is rendered: the first lines appear at once, not after the
    whole province (the same options as print's, so the same bytes)."""
    options = console.options.update(
        justify=None, overflow="ignore", height=None, no_wrap=True, markup=None, highlight=None
    )
    batch: list[Segment] = []
    lines = 0
    for segment in console.render(renderable, options):
        batch.append(segment)
        if segment.text == "\n":
            lines += 1
            if lines == 1 or lines % lines_per_write == 0:
                console.print(Segments(batch))
                batch = []
    if batch:
        console.print(Segments(batch))


@app.command("export")
def export(
    fmt: str = typer.Option("csv", "--format", "-f", help="csv | json (dual-stack pairs) | netbox"),
    out: Path | None = typer.Option(
        None,
        "--out",
        "-o",
        help="File (csv/json) or directory (netbox: netbox-prefixes.csv and netbox-ip-addresses.csv); default stdout.",
    ),
    netbox_scope: bool = typer.Option(
        False,
        "--netbox-scope",
        help="Add scope_type/scope_name (site) to NetBox prefixes (needs NetBox 4.5.5 or newer).",
    ),
    inventory: Path | None = InventoryOption,
    policy: Path = PolicyOption,
    lock: Path = LockOption,
) -> None:
    """Export the locked plan: every subnet and interface with IPv4 and IPv6 side by side, or NetBox CSV."""
    if fmt not in ("csv", "json", "netbox"):
        errors.print(f"--format {fmt!r} is not one of csv, json, netbox", markup=False)
        raise typer.Exit(2)
    with without_gc():  # a province is millions of objects and no cycles: see extranet.gc
        inv, _, current = _inputs(inventory, policy, lock)
        if not len(current):
            raise PlanError([_no_lock(lock)])
        if fmt == "netbox":
            rows = pairs(inv, current)
            documents: dict[str, Callable[[], str]] = {  # each made when written: one text held at a time
                "netbox-prefixes.csv": lambda: netbox_prefixes(inv, current, netbox_scope, rows),
                "netbox-ip-addresses.csv": lambda: netbox_addresses(inv, current, rows),
            }
            if out is None:
                for name, make in documents.items():
                    typer.echo(f"# {name}\n{make()}", nl=False)
                return
            output_dir(out)
            for name, make in documents.items():
                write_atomically(out / name, [make()], shared=True)
                console.print(f"wrote {out / name}", highlight=False, markup=False)
            return
        text = pairs_csv(inv, current) if fmt == "csv" else pairs_json(inv, current) + "\n"
        if out is None:
            typer.echo(text, nl=False)
        else:
            write_atomically(out, [text], shared=True)
            console.print(f"wrote {out}", highlight=False, markup=False)


def _no_lock(lock: Path) -> Problem:
    return Problem(str(lock), 0, "", "no allocations yet: run `extranet plan --apply` first")


@app.command("dns")
def dns(
    out: Path | None = typer.Option(None, "--out", "-o", help="Directory for one <zone>.zone file per zone."),
    ns: list[str] = typer.Option(
        None,
        "--ns",
        callback=check_name_servers,
        help="Name server(s) of the zones (default ns1.<region>.extranet.example.).",
    ),
    inventory: Path | None = InventoryOption,
    policy: Path = PolicyOption,
    lock: Path = LockOption,
) -> None:
    """Reverse DNS zone stubs: the region's ip6.arpa zone delegating one zone per site and zone."""
    with without_gc():  # a province is millions of objects and no cycles: see extranet.gc
        inv, pol, current = _inputs(inventory, policy, lock)
        if not len(current):
            raise PlanError([_no_lock(lock)])
        servers = [s if s.endswith(".") else f"{s}." for s in (ns or [f"ns1.{inv.region.id}.extranet.example."])]
        zones = reverse_zones(inv, pol, current)
        number = serial()
        if out is None:
            for zone in zones:
                typer.echo(zone.text(servers, number))
            return
        output_dir(out)
        write_all_atomically(((out / f"{zone.name}.zone", [zone.text(servers, number)]) for zone in zones), shared=True)
        console.print(f"wrote {len(zones)} zone files to {out}", highlight=False, markup=False)
