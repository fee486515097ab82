"""Migration items derived from the inventory: every private network, system, department-owned Internet exit
and department connection, with the disposition a policy rule gives it and the facts behind it.

The inventory is the only source of what exists; nothing here is stored. An item's deadline is the inventory's
(``deadline`` of a private network or system, ``connect_by`` of a department), else the date the deciding rule's
clause sets (``Rule.default_deadline``); its wave follows from the deadline (``track.waves``). The state
shown is what the inventory alone can say — ``closed`` (already where the rules put it), ``exempted`` (a valid
exemption), ``cut-over`` (a department with an uplink, or a system that runs on the cloud at its
``target_addresses``, until the probe verifies it) or ``planned`` — until the changes recorded in the database
(``track.state``) take over.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date

from ..inventory import Inventory
from ..inventory.models import (
    Classification,
    Department,
    Exit,
    Frequency,
    HostKind,
    PrivateNetwork,
    PrivateNetworkTarget,
    Scope,
    System,
    SystemTarget,
)
from .rules import RULES
from .waves import wave_of

KINDS = ("network", "system", "exit", "connection")
DISPOSITIONS = ("internal", "cloud", "extranet-public", "extranet-vpn", "retire", "merge", "withdraw", "connect",
                "exempt", "keep")  # fmt: skip
DONE = ("verified", "closed", "retired", "exempted")  # states with nothing left to do by a deadline
ZOMBIE_IDLE_DAYS = 180  # "use long detached from the business": no use for half a year
NETWORK_TARGETS = {
    PrivateNetworkTarget.EXTRANET_PUBLIC: "extranet-public",
    PrivateNetworkTarget.EXTRANET_VPN: "extranet-vpn",
    PrivateNetworkTarget.INTERNAL: "internal",
}


@dataclass(frozen=True)
class Item:
    kind: str
    id: str
    owner: str  # the department responsible
    disposition: str
    rule: str
    state: str  # planned, exempted, closed (the states the inventory alone can show)
    deadline: date | None
    reasons: tuple[str, ...]
    violation: str | None = None  # what breaks an order now (a classified system outside the internal network)
    deadline_from: str | None = None  # inventory, exemption (its expiry) or policy (the rule's clause)

    @property
    def item(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def wave(self) -> str:
        return wave_of(self.deadline)

    @property
    def open(self) -> bool:
        """Something is left to do (the state is not one of ``DONE``)."""
        return self.state not in DONE

    def overdue_days(self, today: date) -> int:
        """Days past the deadline while the item is still open (0 when not overdue)."""
        if self.deadline is None or self.state in DONE:
            return 0
        return max(0, (today - self.deadline).days)

    def as_json(self, today: date) -> dict[str, object]:
        return {
            "item": self.item, "kind": self.kind, "id": self.id, "owner": self.owner,
            "disposition": self.disposition, "rule": self.rule, "state": self.state, "wave": self.wave,
            "deadline": self.deadline.isoformat() if self.deadline else None, "deadline_from": self.deadline_from,
            "overdue_days": self.overdue_days(today), "reasons": list(self.reasons), "violation": self.violation,
        }  # fmt: skip


def items(inv: Inventory, today: date) -> list[Item]:
    """Every item of the inventory, by kind then id."""
    found = [
        *(network_item(n, today) for n in inv.private_networks.values()),
        *(system_item(inv, s, today) for s in inv.systems.values()),
        *exit_items(inv),
        *(connection_item(d) for d in inv.departments.values()),
    ]
    return sorted(found, key=lambda i: (KINDS.index(i.kind), i.id))


def _item(kind: str, id_: str, owner: str, disposition: str, rule: str, reasons: list[str],
          deadline: date | None = None, violation: str | None = None) -> Item:  # fmt: skip
    """The item; without a deadline of its own it takes the one its rule's clause sets, if any."""
    assert rule in RULES and disposition in DISPOSITIONS, (rule, disposition)
    state = {"keep": "closed", "exempt": "exempted"}.get(disposition, "planned")
    source = ("exemption" if disposition == "exempt" else "inventory") if deadline else None
    if deadline is None and state not in DONE and RULES[rule].default_deadline is not None:
        deadline, source = RULES[rule].default_deadline, "policy"
    return Item(kind, id_, owner, disposition, rule, state, deadline, tuple(reasons), violation, source)


def network_item(net: PrivateNetwork, today: date) -> Item:
    reasons: list[str] = []
    if net.exemption is not None:
        ex = net.exemption
        if ex.expires >= today:
            reasons.append(f"exempted by {ex.document} ({ex.approved_by}, {ex.approved_on}) until {ex.expires}: "
                           f"{ex.reason}")  # fmt: skip
            return _item("network", net.id, net.owner, "exempt", "exemption", reasons, ex.expires)
        reasons.append(f"the exemption {ex.document} lapsed on {ex.expires}")
    if net.classification is Classification.CLASSIFIED:
        wrong = net.target is not PrivateNetworkTarget.INTERNAL
        reasons.append("classified (涉密): the internal network only")
        violation = f"classified network targeted at {net.target.value}" if wrong else None
        return _item("network", net.id, net.owner, "internal", "classified-internal", reasons, net.deadline, violation)
    reasons.append(f"unclassified private network: onto the extranet ({net.target.value}), 应迁尽迁")
    return _item("network", net.id, net.owner, NETWORK_TARGETS[net.target], "private-network-integrate", reasons,
                 net.deadline)  # fmt: skip


def zombie_facts(system: System, today: date, systems: Mapping[str, System] | None = None) -> list[str]:
    """The facts that make ``system`` a zombie, as the documents list them (empty: it is not one).

    "功能可被其他系统替代" counts only when the replacement is verified against the inventory (``systems``): it
    exists, is maintained and in use. Without ``systems`` the census's word is taken. Idleness is measured up to
    the census's own date — the newest ``last_used`` in ``systems`` — when that is before ``today``: a census
    read later (or a plan judged ``--on`` a later day) does not make every system idle.
    """
    facts = []
    replacement = _live_replacement(system, systems)
    if replacement:
        facts.append(f"its function is covered by {replacement}")
    if not system.maintained:
        facts.append("maintenance has stopped")
    if system.frequency is Frequency.UNUSED:
        facts.append("it is not used")
    used = [s.last_used for s in (systems or {}).values() if s.last_used is not None]
    census = min(today, max(used)) if used else today
    if system.last_used is not None and (census - system.last_used).days > ZOMBIE_IDLE_DAYS:
        facts.append(f"last used {system.last_used}, over {ZOMBIE_IDLE_DAYS} days before {census}")
    if system.scope is Scope.SECTION and system.frequency in (Frequency.RARELY, Frequency.YEARLY):
        facts.append(f"small scope (one section) and rare use ({system.frequency.value})")
    return facts


def _live_replacement(system: System, systems: Mapping[str, System] | None) -> str | None:
    """``replaced_by`` as a fact: the system it names, when that one is in the inventory, maintained and used."""
    if system.replaced_by is None or systems is None:
        return system.replaced_by
    other = systems.get(system.replaced_by)
    if other is None or other.id == system.id or not other.maintained or other.frequency is Frequency.UNUSED:
        return None
    return f"{other.id} (maintained, used {other.frequency.value})"


def system_item(inv: Inventory, system: System, today: date) -> Item:
    where = system.runs_at.kind
    if system.classification is Classification.CLASSIFIED:
        inside = where is HostKind.INTERNAL
        violation = None if inside else f"classified system runs at {where.value}, outside the internal network"
        return _item("system", system.id, system.owner, "keep" if inside else "internal", "classified-internal",
                     ["classified (涉密): 涉密信息不上网"], system.deadline, violation)  # fmt: skip
    facts = zombie_facts(system, today, inv.systems)
    if facts:
        return _item("system", system.id, system.owner, "retire", "zombie-retire", facts, system.deadline)
    if system.scope is Scope.SECTION:
        into = sorted(s.id for s in inv.systems.values()
                      if s.owner == system.owner and s.scope is not Scope.SECTION and s.id != system.id)  # fmt: skip
        target = f"into {', '.join(into)}" if into else "into the department's system (none is declared yet)"
        return _item("system", system.id, system.owner, "merge", "section-merge",
                     [f"named after a section (scope: section): merge {target}"], system.deadline)  # fmt: skip
    if where is HostKind.CLOUD and system.target_addresses:  # moved: the probe verifies it (`track advance`)
        item = _item("system", system.id, system.owner, "cloud", "cloud-first",
                     ["runs on the government cloud now: verified when the probe reaches it at its target addresses "
                      "over IPv4 and IPv6 and its old addresses no longer answer"], system.deadline)  # fmt: skip
        return replace(item, state="cut-over")
    if where is HostKind.CLOUD:
        return _item("system", system.id, system.owner, "keep", "in-place", ["runs on the government cloud"])
    reasons = [f"unclassified, runs at {where.value}: onto the government cloud (应上尽上)"]
    if system.target not in (SystemTarget.CLOUD, SystemTarget.RETIRE):
        reasons.append(f"the census says target {system.target.value}; the rule says cloud: move it or exempt it")
    return _item("system", system.id, system.owner, "cloud", "cloud-first", reasons, system.deadline)


def own_exit(dept: Department) -> bool:
    """The department has its own Internet exit (class C or E, or said so)."""
    return dept.effective_exit is Exit.OWN


def exit_items(inv: Inventory) -> Iterator[Item]:
    for dept in inv.departments.values():
        if own_exit(dept):
            yield _item("exit", dept.id, dept.id, "withdraw", "unified-exit",
                        [f"access class {dept.access_class.value}: its own Internet exit, to be withdrawn for the "
                         f"unified exit ({inv.region.unified_exit or 'not named in region.yml'})"])  # fmt: skip


def connection_item(dept: Department) -> Item:
    if dept.uplink is not None:  # cut over: the probe's dual-stack verdict verifies it (`track advance`)
        item = _item("connection", dept.id, dept.id, "keep", "in-place",
                     [f"connected at {dept.uplink.device} {dept.uplink.interface}"], dept.connect_by)  # fmt: skip
        return replace(item, state="cut-over")
    return _item("connection", dept.id, dept.id, "connect", "connect-all", ["not yet connected to the extranet"],
                 dept.connect_by)  # fmt: skip
