"""What the Ansible modules in ``playbooks/library/`` do for one host: the rollout engine, one device at a time.

The modules are thin adapters (argument spec, exit_json) over these functions, so `extranet run` and
`extranet push` change devices the same way and record the same results, history and audit events.
`extranet run` opens the run in the database and passes its id as ``extranet_run_id``; every host's task
writes its result under that run.
"""

import os
import time
from pathlib import Path
from typing import Any

from ..devices.base import DeviceError
from ..devices.cli import CliDriver
from ..history import ConfigHistory
from ..inventory import load_inventory
from ..render import Names
from ..store import open_store, operator_name
from .engine import DONE, KIND, Options, Outcome, Rollout
from .setup import HISTORY, prepare, record_compliance
from .targets import device_targets, lab_targets
from .waves import batches, core_device

BACKUP_KIND = "backup"


def _workspace(params: dict[str, Any]) -> None:
    """Modules run in Ansible's temporary directory: work from the workspace `extranet run` was started in."""
    os.chdir(params["workspace"])


def dual_stack(params: dict[str, Any], check_mode: bool = False) -> dict[str, Any]:
    """Push dual-stack to ``params["device"]``, verify, confirm or roll back: the module's result."""
    _workspace(params)
    inv = load_inventory(Path(params["inventory"]))
    device, hosts = params["device"], list(params["play_hosts"])
    sizes = [str(size) for size in params["serial"]]
    waves = batches(hosts, sizes)
    wave = next(number for number, batch in enumerate(waves, 1) if device in batch)
    core = core_device(inv)
    wanted = [device] + ([core] if core in hosts and core != device else [])
    prepared = prepare(inv, wanted, lab=params["lab"], lock=Path(params["lock"]), templates=Path(params["templates"]),
                       trust_new_hosts=params["trust_new_hosts"])  # fmt: skip
    options = Options(sizes, 0, 1, check_mode or params["dry_run"], params["ticket"], params["confirm_timer"],
                      params["converge_timeout"])  # fmt: skip
    store = open_store()
    run_id = int(params["run_id"])
    history = ConfigHistory(HISTORY)
    rollout = Rollout(inv, {device: prepared.targets[device]}, prepared.contexts, prepared.renderer, store, history,
                      options)  # fmt: skip
    # dual-stack peers: what this run (and the interrupted run it resumes) finished, and this wave's devices
    finished = {r.device for r in store.device_results(run_id) if r.status in (*DONE, "done-before")}
    done = set(params["done"])
    done_in = params["resumed_from"] if device in done else None
    outcome = rollout.one(device, wave, run_id, finished | done | set(waves[wave - 1]), done_in)
    return result(outcome)


def compliance(params: dict[str, Any]) -> dict[str, Any]:
    """After a batch: judge every host of the play against the intent, kept under the run (the module's result)."""
    from ..compliance import point, sentence

    _workspace(params)
    inv = load_inventory(Path(params["inventory"]))
    hosts = list(params["play_hosts"])
    waves = batches(hosts, [str(size) for size in params["serial"]])
    batch = set(params["batch"])
    wave = next((number for number, found in enumerate(waves, 1) if batch & set(found)), len(waves))
    names: dict[str, Names | None] = dict.fromkeys(hosts)
    if params["lab"]:
        names = {d: n for d, (_, n) in lab_targets(inv, Path(params["lab_dir"]), hosts).items()}
    store = open_store()
    judged = record_compliance(store, ConfigHistory(HISTORY), inv, names, lab=params["lab"], lock=Path(params["lock"]),
                               templates=Path(params["templates"]), run_id=int(params["run_id"]), wave=wave,
                               ticket=params["ticket"])  # fmt: skip
    found = store.get_run(judged)
    message = sentence(point(found)) if found is not None else f"compliance #{judged}"
    return {"changed": False, "failed": False, "msg": message, "extranet": {"compliance_run": judged, "wave": wave}}


def result(outcome: Outcome) -> dict[str, Any]:
    """The module's return: Ansible's ``changed``/``failed``/``msg`` and the engine's outcome under ``extranet``."""
    changed = outcome.status == "ok" and bool(outcome.lines)
    summary = outcome.summary()  # scrubbed: Ansible prints msg and keeps the result in the run's artifacts
    message = summary["error"] or f"{outcome.status}: {len(outcome.lines)} line(s)"
    return {"changed": changed, "failed": outcome.failed, "msg": message,
            "extranet": {"device": outcome.device, "wave": outcome.wave, "status": outcome.status,
                         **summary}}  # fmt: skip


def backup(params: dict[str, Any]) -> dict[str, Any]:
    """Read the running config and commit it to the config history (scrubbed): the module's result."""
    _workspace(params)
    inv = load_inventory(Path(params["inventory"]))
    device = params["device"]
    found = (lab_targets(inv, Path(params["lab_dir"]), [device]) if params["lab"]
             else device_targets(inv, [device], trust_new_hosts=params["trust_new_hosts"]))  # fmt: skip
    target = found[device][0]
    store, run_id = open_store(), int(params["run_id"])
    outcome = Outcome(device, 1, platform=target.platform)
    started = time.monotonic()
    history = ConfigHistory(HISTORY)  # `extranet run` created it
    driver = CliDriver(target)
    try:
        driver.open()
        config = driver.running_config()
        sha = history.record(device, target.platform, config, operator=operator_name(), ticket=params["ticket"],
                             run_id=str(run_id), action="backup", result="ok")  # fmt: skip
        outcome.status = "ok" if sha else "unchanged"
        outcome.commits = [sha[:12]] if sha else []
        outcome.checks = [f"{len(config.splitlines())} config lines read"]
    except DeviceError as exc:
        outcome.status, outcome.error = "failed", str(exc)
    finally:
        driver.close()
    outcome.seconds = time.monotonic() - started
    store.save_device_result(run_id, device, 1, outcome.status, detail=outcome.summary())
    store.audit(BACKUP_KIND, device, outcome.status, outcome.summary(), run_id=run_id, reason=params["ticket"])
    answer = result(outcome)
    answer["changed"] = bool(outcome.commits)
    return answer


__all__ = ["BACKUP_KIND", "KIND", "backup", "compliance", "dual_stack", "result"]
