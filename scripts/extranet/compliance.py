"""Compliance with intent (Golden Config's idea, from our own plan): per device and per feature, does the config
recorded last (the config history: a rollout's or `run backup.yml`'s) hold what the inventory and the address plan
say it should, and nothing of ours that they no longer say?

Intent per feature is the platform's own template (``playbooks/templates/<platform>/<feature>.j2``) rendered for the
device; the difference is the rollout's own (``devices.diff.change``): the lines missing from the config, with
their sections, and the owned lines left over (what a push would remove). A department's own router
(``edge-DEPT`` in the history) is judged on its exit: no default route but the extranet's hand-off.
"""

from dataclasses import dataclass, field
from ipaddress import IPv4Interface
from typing import Any

from .devices.diff import change
from .history import ConfigHistory
from .inventory import Inventory
from .platforms import get as platform
from .render import DeviceContext, Renderer

FEATURES = ("interfaces", "ospfv3", "bgp", "static", "acl", "snmp")  # the dual-stack templates, in push order


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

    department = inv.departments.get(dept)
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
