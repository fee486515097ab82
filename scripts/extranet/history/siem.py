"""Audit events as a SIEM takes them: one JSON object per line, or an RFC 5424 syslog message.

Syslog (RFC 5424 section 6): ``<PRI>1 TIMESTAMP HOSTNAME extranet - MSGID [extranet@32473 …] BOM MSG``; facility 13
(log audit), severity 6 (informational) for an event that went as planned, 4 (warning) for one that failed or was
rolled back; MSGID the action (printable ASCII, no space, at most 32); the event's fields as structured data
(SD-ID with the documentation enterprise number 32473 of RFC 5612: a site replaces it with its own), the
parameter values escaped as section 6.3.3 says (``"``, ``\\`` and ``]``); the message UTF-8 after a BOM.

>>> escape_param('a"b]c\\\\d')
'a\\\\"b\\\\]c\\\\\\\\d'
"""

import json
import socket
from datetime import UTC
from typing import Any

from ..store.schema import AuditEvent

FACILITY = 13  # log audit
INFO, WARNING = 6, 4
SD_ID = "extranet@32473"
BOM = "\ufeff"
BAD_OUTCOMES = ("failed", "rolled-back", "error", "refused")


def as_dict(e: AuditEvent) -> dict[str, Any]:
    at = e.at if e.at.tzinfo else e.at.replace(tzinfo=UTC)
    return {"id": e.id, "at": at.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z"),
            "run": e.run_id, "operator": e.operator, "action": e.action, "target": e.target, "outcome": e.outcome,
            "reason": e.reason, "detail": e.detail, "prev_hash": e.prev_hash, "hash": e.hash,
            "os_user": e.os_user, "ssh_client": e.ssh_client}  # fmt: skip


def json_line(e: AuditEvent) -> str:
    return json.dumps(as_dict(e), ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def escape_param(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def msgid(action: str) -> str:
    cleaned = "".join(c if 33 <= ord(c) <= 126 else "_" for c in action)
    return cleaned[:32] or "-"


def syslog_line(e: AuditEvent, hostname: str | None = None) -> str:
    event = as_dict(e)
    severity = WARNING if str(e.outcome) in BAD_OUTCOMES else INFO
    run = e.run_id if e.run_id is not None else ""
    params = {"id": e.id, "hash": e.hash, "prev": e.prev_hash, "operator": e.operator, "target": e.target,
              "outcome": e.outcome, "run": run, "reason": e.reason or "", "os_user": e.os_user or "",
              "ssh_client": e.ssh_client or ""}  # fmt: skip
    data = " ".join(f'{key}="{escape_param(str(value))}"' for key, value in params.items())
    host = msgid(hostname or socket.gethostname() or "-")[:255]
    message = f"{e.action} {e.target}: {e.outcome}" + (f" ({e.reason})" if e.reason else "")
    message = message.replace("\n", " ")
    header = f"<{FACILITY * 8 + severity}>1 {event['at']} {host} extranet - {msgid(e.action)}"
    return f"{header} [{SD_ID} {data}] {BOM}{message}"
