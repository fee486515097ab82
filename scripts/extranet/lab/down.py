"""`lab down`: undo everything the state file records, also when the process that made the lab is gone."""

import shutil
from pathlib import Path

from .state import LabState, Proc, load_state
from .system import alive, del_user, netns_pids, run_script, stop


def lab_alive(state: LabState) -> bool:
    """Any of the lab's processes still running (a lab with none is stale)."""
    return any(alive(p) for p in state.procs)


def stale(state: LabState) -> bool:
    """Nothing runs any more, or the process that made the lab died before it was up."""
    return not lab_alive(state) or (state.phase == "starting" and not alive(state.owner))


def lab_procs(state: LabState) -> list[Proc]:
    """The recorded processes plus whatever else still runs in the lab's namespaces (by pid)."""
    recorded = {p.pid for p in state.procs}
    extra = [Proc(node, "?", pid, 0) for node, ns in state.all_namespaces().items() for pid in netns_pids(ns)]
    return [*state.procs, *(p for p in extra if p.pid not in recorded)]


def down(directory: Path) -> LabState | None:
    """Stop processes, delete root-side veths, namespaces, the bridge, users and the lab's files."""
    state = load_state(directory)
    if state is None:
        return None
    stop(lab_procs(state))
    run_script([f"ip link del {veth} 2>/dev/null || true" for veth in state.root_veths], check=False)
    spaces = list(state.all_namespaces().values())
    run_script([f"ip netns del {ns} 2>/dev/null || true" for ns in spaces], check=False)
    run_script([f"ip link del {state.bridge} 2>/dev/null || true"], check=False)
    for user in state.users:
        del_user(user)
    remove_files(directory)
    return state


def remove_files(directory: Path) -> None:
    """The lab directory, the state file last (so an interrupted down can run again)."""
    for child in directory.iterdir():
        if child.name != "state.json":
            shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
    (directory / "state.json").unlink()
    directory.rmdir()
