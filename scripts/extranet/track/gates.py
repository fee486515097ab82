"""Evidence gates: an item moves only when the network shows it, never because someone said so.

- a department's **connection** is ``verified`` when the last ``runs`` full probe runs (`extranet probe`: every
  department, both families) each classified it dual-stack;
- a **private network** is ``verified`` when those runs each reached it through the extranet (the probe's
  ``reach`` check: the first address of its first prefix, from the probe's vantage) and the latest run found its
  legacy line's far end silent (``legacy``, from inside the network: the lab gives that vantage);
- a department's own **exit** is ``verified`` when its own router's last recorded config (config history, device
  ``edge-DEPT``) has no default route except to the extranet hand-off, and those runs each traced its Internet
  traffic from inside it (``path``) across the unified exit router to the Internet test address.

The evidence stored with the event: the probe runs' ids, the history commit where one was read, the rule and the
verdict. Systems and zombies are not gated here yet: they stay, with that reason.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from ipaddress import IPv4Interface
from typing import Any

from ..history import ConfigHistory
from ..inventory import Inventory
from ..store import Store
from ..store.schema import ProbeResult
from .items import DONE, Item

FULL_PROBE = "probe"  # cli.probe.KIND: a run over every department and both address families
FINISHED = ("ok", "problems")
DEFAULT_RUNS = 3
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
    inv: Inventory | None = None
    history: ConfigHistory | None = None

    def enough(self) -> str | None:
        if len(self.probe_runs) < self.runs:
            return f"{len(self.probe_runs)} of the {self.runs} full probe runs needed have been made (extranet probe)"
        return None


def judge(store: Store, chosen: list[Item], runs: int = DEFAULT_RUNS, inv: Inventory | None = None,
          history: ConfigHistory | None = None) -> list[Verdict]:  # fmt: skip
    """What the evidence says of each item (``inv`` and ``history``: what the exit gate reads besides the probe)."""
    probe_runs = [r.id for r in store.runs(FULL_PROBE, statuses=FINISHED)][-runs:]
    statuses: dict[tuple[int, str], tuple[str, list[str]]] = {}
    checks: dict[tuple[int, str, str], ProbeResult] = {}
    if probe_runs:
        for row in store.department_statuses(probe_runs):
            statuses[(row.run_id, row.department)] = (row.status, list(row.reasons))
        for check in store.probe_checks(probe_runs, MOVE_CHECKS):
            checks[(check.run_id, check.kind, check.target)] = check
    evidence = Evidence(runs, probe_runs, statuses, checks, inv, history)
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


def _handoff(inv: Inventory, device: str, interface: str) -> IPv4Interface | None:
    dev = inv.devices.get(device)
    iface = next((i for i in dev.interfaces if i.name == interface), None) if dev else None
    return iface.ipv4 if iface is not None else None


GATES: dict[str, Callable[[Item, Evidence], Verdict]] = {"connection": _connection, "network": _network,
                                                         "exit": _exit}  # fmt: skip
