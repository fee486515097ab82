"""`lab up`: namespaces, veths and the management bridge, then FRR, sshd and snmpd in every router."""

import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from ipaddress import IPv6Interface
from pathlib import Path

from ..inventory import Inventory
from ..plan.lock import Lock
from ..plan.pairs import pairs
from . import files
from .down import down, stale
from .files import Credentials
from .overlay import write_overlay
from .services import PRIVATE_DEV, Listener, Private, listeners, private_networks
from .state import BRIDGE, LabState, Proc, load_state
from .system import LabError, add_user, namespaces, prerequisites, run, run_script, spawn, start_time, user_exists
from .topology import (
    EDGE_ISP,
    EDGE_UPLINK,
    EXTRANET,
    INTERNET_DEV,
    ISP_DEV,
    JOINT_DEV,
    LEGACY_DEV,
    Edge,
    Host,
    Internet,
    Router,
    Topology,
    build_topology,
    edge_ipv6_lines,
    mgmt_veth,
)

FRR = Path("/usr/lib/frr")
ROUTING_DAEMONS = ("staticd", "ospfd", "ospf6d")
FRR_DAEMONS = ("zebra", *ROUTING_DAEMONS, "bgpd")
DAEMONS = (*FRR_DAEMONS, "sshd", "snmpd")
START_TIMEOUT = 15.0


def up(inventory: Inventory, directory: Path, lock: Lock | None = None) -> LabState:
    """Bring the inventory's network up as a lab; the state on disk records everything made, as it is made.

    With the address plan's ``lock``, departments' own routers (edges) are IPv6-ready on their side of the
    hand-off (the plan's /64, ::2, IPv6 default to the access router's ::1), as their owners would configure
    them: the extranet side is what the dual-stack rollout changes."""
    prerequisites()
    topo = build_topology(inventory)
    privates = private_networks(inventory)
    systems = listeners(inventory, topo, privates)
    clear_stale(directory)
    check_empty(directory)
    check_free(topo, privates)
    check_reachable(directory)
    creds = Credentials.generate()
    state = new_state(directory, topo, privates, systems)
    write_files(state, topo, creds)
    state.save()
    add_user(creds.user, creds.password, directory / "bin" / "vtysh-shell")
    if lock is not None:
        state.edge_ipv6 = edge_ipv6(inventory, lock, topo)
        state.save()
    run_script([*network_script(topo), *private_script(privates), *joint_script(topo), *address_script(systems),
                *(line for dept, (address, gateway) in sorted(state.edge_ipv6.items())
                  for line in edge_ipv6_lines(state.edges[dept], address, gateway))])  # fmt: skip
    start_routers(state, topo)
    start_listeners(state, systems)
    write_overlay(state, creds.user)
    state.phase = "up"
    state.save()
    return state


def clear_stale(directory: Path) -> None:
    """A stale lab (its owner was killed half way, or nothing of it runs any more) is removed first."""
    old = load_state(directory)
    if old is None:
        return
    if not stale(old):
        raise LabError(f"a lab is already up ({old.path}): run `extranet lab down` first")
    down(directory)


def check_empty(directory: Path) -> None:
    """A lab goes into a new or empty directory: `lab down` deletes everything in it."""
    if directory.is_symlink() or (directory.exists() and (not directory.is_dir() or any(directory.iterdir()))):
        raise LabError(
            f"{directory} is not an empty directory and holds no lab; `lab down` deletes what is in a lab's "
            "directory, so give a new or empty one (--dir or $EXTRANET_LAB_DIR)"
        )


def check_free(topo: Topology, privates: list[Private]) -> None:
    ours = {r.ns for r in topo.routers.values()} | {h.ns for h in topo.all_hosts()} | {p.ns for p in privates}
    ours |= {e.ns for e in topo.edges} | {e.isp_ns for e in topo.edges}
    ours |= {j.legacy_ns for j in topo.joints if j.legacy_ns}
    ours |= {topo.internet.ns} if topo.internet else set()
    taken = sorted(namespaces() & ours)
    if taken:
        raise LabError(f"namespaces already exist (not from this lab's state): {', '.join(taken)}")
    if user_exists(files.LOGIN_USER):
        raise LabError(f"user {files.LOGIN_USER} already exists (not from this lab's state)")
    if run(["ip", "link", "show", BRIDGE], check=False).returncode == 0:
        raise LabError(f"interface {BRIDGE} already exists (not from this lab's state)")


def new_state(directory: Path, topo: Topology, privates: list[Private], systems: list[Listener]) -> LabState:
    routers, hosts = list(topo.routers.values()), topo.all_hosts()
    me = Proc("-", "owner", os.getpid(), start_time(os.getpid()) or 0)
    return LabState(
        dir=str(directory),
        owner=me,
        bridge_ip=str(topo.bridge_ip),
        namespaces={r.name: r.ns for r in routers},
        mgmt={r.name: str(r.mgmt.ip) for r in routers},
        root_veths=[mgmt_veth(i) for i in range(1, len(routers) + 1)],
        mapping={r.name: r.mapping() for r in routers},
        loopbacks={r.name: str(r.loopback) for r in routers if r.loopback is not None},
        hosts={h.key: h.ns for h in hosts},
        host_addrs={h.key: str(h.address) for h in hosts},
        host_gateways={h.key: str(h.gateway) for h in hosts},
        spaces={p.key: p.ns for p in privates},
        edges={e.key: e.ns for e in topo.edges},
        isps={e.key: e.isp_ns for e in topo.edges},
        edge_routes={e.key: [str(r) for r in e.routes] for e in topo.edges},
        edge_handoffs={e.key: str(e.handoff) for e in topo.edges},
        edge_gateways={e.key: str(e.router_addr) for e in topo.edges},
        isp_links={e.key: str(e.isp) for e in topo.edges},
        internet=str((topo.internet or topo.edges[0]).internet.ip) if topo.internet or topo.edges else "",
        internet_ns=topo.internet.ns if topo.internet else "",
        joints={j.key: [j.router, j.router_if, str(j.router_addr), str(j.address)] for j in topo.joints},
        legacy={j.key: j.legacy_ns for j in topo.joints if j.legacy_ns},
        legacy_gateways={j.key: str(j.legacy_gateway) for j in topo.joints if j.legacy_gateway},
        legacy_links={j.key: f"{j.legacy_link.network_address + 2}/30" for j in topo.joints if j.legacy_link},
        services=service_map(systems),
        users=[files.LOGIN_USER],
        links=[[w.a[0], w.a[1], w.b[0], w.b[1]] for w in topo.wires],
    )


def service_map(systems: list[Listener]) -> dict[str, list[str]]:
    """System id -> the address:port pairs it listens on."""
    found: dict[str, list[str]] = {}
    for listener in systems:
        for system, address, port in listener.binds:
            found.setdefault(system, []).append(f"{address}:{port}")
    return found


def owned_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    shutil.chown(path, "frr", "frrvty")
    path.chmod(0o2775)


def write_text(path: Path, text: str, mode: int = 0o644) -> None:
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)


def check_reachable(lab: Path) -> None:
    """frr and the login user must be able to walk to the router directories."""
    for parent in [p for p in lab.parents if p.exists()]:
        if not parent.stat().st_mode & 0o001:
            raise LabError(f"{parent} is not searchable by other users (frr, the lab login): chmod o+x or use --dir")


def write_files(state: LabState, topo: Topology, creds: Credentials) -> None:
    lab = Path(state.dir)
    for sub in ("", "bin", "ssh", "routers"):
        (lab / sub).mkdir(parents=True, exist_ok=True)
        (lab / sub).chmod(0o755)
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    creds.save(lab / "credentials.json")
    write_text(lab / "bin" / "vtysh-shell", files.VTYSH_SHELL, 0o755)
    ssh_keys(lab / "ssh")
    for router in topo.routers.values():
        router_files(state.router_dir(router.name), router, topo, creds)


def ssh_keys(ssh: Path) -> None:
    """One host key for every router of the lab, and a client key for the login user."""
    for name in ("host_ed25519", "id_ed25519"):
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"extranet-lab-{name}", "-f", str(ssh / name)])
    shutil.copyfile(ssh / "id_ed25519.pub", ssh / "authorized_keys")


def router_files(bdir: Path, router: Router, topo: Topology, creds: Credentials) -> None:
    for sub in ("etc", "run", "log"):
        owned_dir(bdir / sub)
    (bdir / "snmp").mkdir(exist_ok=True)
    shutil.chown(bdir / "snmp", "Debian-snmp", "Debian-snmp")
    for name, text in (("frr.conf", files.frr_conf(router)), ("vtysh.conf", files.vtysh_conf(router))):
        write_text(bdir / "etc" / name, text, 0o664)
        shutil.chown(bdir / "etc" / name, "frr", "frrvty")
    write_text(bdir / files.SESSIONS_LOG, "", 0o664)  # the login shell appends to it as the lab's user
    shutil.chown(bdir / files.SESSIONS_LOG, "frr", "frrvty")
    write_text(bdir / "sshd_config", files.sshd_config(router, bdir, Path(bdir).parents[1], creds.user))
    write_text(bdir / "snmpd.conf", files.snmpd_conf(router, topo.mgmt_net, creds), 0o600)


def network_script(topo: Topology) -> Iterator[str]:
    yield f"ip link add {BRIDGE} type bridge"
    yield f"ip addr add {topo.bridge_ip} dev {BRIDGE}"
    yield f"ip link set {BRIDGE} up"
    for index, router in enumerate(topo.routers.values(), start=1):
        yield from router_script(router, mgmt_veth(index))
    for wire in topo.wires:
        (a, a_if), (b, b_if) = wire.a, wire.b
        a_ns, b_ns = topo.routers[a].ns, topo.routers[b].ns
        yield f"ip link add {a_if} netns {a_ns} type veth peer name {b_if} netns {b_ns}"
        yield f"ip -n {a_ns} link set {a_if} up"
        yield f"ip -n {b_ns} link set {b_if} up"
    for host in topo.all_hosts():
        yield from host_script(host, topo.routers[host.router].ns)
    for edge in topo.edges:
        yield from edge_script(edge, topo.routers[edge.router].ns)
    if topo.internet is not None:
        yield from internet_script(topo.internet, topo.routers[topo.internet.router].ns)


def edge_ipv6(inventory: Inventory, lock: Lock, topo: Topology) -> dict[str, list[str]]:
    """Department -> [its edge's address on the hand-off /64 (::2), the access router's (::1 or its pin)], from the
    plan."""
    handoffs = {(p.device, p.interface): IPv6Interface(p.ipv6) for p in pairs(inventory, lock) if p.kind == "handoff"}
    found = {}
    for edge in topo.edges:
        uplink = inventory.departments[edge.key].uplink
        gateway = handoffs.get((uplink.device, uplink.interface)) if uplink else None
        if gateway is not None:
            net = gateway.network
            edge_ip = net.network_address + (2 if gateway.ip != net.network_address + 2 else 1)  # a pin may take ::2
            found[edge.key] = [f"{edge_ip}/{net.prefixlen}", str(gateway.ip)]
    return found


def private_script(privates: list[Private]) -> Iterator[str]:
    """Private networks (legacy): a namespace each, the first address of every prefix on lo, no link."""
    for private in privates:
        yield f"ip netns add {private.ns}"
        yield from (f"ip -n {private.ns} addr add {a} dev {PRIVATE_DEV}" for a in private.addresses)
        yield f"ip -n {private.ns} link set {PRIVATE_DEV} up"


def joint_script(topo: Topology) -> Iterator[str]:
    """Each private network's patched hand-off (its side configured, a route to the extranet over it) and its
    legacy line to the carrier's router, which carries its default route until the line is cut."""
    for joint in topo.joints:
        ns = joint.ns
        yield from attach(topo.routers[joint.router].ns, joint.router_if, ns, JOINT_DEV)
        yield f"ip -n {ns} addr add {joint.address} dev {JOINT_DEV}"
        yield f"ip -n {ns} link set {JOINT_DEV} up"
        yield f"ip -n {ns} route add {EXTRANET} via {joint.router_addr.ip}"
        if joint.legacy_ns and joint.legacy_link and joint.legacy_gateway:
            ours, theirs = joint.legacy_link.network_address + 1, joint.legacy_link.network_address + 2
            yield from new_namespace(joint.legacy_ns)
            yield f"ip link add {LEGACY_DEV} netns {ns} type veth peer name {LEGACY_DEV} netns {joint.legacy_ns}"
            yield f"ip -n {ns} addr add {ours}/30 dev {LEGACY_DEV}"
            yield f"ip -n {joint.legacy_ns} addr add {theirs}/30 dev {LEGACY_DEV}"
            yield f"ip -n {joint.legacy_ns} addr add {joint.legacy_gateway}/32 dev lo"
            yield f"ip -n {ns} link set {LEGACY_DEV} up"
            yield f"ip -n {joint.legacy_ns} link set {LEGACY_DEV} up"
            yield f"ip -n {ns} route add default via {theirs}"
            yield f"ip -n {joint.legacy_ns} route add default via {ours}"


def internet_script(uplink: Internet, router_ns: str) -> Iterator[str]:
    """The Internet behind the unified exit: the test address on lo, the extranet routed back to the exit."""
    yield from new_namespace(uplink.ns)
    yield from attach(router_ns, uplink.router_if, uplink.ns, INTERNET_DEV)
    yield f"ip -n {uplink.ns} addr add {uplink.address} dev {INTERNET_DEV}"
    yield f"ip -n {uplink.ns} addr add {uplink.internet} dev lo"
    yield f"ip -n {uplink.ns} link set {INTERNET_DEV} up"
    yield f"ip -n {uplink.ns} route add {EXTRANET} via {uplink.router_addr}"


def address_script(systems: list[Listener]) -> Iterator[str]:
    """The systems' own addresses on their namespace's interface."""
    for listener in systems:
        yield from (f"ip -n {listener.ns} addr add {a} dev {listener.dev}" for a in listener.add)


def start_listeners(state: LabState, systems: list[Listener]) -> None:
    """One listener process per namespace (recorded by pid, node = the host or private network)."""
    for listener in systems:
        specs = [f"{system}={address}:{port}" for system, address, port in listener.binds]
        command = ["ip", "netns", "exec", listener.ns, sys.executable, "-m", "extranet.lab.service", *specs]
        state.procs.append(spawn(listener.node, "service", command))
    state.save()


def new_namespace(ns: str, *sysctls: str) -> Iterator[str]:
    """A namespace with lo up and unprivileged ICMP sockets allowed (icmplib), plus the given sysctls."""
    yield f"ip netns add {ns}"
    yield f"ip -n {ns} link set lo up"
    settings = " ".join(shlex.quote(v) for v in ("net.ipv4.ping_group_range=0 2147483647", *sysctls))
    yield f"ip netns exec {ns} sysctl -qw {settings}"


def attach(router_ns: str, router_if: str, ns: str, dev: str) -> Iterator[str]:
    """A veth from a router port (up) into another namespace, as ``dev`` there."""
    yield f"ip link add {router_if} netns {router_ns} type veth peer name {dev} netns {ns}"
    yield f"ip -n {router_ns} link set {router_if} up"


def host_script(host: Host, router_ns: str) -> Iterator[str]:
    """A department LAN: a namespace with eth0 on the gateway's ethN and a default route to it."""
    yield from new_namespace(host.ns)
    yield from attach(router_ns, host.router_if, host.ns, "eth0")
    yield f"ip -n {host.ns} addr add {host.address} dev eth0"
    yield f"ip -n {host.ns} link set eth0 up"
    yield f"ip -n {host.ns} route add default via {host.gateway}"


def edge_script(edge: Edge, router_ns: str) -> Iterator[str]:
    """A department's own exit: its edge (LAN prefixes on lo) on the access router's hand-off, its isp behind
    it holding the Internet address; the edge's default goes to the isp, the extranet to the hand-off."""
    ns, isp = edge.ns, edge.isp_ns
    for space in (ns, isp):
        yield from new_namespace(space, "net.ipv4.ip_forward=1")
    yield from attach(router_ns, edge.router_if, ns, EDGE_UPLINK)
    yield f"ip link add {EDGE_ISP} netns {ns} type veth peer name {ISP_DEV} netns {isp}"
    yield from (f"ip -n {ns} addr add {a} dev lo" for a in edge.lo)
    yield f"ip -n {ns} addr add {edge.handoff} dev {EDGE_UPLINK}"
    yield f"ip -n {ns} addr add {edge.uplink} dev {EDGE_ISP}"
    yield f"ip -n {isp} addr add {edge.isp} dev {ISP_DEV}"
    yield f"ip -n {isp} addr add {edge.internet} dev lo"
    yield f"ip -n {ns} link set {EDGE_UPLINK} up"
    yield f"ip -n {ns} link set {EDGE_ISP} up"
    yield f"ip -n {isp} link set {ISP_DEV} up"
    yield f"ip -n {ns} route add default via {edge.isp.ip}"
    yield f"ip -n {ns} route add {EXTRANET} via {edge.router_addr}"


def router_script(router: Router, veth: str) -> Iterator[str]:
    ns = router.ns
    # igmp_max_memberships (default 20) caps how many interfaces ospfd can join AllSPFRouters on: a core
    # router with more links would never form those adjacencies. keep_addr_on_down: a router keeps its
    # configured IPv6 addresses through a link flap (the kernel drops them by default; zebra does not re-add)
    yield from new_namespace(
        ns,
        "net.ipv4.ip_forward=1",
        "net.ipv4.igmp_max_memberships=1024",
        "net.ipv6.conf.all.keep_addr_on_down=1",
        "net.ipv6.conf.default.keep_addr_on_down=1",
    )
    yield f"ip link add {veth} type veth peer name mgmt0 netns {ns}"
    yield f"ip link set {veth} master {BRIDGE} up"
    yield f"ip -n {ns} addr add {router.mgmt} dev mgmt0"
    yield f"ip -n {ns} link set mgmt0 up"


def in_router(name: str, ns: str, command: list[str]) -> list[str]:
    """Run command in the router's namespace under its own hostname (a UTS namespace of its own)."""
    inner = f"hostname {shlex.quote(name)}; exec {shlex.join(command)}"
    return ["ip", "netns", "exec", ns, "unshare", "--uts", "sh", "-c", inner]


def frr_daemon(bdir: Path, daemon: str) -> list[str]:
    run_dir = bdir / "run"
    return [
        str(FRR / daemon),
        "-F",
        "traditional",
        "--vty_socket",
        str(run_dir),
        "-i",
        f"{run_dir}/{daemon}.pid",
        "-z",
        f"{run_dir}/zserv.api",
        "-P",
        "0",
        "-u",
        "frr",
        "-g",
        "frr",
        "--log",
        f"file:{bdir}/log/{daemon}.log",
    ]


def sshd(bdir: Path) -> list[str]:
    return ["/usr/sbin/sshd", "-D", "-f", str(bdir / "sshd_config"), "-E", str(bdir / "log/sshd.log")]


def snmpd(bdir: Path) -> list[str]:
    return [
        "/usr/sbin/snmpd",
        "-f",
        "-m",
        "",
        "-C",
        "-c",
        str(bdir / "snmpd.conf"),
        "-Lf",
        str(bdir / "log/snmpd.log"),
        "-u",
        "Debian-snmp",
        "-g",
        "Debian-snmp",
    ]


def daemon_command(state: LabState, node: str, daemon: str) -> tuple[list[str], dict[str, str] | None]:
    """The command line (and environment) the lab runs ``daemon`` of router ``node`` with: at up and at restart."""
    bdir = state.router_dir(node)
    if daemon in FRR_DAEMONS:
        command, env = frr_daemon(bdir, daemon), None
    elif daemon == "sshd":
        command, env = sshd(bdir), None
    elif daemon == "snmpd":
        command, env = snmpd(bdir), {**os.environ, "SNMP_PERSISTENT_DIR": str(bdir / "snmp")}
    else:
        raise LabError(f"unknown daemon {daemon!r} (daemons: {', '.join(DAEMONS)})")
    return in_router(node, state.namespaces[node], command), env


def start(state: LabState, node: str, daemon: str) -> Proc:
    """Start one daemon of a router and record it in the state (in memory: the caller saves)."""
    command, env = daemon_command(state, node, daemon)
    proc = spawn(node, daemon, command, env)
    state.procs.append(proc)
    return proc


def start_routers(state: LabState, topo: Topology) -> None:
    """zebra first (others retry only after ~10 s without it), then the rest, then load frr.conf."""
    routers = list(topo.routers.values())
    for router in routers:
        start(state, router.name, "zebra")
    state.save()
    wait_for([state.router_dir(r.name) / "run" / "zserv.api" for r in routers])
    for router in routers:
        start_services(state, router)
    state.save()
    wait_for([state.router_dir(r.name) / "run" / f"{d}.vty" for r in routers for d in routing_daemons(r)])
    load_configs(state, [r.name for r in routers])


def routing_daemons(router: Router) -> tuple[str, ...]:
    """staticd, ospfd, ospf6d everywhere (ospf6d without config: the legacy state has no IPv6), bgpd with an AS."""
    return (*ROUTING_DAEMONS, *(("bgpd",) if router.bgp_as is not None else ()))


def start_services(state: LabState, router: Router) -> None:
    for daemon in (*routing_daemons(router), "sshd", "snmpd"):
        start(state, router.name, daemon)


def wait_for(paths: list[Path], timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while missing := [p for p in paths if not p.exists()]:
        if time.monotonic() > deadline:
            raise LabError(f"timed out waiting for {missing[0]} (see the router's log/)")
        time.sleep(0.02)


def vtysh(bdir: Path, *args: str) -> list[str]:
    return ["vtysh", "--vty_socket", str(bdir / "run"), "--config_dir", str(bdir / "etc"), *args]


def load_configs(state: LabState, routers: list[str], daemon: str | None = None) -> None:
    """`vtysh -b` in every router at once (only into ``daemon`` when given: after a restart)."""
    only = ["-d", daemon] if daemon else []
    jobs = [
        (
            name,
            subprocess.Popen(
                vtysh(state.router_dir(name), "-b", *only), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            ),
        )
        for name in routers
    ]
    failed = [(name, job.communicate()[0]) for name, job in jobs if job.wait() != 0]
    if failed:
        raise LabError(f"loading frr.conf failed in {failed[0][0]}: {failed[0][1].strip()[-300:]}")
