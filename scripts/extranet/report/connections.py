"""The connections report: each department's status in the latest probe run, grouped by township, with readiness
per administrative level, the changes since the previous run, outages and the readiness trend over a period.

The database says what happened; the inventory gives names and places. A department of the inventory that the run
did not probe is shown as ``not-probed``; one probed but no longer in the inventory is shown under its id.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from ..compliance import Point
from ..compliance import trend as compliance_trend
from ..inventory import Inventory
from ..inventory.models import ADMINISTRATIVE_RANK, SiteLevel
from ..store import Store
from ..store.schema import DepartmentStatus, ProbeResult, Run
from . import vantages
from .history import Change, Outage, TrendPoint, changes, outages, status_history, trend, utc
from .vantages import Sight

FINISHED = ("ok", "problems")  # a running or failed run is not a picture of the network
NOT_PROBED = "not-probed"
STATUSES = ("dual-stack", "ipv4-only", "ipv6-only", "degraded", "down", "unknown", NOT_PROBED)
GROUP_LEVELS = frozenset({SiteLevel.PROVINCE, SiteLevel.CITY, SiteLevel.COUNTY, SiteLevel.TOWNSHIP})
CORE = "core"  # the probe's label for the ICMP target whose loss and RTT stand for the department's connection
GATEWAY = "gateway"  # probed from the core, the department's gateway is that target


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
class Metrics:
    ipv4_loss: float | None = None  # ICMP to the core, 0..1
    ipv4_rtt_ms: float | None = None
    ipv6_loss: float | None = None
    ipv6_rtt_ms: float | None = None
    services_up: int = 0  # TCP checks of the department's services, both families
    services_total: int = 0
    uplink_oper: str | None = None  # SNMP of the uplink port
    uplink_in_bps: float | None = None
    uplink_out_bps: float | None = None


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
    # each vantage's latest run, now and before the newest (one vantage: the latest and the previous run)
    current, before_runs = vantages.current_runs(recent), vantages.current_runs(recent[:-1])
    statuses = store.department_statuses(sorted({run.id for run in current + before_runs}))
    now_rows, sights = vantages.merged_statuses(statuses, current)
    before = {d: s.status for d, s in vantages.merged_statuses(statuses, before_runs)[0].items()}
    places = {site: place_of(inv, site) for site in inv.sites}
    if len(current) == 1:
        results = results_by_department(store.probe_results(latest.id))
    else:  # each department's figures from the run its status comes from
        per_run = {run.id: results_by_department(store.probe_results(run.id)) for run in current}
        results = {dept: per_run[s.run_id].get(dept, []) for dept, s in now_rows.items()}
    rows = department_rows(inv, places, now_rows, results)
    if len(current) > 1:
        rows = [replace(row, vantages=sights.get(row.id, ())) for row in rows]
    names = {row.id: row.name for row in rows}
    ids = [run.id for run in window]
    history = vantages.merged_history(store, window) if vantages.several(window) else status_history(store, ids)
    return ConnectionsReport(
        region=inv.region.name,
        run=run_info(latest),
        previous=run_info(previous) if previous else None,
        since=since,
        generated_at=now or datetime.now(UTC),
        rows=rows,
        readiness=readiness(rows),
        changes=changes(before, {d: s.status for d, s in now_rows.items()}, names) if previous else [],
        outages=outages(history, names),
        trend=trend(window, history, set(inv.departments)),
        vantages=[run_info(run) for run in current],
        compliance=compliance_points(store, since),
    )


def compliance_points(store: Store, since: datetime) -> list[Point]:
    """The judgements recorded since ``since``; the last one before it when none was (a quiet period)."""
    found = compliance_trend(store)
    inside = [p for p in found if p.at >= since]
    return inside or found[-1:]


def run_info(run: Run) -> RunInfo:
    finished = utc(run.finished_at) if run.finished_at else None
    return RunInfo(run.id, run.status, run.operator, utc(run.started_at), finished, dict(run.summary or {}),
                   vantages.name(run.vantage))  # fmt: skip


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
    inv: Inventory,
    places: dict[str, Place],
    statuses: dict[str, DepartmentStatus],
    results: dict[str, list[ProbeResult]],
) -> list[DepartmentRow]:
    """Every inventory department (grouped: county first, then townships in inventory order), then any department
    the run probed that the inventory no longer has."""
    order = {site: i for i, site in enumerate(inv.sites)}

    def position(place: Place) -> tuple[int, int, int]:  # the group's level, the group, the department's level
        group = inv.sites[place.group] if place.group else None
        return (
            ADMINISTRATIVE_RANK.get(group.level, 9) if group else 9,
            order.get(place.group or "", 0),
            ADMINISTRATIVE_RANK.get(SiteLevel(place.level), 9) if place.level else 9,
        )

    departments = sorted(inv.departments.values(), key=lambda d: position(places[d.site]))
    rows = [_row(d.id, d.name, places[d.site], statuses.get(d.id), results.get(d.id, [])) for d in departments]
    unknown = Place(None, "", None, None, "")
    rows += [
        _row(dept, dept, unknown, s, results.get(dept, []))
        for dept, s in statuses.items()
        if dept not in inv.departments
    ]
    return rows


def _row(
    dept: str, name: str, place: Place, status: DepartmentStatus | None, results: list[ProbeResult]
) -> DepartmentRow:
    if status is None:
        return DepartmentRow(dept, name, place, NOT_PROBED, None, None, (), None, Metrics())
    return DepartmentRow(
        dept, name, place, status.status, status.ipv4, status.ipv6, tuple(status.reasons or ()), utc(status.at),
        metrics(results),
    )  # fmt: skip


def results_by_department(results: list[ProbeResult]) -> dict[str, list[ProbeResult]]:
    by_department: dict[str, list[ProbeResult]] = defaultdict(list)
    for result in results:
        by_department[result.department].append(result)
    return by_department


def metrics(results: list[ProbeResult]) -> Metrics:
    """The key figures of one department's checks: loss and RTT between it and the core per family (to the core
    from inside the department; to its gateway from the core), services, uplink."""
    pings = [r for r in results if r.kind == "icmp"]
    core = {r.family: r.detail or {} for r in pings if r.target == GATEWAY}
    core |= {r.family: r.detail or {} for r in pings if r.target == CORE}
    services = [r for r in results if r.kind == "tcp"]
    uplink = next((r.detail or {} for r in results if r.kind == "snmp"), {})
    return Metrics(
        ipv4_loss=core.get(4, {}).get("loss"),
        ipv4_rtt_ms=core.get(4, {}).get("rtt_avg"),
        ipv6_loss=core.get(6, {}).get("loss"),
        ipv6_rtt_ms=core.get(6, {}).get("rtt_avg"),
        services_up=sum(1 for r in services if r.ok),
        services_total=len(services),
        uplink_oper=uplink.get("oper_status"),
        uplink_in_bps=uplink.get("in_bps"),
        uplink_out_bps=uplink.get("out_bps"),
    )


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
