"""``extranet lab``: the inventory's network as a digital twin in network namespaces (up, down, status, show, exec)."""

import os
import signal
import time
from collections.abc import Callable
from ipaddress import IPv4Interface
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.markup import escape
from rich.table import Table

from .. import lab
from ..inventory import Inventory, load_inventory
from ..lab import faults
from ..lab.state import LabState
from ..lab.status import RouterStatus
from ..lab.system import alive
from ..plan.lock import DEFAULT_LOCK, Lock, read_lock
from .inventory import InventoryOption
from .output import console, error, print_json

app = typer.Typer(
    help="The lab: the inventory's network as FRR routers in network namespaces (needs root).", no_args_is_help=True
)
DirOption = typer.Option(None, "--dir", help="Lab directory (default: $EXTRANET_LAB_DIR or ./var/lab).")
JsonOption = typer.Option(False, "--json", help="As JSON.")


def _fail(message: str, code: int) -> typer.Exit:
    error(message)
    return typer.Exit(code)


def _ready() -> None:
    """Exit 2 when the lab cannot run here (not root, no `ip netns`, FRR missing)."""
    try:
        lab.prerequisites()
    except lab.LabError as exc:
        raise _fail(str(exc), 2) from None


def _state(directory: Path | None) -> LabState:
    state = lab.load_state(lab.lab_dir(directory))
    if state is None:
        raise _fail(f"no lab in {lab.lab_dir(directory)} (run `extranet lab up`)", 1)
    return state


@app.command()
def up(
    inventory: Path | None = InventoryOption,
    directory: Path | None = DirOption,
    wait: float = typer.Option(60.0, "--wait", min=0, help="Seconds to wait for OSPF to converge (0: do not wait)."),
    foreground: bool = typer.Option(False, "--foreground", help="Stay running; take the lab down on Ctrl-C/SIGTERM."),
    lock: Path = typer.Option(
        DEFAULT_LOCK,
        "--lock",
        help="The address plan (departments' own routers get its IPv6 on their side of the hand-off, when it has one).",
    ),
) -> None:
    """Bring the inventory's network up: the legacy state (IPv4, OSPFv2 area 0), sshd and snmpd per router."""
    _ready()
    inv = load_inventory(inventory)
    where = lab.lab_dir(directory)
    started = time.monotonic()
    state = _bring_up(inv, where, read_lock(lock) if os.path.lexists(lock) else None)
    console.print(
        f"lab up: {len(state.namespaces)} routers in {time.monotonic() - started:.1f} s ({where})", markup=False
    )
    if wait > 0:
        _report_convergence(state, wait, started)
    if foreground:
        _hold(where)


def _bring_up(inv: Inventory, where: Path, plan: Lock | None) -> LabState:
    try:
        return lab.up(inv, where, plan)
    except BaseException as exc:  # also Ctrl-C half way: half a lab we made is worse than none
        state = lab.load_state(where)
        if state is not None and state.owner.pid == os.getpid():  # never touch another run's lab
            lab.down(where)
        if isinstance(exc, lab.LabError | lab.TopologyError):
            raise _fail(str(exc), 1) from None
        raise


def _report_convergence(state: LabState, wait: float, started: float) -> None:
    if not lab.wait_converged(state, wait):
        raise _fail(f"OSPF did not converge within {wait:.0f} s (see `extranet lab status`)", 1)
    console.print(f"OSPF converged: every loopback in every router, {time.monotonic() - started:.1f} s after start")


def _hold(where: Path) -> None:
    stopping: list[int] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda signum, _frame: stopping.append(signum))
    console.print("holding the lab; Ctrl-C or SIGTERM takes it down")
    while not stopping:
        time.sleep(0.2)
    lab.down(where)
    console.print("lab down")


@app.command()
def down(directory: Path | None = DirOption) -> None:
    """Remove everything the lab made (processes, veths, namespaces, bridge, user, files), also a stale lab."""
    _ready()
    started = time.monotonic()
    state = lab.down(lab.lab_dir(directory))
    if state is None:
        console.print(f"no lab in {lab.lab_dir(directory)}: nothing to do", markup=False)
        return
    console.print(f"lab down: {len(state.namespaces)} routers removed in {time.monotonic() - started:.1f} s")


@app.command()
def status(directory: Path | None = DirOption, as_json: bool = JsonOption) -> None:
    """What runs in each router and whether OSPF converged; exit 1 if anything is down or not converged."""
    state = _state(directory)
    statuses = lab.lab_status(state)
    ok = lab.converged(statuses)
    if as_json:
        print_json({"phase": _phase(state), "converged": ok, "routers": [_status_json(s) for s in statuses],
                    "faults": _faults_json(state)})  # fmt: skip
    else:
        _print_status(state, statuses, ok)
    if not ok:
        raise typer.Exit(1)


def _phase(state: LabState) -> str:
    """up, starting, or stale (nothing runs, or the process that made it died half way: run `lab down`)."""
    if lab.stale(state):
        return "stale"
    return state.phase


def _faults_json(state: LabState) -> list[dict[str, str]]:
    return [{"kind": f.kind, "target": f.target, "detail": f.detail} for f in state.faults]


def _status_json(s: RouterStatus) -> dict[str, Any]:
    return {"router": s.name, "mgmt": s.mgmt, "daemons": s.daemons, "missing_loopbacks": s.missing}


def _print_status(state: LabState, statuses: list[RouterStatus], ok: bool) -> None:
    table = Table("router", "mgmt", "daemons", "loopbacks routed")
    total = len(state.loopbacks)
    for s in statuses:
        dead = [d for d, up in s.daemons.items() if not up]
        daemons = "[green]all running[/]" if s.running else f"[red]down: {', '.join(dead) or 'none started'}[/]"
        table.add_row(s.name, s.mgmt, daemons, f"{total - len(s.missing)}/{total}")
    console.print(table)
    verdict = "[green]converged[/]" if ok else "[red]not converged[/]"
    console.print(f"lab {_phase(state)} ({escape(state.dir)}); OSPF {verdict}")
    for fault in state.faults:
        said = escape(f"{fault.kind} {fault.target} {fault.detail}".rstrip())
        console.print(f"[yellow]active fault:[/] {said}", highlight=False)


@app.command()
def show(directory: Path | None = DirOption, as_json: bool = JsonOption) -> None:
    """Each router's management address and its vendor → Linux interface names; where the credentials are."""
    state = _state(directory)
    creds = Path(state.dir) / "credentials.json"
    if as_json:
        print_json(_show_json(state, creds))
        return
    table = Table("router", "namespace", "mgmt", "loopback", "interfaces (vendor → Linux)")
    for router, ns in state.namespaces.items():
        mapping = "\n".join(f"{vendor} → {linux}" for vendor, linux in state.mapping[router].items())
        table.add_row(router, ns, state.mgmt[router], state.loopbacks.get(router, "-"), mapping)
    console.print(table)
    if state.hosts:
        hosts = Table("department LAN host", "namespace", "address")
        for key, ns in state.hosts.items():
            hosts.add_row(key, ns, state.host_addrs.get(key, "-"))
        console.print(hosts)
    if state.edges:
        edges = Table("department (own exit)", "edge namespace", "hand-off", "isp namespace", "isp /30")
        for dept, edge in _edges_json(state).items():
            cells = [edge["namespace"], edge["handoff"], edge["isp_namespace"], edge["isp"]]
            edges.add_row(dept, *(cell or "-" for cell in cells))
        console.print(edges)
    console.print(f"management bridge {state.bridge} {state.bridge_ip}; login user {', '.join(state.users)}")
    console.print(f"credentials: {creds}  ssh key: {Path(state.dir) / 'ssh' / 'id_ed25519'}", markup=False)


def _show_json(state: LabState, creds: Path) -> dict[str, Any]:
    routers = {
        r: {"namespace": ns, "mgmt": state.mgmt[r], "loopback": state.loopbacks.get(r), "interfaces": state.mapping[r]}
        for r, ns in state.namespaces.items()
    }
    hosts = {h: {"namespace": ns, "address": state.host_addrs.get(h)} for h, ns in state.hosts.items()}
    return {"bridge": state.bridge, "bridge_ip": state.bridge_ip, "credentials": str(creds), "routers": routers,
            "hosts": hosts, "edges": _edges_json(state)}  # fmt: skip


def _edges_json(state: LabState) -> dict[str, dict[str, str | None]]:
    """Departments with their own exit: edge namespace, its hand-off address, isp namespace and isp /30."""
    found: dict[str, dict[str, str | None]] = {}
    for dept, ns in state.edges.items():
        isp = state.isp_links.get(dept)
        found[dept] = {"namespace": ns, "handoff": state.edge_handoffs.get(dept), "isp_namespace": state.isps.get(dept),
                       "isp": str(IPv4Interface(isp).network) if isp else None}  # fmt: skip
    return found


@app.command(name="exec", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def exec_(
    node: str = typer.Argument(..., help="A router (device name)."),
    command: list[str] = typer.Argument(..., help="The command, after `--`."),
    directory: Path | None = DirOption,
) -> None:
    """Run a command inside a router's namespace (`vtysh` gets the router's own sockets)."""
    _ready()
    state = _state(directory)
    if node not in state.namespaces:
        raise _fail(f"no router {node!r} in the lab (routers: {', '.join(state.namespaces)})", 2)
    bdir = state.router_dir(node)
    if command[0] == "vtysh":
        command = ["vtysh", "--vty_socket", str(bdir / "run"), "--config_dir", str(bdir / "etc"), *command[1:]]
    os.environ["LAB_DIR"] = str(bdir)
    zebra = next((p for p in state.procs if p.node == node and p.daemon == "zebra" and alive(p)), None)
    if zebra is None:  # enter the namespace by name (the router's hostname is then the host's)
        os.execvp("ip", ["ip", "netns", "exec", state.namespaces[node], *command])
    os.execvp("nsenter", ["nsenter", "--target", str(zebra.pid), "--net", "--uts", "--", *command])


fault_app = typer.Typer(
    help="Break the running lab on purpose (for tests and rehearsals) and heal it; `lab status` lists active faults.",
    no_args_is_help=True,
)
app.add_typer(fault_app, name="fault")


T = TypeVar("T")


def _fault(action: Callable[[], T]) -> T:
    """Run a fault action: exit 2 when it names nothing the lab has, 1 when it fails."""
    _ready()
    try:
        return action()
    except faults.FaultError as exc:
        raise _fail(str(exc), 2) from None
    except lab.LabError as exc:
        raise _fail(str(exc), 1) from None


@fault_app.command("link-down")
def link_down(
    a: str = typer.Argument(..., help="A router at one end of the link."),
    b: str = typer.Argument(..., help="The router at the other end."),
    directory: Path | None = DirOption,
) -> None:
    """Set both veth ends of the inventory link between A and B down (all parallel links between them)."""
    name = _fault(lambda: faults.link_down(lab.lab_dir(directory), a, b))
    console.print(f"link {name}: down")


@fault_app.command("link-up")
def link_up(a: str = typer.Argument(...), b: str = typer.Argument(...), directory: Path | None = DirOption) -> None:
    """Set both veth ends of the link between A and B up again."""
    name = _fault(lambda: faults.link_up(lab.lab_dir(directory), a, b))
    console.print(f"link {name}: up")


@fault_app.command()
def netem(
    a: str = typer.Argument(...),
    b: str = typer.Argument(...),
    loss: float | None = typer.Option(
        None, "--loss", min=0, max=100, help="Packet loss in percent (0–100), each direction."
    ),
    delay: str | None = typer.Option(None, "--delay", help="Added delay each direction, e.g. 50ms."),
    directory: Path | None = DirOption,
) -> None:
    """tc netem (loss, delay) on both ends of the link between A and B (needs `tc`)."""
    name = _fault(lambda: faults.netem(lab.lab_dir(directory), a, b, loss, delay))
    console.print(f"link {name}: netem {faults.netem_args(loss, delay)}")


@fault_app.command("netem-clear")
def netem_clear(a: str = typer.Argument(...), b: str = typer.Argument(...), directory: Path | None = DirOption) -> None:
    """Remove netem from both ends of the link between A and B."""
    name = _fault(lambda: faults.netem_clear(lab.lab_dir(directory), a, b))
    console.print(f"link {name}: netem cleared")


DaemonArgument = typer.Argument(..., help="zebra, staticd, ospfd, sshd or snmpd.")


@fault_app.command()
def kill(
    node: str = typer.Argument(..., help="A router."), daemon: str = DaemonArgument, directory: Path | None = DirOption
) -> None:
    """Stop one daemon of a router by the pid recorded in the lab's state (never by name)."""
    proc = _fault(lambda: faults.kill(lab.lab_dir(directory), node, daemon))
    console.print(f"{node} {daemon}: stopped (pid {proc.pid})")


@fault_app.command()
def restart(
    node: str = typer.Argument(..., help="A router."), daemon: str = DaemonArgument, directory: Path | None = DirOption
) -> None:
    """(Re)start one daemon of a router with the lab's command line; FRR daemons get their frr.conf part again."""
    proc = _fault(lambda: faults.restart(lab.lab_dir(directory), node, daemon))
    console.print(f"{node} {daemon}: running (pid {proc.pid})")


@fault_app.command()
def partition(dept: str = typer.Argument(..., help="A department id."), directory: Path | None = DirOption) -> None:
    """Cut a department off: its LAN host(s) lose their LAN interface, its edge (own exit) its hand-off."""
    spaces = _fault(lambda: faults.partition(lab.lab_dir(directory), dept))
    console.print(f"department {dept}: partitioned ({', '.join(spaces)})")


@fault_app.command()
def heal(dept: str = typer.Argument(..., help="A department id."), directory: Path | None = DirOption) -> None:
    """Bring a partitioned department's interface(s) back (and their routes)."""
    spaces = _fault(lambda: faults.heal(lab.lab_dir(directory), dept))
    console.print(f"department {dept}: healed ({', '.join(spaces)})")


@fault_app.command("legacy-cut")
def legacy_cut(
    net: str = typer.Argument(..., help="A private network id."), directory: Path | None = DirOption
) -> None:
    """The carrier cuts a private network's legacy line (what follows its integration into the extranet)."""
    ns = _fault(lambda: faults.legacy_cut(lab.lab_dir(directory), net))
    console.print(f"private network {net}: legacy line cut ({ns})")


@fault_app.command("legacy-restore")
def legacy_restore(
    net: str = typer.Argument(..., help="A private network id."), directory: Path | None = DirOption
) -> None:
    """Bring a private network's legacy line back (and its default route over it)."""
    ns = _fault(lambda: faults.legacy_restore(lab.lab_dir(directory), net))
    console.print(f"private network {net}: legacy line restored ({ns})")


@fault_app.command("system-stop")
def system_stop(
    system: str = typer.Argument(..., help="A system id (inventory/systems.yml)."), directory: Path | None = DirOption
) -> None:
    """Shut an information system down (retiring a zombie): its ports stop answering, its neighbours' do not."""
    node = _fault(lambda: faults.system_stop(lab.lab_dir(directory), system))
    console.print(f"system {system}: stopped (in {node})")


@fault_app.command("system-start")
def system_start(
    system: str = typer.Argument(..., help="A system id (inventory/systems.yml)."), directory: Path | None = DirOption
) -> None:
    """Start a stopped system again."""
    node = _fault(lambda: faults.system_start(lab.lab_dir(directory), system))
    console.print(f"system {system}: started (in {node})")
