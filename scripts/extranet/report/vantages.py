"""Several probing hosts (vantages) sharing one database: each department as they see it together.

Each vantage's latest finished run is part of the picture when it started within ``FRESH`` of the newest run
(a vantage that stops probing drops out a day later). Per address family a department is at the best state any
of those vantages saw (ok, then degraded, down, absent, unknown): a department that answers from one vantage is
up. A vantage that saw a family down or degraded where another saw it better has a path problem between it and
the department — not a department down — and the department's reasons say so, naming both. With one vantage
nothing here changes the report.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from sqlalchemy import select

from ..store import Store
from ..store.schema import DepartmentStatus, Run
from .history import Sample, utc

FRESH = timedelta(hours=24)
FAMILY_RANK = {"ok": 0, "degraded": 1, "down": 2, "absent": 3, "unknown": 4}
STATUS_RANK = {"dual-stack": 0, "ipv4-only": 1, "ipv6-only": 1, "degraded": 2, "down": 3, "unknown": 4}
UNNAMED = "unnamed"  # a run recorded without a vantage (never by `extranet probe` since migration 0007)


@dataclass(frozen=True)
class Sight:
    """What one vantage's run saw of a department."""

    vantage: str
    run: int
    status: str


class Seen(Protocol):
    """A department's classification in one run: a DepartmentStatus row, or the history's columns of one."""

    @property
    def run_id(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def ipv4(self) -> str: ...
    @property
    def ipv6(self) -> str: ...
    @property
    def at(self) -> datetime: ...


@dataclass(frozen=True)
class Observed:
    run_id: int
    status: str
    ipv4: str
    ipv6: str
    at: datetime


S = TypeVar("S", bound=Seen)


def name(vantage: str | None) -> str:
    return vantage or UNNAMED


def current_runs(runs: Sequence[Run]) -> list[Run]:
    """Each vantage's latest run of ``runs`` (oldest first) that started within FRESH of the newest, in run order.

    With one vantage: the newest run alone."""
    if not runs:
        return []
    latest = {run.vantage: run for run in sorted(runs, key=lambda r: (utc(r.started_at), r.id))}
    horizon = utc(runs[-1].started_at) - FRESH
    return sorted((run for run in latest.values() if utc(run.started_at) >= horizon), key=lambda r: r.id)


def best_state(states: Iterable[str]) -> str:
    """The best of some vantages' states of one family.

    >>> best_state(["down", "ok"]), best_state(["unknown", "down"]), best_state(["absent", "absent"])
    ('ok', 'down', 'absent')
    """
    return min(states, key=lambda state: FAMILY_RANK.get(state, len(FAMILY_RANK)))


def status_of(ipv4: str, ipv6: str) -> str:
    """A department's status from its two families' states, as the probe classifies it (probe/classify.py).

    >>> status_of("ok", "ok"), status_of("ok", "down"), status_of("down", "absent"), status_of("degraded", "ok")
    ('dual-stack', 'ipv4-only', 'down', 'degraded')
    """
    states = {ipv4, ipv6}
    if states <= {"down", "absent"}:
        return "down"
    if "degraded" in states:
        return "degraded"
    if "unknown" in states:
        return "unknown"
    if states == {"ok"}:
        return "dual-stack"
    return "ipv4-only" if ipv4 == "ok" else "ipv6-only"


def merge(seen: Sequence[S]) -> tuple[str, str, str, S]:
    """The department's status, IPv4 and IPv6 states from what several vantages saw, and the sight it mostly
    comes from (the best status, the most recent of equals): its own status when its families are the best,
    else the status the best families make (IPv4 from one vantage and IPv6 from another: dual-stack)."""
    chosen = min(seen, key=lambda s: (STATUS_RANK.get(s.status, len(STATUS_RANK)), -utc(s.at).timestamp()))
    ipv4, ipv6 = best_state(s.ipv4 for s in seen), best_state(s.ipv6 for s in seen)
    if (ipv4, ipv6) == (chosen.ipv4, chosen.ipv6):
        return chosen.status, ipv4, ipv6, chosen
    return status_of(ipv4, ipv6), ipv4, ipv6, chosen


def path_problems(seen: Sequence[tuple[str, Seen]], ipv4: str, ipv6: str) -> list[str]:
    """A reason for each vantage that saw a family down or degraded where another saw it better."""
    found = []
    for family, best in ((4, ipv4), (6, ipv6)):
        state = {vantage: s.ipv4 if family == 4 else s.ipv6 for vantage, s in seen}
        better = ", ".join(vantage for vantage, s in state.items() if s == best)
        for vantage, s in state.items():
            if s in ("down", "degraded") and FAMILY_RANK[s] > FAMILY_RANK.get(best, len(FAMILY_RANK)):
                found.append(f"IPv{family}: {s} from vantage {vantage}, {best} from {better}: a path problem, "
                             "not the department")  # fmt: skip
    return found


def merged_statuses(
    statuses: Iterable[DepartmentStatus], runs: Sequence[Run]
) -> tuple[dict[str, DepartmentStatus], dict[str, tuple[Sight, ...]]]:
    """Per department, its classification from the ``runs`` (one per vantage) together — the row itself where
    one vantage saw it, else a new row attributed to the run it mostly comes from, its reasons those of the
    runs that saw each family best and the path problems — and what each vantage saw."""
    if len(runs) <= 1:  # one vantage: its rows as they are
        return {s.department: s for s in statuses if runs and s.run_id == runs[0].id}, {}
    vantage_of = {run.id: name(run.vantage) for run in runs}
    by_department: dict[str, list[DepartmentStatus]] = defaultdict(list)
    for row in statuses:
        if row.run_id in vantage_of:
            by_department[row.department].append(row)
    merged: dict[str, DepartmentStatus] = {}
    sights: dict[str, tuple[Sight, ...]] = {}
    for department, seen in by_department.items():
        sights[department] = tuple(Sight(vantage_of[s.run_id], s.run_id, s.status) for s in seen)
        if len(seen) == 1:
            merged[department] = seen[0]
            continue
        status, ipv4, ipv6, chosen = merge(seen)
        merged[department] = DepartmentStatus(
            run_id=chosen.run_id, department=department, at=chosen.at, status=status, ipv4=ipv4, ipv6=ipv6,
            reasons=_reasons(seen, chosen, ipv4, ipv6) + path_problems(
                [(vantage_of[s.run_id], s) for s in seen], ipv4, ipv6),
        )  # fmt: skip
    return merged, sights


def _reasons(seen: Sequence[DepartmentStatus], chosen: DepartmentStatus, ipv4: str, ipv6: str) -> list[str]:
    """The chosen sight's reasons; where a family's best state came from another sight, that family's reasons
    are the other's."""
    reasons = list(chosen.reasons or [])
    for family, best in ((4, ipv4), (6, ipv6)):
        if (chosen.ipv4 if family == 4 else chosen.ipv6) == best:
            continue
        source = next(s for s in seen if (s.ipv4 if family == 4 else s.ipv6) == best)
        prefix = f"IPv{family}:"
        reasons = [r for r in reasons if not r.startswith(prefix)]
        reasons += [r for r in source.reasons or [] if r.startswith(prefix)]
    return reasons


def several(runs: Iterable[Run]) -> bool:
    """Whether the runs come from more than one vantage."""
    return len({run.vantage for run in runs}) > 1


def merged_history(store: Store, runs: Sequence[Run]) -> list[Sample]:
    """The statuses of ``runs`` (run order) as the vantages saw them together: each department a run probed, at
    the merged state of the latest sights of it from each vantage within FRESH before."""
    if not runs:
        return []
    vantage_of = {run.id: name(run.vantage) for run in runs}
    query = (
        select(DepartmentStatus.run_id, DepartmentStatus.department, DepartmentStatus.status, DepartmentStatus.ipv4,
               DepartmentStatus.ipv6, DepartmentStatus.at)
        .where(DepartmentStatus.run_id.in_(list(vantage_of)))
        .order_by(DepartmentStatus.run_id, DepartmentStatus.id)
    )  # fmt: skip
    latest: dict[str, dict[str, Observed]] = defaultdict(dict)
    found = []
    with store.sessions() as session:
        for run_id, department, status, ipv4, ipv6, at in session.execute(query).yield_per(10_000):
            observed = Observed(run_id, status, ipv4, ipv6, utc(at))
            views = latest[department]
            views[vantage_of[run_id]] = observed
            fresh = [v for v in views.values() if observed.at - v.at <= FRESH]
            found.append(Sample(run_id, department, merge(fresh)[0], observed.at))
    return found
