"""`lab up` / `lab down` leave nothing behind, also when the process that made the lab was SIGKILLed.

Runs before test_routing.py (file order): both use the same namespace names, so they cannot overlap.
"""

import json
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from extranet.lab import load_state
from extranet.lab.state import LabState
from extranet.lab.system import alive, namespaces, run, user_exists

from .conftest import EXAMPLE, EXTRANET, REPO, require_lab, run_cli, searchable_tmp

pytestmark = pytest.mark.lab


def wait_for_state(directory: Path, phase: str, timeout: float = 60) -> LabState:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = load_state(directory)
        if state is not None and state.phase == phase:
            return state
        time.sleep(0.1)
    raise AssertionError(f"the lab did not reach {phase!r} in {timeout} s")


def assert_nothing_left(state: LabState, directory: Path) -> None:
    assert state.hosts and state.edges and state.isps  # department LANs and own exits were part of it
    assert not set(state.all_namespaces().values()) & namespaces()
    for link in [*state.root_veths, state.bridge]:
        assert run(["ip", "link", "show", link], check=False).returncode != 0, link
    assert not [p for p in state.procs if alive(p)]
    assert not any(user_exists(u) for u in state.users)
    assert not directory.exists()


def test_down_after_the_owner_was_killed() -> None:
    require_lab()
    parent = searchable_tmp()
    directory = parent / "lab"
    owner = subprocess.Popen(
        [EXTRANET, "lab", "up", "--foreground", "--dir", str(directory), "-i", str(EXAMPLE)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        state = wait_for_state(directory, "up")
        assert all(alive(p) for p in state.procs)
        owner.send_signal(signal.SIGKILL)
        owner.wait(10)
        assert all(alive(p) for p in state.procs)  # the routers outlive their owner
        status = run_cli("lab", "status", "--json", "--dir", str(directory))
        assert json.loads(status.stdout)["phase"] in {"up", "stale"}
        down = run_cli("lab", "down", "--dir", str(directory))
        assert down.returncode == 0, down.stderr
        assert_nothing_left(state, directory)
    finally:
        owner.kill()
        run_cli("lab", "down", "--dir", str(directory))
        shutil.rmtree(parent, ignore_errors=True)


def test_up_then_down_leaves_nothing() -> None:
    require_lab()
    parent = searchable_tmp()
    directory = parent / "lab"
    try:
        up = run_cli("lab", "up", "--dir", str(directory), "-i", str(EXAMPLE))
        assert up.returncode == 0, up.stdout + up.stderr
        assert "OSPF converged" in up.stdout
        state = load_state(directory)
        assert state is not None and state.phase == "up"
        again = run_cli("lab", "up", "--dir", str(directory), "-i", str(EXAMPLE))
        assert again.returncode == 1 and "already up" in again.stderr
        assert load_state(directory) is not None  # a refused `up` does not touch the running lab
        assert run_cli("lab", "down", "--dir", str(directory)).returncode == 0
        assert_nothing_left(state, directory)
        assert "nothing to do" in run_cli("lab", "down", "--dir", str(directory)).stdout
    finally:
        run_cli("lab", "down", "--dir", str(directory))
        shutil.rmtree(parent, ignore_errors=True)


def test_a_lab_whose_owner_died_half_way_is_stale_and_cleared_by_the_next_up() -> None:
    require_lab()
    parent = searchable_tmp()
    directory = parent / "lab"
    args = ["lab", "up", "--dir", str(directory), "-i", str(EXAMPLE)]
    owner = subprocess.Popen([EXTRANET, *args], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        half = wait_for_state(directory, "starting")
        owner.send_signal(signal.SIGKILL)
        owner.wait(10)
        status = run_cli("lab", "status", "--json", "--dir", str(directory))
        assert json.loads(status.stdout)["phase"] == "stale"
        again = run_cli(*args)
        assert again.returncode == 0, again.stdout + again.stderr
        assert not [p for p in half.procs if alive(p)]  # the stale lab's processes are gone
        state = load_state(directory)
        assert state is not None and state.phase == "up"
        assert run_cli("lab", "down", "--dir", str(directory)).returncode == 0
        assert_nothing_left(state, directory)
    finally:
        owner.kill()
        run_cli("lab", "down", "--dir", str(directory))
        shutil.rmtree(parent, ignore_errors=True)


def test_a_directory_that_holds_no_lab_is_never_used_nor_emptied() -> None:
    """`lab down` deletes what is in a lab's directory: `lab up` refuses a directory with other files, and a
    state file it cannot read stops every lab command before anything is touched."""
    require_lab()
    parent = searchable_tmp()
    precious = parent / "precious.txt"
    precious.write_text("the operator's own file\n")
    try:
        refused = run_cli("lab", "up", "--dir", str(parent), "-i", str(EXAMPLE), "--wait", "0")
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert "is not an empty directory and holds no lab" in " ".join(refused.stderr.split())
        assert sorted(p.name for p in parent.iterdir()) == ["precious.txt"]
        (parent / "state.json").write_text("{not json\n")
        for command in (["down"], ["status"], ["up", "-i", str(EXAMPLE)]):
            proc = run_cli("lab", *command, "--dir", str(parent))
            assert proc.returncode == 2, (command, proc.stdout + proc.stderr)
            assert "not a lab state file this version can read" in proc.stderr and "Traceback" not in proc.stderr
        assert precious.read_text() == "the operator's own file\n"
        assert (parent / "state.json").read_text() == "{not json\n"
        negative = run_cli("lab", "up", "--dir", str(parent / "lab"), "--wait", "-3")
        assert negative.returncode == 2 and not (parent / "lab").exists()
    finally:
        shutil.rmtree(parent, ignore_errors=True)
