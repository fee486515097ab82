"""A department's status from its probe results, with the reasons an operator can act on.

Per family (ICMP decides; one family never stands in for the other):
  ok        every echo target answered, loss and average RTT within the workspace's thresholds
  degraded  answered, but loss or RTT over a threshold
  down      a target did not answer at all (its reason: timeout, no route, network unreachable, …)
  absent    nothing to probe in this family (no address planned)
  unknown   the probe itself could not run (no namespace, permission denied)

The department: dual-stack (both ok), ipv4-only / ipv6-only (one ok, the other down or absent), degraded
(a family degraded), down (neither family answers, or not connected), unknown (a probe could not run — an
ICMP probe, or the uplink's SNMP: wrong credentials, no answer — and nothing says down or degraded).
Services (TCP) and names (DNS) that fail are reasons; they do not change the status. A moving system's
checks where it does not run now (its target before the move, its old place after) are the track gate's
evidence (`extranet track advance`), not the department's problem.
"""

from dataclasses import dataclass, field
from typing import Any

from .settings import ProbeSettings
from .targets import FAMILIES, DepartmentPlan

PROBE_FAILURES = ("permission denied", "namespace")  # words of a probe that could not run (not the network)


@dataclass
class Result:
    """One check's outcome: ``ok`` True/False, or None when the probe could not run."""

    family: int
    kind: str
    target: str
    address: str | None
    ok: bool | None
    detail: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


@dataclass
class Verdict:
    status: str  # dual-stack, ipv4-only, ipv6-only, degraded, down, unknown
    ipv4: str
    ipv6: str
    reasons: list[str]


def family_status(plan: DepartmentPlan, family: int, results: list[Result], settings: ProbeSettings,
                  reasons: list[str]) -> str:  # fmt: skip
    if plan.no_vantage:
        return "unknown"
    pings = [r for r in results if r.kind == "icmp" and r.family == family]
    if not pings:
        reasons.append(f"IPv{family}: {plan.missing.get(family, 'nothing to probe')}")
        return "absent"
    status = "ok"
    for r in pings:
        what = f"IPv{family}: {r.target} {r.address}"
        if r.ok is None:
            reasons.append(f"{what}: probe failed ({r.error})")
            status = "unknown" if status == "ok" else status
        elif not r.ok:
            reasons.append(f"{what}: no reply ({r.error or 'timeout'})")
            status = "down"
        else:
            loss, rtt = float(r.detail.get("loss", 0.0)), r.detail.get("rtt_avg")
            if loss > settings.loss_degraded:
                reasons.append(f"{what}: loss {loss:.0%} over threshold {settings.loss_degraded:.0%}")
                status = "degraded" if status in ("ok", "unknown") else status
            if rtt is not None and float(rtt) > settings.rtt_degraded_ms:
                reasons.append(f"{what}: RTT {float(rtt):.1f} ms over threshold {settings.rtt_degraded_ms:g} ms")
                status = "degraded" if status in ("ok", "unknown") else status
    return status


def classify(plan: DepartmentPlan, results: list[Result], settings: ProbeSettings,
             families: tuple[int, ...] = FAMILIES) -> Verdict:  # fmt: skip
    """The verdict; a run of one family (``--family 4``) says ``ok`` rather than claim the other is missing."""
    if plan.not_connected:
        return Verdict("down", "absent", "absent", [plan.not_connected])
    reasons: list[str] = [plan.no_vantage] if plan.no_vantage else []
    v4, v6 = (family_status(plan, family, results, settings, reasons) if family in families else "not-probed"
              for family in FAMILIES)  # fmt: skip
    if not any(c.kind == "tcp" for c in plan.checks):
        reasons.append("no declared services (no system in the inventory is owned by it): TCP not probed")
    for r in results:
        if r.kind in ("tcp", "dns") and not r.ok and r.detail.get("live", True):
            reasons.append(f"IPv{r.family}: {r.kind.upper()} {r.target} {r.address}: {r.error}")
    snmp_unknown = False
    for r in (r for r in results if r.kind == "snmp"):
        if not r.ok:
            reasons.append(f"SNMP {r.target}: {r.error}")
            snmp_unknown = True
        elif r.detail.get("oper_status") != "up":
            reasons.append(f"SNMP {r.target}: uplink oper status {r.detail.get('oper_status')}")
    states = {v4, v6} - {"not-probed"}
    if states <= {"down", "absent"}:
        status = "down"
    elif "degraded" in states:
        status = "degraded"
    elif "unknown" in states or snmp_unknown:
        status = "unknown"
    elif states == {"ok"}:
        status = "dual-stack" if len(families) == len(FAMILIES) else "ok"
    else:
        status = "ipv4-only" if v4 == "ok" else "ipv6-only"
    return Verdict(status, v4, v6, reasons)
