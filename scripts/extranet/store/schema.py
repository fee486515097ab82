"""Tables of what happened: runs of the tool and the append-only, hash-chained audit log."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Run(Base):
    """One invocation of a command that does work (check, plan, push, probe, …)."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    operator: Mapped[str] = mapped_column(String(128))
    ticket: Mapped[str | None] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16))  # running, ok, problems, failed
    inventory_digest: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # probe runs: where they ran from (a probing host's name, or "lab"), so that several can share a database
    vantage: Mapped[str | None] = mapped_column(String(64))


class AuditEvent(Base):
    """An action and its outcome. Each row's hash covers its fields and the previous row's hash."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), index=True)
    operator: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(String(256))
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    reason: Mapped[str | None] = mapped_column(Text)
    os_user: Mapped[str | None] = mapped_column(String(128))  # the login behind the declared operator
    ssh_client: Mapped[str | None] = mapped_column(String(64))  # the address it came from over SSH


class DeviceResult(Base):
    """One device's outcome in one run (a rollout): what it did, how it ended; resumed runs skip the done."""

    __tablename__ = "device_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    device: Mapped[str] = mapped_column(String(64), index=True)
    wave: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # pending, ok, unchanged, failed, rolled-back, skipped
    changed_lines: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ProbeResult(Base):
    """One check of one department in one probe run, for one address family (never one standing in for the other).

    ``ok`` is True (passed), False (the network failed it) or None (the probe itself could not run: credentials,
    a tool error) — so an operator can tell "down" from "unknown".
    """

    __tablename__ = "probe_results"
    __table_args__ = (Index("ix_probe_results_run_kind", "run_id", "kind"),)  # a run's metrics (migration 0006)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    department: Mapped[str] = mapped_column(String(64), index=True)
    family: Mapped[int] = mapped_column(Integer)  # 4 or 6
    kind: Mapped[str] = mapped_column(String(16))  # icmp, tcp, dns, snmp
    target: Mapped[str] = mapped_column(String(256))  # what was checked, for people: "gateway", "core", "oa:443"
    address: Mapped[str | None] = mapped_column(String(64))
    ok: Mapped[bool | None] = mapped_column(Boolean)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # loss, rtt_*, jitter, rates, records
    error: Mapped[str | None] = mapped_column(Text)


class DepartmentStatus(Base):
    """A department's classification in one probe run, with the reasons behind it."""

    __tablename__ = "department_status"
    __table_args__ = (Index("ix_department_status_run_status", "run_id", "status"),)  # trend, outages (0006)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    department: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # dual-stack, ipv4-only, ipv6-only, degraded, down, unknown
    status: Mapped[str] = mapped_column(String(16))
    ipv4: Mapped[str] = mapped_column(String(16))  # per family: ok, degraded, down, unknown, absent
    ipv6: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)


class TrackEvent(Base):
    """A migration item's state change (``action`` advance, override or approve). An override is ``pending``
    until a second, different operator approves it: then an ``applied`` approve event carries the new state.
    The inventory says what exists; these rows say what happened to it."""

    __tablename__ = "track_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    item: Mapped[str] = mapped_column(String(160), index=True)  # KIND:ID
    action: Mapped[str] = mapped_column(String(16))  # advance, override, approve
    status: Mapped[str] = mapped_column(String(16))  # applied, pending
    previous: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    operator: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    approves: Mapped[int | None] = mapped_column(ForeignKey("track_events.id"))
    audit_id: Mapped[int | None] = mapped_column(ForeignKey("audit_events.id"))
