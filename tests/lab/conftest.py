"""The lab fixture: the example inventory's network brought up once per session, always torn down.

Without root or network namespaces the lab tests skip with the reason; under CI=true that is a failure.
"""

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from extranet import lab
from extranet.inventory import load_inventory
from extranet.lab.state import LabState
from extranet.plan.lock import read_lock

from ..conftest import REPO

EXTRANET = str(Path(sys.executable).parent / "extranet")
EXAMPLE = REPO / "inventory"
CONVERGE_TIMEOUT = 60.0


def lab_unavailable() -> str | None:
    """Why the lab cannot run here, or None."""
    try:
        lab.prerequisites()
    except lab.LabError as exc:
        return str(exc)
    return None


def require_lab() -> None:
    reason = lab_unavailable()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"lab tests cannot run under CI=true: {reason}")
    pytest.skip(f"lab: {reason}")


def searchable_tmp() -> Path:
    """A fresh directory that frr and the lab's login user can walk into (pytest's tmp is mode 0700)."""
    parent = Path(tempfile.mkdtemp(prefix="extranet-lab-"))
    parent.chmod(0o755)
    atexit.register(shutil.rmtree, parent, True)  # the lab removes its own dir; this is the parent
    return parent


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([EXTRANET, *args], capture_output=True, text=True, timeout=timeout, cwd=REPO)


@pytest.fixture(scope="session")
def lab_state() -> Iterator[LabState]:
    """The example inventory's lab, up and converged, for the whole session; torn down whatever happens."""
    require_lab()
    parent = searchable_tmp()
    directory = parent / "lab"
    try:
        state = lab.up(load_inventory(EXAMPLE), directory, read_lock(REPO / "netplan" / "allocations.yml"))
        if not lab.wait_converged(state, CONVERGE_TIMEOUT):
            pytest.fail(f"OSPF did not converge within {CONVERGE_TIMEOUT:.0f} s")
        yield state
    finally:
        lab.down(directory)
        shutil.rmtree(parent, ignore_errors=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """test_lifecycle.py first: its labs use the session lab's namespace names, so it must run before any test
    brings the session lab up (test_faults.py sorts before it); test_moves.py then test_rollout.py last: they change
    the routers."""
    in_lab = [item.path.parent.name == "lab" for item in items]
    # the moves integrate a private network (they restore the departments' routers and the legacy line), the
    # rollout leaves the routers dual-stack: last
    order = {"test_lifecycle.py": 0, "test_moves.py": 1.5, "test_rollout.py": 2, "test_audit_trail.py": 3}
    items[:] = [
        item
        for _, _, item in sorted(
            ((order.get(item.path.name, 1) if lab else 1), index, item)
            for index, (item, lab) in enumerate(zip(items, in_lab, strict=True))
        )
    ]
