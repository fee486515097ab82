"""Systems' addresses numbered from the plan: where a system moving to the cloud answers, in both families.

The lock holds no allocation keyed by a system (its keys are department/LAN, device, link and hand-off): what
the plan holds of a system is the planned LAN each of its addresses lies in — an IPv4 subnet and the IPv6 /64
the plan pairs with it (a department's LAN, or a hand-off such as the cloud's server segment). A target IPv4
address must lie in a server LAN of the target site (a site of level ``cloud``); its IPv6 address is that LAN's
/64 plus the IPv4 host part, so nobody types one:

>>> lan = ServerLan("yl-cloud-01 GigabitEthernet1/0/3", "yunling-cloud", IPv4Network("198.18.16.0/24"),
...                 IPv6Network("2001:db8:ab02:4::/64"))
>>> lan.derive(IPv4Address("198.18.16.41"))
IPv6Address('2001:db8:ab02:4::29')

A pin in ``target_addresses`` replaces what would be derived for its /64. With no lock yet (nothing planned)
nothing is checked or derived.

What the plan holds of a system (``SystemAddresses.planned``): the IPv6 addresses it numbers for it — its targets —
and any IPv6 address of its census lying in an allocated or held prefix of the lock. IPv4 is the legacy
numbering the plan pairs with, never allocates, so it holds no system's IPv4 address. A zombie's addresses are
released when that is empty.
"""

from collections.abc import Iterator
from dataclasses import dataclass, replace
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_interface, ip_network

from ..inventory import Inventory, Problem
from ..inventory.models import HostKind, SiteLevel, System
from .lock import PREFIX_SECTIONS, Lock, PlanError
from .pairs import pairs
from .slots import prefix_text

Address = IPv4Address | IPv6Address


@dataclass(frozen=True)
class ServerLan:
    """A planned LAN: its IPv4 subnet and the IPv6 /64 the plan pairs with it."""

    name: str  # "czj/office" or "yl-cloud-01 GigabitEthernet1/0/3"
    site: str
    ipv4: IPv4Network
    ipv6: IPv6Network

    def derive(self, address: IPv4Address) -> IPv6Address:
        """The IPv6 address the plan gives ``address``: the paired /64 plus its IPv4 host part."""
        return self.ipv6[int(address) - int(self.ipv4.network_address)]

    def __str__(self) -> str:
        return f"{self.ipv4} ↔ {self.ipv6} ({self.name})"


@dataclass(frozen=True)
class SystemAddresses:
    """A system's addresses: where it moves to (both families, numbered from the plan) and where it was."""

    system: str
    target: tuple[Address, ...]  # each IPv4 target followed by its IPv6 (derived or pinned)
    old: tuple[Address, ...]  # the census addresses that are not targets (where it runs until it moves)
    lans: tuple[ServerLan, ...]  # the planned LANs the targets are numbered from
    planned: tuple[str, ...] = ()  # what the plan holds of it, for people: "2001:db8:ab02:4::29 (target …)"

    @property
    def moving(self) -> bool:
        return bool(self.target)


def server_lans(inv: Inventory, lock: Lock) -> list[ServerLan]:
    """Every planned LAN with both families: department LANs and hand-offs (server segments)."""
    found = []
    for pair in pairs(inv, lock):
        if pair.kind not in ("lan", "handoff") or not pair.ipv4 or not pair.ipv6:
            continue
        v4, v6 = ip_network(pair.ipv4, strict=False), ip_interface(pair.ipv6).network
        if isinstance(v4, IPv4Network) and isinstance(v6, IPv6Network):
            name = f"{pair.owner}/{pair.name}" if pair.kind == "lan" else f"{pair.owner} {pair.name}"
            found.append(ServerLan(name, pair.site, v4, v6))
    return found


def target_sites(inv: Inventory, system: System) -> list[str]:
    """Where a system moves: the cloud site it runs at already, else every cloud site of the inventory."""
    if system.runs_at.kind is HostKind.CLOUD and system.runs_at.ref:
        return [system.runs_at.ref]
    return sorted(s.id for s in inv.sites.values() if s.level is SiteLevel.CLOUD)


def system_addresses(inv: Inventory, lock: Lock) -> dict[str, SystemAddresses]:
    """Each system's target and old addresses; raises PlanError (file:line, what is allowed) when an address
    lies outside the plan."""
    if not inv.systems:
        return {}  # nothing to number: no need to pair the whole plan (half a million rows in a province)
    lans = server_lans(inv, lock)
    prefixes = _prefixes(lock)
    found, problems = {}, []
    census = {a: s.id for s in inv.systems.values() for a in s.addresses}
    holder: dict[Address, str] = {}
    for system in inv.systems.values():
        addresses, trouble = _system(inv, lock, lans, system)
        found[system.id] = replace(addresses, planned=tuple(_planned(addresses, prefixes)))
        problems.extend(trouble)
        for i, address in enumerate(system.target_addresses):
            other = holder.setdefault(address, system.id)
            taken = census.get(address, system.id)
            if other != system.id or taken != system.id:
                what = f"the target address of system {other!r}" if other != system.id else f"an address of {taken!r}"
                problems.append(
                    inv.origin("systems", system.id).problem(f"{address} is already {what}", "target_addresses", i)
                )
    if problems:
        raise PlanError(problems)
    return found


def _system(inv: Inventory, lock: Lock, lans: list[ServerLan], system: System) -> tuple[SystemAddresses, list[Problem]]:
    origin = inv.origin("systems", system.id)
    problems = [origin.problem(message, "addresses", i) for i, message in _unplanned(lock, lans, system)]
    if not system.target_addresses or not len(lock):
        return SystemAddresses(system.id, tuple(system.target_addresses), _old(system), ()), problems
    sites = target_sites(inv, system)
    allowed = [lan for lan in lans if lan.site in sites]
    where = f"the planned server LANs of {', '.join(sites) or 'the cloud (no site of level cloud)'}"
    listed = "; ".join(map(str, allowed)) or "none is planned (extranet plan --apply)"
    target: list[Address] = []
    used: list[ServerLan] = []
    pins = [a for a in system.target_addresses if isinstance(a, IPv6Address)]
    for i, address in enumerate(system.target_addresses):
        lan = next((lan for lan in allowed if address in (lan.ipv4 if address.version == 4 else lan.ipv6)), None)
        if lan is None:
            problems.append(origin.problem(f"{address} is outside {where}: {listed}", "target_addresses", i))
        elif isinstance(address, IPv4Address):
            pinned = [p for p in pins if p in lan.ipv6]
            target += [address, *(pinned or [lan.derive(address)])]
            used.append(lan)
    for pin in pins:  # a pin without an IPv4 target in its /64 still counts
        if pin not in target and any(pin in lan.ipv6 for lan in allowed):
            target.append(pin)
    kept = tuple(dict.fromkeys(target))
    return SystemAddresses(system.id, kept, _old(system, kept), tuple(dict.fromkeys(used))), problems


def _old(system: System, target: tuple[Address, ...] = ()) -> tuple[Address, ...]:
    return tuple(a for a in system.addresses if a not in target)


def _unplanned(lock: Lock, lans: list[ServerLan], system: System) -> Iterator[tuple[int, str]]:
    """The census's IPv6 addresses that lie in no planned /64, with the address the plan would give."""
    if not len(lock):
        return
    planned = [lan.ipv6 for lan in lans]
    for i, address in enumerate(system.addresses):
        if not isinstance(address, IPv6Address) or any(address in net for net in planned):
            continue
        hint = next(
            (f"; numbered from the plan it is {lan.derive(v4)} ({v4} in {lan})"
             for v4 in system.addresses if isinstance(v4, IPv4Address)
             for lan in lans if v4 in lan.ipv4),
            "; give an IPv4 address in a planned LAN and take the IPv6 address the plan pairs with it",
        )  # fmt: skip
        yield i, f"{address} lies in no planned IPv6 prefix (extranet plan show){hint}"


def _prefixes(lock: Lock) -> dict[tuple[int, int], str]:
    """Every prefix the lock allocates or holds, by (the address's top bits, length): "subnets czj/office …"."""
    found = {}
    held = ((key.partition(":")[0], key, h.value) for key, h in lock.held.items())
    for section, key, value in (*lock.entries(), *held):
        length = PREFIX_SECTIONS.get(section)
        if length is not None:
            found[(value >> (128 - length), length)] = f"{section} {key} {prefix_text(value, length)}"
    return found


def _planned(addresses: SystemAddresses, prefixes: dict[tuple[int, int], str]) -> Iterator[str]:
    lans = {lan.ipv6: lan for lan in addresses.lans}
    for address in addresses.target:
        if isinstance(address, IPv6Address):
            lan = next((lan for net, lan in lans.items() if address in net), None)
            yield f"{address} (target, numbered from {lan.name})" if lan else f"{address} (target, pinned)"
    for address in addresses.old:
        if isinstance(address, IPv6Address):
            value = int(address)
            place = prefixes.get((value >> 64, 64)) or prefixes.get((value, 128))
            if place:
                yield f"{address} (in {place})"
