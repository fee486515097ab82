"""What to probe for each department, per address family, and from where — derived from inventory + plan.

- ICMP to the department's gateway (the interface routing its first LAN, or the access router's end of the
  hand-off for a department with its own router) and, from inside the department, to the core's loopback;
- TCP to the services of the systems it owns, at every declared address (each in its own family); a system
  moving to the cloud is checked at its target addresses (IPv4 and the IPv6 the plan numbers, ``plan.systems``)
  and at its old ones, each check marked (``at``: target, old; ``now`` for a system not moving) so the track
  gates can tell them apart; only the place it runs at now (``live``) counts in the department's status;
- DNS A and AAAA of those systems' names, when resolvers are configured;
- SNMP of its uplink port on the access router (the management plane: not per family).

Vantage: the core by default (this host, or the core router's namespace in the lab); ``department`` probes
from inside the department (the lab's host namespace of its first LAN, or its edge router's namespace).
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from ipaddress import ip_address, ip_interface

from ..inventory import Inventory
from ..inventory.models import Department, Exit, HostKind, System
from ..lab.state import LabState
from ..plan.lock import Lock
from ..plan.pairs import pairs
from ..plan.systems import system_addresses
from ..rollout.waves import core_device

FAMILIES = (4, 6)


@dataclass(frozen=True)
class Check:
    """One probe of one department: ``target`` names it for people ("gateway", "core", "oa https")."""

    department: str
    family: int  # 4 or 6; SNMP is recorded under the family of the management address
    kind: str  # icmp, tcp, dns, snmp
    target: str
    address: str | None = None
    port: int | None = None
    name: str | None = None  # dns: the name asked; snmp: the interface
    device: str | None = None  # snmp: the access router
    vantage: str | None = None  # the namespace this check runs from, when not the department's (inside a private
    # network, a department's own router)
    system: str | None = None  # tcp: the system whose service this is
    at: str | None = None  # tcp: now (not moving), target or old (a system moving to the cloud)
    live: bool = True  # tcp: where the system runs now (a failure is the department's problem)


@dataclass
class DepartmentPlan:
    department: str
    namespace: str | None  # where the probes run (None: this host)
    vantage: str  # for people: "core", "yl-core-01 (lab)", "xwb.office (lab)"
    checks: list[Check] = field(default_factory=list)
    missing: dict[int, str] = field(default_factory=dict)  # family -> why it has nothing to probe
    not_connected: str | None = None
    no_vantage: str | None = None  # the lab has no namespace to probe this department from


def family_of(address: str) -> int:
    return ip_address(address).version


class Planner:
    """Builds each department's checks; ``state`` is the lab (None: real devices, probed from this host)."""

    def __init__(self, inv: Inventory, lock: Lock, state: LabState | None, vantage: str, resolvers: list[str]):
        self.inv, self.state, self.vantage, self.resolvers = inv, state, vantage, resolvers
        self.core = core_device(inv)
        rows = pairs(inv, lock)
        self.gateways = {(p.owner, p.name): p for p in rows if p.kind == "gateway"}
        self.handoffs = {(p.device, p.interface): p for p in rows if p.kind == "handoff"}
        loop6 = next((p.ipv6 for p in rows if p.kind == "loopback" and p.owner == self.core), "")
        loop4 = inv.devices[self.core].loopback
        self.core_addresses = {4: str(loop4) if loop4 else "", 6: loop6.split("/")[0]}
        self.systems = system_addresses(inv, lock)

    def plan(self, dept: Department) -> DepartmentPlan:
        namespace, vantage = self._vantage(dept)
        plan = DepartmentPlan(dept.id, namespace, vantage)
        if dept.uplink is None:
            deadline = f" (to connect by {dept.connect_by})" if dept.connect_by else ""
            plan.not_connected = f"not connected to the extranet yet{deadline}"
            return plan
        device = self.inv.devices.get(dept.uplink.device)
        if device is not None:
            interface = dept.uplink.interface
            if self.state is not None:
                interface = self._lab_port(dept, device.name)
            plan.checks.append(Check(dept.id, device.mgmt.version, "snmp", f"{device.name} {dept.uplink.interface}",
                                     self._mgmt(device.name), name=interface, device=device.name))  # fmt: skip
        if self.state is not None and namespace is None:
            # never probe a lab address from this host's namespace: it would leave the lab
            plan.no_vantage = f"no namespace in the lab to probe {dept.id} from (bring the lab up from this inventory)"
            return plan
        gateway = self._gateway(dept)
        for family in FAMILIES:
            address = gateway.get(family)
            if address:
                plan.checks.append(Check(dept.id, family, "icmp", "gateway", address))
            else:
                plan.missing[family] = f"no IPv{family} gateway address in the inventory or the plan"
            core = self.core_addresses[family]
            if self.vantage == "department" and core:
                plan.checks.append(Check(dept.id, family, "icmp", "core", core))
        for system in sorted((s for s in self.inv.systems.values() if s.owner == dept.id), key=lambda s: s.id):
            plan.checks.extend(self._services(dept, system))
            for name in system.dns:
                for resolver in self.resolvers:
                    for family, rdtype in ((4, "A"), (6, "AAAA")):
                        plan.checks.append(Check(dept.id, family, "dns", f"{name} {rdtype}", resolver, name=name))
        plan.checks += self._moves(dept)
        return plan

    def _moves(self, dept: Department) -> list[Check]:
        """Evidence for the department's tracked moves (`extranet track advance` reads it; the department's
        status ignores it): each private network with a planned integration, reached from the vantage
        (``reach``: the first address of its first prefix) and, from inside it, its legacy line's far end
        (``legacy``: must fall silent); its Internet path from inside it when it has its own exit (``path``: the
        hops toward the Internet test address). What runs inside a private network or a department's own
        router needs a vantage there: the lab has one; a real department does not, so those are left out."""
        found: list[Check] = []
        nets = sorted((n for n in self.inv.private_networks.values() if n.owner == dept.id and n.integration),
                      key=lambda n: n.id)  # fmt: skip
        for net in nets:
            assert net.integration is not None
            found.append(Check(dept.id, 4, "reach", f"network:{net.id}", str(net.prefixes[0].network_address + 1)))
            gateway, space = net.integration.legacy_gateway, self.state.spaces.get(net.id) if self.state else None
            if gateway is not None and space:
                found.append(Check(dept.id, 4, "legacy", f"network:{net.id}", str(gateway), vantage=space))
        edge = self.state.edges.get(dept.id) if self.state else None
        if edge and self.state and self.state.internet and dept.effective_exit == Exit.OWN:
            found.append(Check(dept.id, 4, "path", f"exit:{dept.id}", self.state.internet, vantage=edge))
        return found
    def _services(self, dept: Department, system: System) -> Iterator[Check]:
        """TCP to each service at each address: a moving system at its target and its old addresses."""
        addresses = self.systems[system.id]
        moved = system.runs_at.kind is HostKind.CLOUD
        places = [("target", addresses.target, moved), ("old", addresses.old, not moved)] if addresses.moving else [
            ("now", addresses.old, True)]  # fmt: skip
        for service in (s for s in system.services if s.protocol == "tcp"):
            label = f"{system.id} {service.name or service.port}"
            for at, where, live in places:
                shown = label if at == "now" else f"{label} ({at})"
                for ip in where:
                    yield Check(dept.id, ip.version, "tcp", shown, str(ip), service.port, system=system.id, at=at,
                                live=live)  # fmt: skip

    def _gateway(self, dept: Department) -> dict[int, str]:
        """The first routed LAN's gateway, else the access router's end of the hand-off to the department."""
        for lan in dept.lans:
            pair = self.gateways.get((dept.id, lan.name))
            if pair is not None:
                return {4: _host(pair.ipv4), 6: _host(pair.ipv6)}
        assert dept.uplink is not None
        pair = self.handoffs.get((dept.uplink.device, dept.uplink.interface))
        if pair is not None:
            return {4: _host(pair.ipv4), 6: _host(pair.ipv6)}
        device = self.inv.devices.get(dept.uplink.device)
        iface = next((i for i in device.interfaces if i.name == dept.uplink.interface), None) if device else None
        return {4: _host(str(iface.ipv4)) if iface and iface.ipv4 else ""}

    def _vantage(self, dept: Department) -> tuple[str | None, str]:
        if self.state is None:
            return None, "core (this host)"
        if self.vantage == "core":
            return self.state.namespaces.get(self.core), f"{self.core} (lab)"
        for lan in dept.lans:
            key = f"{dept.id}.{lan.name}"
            if key in self.state.hosts:
                return self.state.hosts[key], f"{key} (lab)"
        if dept.id in self.state.edges:
            return self.state.edges[dept.id], f"{dept.id} edge (lab)"
        return None, "none (no host in the lab)"

    def _lab_port(self, dept: Department, device: str) -> str:
        """The lab router's Linux port carrying the department: its uplink when the lab models it, else the
        port of its first LAN's gateway on that router (the lab wires the department's host there)."""
        assert self.state is not None and dept.uplink is not None
        ports = self.state.mapping.get(device, {})
        names = [dept.uplink.interface] + [lan.gateway.interface for lan in dept.lans
                                           if lan.gateway is not None and lan.gateway.device == device]  # fmt: skip
        return next((ports[name] for name in names if name in ports), dept.uplink.interface)

    def _mgmt(self, device: str) -> str:
        if self.state is not None and device in self.state.mgmt:
            return self.state.mgmt[device].split("/")[0]
        return str(self.inv.devices[device].mgmt)


def _host(text: str) -> str:
    """``198.19.1.1/24`` → ``198.19.1.1``; empty stays empty."""
    return str(ip_interface(text).ip) if text else ""
