"""The connections report: each department's status in the latest probe run, grouped by township, with readiness
per administrative level, the changes since the previous run, outages and the readiness trend over a period.

The database says what happened; the inventory gives names and places. A department of the inventory that the run
did not probe is shown as ``not-probed``; one probed but no longer in the inventory is shown under its id.
"""

from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, ParamSpec, TypeVar

from ..compliance import Point
from ..compliance import trend as compliance_trend
from ..inventory import Inventory
from ..inventory.models import ADMINISTRATIVE_RANK, SiteLevel
from ..store import Store
from ..store.schema import Run
from . import vantages
from .history import (
    Change,
    Outage,
    TrendPoint,
    changes,
    down_history,
    history_counts,
    outages,
    trend,
    trend_counts,
    utc,
)
from .latest import Classified, Metrics, classified, metrics, statuses
from .vantages import Sight

FINISHED = ("ok", "problems")  # a running or failed run is not a picture of the network
NOT_PROBED = "not-probed"
STATUSES = ("dual-stack", "ipv4-only", "ipv6-only", "degraded", "down", "unknown", NOT_PROBED)
P = ParamSpec("P")
T = TypeVar("T")
GROUP_LEVELS = frozenset({SiteLevel.PROVINCE, SiteLevel.CITY, SiteLevel.COUNTY, SiteLevel.TOWNSHIP})


class NoProbeRun(Exception):
    """The database holds no finished probe run: there is nothing to report."""

    def __init__(self, message: str = "no probe run yet: run `extranet probe` first") -> None:
        super().__init__(message)


@dataclass(frozen=True)
class RunInfo:
    id: int
    status: str
    operator: str
    started_at: datetime
    finished_at: datetime | None
    summary: dict[str, Any]  # the probe's own totals, as it recorded them
    vantage: str = vantages.UNNAMED  # the probing host it ran from


@dataclass(frozen=True)
class Place:
    """Where a department sits: its site, its administrative level and the township (or county) it is listed under."""

    site: str | None  # None: the department is not in the inventory
    site_name: str
    level: str | None
    group: str | None
    group_name: str


@dataclass(frozen=True)
class DepartmentRow:
    id: str
    name: str
    place: Place
    status: str
    ipv4: str | None  # None: not probed
    ipv6: str | None
    reasons: tuple[str, ...]
    probed_at: datetime | None
    metrics: Metrics
    vantages: tuple[Sight, ...] = ()  # what each vantage saw, when the report has several


@dataclass(frozen=True)
class Group:
    id: str | None  # None: departments that are not in the inventory
    name: str
    rows: list[DepartmentRow]


@dataclass(frozen=True)
class Readiness:
    level: str  # an administrative level, or "all"
    dual_stack: int
    probed: int
    inventory: int

    @property
    def rate_probed(self) -> float | None:
        return self.dual_stack / self.probed if self.probed else None

    @property
    def rate_inventory(self) -> float | None:
        return self.dual_stack / self.inventory if self.inventory else None


@dataclass(frozen=True)
class ConnectionsReport:
    region: str
    run: RunInfo
    previous: RunInfo | None
    since: datetime
    generated_at: datetime
    rows: list[DepartmentRow]
    readiness: list[Readiness]
    changes: list[Change]
    outages: list[Outage]
    trend: list[TrendPoint]
    vantages: list[RunInfo] = field(default_factory=list)  # each vantage's latest run, merged into ``rows``
    compliance: list[Point] = field(default_factory=list)  # judgements against the intent in the period (at least
    # the last one), oldest first

    def counts(self) -> dict[str, int]:
        """Departments per status, every status listed (zero included), in severity order."""
        counted = Counter(row.status for row in self.rows)
        return {status: counted[status] for status in (*STATUSES, *sorted(set(counted) - set(STATUSES)))}

    def groups(self) -> list[Group]:
        """Rows by township (county-level departments under the county), in the order of the rows."""
        grouped: dict[str | None, list[DepartmentRow]] = defaultdict(list)
        for row in self.rows:
            grouped[row.place.group].append(row)
        return [Group(key, rows[0].place.group_name, rows) for key, rows in grouped.items()]


def build(store: Store, inv: Inventory, since: datetime, now: datetime | None = None) -> ConnectionsReport:
    """The report of the latest finished probe run, with history from ``since``; NoProbeRun when there is none.
    Several vantages (probing hosts) are merged per department (report/vantages.py)."""
    since = since.astimezone(UTC)  # SQLite compares the stored UTC wall clock
    window = store.runs("probe", since=since, statuses=FINISHED)
    recent = window if len(window) >= 2 else store.runs("probe", statuses=FINISHED)  # quiet period: look further
    if not recent:
        raise NoProbeRun()
    latest, previous = recent[-1], (recent[-2] if len(recent) >= 2 else None)
    current = vantages.current_runs(recent)  # each vantage's latest run (one vantage: the latest run)
    window_ids = [run.id for run in window]
    if len(current) <= 1 and not vantages.several(window):  # one vantage: the database counts and aggregates
        with reader(store) as beside:  # the heaviest queries first, the rest meanwhile
            checks = beside.submit(metrics, store, latest.id)
            downs = beside.submit(down_history, store, window_ids)
            places, departments = placed(inv)
            counted = beside.submit(trend_counts, store, window_ids, {dept for dept, _, _ in departments})
            now_rows = classified(store, latest.id)
            before = statuses(store, previous.id) if previous else {}
            rows = department_rows(departments, places, inv, now_rows, checks.result())
            names = {row.id: row.name for row in rows}
            found_outages = outages(downs.result(), names)
            counts = counted.result()
    else:  # several vantages: merged per department (report/vantages.py), each figure from the run it comes from
        places, departments = placed(inv)
        before_runs = vantages.current_runs(recent[:-1])
        seen = store.department_statuses(sorted({run.id for run in current + before_runs}))
        merged, sights = vantages.merged_statuses(seen, current)
        before = {d: s.status for d, s in vantages.merged_statuses(seen, before_runs)[0].items()}
        now_rows = {d: Classified(s.status, s.ipv4, s.ipv6, tuple(s.reasons or ()), s.at) for d, s in merged.items()}
        per_run = {run.id: metrics(store, run.id) for run in current}
        measured = {d: per_run[s.run_id].get(d, Metrics()) for d, s in merged.items() if s.run_id in per_run}
        rows = [replace(row, vantages=sights.get(row.id, ()))
                for row in department_rows(departments, places, inv, now_rows, measured)]  # fmt: skip
        names = {row.id: row.name for row in rows}
        history = vantages.merged_history(store, window)
        found_outages = outages(history, names)
        counts = history_counts(history, {row.id for row in rows if row.place.site is not None})
    return ConnectionsReport(
        region=inv.region.name,
        run=run_info(latest),
        previous=run_info(previous) if previous else None,
        since=since,
        generated_at=now or datetime.now(UTC),
        rows=rows,
        readiness=readiness(rows),
        changes=changes(before, {d: s.status for d, s in now_rows.items()}, names) if previous else [],
        outages=found_outages,
        trend=trend(window, counts),
        vantages=[run_info(run) for run in current],
        compliance=compliance_points(store, since),
    )


def reader(store: Store) -> Executor:
    """Where ``build`` runs its heaviest queries: on a server (PostgreSQL) beside the rest, each on a connection of
    its own, so that the server works while this process builds the rows (one waited for the other: a third of
    the report's time at a province); on SQLite in line, as they are submitted (the queries are this process's
    own work: threads only contended for the GIL, and an in-memory database is one connection's)."""
    return InLine() if store.engine.dialect.name == "sqlite" else ThreadPoolExecutor(max_workers=3)


class InLine(Executor):
    """Runs each call when it is submitted (an error is raised there, as a call's own)."""

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> "Future[T]":
        done: Future[T] = Future()
        done.set_result(fn(*args, **kwargs))
        return done


def compliance_points(store: Store, since: datetime) -> list[Point]:
    """The judgements recorded since ``since``; the last one before it when none was (a quiet period)."""
    found = compliance_trend(store)
    inside = [p for p in found if p.at >= since]
    return inside or found[-1:]


def run_info(run: Run) -> RunInfo:
    finished = utc(run.finished_at) if run.finished_at else None
    return RunInfo(run.id, run.status, run.operator, utc(run.started_at), finished, dict(run.summary or {}),
                   vantages.name(run.vantage))  # fmt: skip


def placed(inv: Inventory) -> tuple[dict[str, Place], list[tuple[str, str, str]]]:
    """Each site's place, and each department's id, name and site, in inventory order."""
    return {site: place_of(inv, site) for site in inv.sites}, inv.fields("departments", "id", "name", "site")


def place_of(inv: Inventory, site_id: str) -> Place:
    """The site's administrative level and its group: the nearest township (or county, …) at or above it."""
    chain, seen = [], set()
    site = inv.sites.get(site_id)
    while site is not None and site.id not in seen:
        chain.append(site)
        seen.add(site.id)
        site = inv.sites.get(site.parent) if site.parent else None
    level = next((s.level for s in chain if s.level in ADMINISTRATIVE_RANK), None)
    group = next((s for s in chain if s.level in GROUP_LEVELS), chain[0] if chain else None)
    return Place(
        site_id,
        chain[0].name if chain else site_id,
        str(level) if level else None,
        group.id if group else None,
        group.name if group else site_id,
    )


def department_rows(
    departments: list[tuple[str, str, str]],
    places: dict[str, Place],
    inv: Inventory,
    statuses: dict[str, Classified],
    measured: dict[str, Metrics],
) -> list[DepartmentRow]:
    """Every inventory department (``departments``: the id, name and site of each; grouped: county first, then
    townships in inventory order), then any department the run probed that the inventory no longer has."""
    order = {site: i for i, site in enumerate(inv.sites)}

    def position(place: Place) -> tuple[int, int, int]:  # the group's level, the group, the department's level
        group = inv.sites[place.group] if place.group else None
        return (
            ADMINISTRATIVE_RANK.get(group.level, 9) if group else 9,
            order.get(place.group or "", 0),
            ADMINISTRATIVE_RANK.get(SiteLevel(place.level), 9) if place.level else 9,
        )

    positions = {site: position(place) for site, place in places.items()}  # per site: 10^5 departments, 10^4 sites
    departments = sorted(departments, key=lambda d: positions[d[2]])
    rows = [_row(dept, name, places[site], statuses.get(dept), measured.get(dept)) for dept, name, site in departments]
    known = {dept for dept, _, _ in departments}
    unknown = Place(None, "", None, None, "")
    rows += [_row(dept, dept, unknown, s, measured.get(dept)) for dept, s in statuses.items() if dept not in known]
    return rows


def _row(dept: str, name: str, place: Place, status: Classified | None, measured: Metrics | None) -> DepartmentRow:
    if status is None:
        return DepartmentRow(dept, name, place, NOT_PROBED, None, None, (), None, Metrics())
    return DepartmentRow(
        dept, name, place, status.status, status.ipv4, status.ipv6, status.reasons, utc(status.at),
        measured or Metrics(),
    )  # fmt: skip


def readiness(rows: list[DepartmentRow]) -> list[Readiness]:
    """Per administrative level present, and "all" their sum (departments not in the inventory have no level):
    dual-stack ÷ probed and ÷ all the inventory's departments."""
    in_inventory = Counter(row.place.level for row in rows if row.place.site is not None)
    probed = Counter(row.place.level for row in rows if row.status != NOT_PROBED)
    dual = Counter(row.place.level for row in rows if row.status == "dual-stack")
    levels = [str(level) for level in ADMINISTRATIVE_RANK if in_inventory[level] or probed[level]]
    per_level = [Readiness(level, dual[level], probed[level], in_inventory[level]) for level in levels]
    total = Readiness(
        "all",
        sum(r.dual_stack for r in per_level),
        sum(r.probed for r in per_level),
        sum(r.inventory for r in per_level),
    )
    return [*per_level, total]


def parse_since(text: str, now: datetime) -> datetime:
    """``--since``: a date or date-time (local time unless it says), or a span back from ``now`` (``7d``, ``12h``).

    >>> now = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    >>> parse_since("7d", now).isoformat(), parse_since("12h", now).isoformat()
    ('2026-11-23T08:00:00+00:00', '2026-11-29T20:00:00+00:00')
    >>> parse_since("1000000d", now)
    Traceback (most recent call last):
    ValueError: --since '1000000d': reaches back before the year 1; give a date (2026-11-01)
    >>> parse_since("2026-11-01T00:00+08:00", now).isoformat()
    '2026-11-01T00:00:00+08:00'
    """
    spans = {"d": timedelta(days=1), "h": timedelta(hours=1)}
    number, unit = text[:-1], text[-1:].lower()
    if unit in spans and number.isdigit():
        try:
            return now - int(number) * spans[unit]
        except OverflowError:  # before the year 1
            raise ValueError(f"--since {text!r}: reaches back before the year 1; give a date (2026-11-01)") from None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--since {text!r}: give a date (2026-11-01), a date-time or a span back (7d, 12h)") from None
    return moment if moment.tzinfo else moment.astimezone()
