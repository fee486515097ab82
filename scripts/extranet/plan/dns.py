"""Reverse DNS: ip6.arpa zone stubs, delegated on nibble boundaries, one per site and zone.

The region's zone (its /40 → 10 nibbles) delegates each site's block to a zone of its own, so a township
can run its reverse DNS or the county can keep it all; interface addresses get PTR records where known.
"""

from dataclasses import dataclass, field
from datetime import date

from ..inventory import Inventory
from .lock import Lock
from .pairs import pairs
from .planner import Geometry
from .policy import Policy
from .slots import ipv6_int, ipv6_text


def reverse_name(value: int, prefixlen: int) -> str:
    """The ip6.arpa name of a nibble-aligned prefix (or of an address with prefixlen 128).

    >>> reverse_name(0x20010db8ab0000000000000000000000, 40)
    'b.a.8.b.d.0.1.0.0.2.ip6.arpa'
    """
    digits = f"{value:032x}"[: prefixlen // 4]
    return ".".join(reversed(digits)) + ".ip6.arpa"


@dataclass
class ReverseZone:
    name: str
    title: str
    prefix: str
    delegations: list[str] = field(default_factory=list)  # child zone names
    ptrs: list[tuple[str, str]] = field(default_factory=list)  # (reverse name, host name)

    def text(self, servers: list[str], serial: str) -> str:
        lines = [
            f"; {self.title}: {self.prefix}",
            f"$ORIGIN {self.name}.",
            "$TTL 3600",
            f"@ IN SOA {servers[0]} hostmaster.{servers[0].partition('.')[2]} ({serial} 3600 900 1209600 3600)",
        ]
        lines += [f"@ IN NS {server}" for server in servers]
        for child in self.delegations:
            label = child.removesuffix(f".{self.name}")
            lines += [f"{label} IN NS {server}" for server in servers]
        for reverse, host in self.ptrs:
            lines.append(f"{reverse.removesuffix(f'.{self.name}')} IN PTR {host}")
        return "\n".join(lines) + "\n"


def reverse_zones(inv: Inventory, policy: Policy, lock: Lock) -> list[ReverseZone]:
    geo = Geometry.of(policy)
    top = ReverseZone(
        reverse_name(geo.base, policy.prefix.prefixlen), f"{inv.region.name} ({inv.region.id})", str(policy.prefix)
    )
    zones = [top]
    by_block: dict[tuple[int, int], ReverseZone] = {}
    used_zones = {lan.zone for dept in inv.department_facts().values() for lan in dept.lans}  # no stub: unused
    for key, slot in sorted(lock.sites.items()):
        class_name, _, site_id = key.partition("/")
        lan_class = policy.classes.get(class_name)
        if lan_class is None or site_id not in inv.sites:
            continue
        shift = geo.site_shift(lan_class)
        for zone, zone_index in sorted(policy.zones.items(), key=lambda z: z[1]):
            if zone not in used_zones:
                continue
            block = geo.base | lan_class.index << geo.class_shift | zone_index << geo.zone_shift | slot << shift
            length = 128 - shift
            child = ReverseZone(
                reverse_name(block, length),
                f"{inv.sites[site_id].name} ({site_id}), zone {zone}",
                f"{ipv6_text(block)}/{length}",
            )
            by_block[(block, length)] = child
            top.delegations.append(child.name)
            zones.append(child)
    infra = ReverseZone(
        reverse_name(geo.base | policy.infrastructure.index << geo.class_shift, 128 - geo.class_shift),
        "infrastructure (loopbacks, links, hand-offs)",
        f"{ipv6_text(geo.base | policy.infrastructure.index << geo.class_shift)}/{128 - geo.class_shift}",
    )
    top.delegations.append(infra.name)
    zones.append(infra)
    shifts = {c.index: geo.site_shift(c) for c in policy.classes.values()}
    for row in pairs(inv, lock):
        if row.kind == "lan":
            continue
        address = ipv6_int(row.ipv6.partition("/")[0])
        host = f"{_label(row.interface or row.name)}.{row.device}.{inv.region.id}.extranet.example."
        index = address >> geo.class_shift & ((1 << policy.class_bits) - 1)
        shift = shifts.get(index, 0)
        owner = by_block.get((address >> shift << shift, 128 - shift), infra) if shift else infra
        owner.ptrs.append((reverse_name(address, 128), host))
    site_zones = {id(z) for z in by_block.values()}  # by identity: a list scan per zone was quadratic (issue 16)
    return [z for z in zones if z is top or z.delegations or z.ptrs or id(z) in site_zones]


def _label(interface: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in interface.lower()).strip("-")


def serial(today: date | None = None) -> str:
    return (today or date.today()).strftime("%Y%m%d01")
