"""Where the inventory's information systems and private networks live in the lab (pure data, no system calls).

- a system of kind department runs in a host of that department (in its edge namespace when the department has
  its own exit and no LAN host), cloud/datacenter in a host of that site's
  server LANs, private_network in that private network's namespace; `internal` (classified) never;
- its IPv4 addresses are added to the namespace's interface when they lie in its LAN (else it listens on the
  host's own address); one small listener process per namespace answers each TCP port with the system id;
- a private network (业务专网, unclassified) is a namespace of its own, not linked to the extranet (legacy),
  holding the first address of each prefix on a dummy interface.
"""

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface

from ..inventory import Inventory
from ..inventory.models import Classification, HostKind, PrivateNetwork, System
from .topology import PRIVATE_PREFIX, Edge, Host, Topology

PRIVATE_DEV = "lo"  # the dummy module is not loadable here: the loopback holds the addresses
HOST_DEV = "eth0"
EDGE_DEV = "lo"  # a department's own exit: its LAN prefixes are on the edge's loopback


@dataclass(frozen=True)
class Private:
    key: str  # the private network's id
    ns: str
    addresses: tuple[IPv4Interface, ...]


@dataclass
class Listener:
    """One namespace's listener process: addresses to add first, then (system, address, port) to serve."""

    node: str  # a host key (department.lan, site.lanN) or a private network id
    ns: str
    dev: str
    add: list[IPv4Interface] = field(default_factory=list)
    binds: list[tuple[str, str, int]] = field(default_factory=list)


def private_network(net: PrivateNetwork) -> Private:
    firsts = tuple(IPv4Interface(f"{p.network_address + 1}/{p.prefixlen}") for p in net.prefixes)
    return Private(net.id, f"{PRIVATE_PREFIX}{net.id}", firsts)


def private_networks(inventory: Inventory) -> list[Private]:
    """Unclassified private networks only: classified ones never enter the extranet lab."""
    nets = inventory.private_networks.values()
    return [private_network(n) for n in nets if n.classification == Classification.UNCLASSIFIED]


def tcp_ports(system: System) -> list[int]:
    return sorted({s.port for s in system.services if s.protocol.lower() == "tcp"})


def ipv4s(system: System) -> list[IPv4Address]:
    return [a for a in system.addresses if isinstance(a, IPv4Address)]


def candidate_hosts(system: System, topo: Topology) -> list[Host]:
    ref, kind = system.runs_at.ref, system.runs_at.kind
    pool = topo.hosts if kind == HostKind.DEPARTMENT else topo.site_hosts
    return [h for h in pool if h.key.split(".", 1)[0] == ref]


def pick_host(system: System, hosts: list[Host]) -> Host:
    """The host whose LAN holds the system's first IPv4 address, else the first host."""
    return next((h for a in ipv4s(system) for h in hosts if a in h.address.network), hosts[0])


def host_binds(system: System, host: Host, listener: Listener) -> None:
    inside = [a for a in ipv4s(system) if a in host.address.network and a != host.address.ip]
    listener.add += [IPv4Interface(f"{a}/{host.address.network.prefixlen}") for a in inside]
    addresses = [str(a) for a in inside] or [str(host.address.ip)]
    listener.binds += [(system.id, a, port) for a in addresses for port in tcp_ports(system)]


def edge_binds(system: System, edge: Edge, listener: Listener) -> None:
    """A department with its own exit and no LAN host: its system listens in the edge namespace, its addresses
    on the edge's lo when they lie in one of the department's LAN (or NAT) prefixes."""
    own = {a.ip for a in edge.lo}
    inside = [a for a in ipv4s(system) if any(a in lo.network for lo in edge.lo)]
    listener.add += [IPv4Interface(f"{a}/32") for a in inside if a not in own]
    fallback = edge.lo[0].ip if edge.lo else edge.handoff.ip
    addresses = [str(a) for a in inside] or [str(fallback)]
    listener.binds += [(system.id, a, port) for a in addresses for port in tcp_ports(system)]


def private_binds(system: System, private: Private, listener: Listener) -> None:
    own = {a.ip for a in private.addresses}
    extra = [a for a in ipv4s(system) if a not in own]
    listener.add += [IPv4Interface(f"{a}/32") for a in extra]
    addresses = [str(a) for a in ipv4s(system)] or [str(private.addresses[0].ip)]
    listener.binds += [(system.id, a, port) for a in addresses for port in tcp_ports(system)]


def place(system: System, topo: Topology, privates: dict[str, Private], found: dict[str, Listener]) -> None:
    """Add the system to its namespace's listener (nothing when it has no place in the lab)."""
    if system.runs_at.kind == HostKind.PRIVATE_NETWORK:
        private = privates.get(system.runs_at.ref or "")
        if private is not None:
            listener = found.setdefault(private.ns, Listener(private.key, private.ns, PRIVATE_DEV))
            private_binds(system, private, listener)
        return
    hosts = candidate_hosts(system, topo)
    if hosts:
        host = pick_host(system, hosts)
        host_binds(system, host, found.setdefault(host.ns, Listener(host.key, host.ns, HOST_DEV)))
        return
    edge = next((e for e in topo.edges if e.key == system.runs_at.ref), None)
    if edge is not None and system.runs_at.kind == HostKind.DEPARTMENT:
        edge_binds(system, edge, found.setdefault(edge.ns, Listener(f"{edge.key}.edge", edge.ns, EDGE_DEV)))


def listeners(inventory: Inventory, topo: Topology, privates: list[Private]) -> list[Listener]:
    """One listener per namespace that runs at least one system with a TCP service (`internal`: never)."""
    by_id = {p.key: p for p in privates}
    found: dict[str, Listener] = {}
    for system in inventory.systems.values():
        if system.runs_at.kind != HostKind.INTERNAL and tcp_ports(system):
            place(system, topo, by_id, found)
    for listener in found.values():
        listener.add = list(dict.fromkeys(listener.add))
        listener.binds = list(dict.fromkeys(listener.binds))
    return list(found.values())
