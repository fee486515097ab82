"""``extranet probe``: every department's connection, IPv4 and IPv6 separately, classified and stored."""

import asyncio
from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..inputs import vantage_name
from ..inventory import Inventory, load_inventory
from ..inventory.load import inventory_dir
from ..lab.files import Credentials
from ..lab.state import lab_dir, load_state
from ..netsafety import refuse_lab_only
from ..plan.lock import DEFAULT_LOCK, read_lock
from ..probe.run import Probed, ProbeRun, Saver
from ..probe.settings import load_settings
from ..probe.snmp import SnmpV3User
from ..probe.targets import Planner
from ..rollout.setup import snmp_secrets
from ..store import open_store
from .inventory import InventoryOption, inventory_digest
from .output import console, errors, fail, print_json

KIND = "probe"  # a full run (every department, both families): what `extranet report connections` reads
PARTIAL = "probe (partial)"  # limited to some departments or one family: kept, but not the daily picture
STYLE = {"dual-stack": "green", "ok": "green", "ipv4-only": "yellow", "ipv6-only": "yellow", "degraded": "yellow",
         "down": "bold red", "unknown": "magenta"}  # fmt: skip
app = typer.Typer(help="Probe every department's connection over IPv4 and IPv6, classify it, store it.")


def departments(inv: Inventory, dept: str | None, site: str | None) -> list[str]:
    """--dept a,b and --site s (a site takes its departments and those of the sites under it)."""
    chosen = sorted(inv.departments)
    for option, value, noun in (("--dept", dept, "department"), ("--site", site, "site")):
        if value is not None and not value.strip(" ,"):
            raise fail(f"{option} {value!r}: names no {noun} (leave {option} out to take every department)")
    if dept:
        wanted = [d.strip() for d in dept.split(",") if d.strip()]
        if not wanted:
            raise fail(f"--dept {dept!r}: names no department; give ids such as {', '.join(chosen[:3])}")
        unknown = [d for d in wanted if d not in inv.departments]
        if unknown:
            raise fail(f"--dept: no department {', '.join(unknown)}; e.g. {', '.join(chosen[:5])}")
        chosen = [d for d in chosen if d in wanted]
    if site is not None:
        if site not in inv.sites:
            raise fail(f"--site: no site {site!r}; sites: {', '.join(sorted(inv.sites)[:8])}, …")
        under = {site}
        grew = True
        while grew:
            more = {s.id for s in inv.sites.values() if s.parent in under} - under
            under |= more
            grew = bool(more)
        chosen = [d for d in chosen if inv.departments[d].site in under]
    if not chosen:
        raise fail("the selection has no department")
    return chosen


@app.callback(invoke_without_command=True)
def probe(
    inventory: Path | None = InventoryOption,
    lock: Path = typer.Option(DEFAULT_LOCK, "--lock", help="The allocation lock (the plan's addresses)."),
    lab: bool = typer.Option(False, "--lab", help="Probe the lab (extranet lab up) instead of the network."),
    dept: str | None = typer.Option(None, "--dept", help="Departments (ids, comma-separated)."),
    site: str | None = typer.Option(None, "--site", help="Departments of a site and the sites under it."),
    family: str = typer.Option("both", "--family", help="4, 6 or both."),
    origin: str | None = typer.Option(
        None, "--from", help="core or department (default: department in the lab, core otherwise)."
    ),
    vantage: str | None = typer.Option(
        None, "--vantage", envvar="EXTRANET_VANTAGE", show_envvar=False,
        help="This probing host's name in the database, beside other vantages' (default: the host name; "
        "lab in the lab); also $EXTRANET_VANTAGE.",
    ),
    settings_file: Path | None = typer.Option(
        None, "--settings", help="Probe settings (default playbooks/group_vars/all/probe.yml)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Every department's result as JSON."),
) -> None:
    """Exit 0 when every department is OK (dual-stack), 1 when any is degraded, down, single-stack or unknown,
    2 for bad input."""
    families = {"4": (4,), "6": (6,), "both": (4, 6)}.get(family)
    if families is None:
        raise fail(f"--family {family!r}: give 4, 6 or both")
    origin = origin or ("department" if lab else "core")
    if origin not in ("core", "department"):
        raise fail(f"--from {origin!r}: give core or department")
    vantage = vantage_name(vantage, lab)
    settings = load_settings(settings_file)
    inv = load_inventory(inventory)
    chosen = departments(inv, dept, site)
    state = None
    secrets = snmp_secrets()  # the same EXTRANET_SNMP_* the templates configure on the devices
    snmp = SnmpV3User(secrets.user, secrets.auth_key, secrets.priv_key) if secrets else None
    if lab:
        state = load_state(lab_dir())
        if state is None or state.phase != "up":
            raise fail(f"no lab is up in {lab_dir()}: run `extranet lab up` first (as root)")
        if snmp is None:  # EXTRANET_SNMP_* set by hand win over the lab's own (to rehearse wrong credentials)
            creds = Credentials.load(Path(state.dir) / "credentials.json")
            snmp = SnmpV3User(creds.snmp_user, creds.snmp_auth, creds.snmp_priv)
    elif origin == "department":
        raise fail("--from department needs the lab (--lab): on a real network the probes run from this host")
    planner = Planner(inv, read_lock(lock), state, origin, [str(r) for r in settings.resolvers])
    plans = [planner.plan(inv.departments[d]) for d in chosen]
    if not lab:
        refused = refuse_lab_only([c.address or "" for p in plans for c in p.checks], "probe")
        if refused:
            raise fail(refused)
    full = len(chosen) == len(inv.departments) and len(families) == 2
    store = open_store()
    summary = {"vantage": origin, "lab": lab, "families": list(families), "departments": len(chosen)}
    run_id = store.start_run(KIND if full else PARTIAL, digest=inventory_digest(inventory_dir(inventory)),
                             summary=summary, vantage=vantage)  # fmt: skip
    saver = Saver(store, run_id)
    bar = Progress(TextColumn("probe"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=errors,
                   transient=True, disable=as_json)  # fmt: skip
    task = bar.add_task("probe", total=len(plans))

    def done(probed: Probed) -> None:
        saver.add(probed)
        bar.advance(task)

    try:
        with bar:
            probed = asyncio.run(ProbeRun(settings, snmp, families, done).run(plans))
    except BaseException:  # Ctrl-C or a bug: keep what was measured, say the run did not finish
        saver.flush()
        store.finish_run(run_id, "interrupted", {**summary, "saved": saver.saved})
        raise
    saver.flush()
    counts: dict[str, int] = {}
    for p in probed:
        counts[p.verdict.status] = counts.get(p.verdict.status, 0) + 1
    good = "dual-stack" if len(families) == 2 else "ok"
    problems = any(p.verdict.status != good for p in probed)
    store.finish_run(run_id, "problems" if problems else "ok", {**summary, "by_status": counts})
    _show(inv, probed, run_id, vantage, counts, as_json)
    if problems:
        raise typer.Exit(1)


def _show(
    inv: Inventory, probed: list[Probed], run_id: int, vantage: str, counts: dict[str, int], as_json: bool
) -> None:
    if as_json:  # "vantage": the probing host's name; each department's "vantage": where in the network it was from
        print_json({"run": run_id, "vantage": vantage, "by_status": counts, "departments": [
            {"id": p.plan.department, "name": inv.departments[p.plan.department].name, "site":
             inv.departments[p.plan.department].site, "status": p.verdict.status, "ipv4": p.verdict.ipv4,
             "ipv6": p.verdict.ipv6, "vantage": p.plan.vantage, "reasons": p.verdict.reasons,
             "results": [{"family": r.family, "kind": r.kind, "target": r.target, "address": r.address, "ok": r.ok,
                          "error": r.error, **r.detail} for r in p.results]} for p in probed]})  # fmt: skip
        return
    table = Table(title=escape(f"connections, probe run #{run_id} from {vantage}"))
    for column in ("department", "name", "status", "IPv4", "IPv6", "gateway loss / RTT v4 · v6", "reasons"):
        table.add_column(column)
    for p in probed:
        dept = inv.departments[p.plan.department]
        style = STYLE.get(p.verdict.status, "white")
        table.add_row(dept.id, escape(dept.name), f"[{style}]{p.verdict.status}[/]", p.verdict.ipv4, p.verdict.ipv6,
                      " · ".join(_gateway(p, f) for f in (4, 6)), escape("; ".join(p.verdict.reasons[:3])))  # fmt: skip
    console.print(table)
    console.print(", ".join(f"{n} {s}" for s, n in sorted(counts.items())), highlight=False)


def _gateway(p: Probed, family: int) -> str:
    for r in p.results:
        if r.kind == "icmp" and r.target == "gateway" and r.family == family:
            if not r.ok:
                return "—"
            return f"{r.detail['loss']:.0%} {r.detail['rtt_avg']:.1f} ms"
    return "—"
