"""``extranet run PLAYBOOK``: the Ansible front door — a playbook through ansible-runner, with the same run
record, progress, per-device results, history and audit as `extranet push`.

The playbooks' modules (``playbooks/library/``) are thin adapters over the rollout engine; this command opens
the run in the database (resuming an interrupted dual-stack rollout), hands its id to the play and turns
ansible-runner's events into the progress lines and the result table.
"""

import shlex
import sys
import tempfile
from pathlib import Path
from typing import Any

import typer

from ..history import ConfigHistory
from ..inputs import check_ticket
from ..inventory import load_inventory
from ..inventory.load import inventory_dir
from ..lab.state import lab_dir
from ..plan.lock import DEFAULT_LOCK
from ..rollout.ansible import BACKUP_KIND
from ..rollout.engine import KIND, Options, Outcome, ResumeError, finish_run, open_run
from ..rollout.moves import INTEGRATE_KIND, WITHDRAW_KIND, WITHDRAW_REAL, MoveError, move_hosts
from ..rollout.setup import HISTORY
from ..rollout.targets import KNOWN_HOSTS, TargetError, device_targets, lab_targets
from ..rollout.waves import WaveError, check_timers, core_outwards, parse_sizes
from ..store import Store, open_store
from .inventory import InventoryOption, inventory_digest
from .output import fail
from .plan import hold_plan
from .push import LIMIT_HELP, RolloutProgress, report_table, select

PLAYBOOKS = Path("playbooks")
# playbook -> the run kind its results are recorded under
KINDS = {"dual_stack": KIND, "backup": BACKUP_KIND, "integrate_private_network": INTEGRATE_KIND,
         "withdraw_exit": WITHDRAW_KIND}  # fmt: skip
MOVES = ("integrate_private_network", "withdraw_exit")  # playbooks that move one tracked item (--item)
MODULE_EVENTS = ("runner_on_ok", "runner_on_failed", "runner_on_unreachable")


def find_playbook(name: str) -> Path:
    """A path, or a playbook of the workspace by name (``dual_stack.yml`` or ``dual_stack``)."""
    for candidate in (Path(name), PLAYBOOKS / name, PLAYBOOKS / f"{name}.yml"):
        if candidate.is_file():
            return candidate.absolute()
    known = sorted(p.name for p in PLAYBOOKS.glob("*.yml") if p.name != "extranet.yml")
    raise fail(f"playbook {name!r} not found; the workspace has: {', '.join(known) or 'none'} (in {PLAYBOOKS}/)")


def run(
    ctx: typer.Context,
    playbook: str = typer.Argument(
        ..., help="A playbook of playbooks/ (dual_stack.yml, backup.yml, integrate_private_network.yml, "
        "withdraw_exit.yml) or a path."
    ),
    inventory: Path | None = InventoryOption,
    lab: bool = typer.Option(False, "--lab", help="Work on the lab's routers (extranet lab up) instead of devices."),
    limit: str | None = typer.Option(None, "--limit", help=LIMIT_HELP),
    waves: str = typer.Option("1,10%,100%", "--waves", help="Batch sizes: the play's serial."),
    max_fail: int = typer.Option(
        0, "--max-fail-percentage", min=0, max=100, help="Ansible's: failed share of a batch that stops later batches."
    ),
    forks: int = typer.Option(10, "--forks", min=1, max=200, help="Hosts worked on at once."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check mode: connect, read and diff; send nothing."),
    ticket: str | None = typer.Option(
        None, "--ticket", callback=check_ticket, help="Change ticket, recorded in history and audit."
    ),
    converge_timeout: float = typer.Option(30.0, "--converge-timeout", help="Seconds to wait for OSPFv3 Full."),
    trust_new_hosts: bool = typer.Option(False, "--trust-new-hosts", help="Record unknown SSH host keys (TOFU)."),
    as_json: bool = typer.Option(False, "--json", help="Per-device results as JSON."),
    item: str | None = typer.Option(
        None, "--item", help="What a move playbook moves: network:ID (integrate_private_network), exit:DEPT "
        "(withdraw_exit); `extranet track status` lists them."
    ),
) -> None:
    """Run a playbook through ansible-runner: exit 0 when every host succeeded, 1 when any failed, was rolled
    back or was not reached (the play stopped), 2 for bad input."""
    path = find_playbook(playbook)
    inv = load_inventory(inventory)
    try:
        sizes = parse_sizes(waves)
        check_timers(300, converge_timeout)
    except WaveError as exc:
        raise fail(str(exc)) from exc
    if path.stem in MOVES:
        try:
            hosts = move_hosts(inv, path.stem, item)
            if path.stem == "withdraw_exit" and not lab:
                raise MoveError(WITHDRAW_REAL)
        except MoveError as exc:
            raise fail(str(exc)) from exc
    elif item is not None:
        raise fail(f"--item is for the move playbooks ({', '.join(f'{m}.yml' for m in MOVES)}), not {path.name}")
    else:
        hosts = core_outwards(inv, select(inv, limit))
    kind = KINDS.get(path.stem, f"playbook {path.stem}")
    if kind == KIND and not dry_run:  # its modules push the lock's addresses: it cannot change meanwhile
        hold_plan(ctx, DEFAULT_LOCK, shared=True, doing=f"run {path.name}")
    if kind in KINDS.values():  # no lab, no credentials, lab-only addresses: say so before Ansible starts
        try:
            lab_targets(inv, lab_dir(), hosts) if lab else device_targets(inv, hosts, KNOWN_HOSTS, trust_new_hosts)
        except TargetError as exc:
            raise fail(str(exc)) from exc
    store = open_store()
    digest = inventory_digest(inventory_dir(inventory))
    options = Options(sizes, 0, forks, dry_run, ticket, converge_timeout=converge_timeout, digest=digest)
    done: set[str] = set()
    resumed_from: int | None = None
    if kind == KIND:
        try:
            run_id, done, resumed_from = open_run(store, options)
        except ResumeError as exc:
            raise fail(str(exc)) from exc
    else:
        run_id = store.start_run(kind, ticket, digest, {"playbook": path.name, "dry_run": dry_run})
    ConfigHistory(HISTORY).init()
    extravars: dict[str, Any] = {
        "extranet_hosts": hosts, "extranet_run_id": run_id, "extranet_workspace": str(Path.cwd()),
        "extranet_serial": sizes, "extranet_max_fail_percentage": max_fail, "extranet_lab": lab,
        "extranet_lab_dir": str(lab_dir()), "extranet_dry_run": dry_run, "extranet_converge_timeout": converge_timeout,
        "extranet_trust_new_hosts": trust_new_hosts, "extranet_done": sorted(done),
    }  # fmt: skip
    if ticket:
        extravars["extranet_ticket"] = ticket
    if item is not None:
        extravars["extranet_item"] = item.partition(":")[2]
    if resumed_from is not None:
        extravars["extranet_resumed_from"] = resumed_from
    with RolloutProgress(len(hosts), as_json, path.stem) as (on_event, _):
        runner, messages = _ansible(path, run_id, extravars, forks, on_event)
    outcomes = _outcomes(store, run_id, hosts, messages)
    if kind == KIND:
        finish_run(store, run_id, outcomes, resumed_from, dry_run)
    else:
        status = "problems" if any(o.failed or o.status == "skipped" for o in outcomes) else "ok"
        store.finish_run(run_id, status, {"playbook": path.name, "devices": len(outcomes), "rc": runner.rc})
    report_table(outcomes, f"{path.name} run #{run_id}", run_id, resumed_from, as_json, dry_run)
    if runner.rc != 0 and all(o.status == "skipped" for o in outcomes):
        tail = "\n".join(runner.stdout.read().splitlines()[-15:]) if runner.stdout else ""
        raise fail(f"ansible-playbook failed (rc {runner.rc}) before any host ran:\n{tail}")
    if runner.rc != 0 or any(o.failed or o.status in ("skipped", "would-change") for o in outcomes):
        raise typer.Exit(1)


def _ansible(path: Path, run_id: int, extravars: dict[str, Any], forks: int,
             on_event: Any) -> tuple[Any, dict[str, str]]:  # fmt: skip
    """ansible-playbook through ansible-runner; per-host events become progress lines. The artifacts (events,
    stdout) stay in var/ansible/run-<id> for the auditor; no secret is passed on the command line."""
    import ansible_runner  # type: ignore[import-untyped]

    workspace = Path.cwd()
    data_dir = workspace / "var" / "ansible" / f"run-{run_id}"
    data_dir.mkdir(parents=True, exist_ok=True)
    messages: dict[str, str] = {}

    def handler(event: dict[str, Any]) -> bool:
        data = event.get("event_data", {})
        host = data.get("host")
        if event.get("event") == "runner_on_start" and host:
            on_event("working on", Outcome(host, 0))
        if event.get("event") in MODULE_EVENTS and host:
            res = data.get("res", {})
            found = res.get("extranet") or {}
            outcome = Outcome(host, int(found.get("wave", 0)), str(found.get("status", "failed")))
            if not found:
                outcome.status = "failed"
                messages[host] = str(res.get("msg", event["event"]))
            on_event("finished", outcome)
        return True

    runner = ansible_runner.run(
        private_data_dir=str(data_dir), cmdline=shlex.quote(str(path)), project_dir=str(workspace),
        inventory=str(workspace / PLAYBOOKS / "extranet.yml"), extravars=extravars, forks=forks, quiet=True,
        event_handler=handler,
        binary=str(Path(sys.executable).parent / "ansible-playbook"), suppress_env_files=True,
        envvars={"ANSIBLE_CONFIG": str(workspace / "ansible.cfg"), "TMPDIR": tempfile.gettempdir(),
                 "ANSIBLE_LIBRARY": str(workspace / PLAYBOOKS / "library")},
    )  # fmt: skip
    return runner, messages


def _outcomes(store: Store, run_id: int, hosts: list[str], messages: dict[str, str]) -> list[Outcome]:
    """Every selected host's outcome from the run's records; a host the play never reached is ``skipped``
    (the play stopped: max_fail_percentage), one whose module died before recording is ``failed``."""
    rows = {r.device: r for r in store.device_results(run_id)}
    outcomes = []
    for host in hosts:
        row = rows.get(host)
        if row is not None:
            detail = row.detail or {}
            outcome = Outcome(host, row.wave, row.status, list(detail.get("lines", [])), list(detail.get("checks", [])),
                              str(detail.get("error", "")), float(detail.get("seconds", 0.0)),
                              list(detail.get("commits", [])))  # fmt: skip
        elif host in messages:
            outcome = Outcome(host, 0, "failed", error=messages[host])
        else:
            outcome = Outcome(host, 0, "skipped", error="not reached: the play stopped (max fail percentage)")
        if row is None:
            store.save_device_result(run_id, host, outcome.wave, outcome.status, detail=outcome.summary())
        outcomes.append(outcome)
    return outcomes
