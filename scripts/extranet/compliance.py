"""Compliance with intent (Golden Config's idea, from our own plan): per device and per feature, does the config
recorded last (the config history: a rollout's or `run backup.yml`'s) hold what the inventory and the address plan
say it should, and nothing of ours that they no longer say?

Intent per feature is the platform's own template (``playbooks/templates/<platform>/<feature>.j2``) rendered for the
device; the difference is the rollout's own (``devices.diff.change``): the lines missing from the config, with
their sections, and the owned lines left over (what a push would remove). A department's own router
(``edge-DEPT`` in the history) is judged on its exit: no default route but the extranet's hand-off.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from ipaddress import IPv4Interface
from typing import TYPE_CHECKING, Any

from .devices.diff import change
from .history import ConfigHistory
from .inventory import Inventory
from .platforms import get as platform
from .render import DeviceContext, Renderer

if TYPE_CHECKING:
    from .store import Store

FEATURES = ("interfaces", "ospfv3", "bgp", "static", "acl", "snmp")  # the dual-stack templates, in push order
ALL_FEATURES = (*FEATURES, "exit")
KIND = "compliance"  # the store's run kind of a recorded judgement (`extranet compliance`, after a rollout's wave)
AUDIT_ACTION = "compliance"


@dataclass
class Feature:
    feature: str
    compliant: bool
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"feature": self.feature, "compliant": self.compliant, "missing": self.missing, "extra": self.extra}


@dataclass
class DeviceCompliance:
    device: str
    commit: str  # the history commit judged
    at: str
    features: list[Feature] = field(default_factory=list)
    problem: str | None = None  # why it could not be judged

    @property
    def compliant(self) -> bool:
        return self.problem is None and all(f.compliant for f in self.features)

    def as_json(self) -> dict[str, Any]:
        return {"device": self.device, "commit": self.commit, "at": self.at, "compliant": self.compliant,
                "problem": self.problem, "features": [f.as_json() for f in self.features]}  # fmt: skip


def judge_device(device: str, context: DeviceContext, renderer: Renderer, running: str) -> list[Feature]:
    """Each feature's missing and extra lines on ``device`` (its running config ``running``)."""
    found = []
    negation = platform(context.platform).hier_driver().negation_prefix
    for feature in FEATURES:
        fragment = renderer.render(context, f"{feature}.j2")
        lines = change(platform(context.platform), running, fragment) if fragment.strip() else []
        extra = [line for line in lines if line.strip().startswith(negation)]
        missing = [line for line in lines if line not in extra]
        found.append(Feature(feature, not lines, missing, [line.strip()[len(negation):] for line in extra]))
    return found


def judge_exit(inv: Inventory, dept: str, config: str) -> Feature:
    """A department's own router: compliant when its only default routes go to the extranet hand-off."""
    from .rollout.moves import default_routes

    department = inv.item("departments", dept)
    uplink = department.uplink if department else None
    device = inv.devices.get(uplink.device) if uplink else None
    iface = next((i for i in device.interfaces if i.name == uplink.interface), None) if device and uplink else None
    handoff: IPv4Interface | None = iface.ipv4 if iface else None
    wrong = [hop for hop in default_routes(config) if handoff is None or hop != str(handoff.ip)]
    return Feature("exit", not wrong, [], [f"ip route 0.0.0.0/0 {hop}" for hop in wrong])


def latest(history: ConfigHistory, device: str) -> tuple[str, str, str, str] | None:
    """(commit, date, config, platform) of the device's last record, None when it has none."""
    found = history.log(device, 1)
    if not found:
        return None
    return found[0].sha, found[0].date, history.show(device, found[0].sha), found[0].platform


def judge_all(inv: Inventory, history: ConfigHistory, devices: Iterable[str],
              context_of: Callable[[str], DeviceContext], renderer: Renderer, *, lab: bool,
              edges: bool) -> list[DeviceCompliance]:  # fmt: skip
    """Each of ``devices`` judged on its last recorded config (``context_of`` builds its intent); with ``edges``
    also the departments' own routers the history knows (judged on their exit). Sorted by device."""
    results: list[DeviceCompliance] = []
    for device in devices:
        record = latest(history, device)
        if record is None:
            results.append(DeviceCompliance(device, "", "", problem="no recorded config (run backup.yml)"))
            continue
        sha, at, config, recorded = record
        context = context_of(device)
        if recorded and recorded != context.platform:
            hint = "without --lab" if lab else "with --lab" if recorded == "frr" else "on its own platform"
            results.append(DeviceCompliance(device, sha, at, problem=f"recorded as {recorded}, judged as "
                                            f"{context.platform}: run it {hint}"))  # fmt: skip
            continue
        try:
            results.append(DeviceCompliance(device, sha, at, judge_device(device, context, renderer, config)))
        except Exception as exc:  # a config the platform's parser cannot read is that device's problem
            results.append(DeviceCompliance(device, sha, at, problem=f"cannot read its config: {exc}"))
    if edges and history.git_dir.is_dir():  # departments' own routers (the lab's, after withdraw_exit.yml)
        for entry in sorted({e.device for e in history.log() if e.device.startswith("edge-")}):
            found = latest(history, entry)
            if found is not None:
                results.append(DeviceCompliance(entry, found[0], found[1],
                                                [judge_exit(inv, entry.removeprefix("edge-"), found[2])]))  # fmt: skip
    results.sort(key=lambda r: r.device)
    return results


@dataclass(frozen=True)
class Share:
    compliant: int
    judged: int

    @property
    def rate(self) -> float | None:
        return self.compliant / self.judged if self.judged else None


@dataclass(frozen=True)
class Point:
    """One recorded judgement: when, what set it off, and per feature how many judged devices complied."""

    run: int
    at: datetime  # UTC
    trigger: str  # "manual", or "rollout #N wave W"
    after_run: int | None  # the rollout it followed
    wave: int | None  # after that rollout's wave
    devices: int  # devices in scope
    compliant: int  # devices compliant in every feature
    not_judged: int  # no recorded config, another platform, unreadable
    features: dict[str, Share]

    def as_json(self) -> dict[str, Any]:
        return {"run": self.run, "at": self.at.isoformat(), "trigger": self.trigger, "after_run": self.after_run,
                "wave": self.wave, "devices": self.devices, "compliant": self.compliant, "not_judged": self.not_judged,
                "features": {f: {"compliant": s.compliant, "judged": s.judged, "rate": s.rate}
                             for f, s in self.features.items()}}  # fmt: skip


def shares(results: list[DeviceCompliance]) -> dict[str, Share]:
    """Per feature (in push order, the exit last): the judged devices that hold it, of those judged for it."""
    found: dict[str, list[bool]] = {}
    for r in results:
        for f in r.features:
            found.setdefault(f.feature, []).append(f.compliant)
    return {f: Share(sum(found[f]), len(found[f])) for f in ALL_FEATURES if f in found}


def record(store: "Store", results: list[DeviceCompliance], *, after_run: int | None = None, wave: int | None = None,
           ticket: str | None = None) -> int:  # fmt: skip
    """Keep a judgement (a run of kind ``compliance``, with an audit event under the rollout's run when it followed
    one): the percentage per feature over time in the reports comes from these. Returns its run id."""
    trigger = f"rollout #{after_run} wave {wave}" if after_run is not None else "manual"
    by_feature = {f: {"compliant": s.compliant, "judged": s.judged} for f, s in shares(results).items()}
    summary = {"trigger": trigger, "after_run": after_run, "wave": wave, "features": by_feature,
               "devices": len(results), "compliant": sum(r.compliant for r in results),
               "not_judged": sum(r.problem is not None for r in results),
               "results": [r.as_json() for r in results]}  # fmt: skip
    run_id = store.start_run(KIND, ticket, None, {"trigger": trigger, "after_run": after_run, "wave": wave})
    failing = [r.device for r in results if not r.compliant]
    store.finish_run(run_id, "problems" if failing else "ok", summary)
    detail = {"compliance_run": run_id, "trigger": trigger, "features": by_feature, "not_compliant": failing[:50],
              "not_compliant_count": len(failing)}  # fmt: skip
    store.audit(AUDIT_ACTION, f"{len(results)} devices", "drift" if failing else "compliant", detail,
                run_id=after_run if after_run is not None else run_id, reason=ticket)  # fmt: skip
    return run_id


def point(run: Any) -> Point:
    """A recorded judgement (a store run of kind ``compliance``) as a point of the trend."""
    summary = run.summary or {}
    at = run.finished_at or run.started_at
    return Point(run=run.id, at=at if at.tzinfo else at.replace(tzinfo=UTC), trigger=str(summary.get("trigger", "")),
                 after_run=summary.get("after_run"), wave=summary.get("wave"), devices=int(summary.get("devices", 0)),
                 compliant=int(summary.get("compliant", 0)), not_judged=int(summary.get("not_judged", 0)),
                 features={f: Share(int(v["compliant"]), int(v["judged"]))
                           for f, v in (summary.get("features") or {}).items()})  # fmt: skip


def trend(store: "Store", since: datetime | None = None, until: datetime | None = None) -> list[Point]:
    """The recorded judgements finished in [since, until), oldest first."""
    found = [point(r) for r in store.runs(KIND, statuses=("ok", "problems"))]
    return [p for p in found if (since is None or p.at >= since) and (until is None or p.at < until)]


def after(store: "Store", run_id: int) -> Any:
    """The last judgement recorded after rollout ``run_id`` (its last wave), None when there is none."""
    found = [r for r in store.runs(KIND, statuses=("ok", "problems")) if (r.summary or {}).get("after_run") == run_id]
    return found[-1] if found else None


def sentence(p: Point) -> str:
    """One line for the operator: ``compliance #12 (rollout #3 wave 2): 18 of 20 devices comply; interfaces 100% …``."""
    rates = ", ".join(f"{f} {s.rate:.0%}" for f, s in p.features.items() if s.rate is not None)
    shown = f"; {rates}" if rates else ""
    unjudged = f", {p.not_judged} not judged" if p.not_judged else ""
    return f"compliance #{p.run} ({p.trigger}): {p.compliant} of {p.devices} devices comply{unjudged}{shown}"
