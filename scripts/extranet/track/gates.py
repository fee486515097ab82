"""Evidence gates: an item moves only when the network shows it, never because someone said so.

- a department's **connection** is ``verified`` when the last ``runs`` full probe runs (`extranet probe`: every
  department, both families) each classified it dual-stack;
- a **private network** is ``verified`` when those runs each reached it through the extranet (the probe's
  ``reach`` check: the first address of its first prefix, from the probe's vantage) and the latest run found its
  legacy line's far end silent (``legacy``, from inside the network: the lab gives that vantage);
- a department's own **exit** is ``verified`` when its own router's last recorded config (config history, device
  ``edge-DEPT``) has no default route except to the extranet hand-off, and those runs each traced its Internet
  traffic from inside it (``path``) across the unified exit router to the Internet test address.

- a **system** moving to the cloud (cut over: the inventory says it runs there) is ``verified`` when in each run
  TCP to its services answered at every target address checked, over IPv4 and over IPv6, and nothing answered
  at its old addresses (the probe marks each check ``at``: target or old, ``probe.targets``);
- a **zombie** is ``retired`` when in each run its services were checked and none answered, and its addresses are
  released in the plan. The lock holds no allocation keyed by a system, so "released" means what the plan
  holds of it is gone (``plan.systems``): no target address numbered for it, no IPv6 address of its census in
  an allocated or held prefix (`extranet plan release` frees a held one).

The evidence stored with the event: the probe runs' ids, the history commit where one was read, the rule, the
verdict and the addresses checked.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from ipaddress import IPv4Interface
from typing import Any

from ..history import ConfigHistory
from ..inventory import Inventory
from ..plan.systems import SystemAddresses
from ..store import Store
from ..store.schema import ProbeResult
from .items import DONE, Item

FULL_PROBE = "probe"  # cli.probe.KIND: a run over every department and both address families
FINISHED = ("ok", "problems")
DEFAULT_RUNS = 3
FAMILIES = (4, 6)
MOVE_CHECKS = ("reach", "legacy", "path")  # the probe's checks of tracked moves (probe.targets.Planner._moves)


@dataclass(frozen=True)
class Verdict:
    item: Item
    state: str | None  # the state the evidence allows; None: it stays
    why: str
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass
class Evidence:
    """What the gates read, gathered once for every item judged."""

    runs: int
    probe_runs: list[int]
    statuses: dict[tuple[int, str], tuple[str, list[str]]]
    checks: dict[tuple[int, str, str], ProbeResult]  # (run, kind, target) -> result
    tcp: dict[tuple[int, str], list[ProbeResult]] = field(default_factory=dict)  # (run, system) -> its TCP checks
    systems: Mapping[str, SystemAddresses] | None = None
    inv: Inventory | None = None
    history: ConfigHistory | None = None

    def enough(self) -> str | None:
        if len(self.probe_runs) < self.runs:
            return f"{len(self.probe_runs)} of the {self.runs} full probe runs needed have been made (extranet probe)"
        return None


def judge(store: Store, chosen: list[Item], runs: int = DEFAULT_RUNS,
          systems: Mapping[str, SystemAddresses] | None = None, inv: Inventory | None = None,
          history: ConfigHistory | None = None) -> list[Verdict]:  # fmt: skip
    """What the evidence says of each item; ``systems`` (``plan.systems.system_addresses``) is what the system
    and zombie gates need of the inventory and the plan, ``inv`` and ``history`` what the exit gate reads besides
    the probe."""
    probe_runs = [r.id for r in store.runs(FULL_PROBE, statuses=FINISHED)][-runs:]
    statuses: dict[tuple[int, str], tuple[str, list[str]]] = {}
    checks: dict[tuple[int, str, str], ProbeResult] = {}
    tcp: dict[tuple[int, str], list[ProbeResult]] = {}
    kinds = {i.kind for i in chosen}
    if probe_runs and "connection" in kinds:
        for row in store.department_statuses(probe_runs):
            statuses[(row.run_id, row.department)] = (row.status, list(row.reasons))
    if probe_runs and kinds & {"network", "exit"}:
        for check in store.probe_checks(probe_runs, MOVE_CHECKS):
            checks[(check.run_id, check.kind, check.target)] = check
    if probe_runs and "system" in kinds:
        for result in store.probe_checks(probe_runs, ("tcp",)):
            system = (result.detail or {}).get("system")
            if isinstance(system, str):
                tcp.setdefault((result.run_id, system), []).append(result)
    evidence = Evidence(runs, probe_runs, statuses, checks, tcp, systems, inv, history)
    return [_judge(item, evidence) for item in chosen]


def _judge(item: Item, evidence: Evidence) -> Verdict:
    if item.state in DONE:
        return Verdict(item, None, f"already {item.state}")
    gate = GATES.get(item.kind)
    if gate is None:
        return Verdict(item, None, f"no evidence gate for {item.kind} items yet: use `extranet track override` "
                                   "with a second operator's approval")  # fmt: skip
    return gate(item, evidence)


def _connection(item: Item, evidence: Evidence) -> Verdict:
    if item.disposition == "connect":
        return Verdict(item, None, "not connected: the inventory gives it no uplink yet")
    short = evidence.enough()
    if short:
        return Verdict(item, None, short)
    for run_id in evidence.probe_runs:
        status, reasons = evidence.statuses.get((run_id, item.id), ("not probed", []))
        if status != "dual-stack":
            said = f": {'; '.join(reasons)}" if reasons else ""
            return Verdict(item, None, f"probe run #{run_id} classified it {status}{said}")
    return Verdict(item, "verified", f"dual-stack in the last {evidence.runs} full probe runs",
                   {"probe_runs": evidence.probe_runs, "rule": item.rule, "verdict": "dual-stack"})  # fmt: skip


def _network(item: Item, evidence: Evidence) -> Verdict:
    if item.disposition not in ("extranet-public", "extranet-vpn"):
        return Verdict(item, None, f"its move ({item.disposition}) is not shown by the extranet's probe: use "
                                   "`extranet track override` with a second operator's approval")  # fmt: skip
    net = evidence.inv.private_networks.get(item.id) if evidence.inv else None
    if net is not None and net.integration is None:
        return Verdict(item, None, "no integration planned (private_networks.yml `integration`: the port and hand-off "
                                   "it joins the extranet by), so nothing shows it integrated yet")  # fmt: skip
    short = evidence.enough()
    if short:
        return Verdict(item, None, short)
    target = f"network:{item.id}"
    for run_id in evidence.probe_runs:
        reach = evidence.checks.get((run_id, "reach", target))
        if reach is None:
            return Verdict(item, None, f"probe run #{run_id} did not check it: the probe reaches private networks "
                                       "with a planned integration (private_networks.yml `integration`)")  # fmt: skip
        if not reach.ok:
            return Verdict(item, None, f"probe run #{run_id}: {reach.address} not reached through the extranet "
                                       f"({reach.error or 'no reply'})")  # fmt: skip
    last = evidence.probe_runs[-1]
    legacy = evidence.checks.get((last, "legacy", target))
    if legacy is None:
        return Verdict(item, None, f"reached through the extranet in the last {evidence.runs} runs, but no probe "
                                   "ran inside it to show its legacy line gone (the lab has that vantage): "
                                   "override with a second operator's approval")  # fmt: skip
    if legacy.ok is None:
        return Verdict(item, None, f"probe run #{last} could not check its legacy line: {legacy.error}")
    if legacy.ok:
        return Verdict(item, None, f"reached through the extranet, but its legacy line still answers: "
                                   f"{legacy.address} replied in probe run #{last}")  # fmt: skip
    return Verdict(item, "verified", f"reached through the extranet in the last {evidence.runs} full probe runs; "
                                     f"its legacy line's far end {legacy.address} is silent",
                   {"probe_runs": evidence.probe_runs, "rule": item.rule, "verdict": "integrated",
                    "reached": evidence.checks[(last, "reach", target)].address,
                    "legacy_silent": legacy.address})  # fmt: skip


def _exit(item: Item, evidence: Evidence) -> Verdict:
    from ..rollout.moves import EDGE_DEVICE, default_routes, exit_addresses

    if evidence.inv is None or evidence.history is None:
        return Verdict(item, None, "the exit gate needs the inventory and the config history")
    dept = evidence.inv.departments[item.id]
    uplink = dept.uplink
    handoff = _handoff(evidence.inv, uplink.device, uplink.interface) if uplink else None
    if handoff is None:
        return Verdict(item, None, "not connected by a routed hand-off: its Internet traffic cannot enter the extranet")
    edge = EDGE_DEVICE.format(dept=item.id)
    log = evidence.history.log(edge, limit=1)
    if not log:
        return Verdict(item, None, f"no recorded config of {item.id}'s own router ({edge} in the config history): "
                                   "run withdraw_exit.yml, or back it up")  # fmt: skip
    config = evidence.history.show(edge, log[0].sha)
    own = [hop for hop in default_routes(config) if hop != str(handoff.ip)]
    if own:
        return Verdict(item, None, f"its router's config (history {log[0].sha[:12]}) still has a default route "
                                   f"toward its own provider: via {', '.join(own)}")  # fmt: skip
    short = evidence.enough()
    if short:
        return Verdict(item, None, short)
    exits = exit_addresses(evidence.inv)
    for run_id in evidence.probe_runs:
        path = evidence.checks.get((run_id, "path", f"exit:{item.id}"))
        if path is None:
            return Verdict(item, None, f"probe run #{run_id} traced no path from inside it (the lab gives that "
                                       "vantage; a real department needs an override)")  # fmt: skip
        hops = list((path.detail or {}).get("hops", []))
        shown = " > ".join(h or "*" for h in hops) or "no hop"
        if not path.ok:
            return Verdict(item, None, f"probe run #{run_id}: the Internet {path.address} not reached from inside it "
                                       f"({path.error or shown})")  # fmt: skip
        if not exits & set(hops):
            return Verdict(item, None, f"probe run #{run_id}: its Internet traffic does not cross the unified exit "
                                       f"({shown})")  # fmt: skip
    return Verdict(item, "verified", f"no default route toward its own provider (history {log[0].sha[:12]}); "
                                     f"its Internet traffic left through the unified exit in the last "
                                     f"{evidence.runs} full probe runs",
                   {"probe_runs": evidence.probe_runs, "history": log[0].sha, "rule": item.rule,
                    "verdict": "withdrawn"})  # fmt: skip


def _system(item: Item, evidence: Evidence) -> Verdict:
    if item.disposition not in ("cloud", "retire"):
        return Verdict(item, None, f"no evidence gate for {item.disposition} systems yet: use `extranet track "
                                   "override` with a second operator's approval")  # fmt: skip
    if evidence.systems is None or item.id not in evidence.systems:
        return Verdict(item, None, "the address plan was not read: its addresses are not known")
    gate = _moved if item.disposition == "cloud" else _retired
    return gate(item, evidence.systems[item.id], evidence)


def _moved(item: Item, addresses: SystemAddresses, evidence: Evidence) -> Verdict:
    """A system moving to the cloud: reached at its target over both families, silent at its old addresses."""
    if not addresses.moving:
        return Verdict(item, None, "no target addresses in the inventory (target_addresses: its IPv4 address in "
                                   "the cloud's planned server LAN; the plan numbers the IPv6 one)")  # fmt: skip
    if item.state != "cut-over":
        return Verdict(item, None, f"not cut over ({item.state}): the inventory says it still runs where it was "
                                   "(runs_at); it is judged once runs_at is the cloud")  # fmt: skip
    short = evidence.enough()
    if short:
        return Verdict(item, None, short)
    for run_id in evidence.probe_runs:
        fault = _move_fault(evidence.tcp.get((run_id, item.id), []), addresses)
        if fault:
            return Verdict(item, None, f"probe run #{run_id}{fault}")
    return Verdict(item, "verified", f"reached at its target addresses over IPv4 and IPv6, silent at its old ones, "
                                     f"in the last {evidence.runs} full probe runs",
                   {"probe_runs": evidence.probe_runs, "rule": item.rule, "verdict": "reached at target, old silent",
                    "addresses": {"target": [str(a) for a in addresses.target],
                                  "old": [str(a) for a in addresses.old]}})  # fmt: skip


def _move_fault(checks: list[ProbeResult], addresses: SystemAddresses) -> str | None:
    """What one run shows against the move (None: nothing): a target not reached in a family, an old address
    still answering."""
    target = [c for c in checks if (c.detail or {}).get("at") == "target"]
    for family in FAMILIES:
        reached = [c for c in target if c.family == family]
        if not reached:
            return f" did not check it at a target address over IPv{family}"
        for c in (c for c in reached if c.ok is not True):
            failed = "could not be checked" if c.ok is None else "did not answer"
            return f": {c.target} {failed} at its target address {_host(c.address)} over IPv{family} " + (
                f"({c.error or 'no reply'})")  # fmt: skip
    old = [c for c in checks if (c.detail or {}).get("at") == "old"]
    if addresses.old and not old:
        return " did not check its old addresses"
    for c in (c for c in old if c.ok is not False):
        said = "still answers" if c.ok else f"could not be checked ({c.error})"
        return f": {c.target} {said} at its old address {_host(c.address)} over IPv{c.family}"
    return None


def _retired(item: Item, addresses: SystemAddresses, evidence: Evidence) -> Verdict:
    """A zombie: its services checked and silent in every run, and nothing of it left in the plan."""
    short = evidence.enough()
    if short:
        return Verdict(item, None, short)
    facts = []
    for run_id in evidence.probe_runs:
        checks = evidence.tcp.get((run_id, item.id), [])
        if not checks:
            facts.append(f"probe run #{run_id} did not check its services (no address or TCP service in the "
                         "inventory, or its department was not probed)")  # fmt: skip
        for c in checks:
            if c.ok is True:
                facts.append(f"probe run #{run_id}: {c.target} answered over IPv{c.family} at {_host(c.address)}")
            elif c.ok is None:
                facts.append(f"probe run #{run_id}: {c.target} could not be checked at {_host(c.address)} "
                             f"({c.error})")  # fmt: skip
    facts += [f"the plan still holds {place}" for place in addresses.planned]
    if facts:
        return Verdict(item, None, "; ".join(facts))
    checked = sorted({_host(c.address) for run_id in evidence.probe_runs for c in evidence.tcp[(run_id, item.id)]})
    return Verdict(item, "retired", f"its services did not answer in the last {evidence.runs} full probe runs and the "
                                    "plan holds none of its addresses",
                   {"probe_runs": evidence.probe_runs, "rule": item.rule, "verdict": "silent and released",
                    "addresses": {"checked": checked, "planned": []}})  # fmt: skip


def _host(address: str | None) -> str:
    """``[198.18.8.40]:8080`` → ``198.18.8.40`` (the probe records TCP targets with their port)."""
    text = address or "?"
    return text[1:].partition("]")[0] if text.startswith("[") else text


def _handoff(inv: Inventory, device: str, interface: str) -> IPv4Interface | None:
    dev = inv.devices.get(device)
    iface = next((i for i in dev.interfaces if i.name == interface), None) if dev else None
    return iface.ipv4 if iface is not None else None


GATES: dict[str, Callable[[Item, Evidence], Verdict]] = {"connection": _connection, "network": _network,
                                                         "exit": _exit, "system": _system}  # fmt: skip
