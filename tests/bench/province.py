"""A province's recorded history without a lab: daily probe runs and audit events written through the store's own
API, and every device's config rendered the way a push renders it. For the province benchmark (issue 16) and
for measuring whole commands (`extranet report connections`, `extranet audit verify`) at scale:

    extranet inventory synth --departments 100000 -o /tmp/ws && (cd /tmp/ws && extranet plan --apply)
    python -c 'from pathlib import Path; from tests.bench.province import seed_probe_runs as s; s(Path("/tmp/ws"))'
    cd /tmp/ws && /usr/bin/time -f "%e s %M KiB" extranet report connections -f json > /dev/null

The statuses come from the probe's own classifier (``probe.classify``) over synthetic check results, so the
reasons read as `extranet probe` words them; a seeded random generator makes the same workspace give the same
database. Addresses are documentation ones (198.18.0.0/15, 2001:db8::/32): nothing is sent anywhere.
"""

import json
import random
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from extranet.inventory import load_inventory
from extranet.probe.classify import Result, classify
from extranet.probe.run import Probed
from extranet.probe.settings import ProbeSettings
from extranet.probe.targets import Check, DepartmentPlan
from extranet.rollout.setup import prepare
from extranet.store import GENESIS, Store, event_hash, open_store
from extranet.store.schema import AuditEvent, DepartmentStatus, ProbeResult, Run

BATCH = 2_000  # departments per transaction (the probe saves 200: fewer, larger ones seed faster)
AUDIT_BATCH = 5_000
GONE = ("retired-1", "retired-2")  # departments the runs probed that the inventory no longer has
SETTINGS = ProbeSettings()
ICMP_OK = {"sent": 3, "received": 3, "loss": 0.0, "rtt_min": 0.8, "rtt_avg": 1.2, "rtt_max": 1.9, "jitter": 0.3}
ICMP_SLOW = {**ICMP_OK, "loss": 0.6667, "received": 1}
ICMP_LOST = {"sent": 3, "received": 0, "loss": 1.0, "rtt_min": None, "rtt_avg": None, "rtt_max": None,
             "jitter": None}  # fmt: skip
STORIES = {"dual-stack": (ICMP_OK, ICMP_OK), "ipv4-only": (ICMP_OK, ICMP_LOST), "degraded": (ICMP_SLOW, ICMP_OK),
           "down": (ICMP_LOST, ICMP_LOST)}  # fmt: skip  # (IPv4, IPv6) pings per status


def workspace_store(workspace: Path, db_url: str | None = None) -> Store:
    """The workspace's database (var/extranet.db), or ``db_url``; no config history: heads are not kept."""
    (workspace / "var").mkdir(exist_ok=True)
    return open_store(db_url or f"sqlite:///{workspace / 'var' / 'extranet.db'}")


def _plan(dept: str, n: int) -> DepartmentPlan:
    """What the probe checks for a connected department: its gateway per family, a service, its uplink."""
    v4, v6 = f"198.18.{n // 250 % 250}.{n % 250 + 1}", f"2001:db8:{n >> 16:x}:{n & 0xFFFF:x}::1"
    checks = [
        Check(dept, 4, "icmp", "gateway", v4),
        Check(dept, 6, "icmp", "gateway", v6),
        Check(dept, 4, "tcp", "oa:443", "198.51.100.10", 443, system="oa"),
        Check(dept, 6, "tcp", "oa:443", "2001:db8:5::10", 443, system="oa"),
        Check(dept, 4, "snmp", "uplink", "198.19.0.1", name=f"eth{n % 48 + 1}", device="acc"),
    ]
    return DepartmentPlan(dept, None, "core (this host)", checks)


def _results(plan: DepartmentPlan, story: str, rng: random.Random) -> list[Result]:
    """Check results that make the classifier say ``story``."""
    families = STORIES.get(story, (ICMP_OK, ICMP_OK))
    found = []
    for check in plan.checks:
        if check.kind == "icmp":
            detail = families[0 if check.family == 4 else 1]
            lost = detail is ICMP_LOST
            found.append(Result(check.family, "icmp", check.target, check.address, not lost, dict(detail),
                                "timeout" if lost else None))  # fmt: skip
        elif check.kind == "tcp":
            up = story != "down" and (check.family == 4 or story == "dual-stack") and rng.random() > 0.02
            found.append(Result(check.family, "tcp", check.target, f"[{check.address}]:443", up,
                                {"latency_ms": round(rng.uniform(1, 9), 3), "system": "oa", "at": "now",
                                 "live": True}, None if up else "timeout"))  # fmt: skip
        elif story == "unknown":
            found.append(Result(4, "snmp", "uplink", check.address, None, {}, "no answer (timeout)"))
        else:
            rates = {"in_bps": rng.randrange(10**4, 10**8), "out_bps": rng.randrange(10**4, 10**8)}
            oper = "down" if story == "down" else "up"
            found.append(Result(4, "snmp", "uplink", check.address, True,
                                {"oper_status": oper, "in_errors": 0, "out_errors": 0, **rates}))  # fmt: skip
    return found


def _story(day: int, days: int, rng: random.Random, outage: int) -> str | None:
    """One department's status on ``day`` of ``days``: IPv6 rolls out over the month, a few are down for a
    while (``outage``: the day it starts, -1 never), some degrade or cannot be told; None: not probed."""
    if 0 <= outage <= day < outage + 3:
        return "down"
    draw = rng.random()
    if draw < 0.005:
        return None
    if draw < 0.015:
        return "degraded"
    if draw < 0.02:
        return "unknown"
    return "dual-stack" if draw < 0.3 + 0.65 * (day + 1) / days else "ipv4-only"


def seed_probe_runs(workspace: Path, runs: int = 30, db_url: str | None = None, also: Sequence[str] = ()) -> None:
    """``runs`` finished daily probe runs over every department of ``workspace``'s inventory (and two it no
    longer has), the newest an hour ago, each department's checks and status saved as ``Store.save_probe``
    saves them in the workspace's database (var/extranet.db) or ``db_url``, and the same rows in each database
    of ``also`` (PostgreSQL: by COPY)."""
    departments = [*load_inventory(workspace / "inventory").departments, *GONE]
    stores = [workspace_store(workspace, db_url), *(open_store(url) for url in also)]
    rng = random.Random(16)
    outages = {dept: rng.randrange(runs) if rng.random() < 0.01 else -1 for dept in departments}
    plans = {dept: _plan(dept, n) for n, dept in enumerate(departments)}
    newest = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    for day in range(runs):
        started = newest - timedelta(days=runs - 1 - day)
        run_ids = [_start_run(store, started, len(departments)) for store in stores]
        counts: dict[str, int] = {}
        for start in range(0, len(departments), BATCH):
            probed = []
            for dept in departments[start : start + BATCH]:
                story = _story(day, runs, rng, outages[dept])
                if story is None:
                    continue
                plan = plans[dept]
                results = _results(plan, story, rng)
                probed.append(Probed(plan, results, classify(plan, results, SETTINGS)))
                counts[probed[-1].verdict.status] = counts.get(probed[-1].verdict.status, 0) + 1
            for store, run_id in zip(stores, run_ids, strict=True):
                _save(store, run_id, probed, started + timedelta(seconds=30))
        for store, run_id in zip(stores, run_ids, strict=True):
            with store.transaction() as s:
                row = s.get_one(Run, run_id)
                row.status, row.finished_at = "problems", started + timedelta(minutes=20)
                row.summary = {"departments": sum(counts.values()), **dict(sorted(counts.items()))}
    for store in stores:
        store.engine.dispose()


def _start_run(store: Store, started: datetime, departments: int) -> int:
    with store.transaction() as s:
        run = Run(kind="probe", operator="bench", started_at=started, status="running",
                  summary={"departments": departments})  # fmt: skip
        s.add(run)
        s.flush()
        return run.id


def seed_audit_events(workspace: Path, n: int, db_url: str | None = None) -> None:
    """``n`` more audit events on the chain of the workspace's database (or ``db_url``), a minute apart, each
    hashed by the store's ``event_hash`` and linked to the one before, as ``Store.audit`` appends them — but
    ``AUDIT_BATCH`` to a transaction, and no head kept in the config history (one git commit per event: hours
    for 10^5). ``audit verify`` then checks them against the heads kept before."""
    store = workspace_store(workspace, db_url)
    last = store.audit_events(limit=1)
    previous = last[0].hash if last else GENESIS
    actions = ("push.device", "probe", "plan.apply", "track.advance", "report.progress")
    start = datetime.now(UTC) - timedelta(minutes=n)
    for first in range(0, n, AUDIT_BATCH):
        with store.transaction() as s:
            for i in range(first, min(n, first + AUDIT_BATCH)):
                record = AuditEvent(at=start + timedelta(minutes=i), run_id=None, operator="bench",
                                    action=actions[i % len(actions)], target=f"c{i % 97:03d}-acc",
                                    outcome="ok" if i % 23 else "failed", detail={"run": i // 50, "lines": i % 40},
                                    reason=f"CHG-{i // 1000:05d}", prev_hash=previous, os_user="bench",
                                    ssh_client=None)  # fmt: skip
                record.hash = previous = event_hash(record)
                s.add(record)
    store.engine.dispose()


def _save(store: Store, run_id: int, probed: list[Probed], at: datetime) -> None:
    """The rows ``probe.run.rows`` makes of these departments, inserted as one executemany per table (the ORM's
    row-at-a-time inserts would take an hour for a province's month)."""
    results = [{"run_id": run_id, "department": p.plan.department, "family": r.family, "kind": r.kind,
                "target": r.target[:256], "address": r.address, "ok": r.ok, "detail": r.detail, "error": r.error}
               for p in probed for r in p.results]  # fmt: skip
    statuses = [{"run_id": run_id, "department": p.plan.department, "at": at, "status": p.verdict.status,
                 "ipv4": p.verdict.ipv4, "ipv6": p.verdict.ipv6, "reasons": p.verdict.reasons}
                for p in probed]  # fmt: skip
    if store.engine.dialect.name == "postgresql":  # executemany: ~45 minutes for a province's month; COPY: minutes
        _copy(store, "probe_results", results)
        _copy(store, "department_status", statuses)
        return
    with store.transaction() as s:
        s.execute(insert(ProbeResult.__table__), results)
        s.execute(insert(DepartmentStatus.__table__), statuses)


def _copy(store: Store, table: str, rows: list[dict[str, Any]]) -> None:
    """``rows`` into ``table`` by PostgreSQL's COPY (psycopg), JSON columns as JSON text."""
    if not rows:
        return
    columns = list(rows[0])
    raw = store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([json.dumps(v) if isinstance(v, dict | list) else v for v in row.values()])
        raw.commit()
    finally:
        raw.close()


def render_all(workspace: Path) -> int:
    """Every device of ``workspace`` rendered as a push renders it before touching any (``rollout.setup.prepare``,
    against saved configs: no credentials, no lab); the number of devices rendered."""
    inv = load_inventory(workspace / "inventory")
    devices = sorted(inv.devices)
    with tempfile.TemporaryDirectory() as running:
        prepared = prepare(inv, devices, lab=False, lock=workspace / "netplan" / "allocations.yml",
                           templates=Path(__file__).resolve().parents[2] / "playbooks" / "templates",
                           running=Path(running))  # fmt: skip
    return len(prepared.contexts)
