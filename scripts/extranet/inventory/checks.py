"""Rules across objects and files: references, uniqueness, address overlaps, policy.

Each rule is a function yielding problems located at the object that breaks it.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from ipaddress import IPv4Network

from .load import Inventory, Origin, Unlocated
from .models import (
    ADMINISTRATIVE_RANK,
    Classification,
    HostKind,
    Interface,
    PrivateNetwork,
    PrivateNetworkTarget,
    SiteLevel,
    SystemTarget,
)
from .problems import Problem

Rule = Callable[[Inventory], Iterable[Problem | Unlocated]]


def check_inventory(inv: Inventory) -> list[Problem | Unlocated]:
    return [problem for rule in RULES for problem in rule(inv)]


def _listing(values: Iterable[str], limit: int = 8) -> str:
    items = sorted(values)
    more = f", … ({len(items) - limit} more)" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more if items else "(none defined)"


def _unknown(inv: Inventory, kind: str, noun: str, value: str) -> str:
    return f"unknown {noun} {value!r}; defined {kind}: {_listing(inv.collection(kind))}"


def check_region(inv: Inventory) -> Iterator[Problem]:
    exit_id = inv.region.unified_exit
    if exit_id is None:
        return
    origin = inv.origin("region", inv.region.id)
    site = inv.sites.get(exit_id)
    if site is None:
        yield origin.problem(_unknown(inv, "sites", "site", exit_id), "unified_exit", ref=("sites", exit_id))
    elif site.level != SiteLevel.EXIT:
        yield origin.problem(f"site {exit_id!r} is a {site.level} site, not an Internet exit", "unified_exit")


def check_sites(inv: Inventory) -> Iterator[Problem]:
    top = min(
        (ADMINISTRATIVE_RANK[s.level] for s in inv.sites.values() if s.level in ADMINISTRATIVE_RANK), default=None
    )
    for site_id, site in inv.sites.items():
        origin = inv.origin("sites", site_id)
        if site.parent is None:
            if site.level not in ADMINISTRATIVE_RANK or ADMINISTRATIVE_RANK[site.level] != top:
                yield origin.problem(f"a {site.level} site needs a parent site", "parent")
            continue
        parent = inv.sites.get(site.parent)
        if parent is None:
            yield origin.problem(_unknown(inv, "sites", "site", site.parent), "parent", ref=("sites", site.parent))
        elif parent.level not in ADMINISTRATIVE_RANK:
            yield origin.problem(
                f"parent {site.parent!r} is a {parent.level} site; parents are province, city, county "
                "or township sites",
                "parent",
            )
        elif site.level in ADMINISTRATIVE_RANK and ADMINISTRATIVE_RANK[site.level] <= ADMINISTRATIVE_RANK[parent.level]:
            yield origin.problem(
                f"a {site.level} site cannot sit under the {parent.level} site {site.parent!r}", "parent"
            )


def check_departments(inv: Inventory) -> Iterator[Problem | Unlocated]:
    ports = _ports(inv)
    for dept_id, dept in inv.departments.items():
        origin = inv.origin("departments", dept_id)
        if dept.site not in inv.sites:
            yield origin.problem(_unknown(inv, "sites", "site", dept.site), "site", ref=("sites", dept.site))
        cls = dept.access_class
        if dept.zones is not None and frozenset(dept.zones) != cls.zones:
            yield origin.problem(
                f"class {cls} departments use zones {', '.join(sorted(cls.zones))}; fix `zones` or `access_class`",
                "zones",
            )
        if dept.internet_exit is not None and cls.exit is not None and dept.internet_exit != cls.exit:
            yield origin.problem(
                f"class {cls} departments have Internet exit {cls.exit!s}, not {dept.internet_exit!s}; "
                "C and E have their own exit, B and D the unified one, A none",
                "internet_exit",
            )
        if dept.uplink is None:
            by = f" (deadline {dept.connect_by})" if dept.connect_by else ""
            yield origin.warning(f"not yet connected to the extranet{by}", "uplink")
        else:
            yield from _check_attachment(inv, origin, dept.uplink.device, dept.uplink.interface, "uplink", ports=ports)
        names: set[str] = set()
        vlans: set[int] = set()
        zones = dept.effective_zones
        for index, lan in enumerate(dept.lans):
            if lan.name in names:
                yield origin.problem(f"duplicate LAN name {lan.name!r}", "lans", index, "name")
            if lan.vlan is not None and lan.vlan in vlans:
                yield origin.problem(f"VLAN {lan.vlan} used twice in this department", "lans", index, "vlan")
            names.add(lan.name)
            vlans.add(lan.vlan) if lan.vlan is not None else None
            if lan.zone not in zones:
                yield origin.problem(
                    f"zone {lan.zone!s} is not used by class {cls} departments ({', '.join(sorted(zones))})",
                    "lans",
                    index,
                    "zone",
                )
            if lan.gateway is not None:
                yield from _check_attachment(
                    inv, origin, lan.gateway.device, lan.gateway.interface, "lans", index, "gateway", ports=ports
                )


def _ports(inv: Inventory) -> dict[str, dict[str, Interface]]:
    """Each device's interfaces by name (the first of a name listed twice): looked up, not scanned."""
    return {name: {i.name: i for i in reversed(dev.interfaces)} for name, dev in inv.devices.items()}


def _check_attachment(
    inv: Inventory,
    origin: Origin,
    device: str,
    interface: str,
    *path: str | int,
    ports: dict[str, dict[str, Interface]] | None = None,
) -> Iterator[Problem]:
    dev = inv.devices.get(device)
    if dev is None:
        yield origin.problem(_unknown(inv, "devices", "device", device), *path, "device", ref=("devices", device))
    elif interface not in (ports[device] if ports is not None else {i.name for i in dev.interfaces}):
        yield origin.problem(
            f"device {device!r} has no interface {interface!r}; it has: {_listing(i.name for i in dev.interfaces)}",
            *path,
            "interface",
        )


def check_devices(inv: Inventory) -> Iterator[Problem]:
    seen: dict[tuple[str, str], tuple[str, Origin]] = {}
    for name, dev in inv.devices.items():
        origin = inv.origin("devices", name)
        if dev.site not in inv.sites:
            yield origin.problem(_unknown(inv, "sites", "site", dev.site), "site", ref=("sites", dev.site))
        unique: list[tuple[str, str, tuple[str | int, ...]]] = [("management address", str(dev.mgmt), ("mgmt",))]
        if dev.mgmt6 is not None:
            unique.append(("management address", str(dev.mgmt6), ("mgmt6",)))
        if dev.loopback is not None:
            unique.append(("loopback", str(dev.loopback), ("loopback",)))
        if dev.routing is not None and dev.routing.router_id is not None:
            unique.append(("router-id", str(dev.routing.router_id), ("routing", "router_id")))
        interfaces: set[str] = set()
        for index, iface in enumerate(dev.interfaces):
            if iface.name in interfaces:
                yield origin.problem(f"interface {iface.name!r} listed twice", "interfaces", index, "name")
            interfaces.add(iface.name)
            if iface.ipv4 is not None:
                unique.append(("interface address", str(iface.ipv4.ip), ("interfaces", index, "ipv4")))
        for what, value, path in unique:
            first = seen.get((what, value))
            if first is not None:
                yield origin.problem(f"{what} {value} is already used by {first[0]} ({first[1]})", *path)
            else:
                seen[(what, value)] = (name, origin)


def check_default_routes(inv: Inventory) -> Iterator[Problem]:
    neighbours: dict[str, set[str]] = {}
    for link in inv.links.values():
        neighbours.setdefault(link.a.device, set()).add(link.b.device)
        neighbours.setdefault(link.b.device, set()).add(link.a.device)
    for name, dev in inv.devices.items():
        via = dev.routing.ipv6_default_via if dev.routing is not None else None
        if via is not None and via not in neighbours.get(name, set()):
            yield inv.origin("devices", name).problem(
                f"{via!r} is not linked to {name!r}: the default route needs a direct link; "
                f"linked neighbours: {_listing(neighbours.get(name, set()))}",
                "routing",
                "ipv6_default_via",
            )


def check_links(inv: Inventory) -> Iterator[Problem]:
    ports = _ports(inv)
    used: dict[tuple[str, str], tuple[str, Origin]] = {}
    for key, link in inv.links.items():
        origin = inv.origin("links", key)
        ends = (("a", link.a), ("b", link.b))
        if (link.a.device, link.a.interface) == (link.b.device, link.b.interface):
            yield origin.problem("a link cannot join an interface to itself", "b")
            continue
        addresses = []
        for side, end in ends:
            broken = list(_check_attachment(inv, origin, end.device, end.interface, side, ports=ports))
            yield from broken
            if broken:
                continue
            first = used.get((end.device, end.interface))
            if first is not None:
                yield origin.problem(
                    f"{end.device} {end.interface} is already an endpoint of link {first[0]!r} ({first[1]})", side
                )
            used[(end.device, end.interface)] = (key, origin)
            iface = ports[end.device][end.interface]
            if iface.ipv4 is not None:
                addresses.append(iface.ipv4)
        if len(addresses) == 2 and addresses[0].network != addresses[1].network:
            yield origin.problem(f"the two ends are in different IPv4 subnets ({addresses[0]} and {addresses[1]})", "b")


@dataclass(frozen=True)
class _Claim:
    network: IPv4Network
    owner: str
    origin: Origin
    path: tuple[str | int, ...]


def _lan_claims(inv: Inventory) -> Iterator[_Claim]:
    for dept_id, dept in inv.departments.items():
        for index, lan in enumerate(dept.lans):
            # a NATed LAN appears on the extranet as its NAT prefix; its own space may overlap legally
            if lan.ipv4 is None:
                continue
            origin = inv.origins[("departments", dept_id)]
            if lan.nat is not None:
                yield _Claim(lan.nat, f"department {dept_id} LAN {lan.name} (NAT)", origin, ("lans", index, "nat"))
            else:
                yield _Claim(lan.ipv4, f"department {dept_id} LAN {lan.name}", origin, ("lans", index, "ipv4"))


def check_overlaps(inv: Inventory) -> Iterator[Problem]:
    """Every pair of overlapping department subnets, found by one sorted sweep (O(n log n))."""
    claims = sorted(_lan_claims(inv), key=lambda c: (int(c.network.network_address), c.network.prefixlen))
    active: list[_Claim] = []
    for claim in claims:
        start = int(claim.network.network_address)
        active = [c for c in active if int(c.network.broadcast_address) >= start]
        for other in active:
            yield claim.origin.problem(
                f"{claim.network} overlaps {other.network} of {other.owner} ({other.origin}); "
                "renumber one of them or declare `nat:` with the prefix it is translated to",
                *claim.path,
            )
        active.append(claim)


def check_private_networks(inv: Inventory) -> Iterator[Problem]:
    for net_id, net in inv.private_networks.items():
        origin = inv.origin("private_networks", net_id)
        if net.owner not in inv.departments:
            yield origin.problem(
                _unknown(inv, "departments", "department", net.owner), "owner", ref=("departments", net.owner)
            )
        for index, site in enumerate(net.sites):
            if site not in inv.sites:
                yield origin.problem(_unknown(inv, "sites", "site", site), "sites", index, ref=("sites", site))
        if net.exemption is not None and net.exemption.expires <= net.exemption.approved_on:
            yield origin.problem(
                f"expires {net.exemption.expires} is not after approved_on {net.exemption.approved_on}: an exemption "
                "lapses by itself some time after it was approved",
                "exemption",
                "expires",
            )
        if net.integration is not None:
            yield from _check_integration(inv, origin, net)
        if net.classification == Classification.CLASSIFIED and net.target != PrivateNetworkTarget.INTERNAL:
            yield origin.problem(
                f"a classified (涉密) network cannot move to {net.target!s}: classified networks go to the "
                "internal network (target: internal)",
                "target",
            )


def _check_integration(inv: Inventory, origin: Origin, net: PrivateNetwork) -> Iterator[Problem]:
    """The hand-off of a network that joins the extranet: a free port of a known router, a /30 or /31 in the
    region's IPv4 space that nothing else uses, the router's end not the subnet's first or last address."""
    spec = net.integration
    assert spec is not None
    if net.target == PrivateNetworkTarget.INTERNAL:
        yield origin.problem(
            "a network going to the internal network (target: internal) joins no extranet port: drop integration",
            "integration",
        )
        return
    yield from _check_attachment(inv, origin, spec.attach.device, spec.attach.interface, "integration", "attach")
    handoff = spec.handoff
    if handoff.network.prefixlen not in (30, 31):
        yield origin.problem(f"{handoff} is a /{handoff.network.prefixlen}: a hand-off is a /30 or /31",
                             "integration", "handoff")  # fmt: skip
        return
    if handoff.network.prefixlen == 30 and handoff.ip in (handoff.network.network_address,
                                                         handoff.network.broadcast_address):  # fmt: skip
        yield origin.problem(f"{handoff.ip} is not a host address of {handoff.network}", "integration", "handoff")
    if not any(handoff.network.subnet_of(space) for space in inv.region.ipv4):
        yield origin.problem(
            f"{handoff.network} is outside the region's IPv4 space ({', '.join(map(str, inv.region.ipv4))})",
            "integration", "handoff",
        )  # fmt: skip
    device = inv.devices.get(spec.attach.device)
    iface = next((i for i in device.interfaces if i.name == spec.attach.interface), None) if device else None
    if iface is not None and iface.ipv4 is not None:
        yield origin.problem(
            f"{spec.attach.device} {spec.attach.interface} already has {iface.ipv4}: the hand-off needs a port "
            "with no address (the integration configures it)", "integration", "attach", "interface",
        )  # fmt: skip
    for other in inv.devices.values():
        for i in other.interfaces:
            if i.ipv4 is not None and i.ipv4.network.overlaps(handoff.network):
                yield origin.problem(f"{handoff.network} overlaps {other.name} {i.name} ({i.ipv4})",
                                     "integration", "handoff")  # fmt: skip
    for prefix in net.prefixes:
        if prefix.overlaps(handoff.network):
            yield origin.problem(f"{handoff.network} overlaps the network's own prefix {prefix}",
                                 "integration", "handoff")  # fmt: skip
    gateway = spec.legacy_gateway
    if gateway is not None and any(gateway in space for space in inv.region.ipv4):
        yield origin.problem(f"{gateway} is in the region's extranet space: the legacy line's far end lies outside it",
                             "integration", "legacy_gateway")  # fmt: skip


_HOST_KINDS = {
    HostKind.DEPARTMENT: ("departments", None),
    HostKind.PRIVATE_NETWORK: ("private_networks", None),
    HostKind.DATACENTER: ("sites", SiteLevel.DATACENTER),
    HostKind.CLOUD: ("sites", SiteLevel.CLOUD),
}


def check_systems(inv: Inventory) -> Iterator[Problem | Unlocated]:
    for sys_id, system in inv.systems.items():
        origin = inv.origin("systems", sys_id)
        if system.owner not in inv.departments:
            yield origin.problem(
                _unknown(inv, "departments", "department", system.owner), "owner", ref=("departments", system.owner)
            )
        yield from _check_hosting(inv, origin, system.runs_at.kind, system.runs_at.ref)
        if system.replaced_by is not None and system.replaced_by not in inv.systems:
            yield origin.problem(
                _unknown(inv, "systems", "system", system.replaced_by),
                "replaced_by",
                ref=("systems", system.replaced_by),
            )
        elif system.replaced_by == sys_id:
            yield origin.problem("a system cannot replace itself", "replaced_by")
        if system.classification == Classification.CLASSIFIED:
            if system.target in (SystemTarget.CLOUD, SystemTarget.EXTRANET):
                yield origin.problem(
                    f"a classified (涉密) system cannot move to the {system.target!s}: classified systems go to "
                    "the internal network (target: internal) or are retired",
                    "target",
                )
            if system.runs_at.kind != HostKind.INTERNAL:
                yield origin.warning(
                    "classified (涉密) system runs outside the internal network: 涉密信息不上网, move it now", "runs_at"
                )


def _check_hosting(inv: Inventory, origin: Origin, kind: HostKind, ref: str | None) -> Iterator[Problem]:
    if kind not in _HOST_KINDS:
        return
    collection, level = _HOST_KINDS[kind]
    if ref is None:
        if level is None:
            yield origin.problem(f"runs_at of kind {kind!s} needs `ref:` (its id)", "runs_at", "ref")
        return
    target = inv.collection(collection).get(ref)
    if target is None:
        noun = collection.rstrip("s").replace("_", " ")
        yield origin.problem(_unknown(inv, collection, noun, ref), "runs_at", "ref", ref=(collection, ref))
    elif level is not None and target.level != level:
        yield origin.problem(f"site {ref!r} is a {target.level} site, not a {level} site", "runs_at", "ref")


def check_region_space(inv: Inventory) -> Iterator[Unlocated]:
    """Department subnets outside the region's IPv4 space are legacy addressing: worth a warning."""
    space = inv.region.ipv4
    for claim in _lan_claims(inv):
        if not any(claim.network.subnet_of(net) for net in space):
            yield claim.origin.warning(
                f"{claim.network} lies outside the region's IPv4 space ({', '.join(map(str, space))})", *claim.path
            )


RULES: tuple[Rule, ...] = (
    check_region,
    check_sites,
    check_departments,
    check_devices,
    check_links,
    check_default_routes,
    check_overlaps,
    check_private_networks,
    check_systems,
    check_region_space,
)
