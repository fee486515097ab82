"""Evidence gates: an item moves only when the network shows it, never because someone said so.

Built so far: a department's connection is ``verified`` when the last ``runs`` full probe runs (`extranet probe`:
every department, both families) each classified it dual-stack; the evidence is those runs' ids. The gates of
private networks, systems, exits and zombies (they need the probe of their target addresses, the config
history and the lab playbooks) are not built yet: such items are held with that reason.
"""

from dataclasses import dataclass, field
from typing import Any

from ..store import Store
from .items import DONE, Item

FULL_PROBE = "probe"  # cli.probe.KIND: a run over every department and both address families
FINISHED = ("ok", "problems")
DEFAULT_RUNS = 3


@dataclass(frozen=True)
class Verdict:
    item: Item
    state: str | None  # the state the evidence allows; None: it stays
    why: str
    evidence: dict[str, Any] = field(default_factory=dict)


def judge(store: Store, chosen: list[Item], runs: int = DEFAULT_RUNS) -> list[Verdict]:
    """What the evidence says of each item."""
    probe_runs = [r.id for r in store.runs(FULL_PROBE, statuses=FINISHED)][-runs:]
    statuses: dict[tuple[int, str], tuple[str, list[str]]] = {}
    if probe_runs:
        for row in store.department_statuses(probe_runs):
            statuses[(row.run_id, row.department)] = (row.status, list(row.reasons))
    return [_judge(item, probe_runs, statuses, runs) for item in chosen]


def _judge(item: Item, probe_runs: list[int], statuses: dict[tuple[int, str], tuple[str, list[str]]],
           runs: int) -> Verdict:  # fmt: skip
    if item.state in DONE:
        return Verdict(item, None, f"already {item.state}")
    if item.kind != "connection":
        return Verdict(item, None, f"no evidence gate for {item.kind} items yet: use `extranet track override` "
                                   "with a second operator's approval")  # fmt: skip
    if item.disposition == "connect":
        return Verdict(item, None, "not connected: the inventory gives it no uplink yet")
    if len(probe_runs) < runs:
        return Verdict(item, None, f"{len(probe_runs)} of the {runs} full probe runs needed have been made "
                                   "(extranet probe)")  # fmt: skip
    for run_id in probe_runs:
        status, reasons = statuses.get((run_id, item.id), ("not probed", []))
        if status != "dual-stack":
            said = f": {'; '.join(reasons)}" if reasons else ""
            return Verdict(item, None, f"probe run #{run_id} classified it {status}{said}")
    return Verdict(item, "verified", f"dual-stack in the last {runs} full probe runs",
                   {"probe_runs": probe_runs, "rule": item.rule, "verdict": "dual-stack"})  # fmt: skip
