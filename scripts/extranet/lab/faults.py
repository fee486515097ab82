"""`lab fault`: break the running lab on purpose (for tests and rehearsals) and heal it again.

Every fault in force is recorded in var/lab/state.json (`lab status` lists them); `lab down` removes the lab
whatever faults are active (qdiscs and downed veths go with the namespaces, daemons are stopped by pid).
"""

import fcntl
import re
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from ipaddress import IPv4Interface
from pathlib import Path

from .services import HOST_DEV
from .state import Fault, LabState, Proc, load_state
from .system import LabError, alive, reap, run_script, spawn, stop
from .topology import EDGE_UPLINK, EXTRANET, LEGACY_DEV, edge_ipv6_lines
from .up import DAEMONS, FRR_DAEMONS, load_configs, start, wait_for

DELAY = re.compile(r"^\d+(\.\d+)?(us|ms|s)$")
LINK_DOWN, NETEM, KILL, PARTITION, LEGACY_CUT = "link-down", "netem", "kill", "partition", "legacy-cut"
SYSTEM_STOP = "system-stop"


class FaultError(LabError):
    """The fault names something the lab does not have (no such link, router, daemon or department)."""


@contextmanager
def locked(directory: Path) -> Iterator[LabState]:
    """The lab's state, read and written back under a lock (two `lab fault` runs never lose each other's edits)."""
    if load_state(directory) is None:
        raise LabError(f"no lab in {directory} (run `extranet lab up`)")
    with (directory / "faults.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        state = load_state(directory)
        if state is None:
            raise LabError(f"no lab in {directory} (it was taken down)")
        yield state
        state.save()


def record(state: LabState, fault: Fault) -> None:
    state.faults = [f for f in state.faults if (f.kind, f.target) != (fault.kind, fault.target)] + [fault]


def clear(state: LabState, kind: str, target: str) -> None:
    state.faults = [f for f in state.faults if (f.kind, f.target) != (kind, target)]


# --- links -------------------------------------------------------------------------------------------------


def link_ends(state: LabState, a: str, b: str) -> tuple[str, list[tuple[str, str]]]:
    """The link's name ("A B" in inventory order) and its (namespace, interface) ends; all parallel links."""
    found = [link for link in state.links if {link[0], link[2]} == {a, b} and a != b]
    if not found:
        known = sorted({f"{link[0]} {link[2]}" for link in state.links})
        raise FaultError(f"no link between {a!r} and {b!r} (links: {', '.join(known)})")
    name = f"{found[0][0]} {found[0][2]}"
    ends = [(state.namespaces[link[i]], link[i + 1]) for link in found for i in (0, 2)]
    return name, ends


def link_down(directory: Path, a: str, b: str) -> str:
    with locked(directory) as state:
        name, ends = link_ends(state, a, b)
        run_script([f"ip -n {ns} link set {dev} down" for ns, dev in ends])
        record(state, Fault(LINK_DOWN, name))
    return name


def link_up(directory: Path, a: str, b: str) -> str:
    with locked(directory) as state:
        name, ends = link_ends(state, a, b)
        run_script([f"ip -n {ns} link set {dev} up" for ns, dev in ends])
        clear(state, LINK_DOWN, name)
    return name


def netem_args(loss: float | None, delay: str | None) -> str:
    if loss is None and delay is None:
        raise FaultError("netem needs --loss and/or --delay")
    if loss is not None and not 0 <= loss <= 100:
        raise FaultError(f"--loss is a percentage (0-100), not {loss}")
    if delay is not None and not DELAY.match(delay):
        raise FaultError(f"--delay must look like 50ms, 1s or 200us, not {delay!r}")
    parts = [f"delay {delay}"] if delay else []
    return " ".join(parts + ([f"loss {loss:g}%"] if loss is not None else []))


def netem(directory: Path, a: str, b: str, loss: float | None = None, delay: str | None = None) -> str:
    """tc netem (loss %, delay) on both ends of the link, replacing any netem there."""
    args = netem_args(loss, delay)
    if shutil.which("tc") is None:
        raise LabError("netem needs `tc` (iproute2)")
    with locked(directory) as state:
        name, ends = link_ends(state, a, b)
        try:
            run_script([f"tc -n {ns} qdisc replace dev {dev} root netem {args}" for ns, dev in ends])
        except LabError as exc:
            if "unknown" in str(exc):  # bash -e stopped at the first end: nothing is left applied
                raise LabError(f"this kernel has no netem qdisc (sch_netem): {exc}") from None
            raise
        record(state, Fault(NETEM, name, args))
    return name


def netem_clear(directory: Path, a: str, b: str) -> str:
    with locked(directory) as state:
        name, ends = link_ends(state, a, b)
        run_script([f"tc -n {ns} qdisc del dev {dev} root 2>/dev/null || true" for ns, dev in ends], check=False)
        clear(state, NETEM, name)
    return name


# --- daemons -----------------------------------------------------------------------------------------------


def recorded(state: LabState, node: str, daemon: str) -> Proc:
    if node not in state.namespaces:
        raise FaultError(f"no router {node!r} in the lab (routers: {', '.join(state.namespaces)})")
    if daemon not in DAEMONS:
        raise FaultError(f"unknown daemon {daemon!r} (daemons: {', '.join(DAEMONS)})")
    procs = [p for p in state.procs if p.node == node and p.daemon == daemon]
    if not procs:
        raise FaultError(f"the lab started no {daemon} in {node}")
    return procs[-1]


def kill(directory: Path, node: str, daemon: str) -> Proc:
    """Stop the daemon by the pid the state records (SIGTERM, then SIGKILL): never by name."""
    with locked(directory) as state:
        proc = recorded(state, node, daemon)
        if not alive(proc):
            raise LabError(f"{daemon} in {node} is not running (pid {proc.pid})")
        if stop([proc]):
            raise LabError(f"{daemon} in {node} (pid {proc.pid}) survived SIGKILL")
        record(state, Fault(KILL, f"{node} {daemon}"))
    return proc


def sockets(state: LabState, node: str, daemon: str) -> list[Path]:
    """What an FRR daemon creates once it serves: its vty socket (and zebra's zserv.api)."""
    if daemon not in FRR_DAEMONS:
        return []
    run_dir = state.router_dir(node) / "run"
    return [run_dir / f"{daemon}.vty", *([run_dir / "zserv.api"] if daemon == "zebra" else [])]


def restart(directory: Path, node: str, daemon: str) -> Proc:
    """Stop the daemon if it runs, start it with the lab's own command line, reload its part of frr.conf.

    The state gets the new pid in place of the old one (written atomically). After a zebra restart the other
    FRR daemons of the router reconnect by themselves (FRR retries every ~10 s).
    """
    with locked(directory) as state:
        old = recorded(state, node, daemon)
        if alive(old) and stop([old]):
            raise LabError(f"{daemon} in {node} (pid {old.pid}) survived SIGKILL")
        reap(old.pid)
        for path in sockets(state, node, daemon):
            path.unlink(missing_ok=True)
        state.procs.remove(old)
        new = start(state, node, daemon)
        clear(state, KILL, f"{node} {daemon}")
        state.save()  # the new pid is on disk before anything else can fail
        wait_for(sockets(state, node, daemon))
        if daemon in FRR_DAEMONS:
            load_configs(state, [node], daemon)
    return new


# --- department LANs ---------------------------------------------------------------------------------------


def department_hosts(state: LabState, dept: str) -> list[str]:
    """The department's LAN host namespace(s), or its edge namespace when it has its own exit."""
    found = [ns for key, ns in state.hosts.items() if key.split(".", 1)[0] == dept]
    if dept in state.edges:
        found.append(state.edges[dept])
    if not found:
        known = sorted({key.split(".", 1)[0] for key in state.hosts} | set(state.edges))
        raise FaultError(
            f"no department {dept!r} with a LAN host or an edge in the lab (departments: {', '.join(known)})"
        )
    return found


def partition(directory: Path, dept: str) -> list[str]:
    """The department's host namespace(s) lose their LAN interface, its edge its hand-off (eth0 down)."""
    with locked(directory) as state:
        spaces = department_hosts(state, dept)
        run_script(
            [f"ip -n {ns} link set {HOST_DEV if ns in state.hosts.values() else EDGE_UPLINK} down" for ns in spaces]
        )
        record(state, Fault(PARTITION, dept))
    return spaces


def edge_heal(state: LabState, dept: str) -> list[str]:
    """The edge's hand-off up again with the routes `lab up` gave it: default via the isp, the extranet via
    the hand-off (the kernel dropped the latter with the link), and its IPv6 side of the hand-off."""
    ns = state.edges[dept]
    lines = [f"ip -n {ns} link set {EDGE_UPLINK} up"]
    if dept in state.withdrawn and state.edge_gateways.get(dept):  # its exit was withdrawn: default to the extranet
        lines.append(f"ip -n {ns} route replace default via {state.edge_gateways[dept]}")
    elif state.isp_links.get(dept):
        lines.append(f"ip -n {ns} route replace default via {IPv4Interface(state.isp_links[dept]).ip}")
    if state.edge_gateways.get(dept):
        lines.append(f"ip -n {ns} route replace {EXTRANET} via {state.edge_gateways[dept]}")
    if dept in state.edge_ipv6:  # the kernel dropped the IPv6 address and route with the link, too
        lines += edge_ipv6_lines(state.edges[dept], *state.edge_ipv6[dept])
    return lines


def heal(directory: Path, dept: str) -> list[str]:
    """eth0 up again and the default route back (the kernel dropped it with the link)."""
    with locked(directory) as state:
        spaces = department_hosts(state, dept)
        lines = []
        for key, ns in state.hosts.items():
            if ns in spaces:
                lines.append(f"ip -n {ns} link set {HOST_DEV} up")
                gateway = state.host_gateways.get(key)
                if gateway:
                    lines.append(f"ip -n {ns} route replace default via {gateway}")
        if dept in state.edges:
            lines += edge_heal(state, dept)
        run_script(lines)
        clear(state, PARTITION, dept)
    return spaces


# --- private networks' legacy lines ----------------------------------------------------------------------------


def legacy_line(state: LabState, net: str) -> tuple[str, str]:
    """The private network's namespace and its legacy line's carrier end."""
    if net not in state.legacy:
        known = ", ".join(sorted(state.legacy)) or "none"
        raise FaultError(f"no private network {net!r} with a legacy line in the lab (with one: {known})")
    return state.spaces[net], state.legacy_links[net]


def legacy_cut(directory: Path, net: str) -> str:
    """The carrier cuts the private network's legacy line (it is cancelled once the network is integrated)."""
    with locked(directory) as state:
        ns, _ = legacy_line(state, net)
        run_script([f"ip -n {ns} link set {LEGACY_DEV} down"])
        record(state, Fault(LEGACY_CUT, net))
    return ns


def legacy_restore(directory: Path, net: str) -> str:
    """The legacy line back, with the network's default route over it (the kernel dropped it with the link)."""
    with locked(directory) as state:
        ns, carrier = legacy_line(state, net)
        run_script([f"ip -n {ns} link set {LEGACY_DEV} up",
                    f"ip -n {ns} route replace default via {IPv4Interface(carrier).ip}"])  # fmt: skip
        clear(state, LEGACY_CUT, net)
    return ns


# --- information systems ---------------------------------------------------------------------------------------


def _specs(proc: Proc) -> list[str]:
    """What a lab service process serves (SYSTEM=ADDRESS:PORT), from its own command line."""
    try:
        argv = (Path("/proc") / str(proc.pid) / "cmdline").read_bytes().split(b"\0")
    except OSError:
        return []
    return [a.decode() for a in argv if b"=" in a and not a.startswith(b"-")]


def _serve(state: LabState, node: str, specs: list[str]) -> None:
    ns = state.all_namespaces()[node]
    command = ["ip", "netns", "exec", ns, sys.executable, "-m", "extranet.lab.service", *specs]
    state.procs.append(spawn(node, "service", command))


def system_stop(directory: Path, system: str) -> str:
    """Shut an information system down (what retiring a zombie does): its namespace's service process is started
    again without it (stopped by pid), so its ports stop answering and the other systems there keep theirs."""
    with locked(directory) as state:
        if system not in state.services:
            known = ", ".join(sorted(state.services)) or "none"
            raise FaultError(f"no system {system!r} serves anything in the lab (systems with a service: {known})")
        found = [(p, _specs(p)) for p in state.procs if p.daemon == "service" and alive(p)]
        serving = next(((p, specs) for p, specs in found if any(x.startswith(f"{system}=") for x in specs)), None)
        if serving is None:
            raise LabError(f"{system} is not running (stopped already: `lab fault system-start {system}`)")
        proc, specs = serving
        if stop([proc]):
            raise LabError(f"the service process of {proc.node} (pid {proc.pid}) survived SIGKILL")
        state.procs.remove(proc)
        own = [x for x in specs if x.startswith(f"{system}=")]
        rest = [x for x in specs if x not in own]
        if rest:
            _serve(state, proc.node, rest)
        record(state, Fault(SYSTEM_STOP, system, " ".join([proc.node, *own])))
        return proc.node


def system_start(directory: Path, system: str) -> str:
    """Start a stopped system again beside what its namespace still serves."""
    with locked(directory) as state:
        fault = next((f for f in state.faults if (f.kind, f.target) == (SYSTEM_STOP, system)), None)
        if fault is None:
            raise FaultError(f"{system} was not stopped with `lab fault system-stop`")
        node, *own = fault.detail.split()
        current = next((p for p in state.procs if p.daemon == "service" and p.node == node and alive(p)), None)
        specs = own
        if current is not None:
            specs = _specs(current) + own
            stop([current])
            state.procs.remove(current)
        _serve(state, node, specs)
        clear(state, SYSTEM_STOP, system)
        return node
