"""What the runs of a period say together: status changes between two runs, outages, the readiness trend."""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, func, select

from ..store import Store
from ..store.schema import DepartmentStatus, Run

CHUNK = 500  # departments per IN list (SQLite allows 32,766 parameters, the run ids included)
UP = frozenset({"dual-stack", "ipv4-only", "ipv6-only", "degraded"})  # reachable over at least one family


@dataclass(frozen=True)
class Sample:
    """A department's status in one run: the columns the history needs, not the whole row."""

    run_id: int
    department: str
    status: str
    at: datetime


@dataclass(frozen=True)
class Change:
    department: str
    name: str
    kind: str  # changed, new (not in the previous run), removed (not in this run)
    before: str | None
    after: str | None


@dataclass(frozen=True)
class Outage:
    """Down from the first run that saw it down to the first that saw it up again (None: still down).

    A run that could not tell (unknown) or did not probe the department does not end an outage.
    """

    department: str
    name: str
    start: datetime
    end: datetime | None
    last_down: datetime

    @property
    def ongoing(self) -> bool:
        return self.end is None

    @property
    def duration(self) -> timedelta:
        """Until it came back; for an ongoing outage, until the last run that saw it down."""
        return (self.end or self.last_down) - self.start


@dataclass(frozen=True)
class TrendPoint:
    run: int
    at: datetime
    dual_stack: int
    probed: int

    @property
    def rate(self) -> float | None:
        return self.dual_stack / self.probed if self.probed else None


def down_history(store: Store, run_ids: list[int]) -> list[Sample]:
    """The statuses in these runs of every department that was down in one of them, in run order: the history
    outages are found in. Only those departments: a province's month of runs is millions of rows."""
    if not run_ids:
        return []
    columns = (DepartmentStatus.id, DepartmentStatus.run_id, DepartmentStatus.department, DepartmentStatus.status,
               DepartmentStatus.at)  # fmt: skip
    window = set(run_ids)
    found = []
    with store.reading() as s:
        downs = select(DepartmentStatus.department).distinct()
        down = list(s.scalars(downs.where(DepartmentStatus.run_id.in_(run_ids), DepartmentStatus.status == "down")))
        for start in range(0, len(down), CHUNK):  # by department alone: SQLite would rather scan the runs' rows
            query = select(*columns).where(DepartmentStatus.department.in_(down[start : start + CHUNK]))
            found += [(run_id, id_, dept, status, at) for id_, run_id, dept, status, at in s.execute(query)
                      if run_id in window]  # fmt: skip
    found.sort()  # by run, then as saved (the ids are unique: nothing further is compared)
    return [Sample(run_id, dept, status, utc(at)) for run_id, _, dept, status, at in found]


def trend_counts(store: Store, run_ids: list[int], departments: set[str]) -> dict[int, tuple[int, int]]:
    """Per run, how many of ``departments`` (the inventory's) it classified, and how many as dual-stack: counted
    by the database, less the departments it holds that are not among them (few, if any)."""
    if not run_ids:
        return {}
    dual = func.sum(case((DepartmentStatus.status == "dual-stack", 1), else_=0))
    counting = select(DepartmentStatus.run_id, func.count(), dual).group_by(DepartmentStatus.run_id)
    with store.reading() as s:
        totals = {run: [int(n), int(d or 0)] for run, n, d in
                  s.execute(counting.where(DepartmentStatus.run_id.in_(run_ids)))}  # fmt: skip
        others = [d for d in s.scalars(select(DepartmentStatus.department).distinct()) if d not in departments]
        for start in range(0, len(others), CHUNK):
            chunk = others[start : start + CHUNK]
            query = counting.where(DepartmentStatus.run_id.in_(run_ids), DepartmentStatus.department.in_(chunk))
            for run, n, d in s.execute(query):
                totals[run][0] -= int(n)
                totals[run][1] -= int(d or 0)
    return {run: (probed, dual_stack) for run, (probed, dual_stack) in totals.items()}


def history_counts(history: list[Sample], departments: set[str]) -> dict[int, tuple[int, int]]:
    """``trend_counts`` from statuses already read (the vantages' merged history)."""
    probed: Counter[int] = Counter()
    dual: Counter[int] = Counter()
    for sample in history:
        if sample.department in departments:
            probed[sample.run_id] += 1
            dual[sample.run_id] += sample.status == "dual-stack"
    return {run: (probed[run], dual[run]) for run in probed}


def changes(before: dict[str, str], after: dict[str, str], names: dict[str, str]) -> list[Change]:
    """Departments whose status differs between two runs, and those only one of the runs probed; in ``names``
    order (the report's rows), then any others."""
    order = [*names, *(d for d in [*after, *before] if d not in names)]
    found: list[Change] = []
    for dept in dict.fromkeys(order):
        old, new = before.get(dept), after.get(dept)
        if old == new:
            continue
        kind = "new" if old is None else "removed" if new is None else "changed"
        found.append(Change(dept, names.get(dept, dept), kind, old, new))
    return found


def outages(history: list[Sample], names: dict[str, str]) -> list[Outage]:
    """Every period of down in the history: ongoing ones first, then the most recent first."""
    down: dict[str, tuple[datetime, datetime]] = {}  # department → (start, last seen down)
    found: list[Outage] = []
    for sample in history:
        if sample.status == "down":
            start = down[sample.department][0] if sample.department in down else sample.at
            down[sample.department] = (start, sample.at)
        elif sample.status in UP and sample.department in down:
            start, last = down.pop(sample.department)
            found.append(
                Outage(sample.department, names.get(sample.department, sample.department), start, sample.at, last)
            )
    found += [Outage(dept, names.get(dept, dept), start, None, last) for dept, (start, last) in down.items()]
    return sorted(found, key=lambda o: (not o.ongoing, -o.start.timestamp(), o.department))


def trend(runs: list[Run], counts: dict[int, tuple[int, int]]) -> list[TrendPoint]:
    """The share of probed departments (the inventory's) that are dual-stack, run by run (``trend_counts``)."""
    points = []
    for run in runs:
        probed, dual = counts.get(run.id, (0, 0))
        points.append(TrendPoint(run.id, utc(run.started_at), dual, probed))
    return points


def utc(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; the store writes UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
