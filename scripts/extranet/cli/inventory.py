"""``extranet inventory``: check the source of truth, show it, derive the Ansible inventory."""

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.tree import Tree

from ..files import output_dir, read_limited, write_atomically
from ..inventory import Inventory, inventory_dir, load_inventory
from ..inventory.ansible import ansible_inventory, host_vars
from ..inventory.load import inventory_entry, inventory_files
from ..inventory.models import Lan
from ..inventory.problems import Problem
from .options import InventoryOption as InventoryOption  # where the other groups import it from
from .output import console, error, errors, print_json, print_problems

app = typer.Typer(
    help="The inventory: what exists (region, sites, departments, devices, links, private networks, systems).",
    no_args_is_help=True,
)

WARNINGS_SHOWN = 30
KINDS = ("sites", "departments", "devices", "links", "private_networks", "systems")


def inventory_digest(root: Path) -> str:
    """SHA-256 over every inventory file's path and bytes: which inventory a run saw."""
    digest = hashlib.sha256()
    for path in inventory_files(root):
        try:
            data: bytes | None = read_limited(path)
        except OSError:  # the check refuses it too; the digest still says which inventory it saw
            data = None
        digest.update(inventory_entry(root, path, data))
    return digest.hexdigest()


def counts(inv: Inventory) -> dict[str, int]:
    return {kind: inv.count(kind) for kind in KINDS}


@app.command("check")
def check(
    inventory: Path | None = InventoryOption,
    as_json: bool = typer.Option(False, "--json", help="Machine-readable result."),
) -> None:
    """Validate every file and every rule across files; exit 2 with file:line: path: message on problems."""
    from ..inventory import InventoryError
    from ..plan.lock import DEFAULT_LOCK, read_lock
    from ..plan.systems import system_addresses

    root = inventory_dir(inventory)
    try:
        inv = load_inventory(root)
        if inv.count("systems"):  # systems' addresses lie in the plan (when there is one); pairing LANs is slow
            system_addresses(inv, read_lock(DEFAULT_LOCK))
    except InventoryError as exc:
        _record_check(root, "problems", {"errors": len(exc.problems)})
        if as_json:
            print_json({"ok": False, "errors": [_problem_json(p) for p in exc.problems]})
            raise typer.Exit(2) from None
        raise
    summary = counts(inv)
    _record_check(root, "ok", {**summary, "warnings": len(inv.unlocated)}, inv.digest)
    if as_json:
        print_json(
            {
                "ok": True,
                "region": inv.region.id,
                "counts": summary,
                "errors": [],
                "warnings": [_problem_json(p) for p in inv.warnings],
            }
        )
        return
    print_problems(inv.first_warnings(WARNINGS_SHOWN), warnings=True)
    if len(inv.unlocated) > WARNINGS_SHOWN:
        console.print(f"… and {len(inv.unlocated) - WARNINGS_SHOWN} more warnings (see --json)", highlight=False)
    listing = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in summary.items())
    console.print(
        f"[green]inventory ok[/]: {escape(inv.region.name)} ({inv.region.code}): {listing}; "
        f"{len(inv.unlocated)} warnings",
        highlight=False,
    )


def _problem_json(p: Problem) -> dict[str, Any]:
    return {"file": p.file, "line": p.line, "path": p.path, "message": p.message, "severity": p.severity}


def _record_check(root: Path, status: str, summary: dict[str, Any], digest: str | None = None) -> None:
    """Keep a record that this inventory (by digest) was checked; a missing database never blocks a check.
    No inventory directory, no record (nor a database created where no workspace is)."""
    if not root.is_dir():
        return
    try:
        from .. import store

        db = store.open_store()
        run = db.start_run("inventory.check", digest=digest or inventory_digest(root))
        db.finish_run(run, status, summary)
    except Exception as exc:
        errors.print(
            f"[yellow]note:[/] the check was not recorded in the database: {escape(str(exc))}", highlight=False
        )


@app.command("show")
def show(
    inventory: Path | None = InventoryOption,
    site: str | None = typer.Option(None, "--site", help="Show only this site and what lies below it."),
    as_json: bool = typer.Option(False, "--json", help="The tree as JSON."),
) -> None:
    """Show the inventory as a tree: region → sites → departments and devices."""
    inv = load_inventory(inventory)
    tree = site_tree(inv)
    roots = tree["sites"]
    if site is not None:
        found = _find(roots, site)
        if found is None:
            errors.print(
                f"unknown site {site!r}; sites: {', '.join(sorted(inv.sites)[:20])}", highlight=False, markup=False
            )
            raise typer.Exit(2)
        roots = [found]
    if as_json:
        print_json({**tree, "sites": roots})
        return
    top = Tree(
        f"[bold]{escape(inv.region.name)}[/] ({inv.region.id}, {inv.region.code})  IPv4 "
        f"{', '.join(map(str, inv.region.ipv4))}  IPv6 {inv.region.ipv6}",
        highlight=False,
    )
    for node in roots:
        _render(top, node)
    console.print(top)


def site_tree(inv: Inventory) -> dict[str, Any]:
    """Region → nested sites, each with its devices and departments (JSON-ready)."""
    nodes: dict[str, dict[str, Any]] = {
        s.id: {"id": s.id, "name": s.name, "level": str(s.level), "sites": [], "devices": [], "departments": []}
        for s in inv.sites.values()
    }
    roots: list[dict[str, Any]] = []
    for s in inv.sites.values():
        (nodes[s.parent]["sites"] if s.parent else roots).append(nodes[s.id])
    for d in inv.devices.values():
        nodes[d.site]["devices"].append(
            {"name": d.name, "platform": d.platform, "role": str(d.role), "mgmt": str(d.mgmt)}
        )
    for dept in inv.departments.values():
        nodes[dept.site]["departments"].append(
            {
                "id": dept.id,
                "name": dept.name,
                "access_class": str(dept.access_class),
                "internet_exit": str(dept.effective_exit) if dept.effective_exit else None,
                "lans": [_lan_text(lan) for lan in dept.lans],
                "uplink": f"{dept.uplink.device} {dept.uplink.interface}" if dept.uplink else None,
            }
        )
    region = inv.region.model_dump(mode="json", exclude_none=True)
    return {"region": region, "sites": roots}


def _lan_text(lan: Lan) -> str:
    text = str(lan.ipv4) if lan.ipv4 else f"{lan.name} (IPv6 only)"
    return f"{text} (NAT {lan.nat})" if lan.nat else text


def _find(nodes: list[dict[str, Any]], site: str) -> dict[str, Any] | None:
    for node in nodes:
        if node["id"] == site:
            return node
        found = _find(node["sites"], site)
        if found is not None:
            return found
    return None


def _render(parent: Tree, node: dict[str, Any]) -> None:
    branch = parent.add(f"[bold cyan]{escape(node['name'])}[/] [dim]{node['id']} · {node['level']}[/]")
    for d in node["devices"]:
        branch.add(f"[magenta]device[/] {d['name']}  {d['platform']}  {d['role']}  mgmt {d['mgmt']}")
    for dept in node["departments"]:
        uplink = escape(dept["uplink"]) if dept["uplink"] else "[yellow]not connected[/]"
        exit_ = f"  exit {dept['internet_exit']}" if dept["internet_exit"] else ""
        branch.add(
            f"[green]dept[/] {escape(dept['name'])} [dim]{dept['id']}[/]  class {dept['access_class']}{exit_}  "
            f"{escape(', '.join(dept['lans'])) or 'no LAN'}  ← {uplink}"
        )
    for child in node["sites"]:
        _render(branch, child)


@app.command("ansible")
def ansible(
    inventory: Path | None = InventoryOption,
    list_: bool = typer.Option(False, "--list", help="All groups and hosts (Ansible dynamic-inventory JSON)."),
    host: str | None = typer.Option(None, "--host", help="The variables of one host."),
) -> None:
    """The Ansible inventory derived from ours (for `ansible-inventory -i`, playbooks and AWX)."""
    if list_ == (host is not None):
        errors.print("give exactly one of --list or --host NAME")
        raise typer.Exit(2)
    inv = load_inventory(inventory)
    if host is not None:
        device = inv.devices.get(host)
        if device is None:
            errors.print(f"unknown device {host!r}", highlight=False, markup=False)
            raise typer.Exit(2)
        print_json(host_vars(inv, device))
        return
    typer.echo(json.dumps(ansible_inventory(inv), ensure_ascii=False, indent=1))


@app.command("synth")
def synth(
    out: Path = typer.Option(..., "--out", "-o", help="Workspace directory to create (inventory/, netplan/)."),
    departments: int = typer.Option(100_000, "--departments", min=1, help="How many departments."),
    devices: int | None = typer.Option(None, "--devices", min=2, help="How many routers (default departments/10)."),
    links: int | None = typer.Option(None, "--links", min=0, help="How many links (default 2 × devices)."),
    lans: int = typer.Option(4, "--lans", min=1, max=16, help="LANs per department."),
) -> None:
    """Write a synthetic province-sized workspace, for benchmarks and rehearsals at scale."""
    from ..inventory.synth import SynthError, synth_workspace

    if os.path.lexists(out / "inventory"):
        errors.print(f"{out / 'inventory'} exists; choose an empty directory", highlight=False, markup=False)
        raise typer.Exit(2)
    try:
        files = list(synth_workspace(departments, devices, links, lans))  # a size it cannot honour: nothing written
    except SynthError as exc:
        error(str(exc))
        raise typer.Exit(2) from None
    output_dir(out)
    for relative, text in files:
        path = out / relative
        output_dir(path.parent)
        write_atomically(path, [text], shared=True)
    console.print(f"wrote a synthetic workspace to {out}: {departments} departments", highlight=False, markup=False)
