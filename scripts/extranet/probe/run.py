"""A probe run: every department's checks concurrently in one event loop, classified, stored as it goes.

ICMP shares one raw socket per (namespace, family); TCP and DNS are bounded by a semaphore (file
descriptors); each access router's uplinks are read by SNMP once, for all the departments behind it.
Results are saved in batches, so an interrupted run keeps what it measured.
"""

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from ..store import Store
from ..store.schema import DepartmentStatus, ProbeResult
from .classify import PROBE_FAILURES, Result, Verdict, classify
from .dns import lookup
from .icmp import Pingers, PingStats
from .path import trace
from .settings import ProbeSettings
from .snmp import SnmpPoller, SnmpResult, SnmpV3User
from .targets import Check, DepartmentPlan
from .tcp import TcpResult, connect

SOCKETS = 512  # TCP/DNS probes in flight at once (each holds a file descriptor)
BATCH = 200  # departments per database transaction
NO_CREDENTIALS = "no SNMP credentials (set EXTRANET_SNMP_USER, EXTRANET_SNMP_AUTH_KEY, EXTRANET_SNMP_PRIV_KEY)"


@dataclass
class Probed:
    plan: DepartmentPlan
    results: list[Result]
    verdict: Verdict


class ProbeRun:
    def __init__(self, settings: ProbeSettings, snmp: SnmpV3User | None, families: Sequence[int] = (4, 6),
                 on_done: Callable[[Probed], None] | None = None) -> None:  # fmt: skip
        self.settings, self.snmp, self.families = settings, snmp, tuple(families)
        self.on_done = on_done or (lambda probed: None)
        self._sockets = asyncio.Semaphore(SOCKETS)
        self._uplinks: dict[tuple[str, str], asyncio.Task[dict[str, SnmpResult]]] = {}
        self._wanted: dict[tuple[str, str], set[str]] = {}

    async def run(self, plans: list[DepartmentPlan]) -> list[Probed]:
        for plan in plans:  # every uplink of a router is read in the same SNMP requests
            for check in plan.checks:
                if check.kind == "snmp" and check.device and check.address and check.name:
                    self._wanted.setdefault((check.device, check.address), set()).add(check.name)
        async with Pingers() as self.pingers, SnmpPoller(timeout=self.settings.snmp_timeout) as self.poller:
            return list(await asyncio.gather(*(self._department(plan) for plan in plans)))

    async def _department(self, plan: DepartmentPlan) -> Probed:
        checks = [c for c in plan.checks if c.family in self.families or c.kind == "snmp"]
        results = list(await asyncio.gather(*(self._check(plan, c) for c in checks)))
        probed = Probed(plan, results, classify(plan, results, self.settings, self.families))
        self.on_done(probed)
        return probed

    async def _check(self, plan: DepartmentPlan, check: Check) -> Result:
        namespace = check.vantage or plan.namespace
        if check.kind in ("icmp", "reach", "legacy"):
            assert check.address
            s = self.settings
            stats = await self.pingers.ping(check.address, namespace, s.count, s.interval, s.timeout)
            return _icmp(check, stats)
        if check.kind == "path":
            assert check.address
            found = await trace(check.address, namespace, timeout=self.settings.timeout)
            ok = None if found.error else found.reached
            return Result(check.family, "path", check.target, check.address, ok, found.as_detail(), found.error)
        if check.kind == "snmp":
            return await self._snmp(check)
        async with self._sockets:
            if check.kind == "tcp":
                assert check.address and check.port
                return tcp_result(check, await connect(check.address, check.port, self.settings.tcp_timeout,
                                                       plan.namespace))  # fmt: skip
            assert check.name and check.address
            rdtype = "A" if check.family == 4 else "AAAA"
            answer = await lookup(
                check.name, rdtype, check.address, self.settings.dns_timeout, namespace=plan.namespace
            )
            return Result(check.family, "dns", check.target, check.address, answer.ok,
                          {"records": list(answer.addresses), "rcode": answer.rcode,
                           "latency_ms": _round(answer.latency_ms)}, answer.error)  # fmt: skip

    async def _snmp(self, check: Check) -> Result:
        assert check.device and check.address and check.name
        if self.snmp is None:
            return Result(check.family, "snmp", check.target, check.address, None, {}, NO_CREDENTIALS)
        key = (check.device, check.address)
        if key not in self._uplinks:
            self._uplinks[key] = asyncio.ensure_future(self._read_router(key))
        reading = (await self._uplinks[key])[check.name]
        detail = {"oper_status": reading.oper_status, "in_bps": _round(reading.in_bps),
                  "out_bps": _round(reading.out_bps), "in_errors": reading.in_errors,
                  "out_errors": reading.out_errors}  # fmt: skip
        return Result(check.family, "snmp", check.target, check.address, True if reading.ok else None, detail,
                      reading.error)  # fmt: skip

    async def _read_router(self, key: tuple[str, str]) -> dict[str, SnmpResult]:
        device, address = key
        interfaces = sorted(self._wanted[key])
        assert self.snmp is not None
        readings = await self.poller.read_interfaces(device, address, interfaces, self.snmp,
                                                     self.settings.snmp_interval)  # fmt: skip
        return dict(zip(interfaces, readings, strict=True))


def tcp_result(check: Check, tcp: TcpResult) -> Result:
    """A TCP check's result; a system's service carries which system and where (target, old, now) in ``detail``."""
    place = {"system": check.system, "at": check.at, "live": check.live} if check.system else {}
    return Result(check.family, "tcp", check.target, f"[{tcp.address}]:{tcp.port}", tcp.ok,
                  {"latency_ms": _round(tcp.latency_ms), **place}, tcp.error)  # fmt: skip


def _icmp(check: Check, stats: PingStats) -> Result:
    ok: bool | None = stats.received > 0
    if not ok and stats.error and any(word in stats.error for word in PROBE_FAILURES):
        ok = None  # the probe could not run: not evidence about the network
    detail = {"sent": stats.sent, "received": stats.received, "loss": round(stats.loss, 4),
              "rtt_min": _round(stats.rtt_min), "rtt_avg": _round(stats.rtt_avg), "rtt_max": _round(stats.rtt_max),
              "jitter": _round(stats.jitter)}  # fmt: skip
    return Result(check.family, check.kind, check.target, check.address, ok, detail, stats.error)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def rows(probed: list[Probed]) -> tuple[list[ProbeResult], list[DepartmentStatus]]:
    """Database rows of some departments' results (the run id is set by the store)."""
    now = datetime.now(UTC)
    results = [ProbeResult(department=p.plan.department, family=r.family, kind=r.kind, target=r.target[:256],
                           address=r.address, ok=r.ok, detail=r.detail, error=r.error)
               for p in probed for r in p.results]  # fmt: skip
    statuses = [DepartmentStatus(department=p.plan.department, at=now, status=p.verdict.status, ipv4=p.verdict.ipv4,
                                 ipv6=p.verdict.ipv6, reasons=p.verdict.reasons) for p in probed]  # fmt: skip
    return results, statuses


class Saver:
    """Saves finished departments in batches (one transaction each), so a stopped run keeps its results."""

    def __init__(self, store: Store, run_id: int) -> None:
        self.store, self.run_id, self.pending, self.saved = store, run_id, list[Probed](), 0

    def add(self, probed: Probed) -> None:
        self.pending.append(probed)
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.store.save_probe(self.run_id, *rows(self.pending))
            self.saved += len(self.pending)
            self.pending = []
