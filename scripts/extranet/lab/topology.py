"""The lab's topology, derived from the inventory: routers, their Linux interface names, links, mgmt plan.

Pure data: nothing here touches the system, so it is tested without root.
"""

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface, IPv4Network

from ..inventory import Inventory
from ..inventory.models import (
    Attachment,
    Classification,
    Department,
    Device,
    DeviceRole,
    Exit,
    Link,
    LinkEnd,
    SiteLevel,
)

NAME_MAX = 15  # Linux interface names: IFNAMSIZ - 1
NS_PREFIX = "xl-"
HOST_PREFIX = "xh-"
SITE_LEVELS = (SiteLevel.CLOUD, SiteLevel.DATACENTER)
# a cloud/datacenter router with no spare routed interface gets a /29 of this on a new Linux interface
SITE_FALLBACK = IPv4Network("198.18.240.0/24")
EDGE_PREFIX = "xe-"  # a class C/E department's own router/firewall (its own Internet exit)
ISP_PREFIX = "xi-"  # that department's Internet provider
EXTRANET = IPv4Network("198.18.0.0/15")
ISP_POOL = IPv4Network("203.0.113.0/24")  # edge <-> isp /30s
INTERNET_POOL = IPv4Network("198.51.100.0/24")  # the "Internet" address on every isp's lo
PRIVATE_PREFIX = "xp-"  # a private network (业务专网)
LEGACY_PREFIX = "xq-"  # the far end of a private network's legacy line (the carrier's router)
INTERNET_NS = "xn-internet"  # the Internet behind the unified exit
EDGE_UPLINK = "eth0"  # in the edge namespace: the hand-off from the access router
JOINT_DEV = "eth0"  # in a private network's namespace: its hand-off to the extranet (unconfigured until integrated)
LEGACY_DEV = "legacy0"  # in a private network's namespace: its legacy line
INTERNET_DEV = "eth0"  # in the Internet namespace: towards the unified exit router
EDGE_ISP = "isp0"  # in the edge namespace: towards the isp
ISP_DEV = "eth0"  # in the isp namespace: towards the edge


class TopologyError(ValueError):
    """The inventory cannot be brought up as a lab (say why)."""


@dataclass(frozen=True)
class Port:
    """One end of a data link inside a router: the vendor name, the Linux name, the address."""

    vendor: str
    linux: str
    ipv4: IPv4Interface | None
    shutdown: bool = False
    lan: bool = False  # a department LAN's gateway: OSPF passive, no point-to-point timers


@dataclass
class Router:
    name: str
    ns: str
    mgmt: IPv4Interface
    router_id: IPv4Address
    loopback: IPv4Address | None
    ports: list[Port] = field(default_factory=list)
    bgp_as: int | None = None
    statics: list[tuple[IPv4Network, IPv4Address]] = field(default_factory=list)  # redistributed into OSPF
    default_via: IPv4Address | None = None  # the unified exit: a default route to the Internet, originated into OSPF

    def mapping(self) -> dict[str, str]:
        """Vendor interface name -> Linux interface name."""
        return {port.vendor: port.linux for port in self.ports}


@dataclass(frozen=True)
class Wire:
    """A veth pair: (router, Linux name) at each end."""

    a: tuple[str, str]
    b: tuple[str, str]


@dataclass(frozen=True)
class Host:
    """A department LAN as a host namespace behind its gateway interface."""

    key: str  # department.lan
    ns: str
    router: str
    router_if: str
    address: IPv4Interface
    gateway: IPv4Address


@dataclass(frozen=True)
class Edge:
    """A department with its own exit: its router/firewall (edge) behind the access router's hand-off /30,
    and its Internet provider (isp) with an address standing for the Internet."""

    key: str  # department id
    ns: str
    isp_ns: str
    router: str
    router_if: str
    handoff: IPv4Interface  # the edge's end of the hand-off /30
    router_addr: IPv4Address  # the access router's end
    lo: tuple[IPv4Interface, ...]  # first address of each LAN (and NAT) prefix
    routes: tuple[IPv4Network, ...]  # what the access router routes to the edge: LAN prefixes, or their NAT
    uplink: IPv4Interface  # the edge's end of the isp /30
    isp: IPv4Interface  # the isp's end
    internet: IPv4Interface  # on the isp's lo


@dataclass(frozen=True)
class Joint:
    """A private network's planned hand-off to the extranet and its legacy line. The lab patches the cable (a veth
    from the router's port into the network's namespace) and configures the network's side, as its owner would
    before the cut-over; the router's side stays unconfigured until the integration playbook configures it. The
    legacy line: a /30 to the carrier's router (its own namespace), the network's default route over it."""

    key: str  # the private network's id
    ns: str
    router: str
    router_if: str
    router_addr: IPv4Interface  # the extranet router's end (configured by the integration, not by the lab)
    address: IPv4Interface  # the private network's end
    legacy_ns: str | None = None
    legacy_link: IPv4Network | None = None  # .1 the private network, .2 the carrier's router
    legacy_gateway: IPv4Address | None = None  # on the carrier router's lo


@dataclass(frozen=True)
class Internet:
    """The unified exit's Internet side: a namespace behind the exit router's Internet port holding the Internet
    test address; the exit router has a default route to it and originates it into OSPF."""

    ns: str
    router: str
    router_if: str
    router_addr: IPv4Address
    address: IPv4Interface  # the namespace's end of the uplink
    internet: IPv4Interface


@dataclass
class Topology:
    mgmt_net: IPv4Network
    bridge_ip: IPv4Interface
    routers: dict[str, Router]
    wires: list[Wire]
    hosts: list[Host] = field(default_factory=list)
    site_hosts: list[Host] = field(default_factory=list)  # cloud / datacenter server LANs
    edges: list[Edge] = field(default_factory=list)  # departments with their own exit
    joints: list[Joint] = field(default_factory=list)  # private networks with a planned integration
    internet: Internet | None = None  # behind the unified exit

    def all_hosts(self) -> list[Host]:
        return [*self.hosts, *self.site_hosts]


def namespace(device: str) -> str:
    return NS_PREFIX + device


def mgmt_veth(index: int) -> str:
    """The root-side name of router number ``index``'s management veth (always ≤ 15 characters)."""
    return f"m-{NS_PREFIX}{index:04d}"


def mgmt_network(devices: list[Device]) -> IPv4Network:
    """The /24 holding every device's management address."""
    if not devices:
        raise TopologyError("the inventory has no devices")
    net = IPv4Network(f"{devices[0].mgmt}/24", strict=False)
    outside = [d.name for d in devices if d.mgmt not in net]
    if outside:
        raise TopologyError(f"management addresses outside {net}: {', '.join(outside)}")
    return net


def bridge_address(net: IPv4Network, devices: list[Device]) -> IPv4Interface:
    """The highest host address of the mgmt network that no device uses."""
    used = {d.mgmt for d in devices}
    for host in reversed(list(net.hosts())):
        if host not in used:
            return IPv4Interface(f"{host}/{net.prefixlen}")
    raise TopologyError(f"no free address left in {net} for the management bridge")


def router_of(device: Device, net: IPv4Network) -> Router:
    routing = device.routing
    rid = (routing.router_id if routing else None) or device.loopback or device.mgmt
    mgmt = IPv4Interface(f"{device.mgmt}/{net.prefixlen}")
    bgp_as = routing.bgp_as if routing else None
    return Router(device.name, namespace(device.name), mgmt, rid, device.loopback, bgp_as=bgp_as)


def add_port(router: Router, device: Device, vendor: str, lan: bool = False) -> str:
    """Map ``vendor`` to the router's next ethN name and return it."""
    linux = f"eth{len(router.ports) + 1}"
    iface = next((i for i in device.interfaces if i.name == vendor), None)
    ipv4 = iface.ipv4 if iface else None
    router.ports.append(Port(vendor, linux, ipv4, bool(iface and iface.shutdown), lan))
    return linux


def host_address(gateway: IPv4Interface) -> IPv4Interface:
    """The LAN's host: its highest usable address (never the gateway's)."""
    hosts = list(gateway.network.hosts())
    pick = hosts[-1] if hosts[-1] != gateway.ip else hosts[-2]
    return IPv4Interface(f"{pick}/{gateway.network.prefixlen}")


def gateway_address(inventory: Inventory, gateway: Attachment | None) -> IPv4Interface | None:
    """The IPv4 address of a LAN's gateway interface, if the inventory gives one."""
    if gateway is None:
        return None
    device = inventory.devices[gateway.device]
    iface = next((i for i in device.interfaces if i.name == gateway.interface), None)
    return iface.ipv4 if iface else None


def lan_hosts(inventory: Inventory, routers: dict[str, Router]) -> list[Host]:
    """One host per department LAN whose gateway interface has an IPv4 address (ethN after the links)."""
    found: list[Host] = []
    for dept in inventory.departments.values():
        for lan in dept.lans:
            address = gateway_address(inventory, lan.gateway)
            if lan.gateway is None or address is None:
                continue
            device = inventory.devices[lan.gateway.device]
            linux = add_port(routers[device.name], device, lan.gateway.interface, lan=True)
            ns = f"{HOST_PREFIX}{dept.id}-{lan.name}"
            found.append(Host(f"{dept.id}.{lan.name}", ns, device.name, linux, host_address(address), address.ip))
    return found


def link_ends(inventory: Inventory) -> set[tuple[str, str]]:
    return {(e.device, e.interface) for link in inventory.links.values() for e in ends(link)}


def spare_interfaces(device: Device, taken: set[tuple[str, str]]) -> list[IPv4Interface]:
    """The device's routed interfaces (IPv4, not shut) that are no link end: its server LANs."""
    routed = [i for i in device.interfaces if i.ipv4 is not None and not i.shutdown]
    return [i.ipv4 for i in routed if (device.name, i.name) not in taken and i.ipv4 and i.ipv4.network.prefixlen < 31]


def fallback_port(router: Router, index: int) -> tuple[str, IPv4Interface]:
    """A server LAN the inventory does not give: /29 number ``index`` of SITE_FALLBACK on a new ethN."""
    net = list(SITE_FALLBACK.subnets(new_prefix=29))[index]
    gateway = IPv4Interface(f"{net.network_address + 1}/29")
    linux = f"eth{len(router.ports) + 1}"
    router.ports.append(Port("lab-servers", linux, gateway, lan=True))
    return linux, gateway


def site_hosts(inventory: Inventory, routers: dict[str, Router]) -> list[Host]:
    """Cloud and datacenter sites: one host per spare routed interface of their routers (else a fallback /29)."""
    taken = link_ends(inventory) | {(a.device, a.interface) for _, a, _ in own_exits(inventory)}
    found, fallbacks = list[Host](), 0
    for device in inventory.devices.values():
        site = inventory.sites.get(device.site)
        if site is None or site.level not in SITE_LEVELS:
            continue
        router, spare = routers[device.name], spare_interfaces(device, taken)
        names = {i.ipv4: i.name for i in device.interfaces if i.ipv4 is not None}
        ports = [(add_port(router, device, names[a], lan=True), a) for a in spare]
        if not ports:
            ports, fallbacks = [fallback_port(router, fallbacks)], fallbacks + 1
        for linux, gateway in ports:
            n = 1 + sum(h.key.split(".", 1)[0] == site.id for h in found)
            ns = f"{HOST_PREFIX}{site.id}-{n}"
            found.append(Host(f"{site.id}.lan{n}", ns, device.name, linux, host_address(gateway), gateway.ip))
    return found


def uplink_address(inventory: Inventory, uplink: Attachment) -> IPv4Interface | None:
    device = inventory.devices.get(uplink.device)
    iface = next((i for i in device.interfaces if i.name == uplink.interface), None) if device else None
    return iface.ipv4 if iface and not iface.shutdown else None


def own_exits(inventory: Inventory) -> list[tuple[Department, Attachment, IPv4Interface]]:
    """Departments with their own exit whose uplink interface has an IPv4 address (sorted by id)."""
    found = []
    for dept in sorted(inventory.departments.values(), key=lambda d: d.id):
        if dept.effective_exit != Exit.OWN or dept.uplink is None:
            continue
        address = uplink_address(inventory, dept.uplink)
        if address is not None and address.network.num_addresses >= 4:
            found.append((dept, dept.uplink, address))
    return found


def inventory_networks(inventory: Inventory) -> list[IPv4Network]:
    """Every IPv4 prefix and address the inventory uses (lab allocations must not overlap any)."""
    nets: list[IPv4Network] = []
    for device in inventory.devices.values():
        nets += [IPv4Network(f"{a}/32") for a in (device.mgmt, device.loopback) if a is not None]
        nets += [i.ipv4.network for i in device.interfaces if i.ipv4 is not None]
    for dept in inventory.departments.values():
        nets += [n for lan in dept.lans for n in (lan.ipv4, lan.nat) if n is not None]
    for net in inventory.private_networks.values():
        nets += [n for n in net.prefixes if isinstance(n, IPv4Network)]
        if net.integration is not None:
            nets.append(net.integration.handoff.network)
            if net.integration.legacy_gateway is not None:
                nets.append(IPv4Network(f"{net.integration.legacy_gateway}/32"))
    for system in inventory.systems.values():
        nets += [IPv4Network(f"{a}/32") for a in system.addresses if isinstance(a, IPv4Address)]
    return nets


def internet_address(used: list[IPv4Network]) -> IPv4Interface:
    """The address standing for the Internet: the highest of INTERNET_POOL no inventory prefix holds."""
    free = next((h for h in reversed(list(INTERNET_POOL.hosts())) if not any(h in u for u in used)), None)
    if free is None:
        raise TopologyError(f"no address of {INTERNET_POOL} is free of inventory prefixes for the lab's Internet")
    return IPv4Interface(f"{free}/32")


def free_blocks(pool: IPv4Network, prefixlen: int, used: list[IPv4Network]) -> list[IPv4Network]:
    return [n for n in pool.subnets(new_prefix=prefixlen) if not any(n.overlaps(u) for u in used)]


def lan_lo(dept: Department) -> tuple[tuple[IPv4Interface, ...], tuple[IPv4Network, ...]]:
    """The edge's lo addresses (first of each LAN and NAT prefix) and the prefixes routed to it."""
    lo, routes = [], []
    for lan in dept.lans:
        for net in (lan.ipv4, lan.nat):
            if net is not None:
                lo.append(IPv4Interface(f"{net.network_address + 1}/{net.prefixlen}"))
        routed = lan.nat or lan.ipv4
        if routed is not None and routed not in routes:
            routes.append(routed)
    return tuple(lo), tuple(routes)


def edges(inventory: Inventory, routers: dict[str, Router]) -> list[Edge]:
    """An edge and an isp namespace per department with its own exit (ethN on the access router after the
    LANs); the isp /30s and the Internet address are the first blocks of their pools that the inventory
    does not use (the Internet address: the highest free one)."""
    exits = own_exits(inventory)
    if not exits:
        return []
    used = inventory_networks(inventory)
    internet = internet_address(used)
    blocks = free_blocks(ISP_POOL, 30, used)
    if len(blocks) < len(exits):
        raise TopologyError(
            f"{len(exits)} departments with their own exit need a /30 each, but only {len(blocks)} /30s of "
            f"{ISP_POOL} are free of inventory prefixes"
        )
    found = []
    for (dept, uplink, address), block in zip(exits, blocks, strict=False):
        device = inventory.devices[uplink.device]
        linux = add_port(routers[device.name], device, uplink.interface, lan=True)
        peer = next(h for h in address.network.hosts() if h != address.ip)
        lo, routes = lan_lo(dept)
        routers[device.name].statics += [(r, peer) for r in routes]
        isp_ip, edge_ip = block.network_address + 1, block.network_address + 2
        found.append(
            Edge(
                dept.id,
                f"{EDGE_PREFIX}{dept.id}",
                f"{ISP_PREFIX}{dept.id}",
                device.name,
                linux,
                IPv4Interface(f"{peer}/{address.network.prefixlen}"),
                address.ip,
                lo,
                routes,
                IPv4Interface(f"{edge_ip}/30"),
                IPv4Interface(f"{isp_ip}/30"),
                internet,
            )
        )
    return found


def joints(inventory: Inventory, routers: dict[str, Router], taken: list[IPv4Network]) -> list[Joint]:
    """Unclassified private networks with an ``integration``: a port on the attach router (ethN after the edges)
    patched into the network's namespace; a legacy /30 (the first blocks of ISP_POOL after ``taken``) when the
    inventory names the legacy line's far end."""
    found = []
    used = inventory_networks(inventory) + taken
    for net in sorted(inventory.private_networks.values(), key=lambda n: n.id):
        spec = net.integration
        if spec is None or net.classification != Classification.UNCLASSIFIED or spec.attach.device not in routers:
            continue
        device = inventory.devices[spec.attach.device]
        linux = add_port(routers[device.name], device, spec.attach.interface)
        peer = next(h for h in spec.handoff.network.hosts() if h != spec.handoff.ip)
        link = gateway = legacy_ns = None
        if spec.legacy_gateway is not None:
            blocks = free_blocks(ISP_POOL, 30, used)
            if not blocks:
                raise TopologyError(f"no /30 of {ISP_POOL} is free for the legacy line of {net.id}")
            link, gateway, legacy_ns = blocks[0], spec.legacy_gateway, f"{LEGACY_PREFIX}{net.id}"
            used.append(link)
        address = IPv4Interface(f"{peer}/{spec.handoff.network.prefixlen}")
        found.append(Joint(net.id, f"{PRIVATE_PREFIX}{net.id}", device.name, linux, spec.handoff, address,
                           legacy_ns, link, gateway))  # fmt: skip
    return found


def internet(inventory: Inventory, routers: dict[str, Router]) -> Internet | None:
    """The exit router's first routed port that is no link end (its Internet uplink): the Internet namespace
    takes the other address of that subnet; None when the inventory has no exit router with one."""
    taken = link_ends(inventory)
    for device in inventory.devices.values():
        if device.role != DeviceRole.EXIT or device.name not in routers:
            continue
        for iface in device.interfaces:
            if iface.ipv4 is None or iface.shutdown or (device.name, iface.name) in taken:
                continue
            if iface.ipv4.network.prefixlen > 30:
                continue
            peer = next(h for h in iface.ipv4.network.hosts() if h != iface.ipv4.ip)
            router = routers[device.name]
            linux = add_port(router, device, iface.name, lan=True)
            router.default_via = peer
            address = IPv4Interface(f"{peer}/{iface.ipv4.network.prefixlen}")
            return Internet(INTERNET_NS, device.name, linux, iface.ipv4.ip, address,
                            internet_address(inventory_networks(inventory)))  # fmt: skip
    return None


def edge_ipv6_lines(ns: str, address: str, gateway: str) -> list[str]:
    """A department's own router IPv6-ready on its side of the hand-off (the plan's ::2, default via ::1)."""
    return [f"ip -n {ns} addr replace {address} dev {EDGE_UPLINK} nodad",
            f"ip -n {ns} -6 route replace default via {gateway} dev {EDGE_UPLINK}"]  # fmt: skip


def ends(link: Link) -> tuple[LinkEnd, LinkEnd]:
    return link.a, link.b


def build_topology(inventory: Inventory) -> Topology:
    """Routers (one per device), their ports (ethN in link order) and the veth pairs of the links."""
    devices = list(inventory.devices.values())
    net = mgmt_network(devices)
    routers = {d.name: router_of(d, net) for d in devices}
    wires: list[Wire] = []
    for link in inventory.links.values():
        a, b = ((e.device, add_port(routers[e.device], inventory.devices[e.device], e.interface)) for e in ends(link))
        wires.append(Wire(a, b))
    hosts = lan_hosts(inventory, routers)
    sites = site_hosts(inventory, routers)
    exits = edges(inventory, routers)
    isp_links = [IPv4Interface(f"{e.isp.ip}/30").network for e in exits]
    found = joints(inventory, routers, isp_links)
    uplink = internet(inventory, routers)
    return Topology(net, bridge_address(net, devices), routers, wires, hosts, sites, exits, found, uplink)
