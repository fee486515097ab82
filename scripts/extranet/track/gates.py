"""Evidence gates: an item moves only when the network shows it, never because someone said so.

Each gate reads the last ``runs`` full probe runs (`extranet probe`: every department, both families):
- a department's connection is ``verified`` when each run classified it dual-stack;
- a system moving to the cloud (cut over: the inventory says it runs there) is ``verified`` when in each run
  TCP to its services answered at every target address checked, over IPv4 and over IPv6, and nothing answered
  at its old addresses (the probe marks each check ``at``: target or old, ``probe.targets``);
- a zombie is ``retired`` when in each run its services were checked and none answered, and its addresses are
  released in the plan. The lock holds no allocation keyed by a system, so "released" means what the plan
  holds of it is gone (``plan.systems``): no target address numbered for it, no IPv6 address of its census in
  an allocated or held prefix (`extranet plan release` frees a held one).
The evidence stored with the change: the run ids, the rule, the verdict and the addresses checked. The gates
of private networks and exits (they need the config history and the lab playbooks) are not built here: such
items are held with that reason.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..plan.systems import SystemAddresses
from ..store import Store
from ..store.schema import ProbeResult
from .items import DONE, Item

FULL_PROBE = "probe"  # cli.probe.KIND: a run over every department and both address families
FINISHED = ("ok", "problems")
DEFAULT_RUNS = 3
FAMILIES = (4, 6)

Checks = dict[tuple[int, str], list[ProbeResult]]  # (run id, system id) → its TCP checks in that run


@dataclass(frozen=True)
class Verdict:
    item: Item
    state: str | None  # the state the evidence allows; None: it stays
    why: str
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Evidence:
    """What the last full probe runs showed, read once for every item judged."""

    runs: int  # how many consecutive runs a verdict needs
    probe_runs: list[int]
    statuses: dict[tuple[int, str], tuple[str, list[str]]]  # (run id, department) → status, reasons
    checks: Checks
    systems: Mapping[str, SystemAddresses] | None


def judge(store: Store, chosen: list[Item], runs: int = DEFAULT_RUNS,
          systems: Mapping[str, SystemAddresses] | None = None) -> list[Verdict]:  # fmt: skip
    """What the evidence says of each item; ``systems`` (``plan.systems.system_addresses``) is what the system
    and zombie gates need of the inventory and the plan."""
    probe_runs = [r.id for r in store.runs(FULL_PROBE, statuses=FINISHED)][-runs:]
    statuses: dict[tuple[int, str], tuple[str, list[str]]] = {}
    if probe_runs and any(i.kind == "connection" for i in chosen):
        for row in store.department_statuses(probe_runs):
            statuses[(row.run_id, row.department)] = (row.status, list(row.reasons))
    checks: Checks = {}
    if any(i.kind == "system" for i in chosen):
        for run_id in probe_runs:
            for result in store.probe_results(run_id, kind="tcp"):
                system = (result.detail or {}).get("system")
                if isinstance(system, str):
                    checks.setdefault((run_id, system), []).append(result)
    seen = Evidence(runs, probe_runs, statuses, checks, systems)
    return [_judge(item, seen) for item in chosen]


def _judge(item: Item, seen: Evidence) -> Verdict:
    if item.state in DONE:
        return Verdict(item, None, f"already {item.state}")
    if item.kind == "connection":
        return _connection(item, seen)
    if item.kind == "system" and item.disposition in ("cloud", "retire"):
        if seen.systems is None or item.id not in seen.systems:
            return Verdict(item, None, "the address plan was not read: its addresses are not known")
        gate = _moved if item.disposition == "cloud" else _retired
        return gate(item, seen.systems[item.id], seen)
    what = f"{item.disposition} systems" if item.kind == "system" else f"{item.kind} items"
    return Verdict(item, None, f"no evidence gate for {what} yet: use `extranet track override` with a second "
                               "operator's approval")  # fmt: skip


def _too_few(item: Item, seen: Evidence) -> Verdict | None:
    if len(seen.probe_runs) < seen.runs:
        return Verdict(item, None, f"{len(seen.probe_runs)} of the {seen.runs} full probe runs needed have been made "
                                   "(extranet probe)")  # fmt: skip
    return None


def _connection(item: Item, seen: Evidence) -> Verdict:
    if item.disposition == "connect":
        return Verdict(item, None, "not connected: the inventory gives it no uplink yet")
    short = _too_few(item, seen)
    if short:
        return short
    for run_id in seen.probe_runs:
        status, reasons = seen.statuses.get((run_id, item.id), ("not probed", []))
        if status != "dual-stack":
            said = f": {'; '.join(reasons)}" if reasons else ""
            return Verdict(item, None, f"probe run #{run_id} classified it {status}{said}")
    return Verdict(item, "verified", f"dual-stack in the last {seen.runs} full probe runs",
                   {"probe_runs": seen.probe_runs, "rule": item.rule, "verdict": "dual-stack"})  # fmt: skip


def _moved(item: Item, addresses: SystemAddresses, seen: Evidence) -> Verdict:
    """A system moving to the cloud: reached at its target over both families, silent at its old addresses."""
    if not addresses.moving:
        return Verdict(item, None, "no target addresses in the inventory (target_addresses: its IPv4 address in "
                                   "the cloud's planned server LAN; the plan numbers the IPv6 one)")  # fmt: skip
    if item.state != "cut-over":
        return Verdict(item, None, f"not cut over ({item.state}): the inventory says it still runs where it was "
                                   "(runs_at); it is judged once runs_at is the cloud")  # fmt: skip
    short = _too_few(item, seen)
    if short:
        return short
    for run_id in seen.probe_runs:
        fault = _move_fault(seen.checks.get((run_id, item.id), []), addresses)
        if fault:
            return Verdict(item, None, f"probe run #{run_id}{fault}")
    return Verdict(item, "verified", f"reached at its target addresses over IPv4 and IPv6, silent at its old ones, "
                                     f"in the last {seen.runs} full probe runs",
                   {"probe_runs": seen.probe_runs, "rule": item.rule, "verdict": "reached at target, old silent",
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


def _retired(item: Item, addresses: SystemAddresses, seen: Evidence) -> Verdict:
    """A zombie: its services checked and silent in every run, and nothing of it left in the plan."""
    short = _too_few(item, seen)
    if short:
        return short
    facts = []
    for run_id in seen.probe_runs:
        checks = seen.checks.get((run_id, item.id), [])
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
    checked = sorted({_host(c.address) for run_id in seen.probe_runs for c in seen.checks[(run_id, item.id)]})
    return Verdict(item, "retired", f"its services did not answer in the last {seen.runs} full probe runs and the "
                                    "plan holds none of its addresses",
                   {"probe_runs": seen.probe_runs, "rule": item.rule, "verdict": "silent and released",
                    "addresses": {"checked": checked, "planned": []}})  # fmt: skip


def _host(address: str | None) -> str:
    """``[198.18.8.40]:8080`` → ``198.18.8.40`` (the probe records TCP targets with their port)."""
    text = address or "?"
    return text[1:].partition("]")[0] if text.startswith("[") else text
