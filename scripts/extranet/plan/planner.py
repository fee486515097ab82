"""The planner: inventory + policy + lock → the new lock and what changed.

Existing allocations never move: the lock is read first and every slot it names is taken before any new
object is placed. New objects are placed in sorted id order, so the same inputs always give the same plan.
Objects gone from the inventory keep their space (``held``) until released explicitly.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from ipaddress import IPv6Interface
from typing import Any, NamedTuple

from ..gc import without_gc
from ..inventory import Inventory
from ..inventory.models import Zone
from ..inventory.problems import Problem
from .lock import Held, Lock, PlanError, today
from .policy import LanClass, Policy
from .slots import SlotTable, prefix_text

LINK_OFFSET = 2  # the /127 used on a link is ::2/127: never the subnet-router anycast address ::0


class Change(NamedTuple):
    section: str
    key: str
    value: int


@dataclass
class Plan:
    lock: Lock
    added: list[Change] = field(default_factory=list)
    held: list[Change] = field(default_factory=list)  # newly held: the object left the inventory or moved
    restored: list[Change] = field(default_factory=list)  # held space given back to a returning object
    kept: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.held or self.restored)


@dataclass
class Geometry:
    """Bit positions derived from the policy."""

    base: int
    class_shift: int
    zone_shift: int
    function_shift: int

    @classmethod
    def of(cls, policy: Policy) -> "Geometry":
        class_shift = 128 - policy.prefix.prefixlen - policy.class_bits
        return cls(
            int(policy.prefix.network_address),
            class_shift,
            class_shift - policy.zone_bits,
            class_shift - policy.infrastructure.function_bits,
        )

    def site_shift(self, lan_class: LanClass) -> int:
        return self.zone_shift - lan_class.site.bits

    def department_shift(self, lan_class: LanClass) -> int:
        return self.site_shift(lan_class) - lan_class.department.bits

    def block(self, policy: Policy, name: str, zone: Zone, site: int, department: int) -> int:
        """The network of a department's block in one zone (its LANs' /64s lie inside)."""
        lan_class = policy.classes[name]
        return (
            self.base
            | lan_class.index << self.class_shift
            | policy.zones[zone] << self.zone_shift
            | site << self.site_shift(lan_class)
            | department << self.department_shift(lan_class)
        )

    def function_block(self, policy: Policy, function: int) -> int:
        return self.base | policy.infrastructure.index << self.class_shift | function << self.function_shift


class Planner:
    def __init__(self, inv: Inventory, policy: Policy, lock: Lock) -> None:
        self.inv, self.policy, self.old = inv, policy, lock
        self.geo = Geometry.of(policy)
        self.plan = Plan(Lock(layout=policy.layout()))
        self.problems: list[Problem] = []
        self.since = today()
        self.departments = inv.department_facts()  # ids, sites and LANs (a province's, without 400 MB of models)
        geo = self.geo
        # per class index: (department shift, subnet bits); the hot path decodes /64s with it
        self.by_index = {c.index: (geo.department_shift(c), c.subnet.bits) for c in policy.classes.values()}
        self.top_shift = geo.class_shift + policy.class_bits

    # -- the steps -------------------------------------------------------------------------------
    def run(self) -> Plan:
        _check_layout(self.old, self.policy)
        if self.policy.prefix != self.inv.region.ipv6:
            origin = self.inv.origin("region", self.inv.region.id)
            raise PlanError(
                [
                    origin.problem(
                        f"the region's prefix {self.inv.region.ipv6} differs from netplan/policy.yml's "
                        f"{self.policy.prefix}",
                        "ipv6",
                    )
                ]
            )
        self.plan.lock.held = dict(self.old.held)
        site_slots = self._sites()
        department_slots = self._departments(site_slots)
        self._subnets(site_slots, department_slots)
        self._infrastructure()
        if self.problems:
            raise PlanError(self.problems)
        return self.plan

    def _sites(self) -> dict[str, tuple[str, int]]:
        """Each site's class and slot."""
        wanted: dict[str, list[tuple[str, str]]] = {name: [] for name in self.policy.classes}
        for site in self.inv.sites.values():
            name = self.policy.class_of_level(site.level)
            if name is not None:
                wanted[name].append((f"{name}/{site.id}", site.id))
        tables = {name: SlotTable(c.site.bits, c.site.limit) for name, c in self.policy.classes.items()}
        slots = self._allocate("sites", wanted, tables, lambda key: key.partition("/")[0])
        return {
            site_id: (key.partition("/")[0], slots[key]) for key, site_id in ((k, k.partition("/")[2]) for k in slots)
        }

    def _departments(self, site_slots: dict[str, tuple[str, int]]) -> dict[str, tuple[str, int, int]]:
        """Each department's class, site slot and department slot."""
        wanted: dict[str, list[tuple[str, str]]] = {}
        for dept in self.departments.values():
            if dept.site not in site_slots:
                self.problems.append(
                    self.inv.origin("departments", dept.id).problem(
                        f"no address class in netplan/policy.yml takes {self.inv.sites[dept.site].level} sites "
                        "(add the level to a class's site_levels)",
                        "site",
                    )
                )
                continue
            name, _ = site_slots[dept.site]
            key = f"{name}/{dept.site}/{dept.id}"
            wanted.setdefault(f"{name}/{dept.site}", []).append((key, dept.id))
        tables: dict[str, SlotTable] = {}
        for parent in {k.rpartition("/")[0] for k in self.old.departments} | set(wanted):
            spec = self.policy.classes.get(parent.partition("/")[0])
            if spec is not None:
                tables[parent] = SlotTable(spec.department.bits, spec.department.limit)
        slots = self._allocate("departments", wanted, tables, lambda key: key.rpartition("/")[0])
        result = {}
        for key, slot in slots.items():
            name, site_id, dept_id = key.split("/")
            result[dept_id] = (name, site_slots[site_id][1], slot)
        return result

    def _subnets(self, site_slots: dict[str, tuple[str, int]], departments: dict[str, tuple[str, int, int]]) -> None:
        geo, policy = self.geo, self.policy
        tables: dict[int, SlotTable] = {}
        wanted: dict[str, int] = {}  # LAN key → the block it must lie in
        pins: dict[str, int] = {}
        vlans: dict[str, int] = {}
        zone_bits = {zone: index << geo.zone_shift for zone, index in policy.zones.items()}
        no_zone = ~(((1 << policy.zone_bits) - 1) << geo.zone_shift)
        # per class: its public block's bits above the site, and the site's and the department's shifts
        # (Geometry.block, taken apart: a province's hundred thousand departments each call it otherwise)
        by_class = {name: (geo.block(policy, name, Zone.PUBLIC, 0, 0), geo.site_shift(c), geo.department_shift(c))
                    for name, c in policy.classes.items()}  # fmt: skip
        of_department = self.departments
        for dept_id, (name, site_slot, dept_slot) in departments.items():
            class_block, site_shift, department_shift = by_class[name]
            department_base = (class_block | site_slot << site_shift | dept_slot << department_shift) & no_zone
            for lan in of_department[dept_id].lans:
                key = f"{dept_id}/{lan.name}"
                wanted[key] = department_base | zone_bits[lan.zone]
                if lan.ipv6 is not None:
                    pins[key] = int(lan.ipv6.network_address)
                if lan.vlan is not None:
                    vlans[key] = lan.vlan

        def take(value: int, key: str) -> None:
            located = self._block_of(value)
            if located is not None:
                block, bits = located
                if block not in tables:
                    tables[block] = SlotTable(bits, sparse=False)
                tables[block].take((value - block) >> 64, key)

        new = self.plan.lock.subnets
        # 1. the lock's subnets stay, if they still lie in their department's block (or equal its pin): inline,
        # the hot loop of a province's half million
        kept, by_index, top_shift, class_shift = 0, self.by_index, self.top_shift, self.geo.class_shift
        base_top, class_mask = self.geo.base >> top_shift, (1 << policy.class_bits) - 1
        for key, value in self.old.subnets.items():
            block = wanted.get(key)
            if block is None:
                self._hold("subnets", key, value)
                continue
            lies_in = None  # _block_of(value)[0], inline
            entry = by_index.get((value >> class_shift) & class_mask) if value >> top_shift == base_top else None
            if entry is not None:
                lies_in = value >> entry[0] << entry[0]
            if pins[key] == value if key in pins else lies_in == block:
                new[key] = value
                kept += 1
            else:
                self._hold("subnets", key, value)
        self.plan.kept += kept
        pending, missing = sorted(pins.keys() - new.keys()), wanted.keys() - new.keys() - pins.keys()
        if not pending and not missing:  # nothing to place: no block's table is needed
            self._check_pins(pins, new)
            return
        # each kept /64 takes its slot in its block's table, then each held one
        for key, value in new.items():
            take(value, key)
        for held_key, held in self.plan.lock.held.items():
            if held_key.startswith("subnets:"):
                take(held.value, held_key)
        # 2. pins first (so no new LAN takes a pinned slot), then new LANs in id order
        owner = {block: key.partition("/")[0] for key, block in wanted.items()} if pending else {}
        for key in pending:
            located = self._block_of(pins[key])
            other = owner.get(located[0]) if located else None
            if other is not None and other != key.partition("/")[0]:
                self.problems.append(
                    self._pin_origin(key)(
                        f"pinned {prefix_text(pins[key], 64)} lies in department {other}'s block; pin inside the "
                        "department's own block or in a class the policy does not use"
                    )
                )
                continue
            new[key] = pins[key]
            take(pins[key], key)
            self._record_added("subnets", key, pins[key])
        for key in sorted(missing):
            block = wanted[key]
            table = tables.get(block)
            if table is None:
                located = self._block_of(block)
                table = tables[block] = SlotTable(located[1] if located else 0, sparse=False)
            bits = table.bits
            returning = self.plan.lock.held.get(f"subnets:{key}")
            if returning is not None and (self._block_of(returning.value) or (None,))[0] == block:
                new[key] = returning.value  # its own held /64: given back (restored)
                self._record_added("subnets", key, returning.value)
                continue
            slot = None
            if policy.vlan_in_subnet and key in vlans:
                readable = int(str(vlans[key]), 16)  # VLAN 100 → the nibbles 100, readable in the address
                if readable < 1 << bits and table.take(readable, key) is None:
                    slot = readable
            if slot is None:
                slot = table.next_free(key)
            if slot is None:
                self._exhausted("subnet", key, f"department {key.partition('/')[0]}", bits, len(table))
                continue
            new[key] = block | slot << 64
            self._record_added("subnets", key, new[key])
        self._check_pins(pins, new)

    def _block_of(self, value: int) -> tuple[int, int] | None:
        """The department block a /64 lies in and the block's subnet bits, by decoding its class."""
        if value >> self.top_shift != self.geo.base >> self.top_shift:
            return None
        entry = self.by_index.get((value >> self.geo.class_shift) & ((1 << self.policy.class_bits) - 1))
        if entry is None:
            return None
        shift, bits = entry
        return value >> shift << shift, bits

    def _infrastructure(self) -> None:
        infra, geo = self.policy.infrastructure, self.geo
        link_bits = geo.function_shift - 64
        ends = {(e.device, e.interface) for link in self.inv.links.values() for e in (link.a, link.b)}
        gateways = {
            (lan.gateway.device, lan.gateway.interface)
            for d in self.departments.values()
            for lan in d.lans
            if lan.gateway is not None
        }
        numbered = ends | gateways  # once: built per interface, this was quadratic in the links (issue 16)
        handoffs = sorted(
            f"{d.name}/{i.name}"
            for d in self.inv.devices.values()
            for i in d.interfaces
            if (i.ipv4 is not None or i.ipv6 is not None) and (d.name, i.name) not in numbered
        )
        loopback_block = geo.function_block(self.policy, infra.loopbacks)
        self._flat("loopbacks", sorted(self.inv.devices), loopback_block, 0, 64, first=1)
        link_pins = {k: int(link.ipv6.network_address) for k, link in self.inv.links.items() if link.ipv6}
        self._flat(
            "links", sorted(self.inv.links), geo.function_block(self.policy, infra.links), 64, link_bits, pins=link_pins
        )
        handoff_block = geo.function_block(self.policy, infra.handoffs)
        handoff_pins = self._interface_pins(ends, gateways, handoff_block, 64 + link_bits)
        self._flat("handoffs", handoffs, handoff_block, 64, link_bits, pins=handoff_pins)
        self._check_across(handoff_pins, loopback_block)

    def _interface_pins(
        self, ends: set[tuple[str, str]], gateways: set[tuple[str, str]], block: int, block_bits: int
    ) -> dict[str, int]:
        """Interfaces' ``ipv6:`` pins: a hand-off's /64 (and its address in it); a link end or a LAN gateway is
        numbered from its link's or its LAN's /64, so that is where the pin belongs."""
        pins: dict[str, int] = {}
        for name, device in sorted(self.inv.devices.items()):
            for index, iface in enumerate(device.interfaces):
                if iface.ipv6 is None:
                    continue
                wrong = _interface_pin_refusal(iface.ipv6, (name, iface.name), ends, gateways, block, block_bits)
                if wrong:
                    self.problems.append(self.inv.origin("devices", name).problem(wrong, "interfaces", index, "ipv6"))
                else:
                    pins[f"{name}/{iface.name}"] = int(iface.ipv6.network.network_address)
        return pins

    def _check_across(self, pins: dict[str, int], loopbacks: int) -> None:
        """A pinned /64 shared with another section's allocation (a LAN, a link, the loopbacks' /64)."""
        if not pins:  # no pin, nothing to compare: the holders of a province are half a million
            return
        lock = self.plan.lock
        holders = {
            value: f"{section} {key}"
            for section in ("subnets", "links")
            for key, value in lock.section(section).items()
        }
        holders[loopbacks] = "the loopbacks' /64"
        for key, value in sorted(pins.items()):
            if value in holders:
                where = self._pin_origin(key)
                self.problems.append(where(f"pinned {prefix_text(value, 64)} is already allocated to {holders[value]}"))

    # -- shared machinery --------------------------------------------------------------------------
    def _allocate(
        self, section: str, wanted: dict[str, list[tuple[str, str]]], tables: dict[str, SlotTable], parent_of: Any
    ) -> dict[str, int]:
        """Slot allocation for sites and departments: keep the lock's, then place new keys in id order."""
        old, new = self.old.section(section), self.plan.lock.section(section)
        live = {key for group in wanted.values() for key, _ in group}
        kept = 0
        for key, slot in old.items():
            if key in live and parent_of(key) in tables:
                new[key] = slot
                kept += 1
            else:
                self._hold(section, key, slot)
        self.plan.kept += kept
        if len(new) == len(live):  # nothing to place: no parent's table is needed
            return new
        for key, slot in old.items():  # each slot the lock gives, kept or held, taken in its parent's table
            table = tables.get(parent_of(key))
            if table is not None:
                table.take(slot, key)
        for held_key, held in self.plan.lock.held.items():
            held_section, _, key = held_key.partition(":")
            table = tables.get(parent_of(key))
            if held_section == section and table is not None and key not in live:
                table.take(held.value, key)
        for parent, group in sorted(wanted.items()):
            table = tables[parent]
            for key in sorted(key for key, _ in group if key not in new):
                returning = self.plan.lock.held.get(f"{section}:{key}")
                if returning is not None and table.take(returning.value, key) is None:
                    del self.plan.lock.held[f"{section}:{key}"]
                    new[key] = returning.value
                    self.plan.restored.append(Change(section, key, returning.value))
                    continue
                free = table.next_free(key)
                if free is None:
                    self._exhausted(section.rstrip("s"), key, parent, table.bits, len(table), table.limit)
                    continue
                new[key] = free
                self._record_added(section, key, free)
        return new

    def _flat(
        self,
        section: str,
        keys: Iterable[str],
        block: int,
        shift: int,
        bits: int,
        first: int = 0,
        pins: dict[str, int] | None = None,
    ) -> None:
        """Sequential allocation in one block: loopbacks (/128s), links and hand-offs (/64s)."""
        pins = pins or {}
        table = SlotTable(bits, sparse=False, first=first)
        old, new = self.old.section(section), self.plan.lock.section(section)
        live = set(keys)
        for key, value in old.items():
            if key in live and pins.get(key, value) == value:
                new[key] = value
                self.plan.kept += 1
            else:
                self._hold(section, key, value)
        for held_key, held in self.plan.lock.held.items():
            if held_key.partition(":")[0] == section and held.value >> (shift + bits) == block >> (shift + bits):
                table.take((held.value - block) >> shift, held_key)
        for key, value in new.items():
            if value >> (shift + bits) == block >> (shift + bits):
                table.take((value - block) >> shift, key)
        for key in sorted((live - set(new)) & set(pins)):
            new[key] = pins[key]
            if pins[key] >> (shift + bits) == block >> (shift + bits):
                table.take((pins[key] - block) >> shift, key)
            self._record_added(section, key, pins[key])
        for key in sorted(live - set(new)):
            returning = self.plan.lock.held.get(f"{section}:{key}")
            if returning is not None:
                new[key] = returning.value
                self._record_added(section, key, returning.value)
                continue
            slot = table.next_free(key)
            if slot is None:
                self._exhausted(section.rstrip("s"), key, "the infrastructure class", bits, len(table))
                continue
            new[key] = block | slot << shift
            self._record_added(section, key, new[key])
        self._check_pins(pins, new)

    def _hold(self, section: str, key: str, value: int) -> None:
        held_key = f"{section}:{key}"
        if held_key not in self.plan.lock.held:
            self.plan.lock.held[held_key] = Held(value, self.since)
            self.plan.held.append(Change(section, key, value))

    def _record_added(self, section: str, key: str, value: int) -> None:
        if not self.plan.lock.held:
            self.plan.added.append(Change(section, key, value))
            return
        held = self.plan.lock.held.get(f"{section}:{key}")
        if held is not None and held.value == value:
            del self.plan.lock.held[f"{section}:{key}"]
            self.plan.restored.append(Change(section, key, value))
        else:
            self.plan.added.append(Change(section, key, value))

    def _check_pins(self, pins: dict[str, int], allocated: dict[str, int]) -> None:
        """A pin must lie inside the region's prefix and must not collide with another allocation."""
        if not pins:
            return
        lo, hi = self.geo.base, self.geo.base + self.policy.prefix.num_addresses
        holders: dict[int, str] = {}
        for key, value in allocated.items():
            holders.setdefault(value, key)
        for held_key, held in self.plan.lock.held.items():
            holders.setdefault(held.value, f"{held_key} (held)")
        for key, value in sorted(pins.items()):
            where = self._pin_origin(key)
            if not lo <= value < hi:
                self.problems.append(
                    where(f"pinned {prefix_text(value, 64)} lies outside the region's prefix {self.policy.prefix}")
                )
            elif holders.get(value, key) != key:
                self.problems.append(where(f"pinned {prefix_text(value, 64)} is already allocated to {holders[value]}"))

    def _pin_origin(self, key: str) -> Any:
        device, _, interface = key.partition("/")
        names = [iface.name for iface in self.inv.devices[device].interfaces] if device in self.inv.devices else []
        if interface in names and key not in self.inv.links:  # a hand-off
            origin = self.inv.origin("devices", device)
            return lambda message: origin.problem(message, "interfaces", names.index(interface), "ipv6")
        if key in self.inv.links:
            origin = self.inv.origin("links", key)
            return lambda message: origin.problem(message, "ipv6")
        dept_id, _, lan_name = key.partition("/")
        origin = self.inv.origin("departments", dept_id)
        index = next(i for i, lan in enumerate(self.inv.departments[dept_id].lans) if lan.name == lan_name)
        return lambda message: origin.problem(message, "lans", index, "ipv6")

    def _exhausted(self, level: str, key: str, parent: str, bits: int, used: int, limit: int | None = None) -> None:
        limit = limit if limit is not None else 1 << bits
        self.problems.append(
            Problem(
                "netplan/policy.yml",
                0,
                "",
                f"address space exhausted at the {level} level of {parent}: {key} asked for 1 {level} slot; "
                f"{used} of {limit} {'(quota) ' if limit < 1 << bits else ''}in use ({bits} bits), 0 left. Raise the "
                "quota or widen the field (widening renumbers that class: plan it as a migration)",
            )
        )


def _check_layout(lock: Lock, policy: Policy) -> None:
    """The lock was made under a layout; a different layout would move allocations, which we refuse."""
    if lock.layout is None or not len(lock):
        return
    now = policy.layout()
    changed: list[str] = []
    for part in ("prefix", "class_bits", "zone_bits", "zones", "infrastructure"):
        if lock.layout.get(part) != now[part]:
            changed.append(f"{part}: {json_short(lock.layout.get(part))} → {json_short(now[part])}")
    used_classes = {key.partition("/")[0] for key in lock.sites}
    for name in sorted(used_classes):
        before, after = lock.layout.get("classes", {}).get(name), now["classes"].get(name)
        if before != after:
            changed.append(f"classes.{name}: {json_short(before)} → {json_short(after)}")
    if changed:
        raise PlanError(
            [
                Problem(
                    "netplan/policy.yml",
                    0,
                    "",
                    "the policy no longer matches the lock netplan/allocations.yml (" + "; ".join(changed) + "). "
                    "Existing allocations would move. To keep them, restore the policy (git diff netplan/policy.yml). "
                    "To renumber on purpose, add a new class with the new layout and move sites into it, or move the "
                    "lock away and re-plan from scratch (every address changes: run that as a migration)",
                )
            ]
        )


def json_short(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _interface_pin_refusal(
    pinned: IPv6Interface,
    where: tuple[str, str],
    ends: set[tuple[str, str]],
    gateways: set[tuple[str, str]],
    block: int,
    block_bits: int,
) -> str | None:
    """Why an interface's pin cannot be honoured, or None."""
    if where in ends:
        return (f"{pinned}: a link end is numbered from its link's /64 (::2/127 and ::3/127); pin the link "
                "instead (links: ipv6: <the /64>)")  # fmt: skip
    if where in gateways:
        return f"{pinned}: a LAN gateway takes ::1 of its LAN's /64; pin the LAN instead (lans: ipv6: <the /64>)"
    if pinned.network.prefixlen != 64:
        return f"{pinned}: a hand-off is a /64; pin an address with /64 (e.g. {pinned.ip}/64)"
    if int(pinned.network.network_address) >> block_bits != block >> block_bits:
        return f"{pinned}: hand-offs lie in the policy's hand-offs block {prefix_text(block, 128 - block_bits)}"
    if pinned.ip == pinned.network.network_address:
        return f"{pinned}: the subnet-router anycast address is not an interface address; pin ::1/64 or another"
    return None


def plan(inv: Inventory, policy: Policy, lock: Lock) -> Plan:
    with without_gc():
        return Planner(inv, policy, lock).run()
