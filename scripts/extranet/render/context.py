"""The device context: everything one device's dual-stack templates need, built from inventory + lock.

Values only, never device syntax (that lives in playbooks/templates/). Every name and address is taken from
validated inventory fields or computed from the lock, so nothing here can inject a config line.
"""

from dataclasses import asdict, dataclass, field
from ipaddress import IPv6Interface
from typing import Any

from .. import platforms
from ..inventory import Inventory, Problem
from ..inventory.models import Device, LinkEnd
from ..plan.lock import Lock, PlanError
from ..plan.pairs import Pair, iter_pairs
from ..plan.planner import LINK_OFFSET
from ..plan.policy import Infrastructure
from ..plan.slots import ipv6_text, prefix_text

ACL_NAME = "EXTRANET-V6-IN"
ACL_NUMBER = 3900  # VRP/Comware advanced IPv6 ACLs live in 3000–3999
# RFC 4890 §4.4: what an ACL on a router's edge must let through for IPv6 to keep working
ICMPV6_KEEP = (
    (1, "destination-unreachable"),
    (2, "packet-too-big"),
    (3, "time-exceeded"),
    (4, "parameter-problem"),
    (128, "echo-request"),
    (129, "echo-reply"),
    (133, "router-solicitation"),
    (134, "router-advertisement"),
    (135, "neighbor-solicitation"),
    (136, "neighbor-advertisement"),
    (137, "redirect"),
)


@dataclass(frozen=True)
class Peer:
    device: str
    interface: str
    address: str  # the peer's IPv6 address on the link, no length


@dataclass(frozen=True)
class Port:
    """One interface that gets IPv6: a link end, a LAN gateway, a hand-off or the loopback."""

    name: str  # as the target names it (the platform's, or the lab's Linux name)
    inventory_name: str
    kind: str  # link | lan | handoff | loopback
    description: str
    ipv4: str | None
    ipv6: str  # address/length
    prefix: str  # the network it sits in (/127, /64 or /128)
    area: str  # OSPFv3 area, dotted
    passive: bool  # OSPFv3 passive: LANs, hand-offs, the loopback
    ra: bool  # send router advertisements (department LANs)
    acl_in: bool  # the infrastructure ACL applies inbound (untrusted side: LANs and hand-offs)
    peer: Peer | None = None


@dataclass(frozen=True)
class BgpNeighbor:
    address: str
    remote_as: int
    description: str
    update_source: str | None  # the loopback's name for iBGP between loopbacks


@dataclass(frozen=True)
class Bgp:
    asn: int
    router_id: str
    neighbors: tuple[BgpNeighbor, ...]


@dataclass(frozen=True)
class StaticRoute:
    prefix: str
    next_hop: str
    interface: str
    description: str


@dataclass(frozen=True)
class AclRule:
    sequence: int
    action: str  # permit | deny
    protocol: str  # icmpv6 | ospf | tcp | ipv6
    icmp_type: int | None = None
    icmp_name: str | None = None
    source_port: int | None = None
    destination_port: int | None = None
    destination: str | None = None  # a prefix, or None for any
    remark: str = ""


@dataclass(frozen=True)
class Acl:
    name: str
    number: int
    rules: tuple[AclRule, ...]


@dataclass(frozen=True)
class Snmp:
    user: str
    group: str
    auth_key: str
    priv_key: str
    manager: str  # the management network allowed to poll, IPv4 CIDR


@dataclass(frozen=True)
class DeviceContext:
    hostname: str
    platform: str
    role: str
    site: str
    router_id: str
    ospf_process: int
    area: str
    loopback: Port
    interfaces: tuple[Port, ...]
    bgp: Bgp | None
    static_routes: tuple[StaticRoute, ...]
    acl: Acl | None
    snmp: Snmp | None
    region_prefix: str
    infrastructure: str
    lab: bool = False
    notes: tuple[str, ...] = field(default=())
    model: str = ""  # the inventory's hardware model ("" when not given): a few lines differ by model family
    move: dict[str, Any] = field(default_factory=dict)  # a migration move's data (rollout.moves), for its template

    def as_dict(self) -> dict[str, Any]:
        """The template variables: the fields, plus ``ports`` (the loopback, then the interfaces)."""
        data = asdict(self)
        data["ports"] = [data["loopback"], *data["interfaces"]]
        return data

    def ports(self) -> tuple[Port, ...]:
        """Every interface with IPv6, the loopback first."""
        return (self.loopback, *self.interfaces)


@dataclass(frozen=True)
class Protected:
    """A prefix of the infrastructure that untrusted sides may not reach (one deny rule each)."""

    name: str  # the policy's infrastructure function: loopbacks | links
    prefix: str


def acl_rules(protected: tuple[Protected, ...]) -> tuple[AclRule, ...]:
    """Keep ICMPv6 errors/ND, OSPFv3 and BGP open; deny each protected prefix; let the rest through."""
    rules = [AclRule(5 * (i + 1), "permit", "icmpv6", t, n, remark=n) for i, (t, n) in enumerate(ICMPV6_KEEP)]
    base = 5 * (len(ICMPV6_KEEP) + 1)
    rules += [
        AclRule(base, "permit", "ospf", remark="OSPFv3"),
        AclRule(base + 5, "permit", "tcp", destination_port=179, remark="BGP"),
        AclRule(base + 10, "permit", "tcp", source_port=179, remark="BGP"),
    ]
    base += 15
    rules += [
        AclRule(base + 5 * i, "deny", "ipv6", destination=p.prefix, remark=p.name) for i, p in enumerate(protected)
    ]
    rules.append(AclRule(base + 5 * len(protected), "permit", "ipv6", remark="transit"))
    return tuple(rules)


@dataclass
class Names:
    """How the target names interfaces: the platform's own names, or the lab's mapping to Linux names."""

    loopback: str
    mapping: dict[str, str] = field(default_factory=dict)

    def __call__(self, name: str) -> str:
        return self.mapping.get(name, name)

    def present(self, name: str) -> bool:
        """Whether the target has this interface: a lab builds only the ports it models (links, LANs, exits)."""
        return not self.mapping or name in self.mapping


def _area_of_link(inv: Inventory, a: str, b: str) -> str:
    """The non-backbone end's area (the other end is its ABR); the backbone when both are in area 0."""
    areas = {_device_area(inv.devices[name]) for name in (a, b)}
    areas.discard("0.0.0.0")
    return min(areas) if areas else "0.0.0.0"


def _device_area(device: Device) -> str:
    routing = device.routing
    return routing.ospf_area if routing is not None and routing.ospf_area is not None else "0.0.0.0"


class ContextBuilder:
    """Builds every device's context from one inventory and one lock: the plan's pairs, the LAN gateways, the link
    ends and the iBGP peers are indexed once, not for every device (10^4 devices, 10^5 departments)."""

    def __init__(self, inv: Inventory, lock: Lock, snmp: Snmp | None = None, mgmt_network: str = "") -> None:
        self.inv = inv
        self.links = lock.links  # all it keeps of the lock: a province's other 5 x 10^5 entries go after this
        self.snmp = snmp
        self.mgmt_network = mgmt_network
        self.by_port: dict[tuple[str, str], Pair] = {}
        self.loopbacks: dict[str, Pair] = {}
        served = {  # (device, interface) -> the department and LAN it is the gateway of
            (lan.gateway.device, lan.gateway.interface): (dept.id, lan.name)
            for dept in inv.departments.values()
            for lan in dept.lans
            if lan.gateway is not None
        }
        wanted = set(served.values())
        lans: dict[tuple[str, str], str] = {}  # the /64 of each LAN a device is the gateway of
        for pair in iter_pairs(inv, lock):  # one at a time: a province has 4 x 10^5 LANs, most of them on no device
            if pair.kind == "loopback":
                self.loopbacks[pair.device] = pair
            elif pair.kind == "lan":
                if (pair.owner, pair.name) in wanted:
                    lans[(pair.owner, pair.name)] = pair.ipv6
            else:
                self.by_port[(pair.device, pair.interface)] = pair
        # (device, interface) -> the /64 of the LAN it is the gateway of (None: that LAN has none in the lock)
        self.gateways: dict[tuple[str, str], str | None] = {where: lans.get(lan) for where, lan in served.items()}
        self.ends: dict[tuple[str, str], tuple[str, LinkEnd, int]] = {}  # a link end -> the link, the far end
        for key, link in inv.links.items():
            self.ends[(link.a.device, link.a.interface)] = (key, link.b, LINK_OFFSET + 1)
            self.ends[(link.b.device, link.b.interface)] = (key, link.a, LINK_OFFSET)
        self.speakers = [  # iBGP: every device with an AS and a loopback, by name
            (name, device.routing.bgp_as, str(IPv6Interface(self.loopbacks[name].ipv6).ip))
            for name, device in sorted(inv.devices.items())
            if device.routing is not None and device.routing.bgp_as is not None and name in self.loopbacks
        ]
        layout = lock.layout or {}
        self.infra = Infrastructure.model_validate(layout.get("infrastructure", {"index": 0}))
        self.class_bits = int(layout.get("class_bits", 4))
        self.infrastructure = prefix_text(*self._block())
        self.protected = self._protected()

    def _block(self, function: int | None = None) -> tuple[int, int]:
        """The infrastructure class's block (network, length), or one function's block inside it."""
        region = self.inv.region.ipv6
        length = region.prefixlen + self.class_bits
        net = int(region.network_address) | self.infra.index << (128 - length)
        if function is None:
            return net, length
        length += self.infra.function_bits
        return net | function << (128 - length), length

    def _protected(self) -> tuple[Protected, ...]:
        """What the infrastructure ACL denies, from the lock's layout (the planner's geometry): the routers'
        loopbacks (the first /64 of the loopback function's block, where the planner numbers them) and the
        router-to-router links (the link function's whole block). Hand-offs to departments' own routers and
        firewalls, and whatever else the infrastructure class holds, stay reachable."""
        loopbacks, _ = self._block(self.infra.loopbacks)
        return (
            Protected("loopbacks", prefix_text(loopbacks, 64)),
            Protected("links", prefix_text(*self._block(self.infra.links))),
        )

    def build(self, name: str, names: Names | None = None, lab: bool = False) -> DeviceContext:
        device = self.inv.devices[name]
        platform = "frr" if lab else device.platform
        names = names or Names(platforms.get(platform).loopback_interface)
        routing = device.routing
        router_id = str(routing.router_id if routing and routing.router_id else device.loopback or "")
        if not router_id:
            raise PlanError([self._problem(name, "routing.router_id", "OSPFv3 needs a router-id: set one")])
        area = _device_area(device)
        interfaces = tuple(self._ports(device, names, area))
        return DeviceContext(
            hostname=name,
            platform=platform,
            role=str(device.role),
            site=device.site,
            router_id=router_id,
            ospf_process=routing.ospf_process if routing else 1,
            area=area,
            loopback=self._loopback(device, names, area),
            interfaces=interfaces,
            bgp=self._bgp(device, router_id, names.loopback),
            static_routes=tuple(self._statics(device, interfaces)),
            acl=Acl(ACL_NAME, ACL_NUMBER, acl_rules(self.protected)) if any(p.acl_in for p in interfaces) else None,
            snmp=self.snmp,
            region_prefix=str(self.inv.region.ipv6),
            infrastructure=self.infrastructure,
            lab=lab,
            model=device.model or "",
        )

    def _problem(self, device: str, path: str, message: str) -> Problem:
        return self.inv.origin("devices", device).problem(message, *path.split("."))

    def _loopback(self, device: Device, names: Names, area: str) -> Port:
        pair = self.loopbacks.get(device.name)
        if pair is None:
            raise PlanError(
                [self._problem(device.name, "loopback", "no IPv6 loopback in the lock: run `extranet plan --apply`")]
            )
        v6 = IPv6Interface(pair.ipv6)
        return Port(
            names.loopback, "loopback", "loopback", "loopback", pair.ipv4 or None, pair.ipv6, str(v6.network),
            area, passive=True, ra=False, acl_in=False,
        )  # fmt: skip

    def _ports(self, device: Device, names: Names, area: str) -> list[Port]:
        ends = self.ends
        ports = []
        for iface in device.interfaces:
            where = (device.name, iface.name)
            pair = self.by_port.get(where)
            if pair is None or iface.shutdown or not names.present(iface.name):
                continue
            v6 = IPv6Interface(pair.ipv6)
            description = iface.description or pair.description
            ipv4 = str(iface.ipv4) if iface.ipv4 else None
            if pair.kind == "link":
                key, far, offset = ends[where]
                peer_addr = ipv6_text(self.links[key] | offset)
                port_area = _area_of_link(self.inv, device.name, far.device)
                peer = Peer(far.device, far.interface, peer_addr)
                ports.append(
                    Port(names(iface.name), iface.name, "link", description, ipv4, pair.ipv6, str(v6.network),
                         port_area, passive=False, ra=False, acl_in=False, peer=peer)
                )  # fmt: skip
            else:
                lan = self.gateways.get(where) if pair.kind == "gateway" else None
                prefix = lan if lan is not None else str(v6.network)
                kind = "lan" if pair.kind == "gateway" else "handoff"
                ports.append(
                    Port(names(iface.name), iface.name, kind, description, ipv4, pair.ipv6, prefix, area,
                         passive=True, ra=kind == "lan", acl_in=True)
                )  # fmt: skip
        return ports

    def _bgp(self, device: Device, router_id: str, loopback: str) -> Bgp | None:
        """iBGP between the loopbacks of every device in the same AS (the inventory's full mesh)."""
        asn = device.routing.bgp_as if device.routing else None
        if asn is None:
            return None
        neighbors = tuple(
            BgpNeighbor(address, asn, f"iBGP {name}", loopback)
            for name, other_as, address in self.speakers
            if name != device.name and other_as == asn
        )
        return Bgp(asn, router_id, neighbors)

    def _statics(self, device: Device, interfaces: tuple[Port, ...]) -> list[StaticRoute]:
        via = device.routing.ipv6_default_via if device.routing else None
        if via is None:
            return []
        for port in interfaces:
            if port.peer is not None and port.peer.device == via:
                return [StaticRoute("::/0", port.peer.address, port.name, f"default via {via}")]
        raise PlanError([self._problem(device.name, "routing.ipv6_default_via", f"no planned link to {via!r}")])
