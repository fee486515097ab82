"""What the connections report reads of one probe run: each department's classification and the key figures of
its checks, as columns and SQL aggregates — never the run's rows as ORM objects (a province's run is 10^5
statuses and several times as many check results), nor a check's whole detail where a few of its fields serve."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, SQLColumnExpression, Text, case, cast, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by

from ..store import Store
from ..store.schema import DepartmentStatus, ProbeResult

CORE = "core"  # the probe's label for the ICMP target whose loss and RTT stand for the department's connection
GATEWAY = "gateway"  # probed from the core, the department's gateway is that target


@dataclass(frozen=True)
class Classified:
    """A department's classification in a run: the columns the report shows."""

    status: str
    ipv4: str
    ipv6: str
    reasons: tuple[str, ...]
    at: datetime


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


def classified(store: Store, run_id: int) -> dict[str, Classified]:
    """Each department's classification in the run (a department saved twice: the later row)."""
    columns = (DepartmentStatus.department, DepartmentStatus.status, DepartmentStatus.ipv4, DepartmentStatus.ipv6,
               cast(DepartmentStatus.reasons, Text), DepartmentStatus.at)  # fmt: skip
    query = select(*columns).where(DepartmentStatus.run_id == run_id).order_by(DepartmentStatus.id)
    with store.reading() as s:
        return {dept: Classified(status, v4, v6, _reasons(reasons), at) for dept, status, v4, v6, reasons, at in
                s.execute(query)}  # fmt: skip


def _reasons(text: str | None) -> tuple[str, ...]:
    """The reasons as stored (JSON text): most departments have none, and decoding 10^5 "[]" took a while."""
    return () if text in NONE else tuple(json.loads(text or "[]"))


NONE = frozenset({None, "[]", "null"})  # the JSON text of no reasons (None: as the store writes it)


def statuses(store: Store, run_id: int) -> dict[str, str]:
    """Each department's status in the run (a department saved twice: the later row)."""
    query = (
        select(DepartmentStatus.department, DepartmentStatus.status)
        .where(DepartmentStatus.run_id == run_id)
        .order_by(DepartmentStatus.id)
    )
    with store.reading() as s:
        return {dept: status for dept, status in s.execute(query)}


def metrics(store: Store, run_id: int) -> dict[str, Metrics]:
    """The key figures of each department's checks in the run: loss and RTT between it and the core per family (to
    the core from inside the department, else to its gateway from the core; the last such check saved), its
    services up of those checked, its uplink (the first SNMP reading saved)."""
    pings = _latest_pings(store, run_id)
    services = _services(store, run_id)
    uplinks = _uplinks(store, run_id)
    found = {}
    none = (None, None)
    for dept in {dept for dept, _ in pings} | services.keys() | uplinks.keys():
        (up, total), (ipv4_loss, ipv4_rtt) = services.get(dept, (0, 0)), pings.get((dept, 4), none)
        (ipv6_loss, ipv6_rtt) = pings.get((dept, 6), none)
        oper, in_bps, out_bps = uplinks.get(dept, (None, None, None))
        found[dept] = Metrics(ipv4_loss, ipv4_rtt, ipv6_loss, ipv6_rtt, up, total, oper, in_bps, out_bps)
    return found


def _latest_pings(store: Store, run_id: int) -> dict[tuple[str, int], tuple[Any, Any]]:
    """Per department and family, the loss and average RTT of the ping that stands for the connection: the last
    to the core, else the last to the gateway. Read the gateway's first, each in saved order, and the last read
    kept: a window function (ROW_NUMBER per department and family) was 3× slower on SQLite."""
    where = (ProbeResult.run_id == run_id, ProbeResult.kind == "icmp", ProbeResult.target.in_((CORE, GATEWAY)))
    columns = (ProbeResult.department, ProbeResult.family, *_detail(store, "loss", "rtt_avg"))
    rows = _checks(store, columns, where, (ProbeResult.target == CORE, ProbeResult.id))
    return {(dept, family): (loss, rtt) for dept, family, loss, rtt in rows}


def _detail(store: Store, *keys: str) -> list[ColumnElement[Any]]:
    """Top-level fields of a check's detail (JSON), each as Python has it from ``json.loads`` (an integer stays an
    integer; None where there is no such field), read by the database: decoding the whole detail of 10^5 checks
    in Python took seconds. SQLite's ``json_extract`` gives a number or text as such; PostgreSQL's ``->`` the
    field's JSON text (a ``json`` column keeps it as written), which ``_checks`` has the server put in its
    document as it is."""
    if store.engine.dialect.name == "sqlite":
        return [func.json_extract(ProbeResult.detail, f"$.{key}") for key in keys]
    return [ProbeResult.detail[key] for key in keys]


def _checks(
    store: Store,
    columns: Sequence[SQLColumnExpression[Any]],
    where: Sequence[SQLColumnExpression[bool]],
    order: Sequence[SQLColumnExpression[Any]],
) -> Sequence[Sequence[Any]]:
    """``columns`` of the check results ``where``, in ``order``. PostgreSQL sends them as one JSON document (an
    array per row, ``json_agg``) that one ``json.loads`` reads: as rows, psycopg decoded each JSON field by a
    call of ``json.loads`` of its own (7×10^5 at a province, 3 s: most of what made the report slower there)."""
    if store.engine.dialect.name == "postgresql":
        document = func.json_agg(aggregate_order_by(func.json_build_array(*columns), *order))
        with store.reading() as s:
            return list(json.loads(s.execute(select(cast(document, Text)).where(*where)).scalar() or "[]"))
    with store.reading() as s:
        return s.execute(select(*columns).where(*where).order_by(*order)).all()


def _services(store: Store, run_id: int) -> dict[str, tuple[int, int]]:
    """Per department, its TCP checks that passed and all its TCP checks."""
    query = (
        select(ProbeResult.department, func.sum(case((ProbeResult.ok.is_(True), 1), else_=0)), func.count())
        .where(ProbeResult.run_id == run_id, ProbeResult.kind == "tcp")
        .group_by(ProbeResult.department)
    )
    with store.reading() as s:
        return {dept: (int(up or 0), int(total)) for dept, up, total in s.execute(query)}


def _uplinks(store: Store, run_id: int) -> dict[str, tuple[Any, Any, Any]]:
    """Per department, its first SNMP reading of the uplink: its oper status, bits per second in and out."""
    columns = (ProbeResult.department, *_detail(store, "oper_status", "in_bps", "out_bps"))
    where = (ProbeResult.run_id == run_id, ProbeResult.kind == "snmp")
    rows = _checks(store, columns, where, (ProbeResult.id.desc(),))  # the last read kept: the first saved
    return {dept: (oper, in_bps, out_bps) for dept, oper, in_bps, out_bps in rows}
