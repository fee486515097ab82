"""The monthly supervision report (督查月报): where the region and each department stand at the end of a month.

Numbers come only from the inventory and the database, so the same month gives the same report:

- **The month** is the offices' calendar month in UTC+8 (China has one time zone and no summer time): from the
  1st 00:00 to the next month's 1st 00:00, UTC+8. A month not over yet is reported up to the end of today
  (UTC+8) and marked partial; a month that has not begun is refused.
- **Connection** is the department's status in the last full probe run (``probe``, finished ok or with problems)
  that finished within the month; none: ``not-probed``. Connected = reachable over at least one family.
- **Items** (``track.items``) take the states the applied track events recorded before the month's end gave
  them (``track.state.standings``); deadlines are judged on the month's last day (``Item.overdue_days``).
- **Violations** of open items: a classified system or network outside the internal network (the item's own
  ``violation``), and, past their deadline, an own Internet exit not withdrawn, a zombie not retired, an
  unclassified system not on the cloud. One violation per item, the classified placement first.
- **Rank**: by the share of the department's items done (verified, closed, retired or exempted ÷ all its items),
  then fewer overdue items, then its connection (dual-stack first, not probed last), then its id.
- **Trend**: the same figures (items done, connection) at the end of each of the ``TREND_MONTHS`` months up to
  this one, each computed from that month's own probe run and events.
"""

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, timezone

from ..compliance import Point
from ..compliance import trend as compliance_trend
from ..history.checkpoint import CHECKPOINT_ACTION
from ..inventory import Inventory
from ..store import Store
from ..store.schema import DepartmentStatus, Run, TrackEvent
from ..track.items import DONE, KINDS, Item, items
from ..track.state import STATES, standings
from . import vantages
from .connections import FINISHED, NOT_PROBED, RunInfo, place_of, run_info
from .history import UP, utc

OFFICE_TIME = timezone(timedelta(hours=8), "UTC+8")
TREND_MONTHS = 3
CONNECTIONS = ("dual-stack", "ipv4-only", "ipv6-only", "degraded", "unknown", "down", NOT_PROBED)  # best first
OVERDUE_VIOLATIONS = {"withdraw": "exit-not-withdrawn", "retire": "zombie-not-retired", "cloud": "not-on-cloud"}
VIOLATIONS = ("classified-placement", *OVERDUE_VIOLATIONS.values())
LEVELS = ("province", "city", "county", "township", "village")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=OFFICE_TIME)

    @property
    def end(self) -> datetime:
        """The first moment of the next month (UTC+8)."""
        return self.next().start

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(days=1)).date()

    def next(self) -> "Month":
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> "Month":
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def parse_month(text: str, now: datetime) -> Month:
    """``--month YYYY-MM``: a month that has begun (UTC+8) by ``now``.

    >>> now = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # 01:00 on 1 December in UTC+8
    >>> str(parse_month("2026-12", now)), str(parse_month("2026-01", now))
    ('2026-12', '2026-01')
    >>> parse_month("2027-01", now)
    Traceback (most recent call last):
    ValueError: --month 2027-01 has not begun yet (today is 2026-12-01, UTC+8): give this month or an earlier one
    >>> parse_month("2026-13", now)
    Traceback (most recent call last):
    ValueError: --month '2026-13': give a month as YYYY-MM, e.g. 2026-10
    """
    found = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not found or not 1 <= int(found[2]) <= 12 or int(found[1]) < 1:
        raise ValueError(f"--month {text!r}: give a month as YYYY-MM, e.g. 2026-10")
    month = Month(int(found[1]), int(found[2]))
    today = now.astimezone(OFFICE_TIME).date()
    if month.start.date() > today:
        raise ValueError(f"--month {month} has not begun yet (today is {today}, UTC+8): give this month or an "
                         "earlier one")  # fmt: skip
    return month


@dataclass(frozen=True)
class Cutoff:
    """What a month's figures are taken up to: runs and events before ``at``; deadlines judged on ``day``."""

    month: Month
    at: datetime
    day: date
    partial: bool  # the month is not over: figures up to the end of today

    @classmethod
    def of(cls, month: Month, now: datetime) -> "Cutoff":
        tomorrow = datetime.combine(now.astimezone(OFFICE_TIME).date() + timedelta(days=1), datetime.min.time(),
                                    OFFICE_TIME)  # fmt: skip
        at = min(month.end, tomorrow)
        return cls(month, at, (at - timedelta(days=1)).date(), at < month.end)


@dataclass(frozen=True)
class Overdue:
    item: str
    kind: str
    owner: str
    disposition: str
    deadline: date
    days: int


@dataclass(frozen=True)
class Violation:
    item: str
    kind: str  # one of VIOLATIONS
    owner: str
    deadline: date | None
    days: int  # days overdue (0 for a classified placement within its deadline)
    detail: str


@dataclass(frozen=True)
class Snapshot:
    """The region at one cut-off: each department's connection and every item's state."""

    cutoff: Cutoff
    run: RunInfo | None
    connection: dict[str, str]  # department -> status in the month's probe run
    items: list[Item]


@dataclass(frozen=True)
class LevelSummary:
    level: str  # an administrative level, or "all"
    departments: int
    probed: int
    connected: int  # reachable over at least one family
    dual_stack: int

    @property
    def rate(self) -> float | None:
        """Dual-stack readiness: dual-stack ÷ the level's departments in the inventory."""
        return self.dual_stack / self.departments if self.departments else None


@dataclass(frozen=True)
class KindProgress:
    kind: str  # an item kind, or "all"
    states: dict[str, int]  # every state, zero included
    due: int  # items whose deadline is on or before the cut-off day: what the plan wants done by now
    due_done: int
    overdue: int

    @property
    def total(self) -> int:
        return sum(self.states.values())

    @property
    def done(self) -> int:
        return sum(self.states[s] for s in DONE)


@dataclass(frozen=True)
class TrendPoint:
    month: str
    done: int
    connection: str


@dataclass(frozen=True)
class DepartmentProgress:
    id: str
    name: str
    level: str | None
    connection: str
    states: dict[str, int]
    overdue: list[Overdue]
    violations: list[Violation]
    trend: list[TrendPoint]  # oldest month first, this month last
    rank: int

    @property
    def total(self) -> int:
        return sum(self.states.values())

    @property
    def done(self) -> int:
        return sum(self.states[s] for s in DONE)

    @property
    def share(self) -> float:
        """Items done ÷ all its items (a department with no items has nothing left: 1)."""
        return self.done / self.total if self.total else 1.0


@dataclass(frozen=True)
class Given:
    """A checkpoint of the audit log given out (``audit checkpoint``), as the log recorded it."""

    at: datetime
    operator: str
    size: int  # events covered
    root: str  # the Merkle tree head, base64
    key: str  # the key's name
    written_to: str
    note: str  # the signed note itself


@dataclass(frozen=True)
class ProgressReport:
    region: str
    cutoff: Cutoff
    run: RunInfo | None
    levels: list[LevelSummary]
    kinds: list[KindProgress]
    overdue: list[Overdue]
    violations: list[Violation]
    departments: list[DepartmentProgress]  # by rank
    months: list[str]  # the trend's months, oldest first
    compliance: list[Point | None] = field(default_factory=list)  # per trend month: the last judgement before its end
    checkpoint: Given | None = None  # the last signed checkpoint of the audit log given out before the cut-off

    @property
    def month(self) -> Month:
        return self.cutoff.month


def build(store: Store, inv: Inventory, month: Month, now: datetime) -> ProgressReport:
    """The report of ``month`` as the database recorded it up to the month's end (or today, ``now``)."""
    runs = store.runs("probe", statuses=FINISHED)
    events = store.track_events()
    cutoffs = [Cutoff.of(m, now) for m in trend_months(month)]
    chosen = {c.month: month_runs(runs, c) for c in cutoffs}
    wanted = sorted({run.id for month in chosen.values() for run in month})
    rows = store.department_statuses(wanted) if wanted else []
    statuses = {c.month: month_statuses(rows, chosen[c.month]) for c in cutoffs}
    shots = [snapshot(inv, c, month_run(chosen[c.month], c), statuses[c.month], events) for c in cutoffs]
    judged = compliance_trend(store)
    at = cutoffs[-1].at.astimezone(UTC)
    found = store.last_audit_event(CHECKPOINT_ACTION, at)
    given = None if found is None else Given(utc(found.at), found.operator, int(found.detail.get("size", 0)),
                                             str(found.detail.get("root", "")), str(found.detail.get("key", "")),
                                             str(found.detail.get("written_to", "")), str(found.detail.get("note", "")))
    return replace(assemble(inv, shots), checkpoint=given,
                   compliance=[_last([p for p in judged if p.at < c.at.astimezone(UTC)]) for c in cutoffs])


def _last(points: list[Point]) -> Point | None:
    return points[-1] if points else None


def trend_months(month: Month) -> list[Month]:
    """``month`` and the ones before it, oldest first."""
    months = [month]
    for _ in range(TREND_MONTHS - 1):
        months.insert(0, months[0].previous())
    return months


def month_run(runs: Sequence[Run], cutoff: Cutoff) -> Run | None:
    """The last finished probe run that finished within the month (before the cut-off)."""
    return max(_inside(runs, cutoff), key=lambda r: (utc(r.finished_at or r.started_at), r.id), default=None)


def month_runs(runs: Sequence[Run], cutoff: Cutoff) -> list[Run]:
    """The month's picture: each probing host's (vantage's) last run that finished within the month, those
    started within a day of the newest (``vantages.current_runs``), in run order; the last is ``month_run``'s
    when one vantage probes."""
    inside = sorted(_inside(runs, cutoff), key=lambda r: (utc(r.started_at), r.id))
    if not vantages.several(inside):
        last = month_run(inside, cutoff)
        return [last] if last is not None else []
    return vantages.current_runs(inside)


def _inside(runs: Sequence[Run], cutoff: Cutoff) -> list[Run]:
    start, end = cutoff.month.start.astimezone(UTC), cutoff.at.astimezone(UTC)
    return [r for r in runs if r.finished_at is not None and start <= utc(r.finished_at) < end]


def month_statuses(rows: Sequence[DepartmentStatus], runs: Sequence[Run]) -> dict[str, str]:
    """Each department's status in the month's runs: one vantage's as it saw it, several merged per department
    as the connections report merges them (the best any vantage saw; a path problem is no outage)."""
    if len(runs) <= 1:
        return {row.department: row.status for row in rows if runs and row.run_id == runs[0].id}
    merged, _ = vantages.merged_statuses(rows, runs)
    return {department: row.status for department, row in merged.items()}


def snapshot(inv: Inventory, cutoff: Cutoff, run: Run | None, statuses: dict[str, str],
             events: Sequence[TrackEvent]) -> Snapshot:  # fmt: skip
    """Connections as the month's runs saw them (``statuses``; ``run``: the newest of them), item states from
    the events recorded before the cut-off."""
    end = cutoff.at.astimezone(UTC)
    recorded = sorted((e for e in events if utc(e.at) < end), key=lambda e: (utc(e.at), e.id or 0))
    found = [s.item for s in standings(items(inv, cutoff.day), recorded)]
    return Snapshot(cutoff, run_info(run) if run is not None else None, dict(statuses), found)


def overdue_of(found: Sequence[Item], day: date) -> list[Overdue]:
    """Open items past their deadline on ``day``, most days first, then by item."""
    late = [Overdue(i.item, i.kind, i.owner, i.disposition, i.deadline, i.overdue_days(day))
            for i in found if i.deadline is not None and i.overdue_days(day)]  # fmt: skip
    return sorted(late, key=lambda o: (-o.days, o.item))


def violations_of(found: Sequence[Item], day: date) -> list[Violation]:
    """What breaks an order on ``day`` (see the module's notes), by kind of violation, then item."""
    found_violations = []
    for i in found:
        if not i.open:
            continue
        days = i.overdue_days(day)
        if i.violation:
            found_violations.append(Violation(i.item, VIOLATIONS[0], i.owner, i.deadline, days, i.violation))
        elif days and i.disposition in OVERDUE_VIOLATIONS:
            found_violations.append(Violation(i.item, OVERDUE_VIOLATIONS[i.disposition], i.owner, i.deadline, days,
                                              "; ".join(i.reasons)))  # fmt: skip
    return sorted(found_violations, key=lambda v: (VIOLATIONS.index(v.kind), v.item))


def assemble(inv: Inventory, shots: list[Snapshot]) -> ProgressReport:
    """The report from the snapshots of the trend's months (the report's own month last)."""
    now = shots[-1]
    day = now.cutoff.day
    late, broken = overdue_of(now.items, day), violations_of(now.items, day)
    rows = []
    for dept in inv.departments.values():
        own = [i for i in now.items if i.owner == dept.id]
        rows.append(DepartmentProgress(
            dept.id, dept.name, place_of(inv, dept.site).level, now.connection.get(dept.id, NOT_PROBED),
            state_counts(own), [o for o in late if o.owner == dept.id], [v for v in broken if v.owner == dept.id],
            [TrendPoint(str(s.cutoff.month), sum(1 for i in s.items if i.owner == dept.id and not i.open),
                        s.connection.get(dept.id, NOT_PROBED)) for s in shots],
            0,
        ))  # fmt: skip
    return ProgressReport(
        region=inv.region.name,
        cutoff=now.cutoff,
        run=now.run,
        levels=level_summary(inv, now.connection),
        kinds=kind_progress(now.items, day),
        overdue=late,
        violations=broken,
        departments=ranked(rows),
        months=[str(s.cutoff.month) for s in shots],
    )


def state_counts(found: Sequence[Item]) -> dict[str, int]:
    counted = Counter(i.state for i in found)
    return {state: counted[state] for state in (*STATES, *sorted(set(counted) - set(STATES)))}


def level_summary(inv: Inventory, connection: dict[str, str]) -> list[LevelSummary]:
    """Per administrative level present in the inventory, then "all"."""
    rows: dict[str, list[str]] = {}
    for dept in inv.departments.values():
        rows.setdefault(place_of(inv, dept.site).level or "", []).append(connection.get(dept.id, NOT_PROBED))
    summary = [
        LevelSummary(level, len(seen), sum(s != NOT_PROBED for s in seen), sum(s in UP for s in seen),
                     sum(s == "dual-stack" for s in seen))
        for level in LEVELS if (seen := rows.get(level))
    ]  # fmt: skip
    fields = ("departments", "probed", "connected", "dual_stack")
    return [*summary, LevelSummary("all", *(sum(getattr(s, f) for s in summary) for f in fields))]


def kind_progress(found: Sequence[Item], day: date) -> list[KindProgress]:
    """Per item kind, then "all": items by state against what the plan wants done by ``day``."""

    def progress(kind: str, chosen: list[Item]) -> KindProgress:
        due = [i for i in chosen if i.deadline is not None and i.deadline <= day]
        return KindProgress(kind, state_counts(chosen), len(due), sum(not i.open for i in due),
                            sum(1 for i in chosen if i.overdue_days(day)))  # fmt: skip

    per_kind = [progress(kind, [i for i in found if i.kind == kind]) for kind in KINDS]
    return [*per_kind, progress("all", list(found))]


def score(row: DepartmentProgress) -> tuple[float, int, int, str]:
    """The rank's order: a higher share done, fewer overdue, a better connection, then the id."""
    connection = CONNECTIONS.index(row.connection) if row.connection in CONNECTIONS else len(CONNECTIONS)
    return (-row.share, len(row.overdue), connection, row.id)


def ranked(rows: list[DepartmentProgress]) -> list[DepartmentProgress]:
    return [replace(row, rank=place) for place, row in enumerate(sorted(rows, key=score), start=1)]
