"""Everything a rollout needs before it touches a device: targets, device contexts, the rendered fragments.

Shared by both front doors (``extranet push`` and the Ansible modules behind ``extranet run``), so they
connect the same way and push the same lines.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..devices.base import Target
from ..history import ConfigHistory
from ..inputs import MANAGER, SNMP_KEY, SNMP_NAME, checked
from ..inventory import Inventory
from ..lab.state import lab_dir
from ..plan.lock import read_lock
from ..render import ContextBuilder, DeviceContext, Names, Renderer, Snmp
from ..store import Store
from .targets import KNOWN_HOSTS, TargetError, device_targets, lab_targets, offline_targets, profile_variable

HISTORY = Path("var") / "history"


@dataclass
class Prepared:
    targets: dict[str, Target]
    contexts: dict[str, DeviceContext]
    renderer: Renderer
    names: dict[str, Names | None] = field(default_factory=dict)  # the lab's interface names per device


def snmp_secrets() -> Snmp | None:
    """SNMPv3 for the vendor templates, from the environment (EXTRANET_SNMP_*); None leaves SNMP as it is.
    Each value is checked before it reaches a template (InputError names the variable, never the value)."""
    kinds = {"user": SNMP_NAME, "auth_key": SNMP_KEY, "priv_key": SNMP_KEY, "group": SNMP_NAME, "manager": MANAGER}
    found = {what: os.environ.get(profile_variable("snmp", what), "") for what in kinds}
    if not (found["user"] and found["auth_key"] and found["priv_key"]):
        return None
    found["group"] = found["group"] or "EXTRANET"
    for what, kind in kinds.items():
        if found[what] or what != "manager":
            checked(profile_variable("snmp", what), found[what], kind)
    return Snmp(found["user"], found["group"], found["auth_key"], found["priv_key"], found["manager"])


def prepare(inv: Inventory, devices: list[str], *, lab: bool, lock: Path, templates: Path,
            trust_new_hosts: bool = False, lab_path: Path | None = None,
            running: Path | None = None) -> Prepared:  # fmt: skip
    """Targets and contexts for ``devices``, every fragment rendered once (a template error stops the run
    before any device is touched). ``lab_path``: the lab's directory (default: $EXTRANET_LAB_DIR or var/lab).
    ``running``: plan against the saved configs in that directory (``devices.saved``), not the devices: no
    credentials, no lab; the devices' own platforms and interface names. Raises TargetError, RenderError."""
    if running is not None and lab:
        # the lab's contexts are FRR with Linux interface names: a plan of them against a device's backup
        # would be neither the lab's nor the device's change
        raise TargetError("--running plans against the devices' own saved configs: drop --lab")
    found = _targets(inv, devices, lab=lab, trust_new_hosts=trust_new_hosts, lab_path=lab_path, running=running)
    builder = ContextBuilder(inv, read_lock(lock), snmp=None if lab else snmp_secrets())
    contexts = {name: builder.build(name, names, lab=lab) for name, (_, names) in found.items()}
    renderer = Renderer(templates)
    for context in contexts.values():
        renderer.render(context)
    return Prepared({name: target for name, (target, _) in found.items()}, contexts, renderer,
                    {name: names for name, (_, names) in found.items()})  # fmt: skip


def record_compliance(store: Store, history: ConfigHistory, inv: Inventory, names: dict[str, Names | None], *,
                      lab: bool, lock: Path, templates: Path, run_id: int, wave: int,
                      ticket: str | None) -> int:  # fmt: skip
    """After a rollout's wave: judge each of the rollout's devices (``names``' keys) on its last recorded config
    against the intent, as `extranet compliance` does (no SNMP secrets: the history holds none), and keep the
    judgement under the rollout's run. Returns the judgement's run id."""
    from ..compliance import judge_all, record

    builder = ContextBuilder(inv, read_lock(lock), snmp=None)
    results = judge_all(inv, history, list(names), lambda d: builder.build(d, names.get(d), lab=lab),
                        Renderer(templates), lab=lab, edges=False)  # fmt: skip
    return record(store, results, after_run=run_id, wave=wave, ticket=ticket)


def _targets(inv: Inventory, devices: list[str], *, lab: bool, trust_new_hosts: bool, lab_path: Path | None,
             running: Path | None) -> dict[str, tuple[Target, Names | None]]:  # fmt: skip
    if running is not None:
        return offline_targets(inv, devices)
    if lab:
        return dict(lab_targets(inv, lab_dir(lab_path), devices))
    return device_targets(inv, devices, KNOWN_HOSTS, trust_new_hosts)
