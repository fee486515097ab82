"""Issue 15 on the lab, after the rollout (conftest runs this module last): a change typed by hand through a router's
SSH login is found by `extranet backup`, recorded as out-of-band by that login user, and `extranet compliance`
names the device and the line; the router is put back afterwards."""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from extranet.devices.cli import CliDriver
from extranet.inventory import load_inventory
from extranet.lab.state import LabState
from extranet.plan.lock import read_lock
from extranet.plan.pairs import pairs
from extranet.rollout.targets import lab_targets

from ..conftest import REPO

pytestmark = pytest.mark.lab
EXTRANET = str(Path(sys.executable).parent / "extranet")
DEVICE = "yl-sm-acc-01"


def run_cli(workspace: Path, lab_state: LabState, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EXTRANET_LAB_DIR": lab_state.dir, "EXTRANET_OPERATOR": "auditor"}
    env.pop("EXTRANET_DB_URL", None)
    return subprocess.run([EXTRANET, *args], capture_output=True, text=True, timeout=240, cwd=workspace, env=env)


def loopback6() -> str:
    inv = load_inventory(REPO / "inventory")
    return next(p.ipv6 for p in pairs(inv, read_lock(REPO / "netplan" / "allocations.yml"))
                if p.device == DEVICE and p.kind == "loopback")  # fmt: skip


def by_hand(lab_state: LabState, lines: list[str]) -> None:
    """Log in over SSH as the lab's user and type configuration lines (the login shell records the session)."""
    inv = load_inventory(REPO / "inventory")
    target, _ = lab_targets(inv, Path(lab_state.dir), [DEVICE])[DEVICE]
    driver = CliDriver(target)
    try:
        driver.open()
        driver.load(lines)
    finally:
        driver.close()


@pytest.fixture(scope="module")
def workspace(lab_state: LabState, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("audit")
    for name in ("inventory", "netplan", "playbooks", "ansible.cfg"):
        (root / name).symlink_to(REPO / name)
    yield root
    by_hand(lab_state, ["interface lo", f" ipv6 address {loopback6()}"])  # put the router back as the rollout left it


def test_a_change_by_hand_is_out_of_band_by_the_login_user_and_not_compliant(
    workspace: Path, lab_state: LabState
) -> None:
    first = run_cli(workspace, lab_state, "backup", "--lab", "--json")
    assert first.returncode == 0, first.stdout + first.stderr
    assert {d["status"] for d in json.loads(first.stdout)["devices"]} == {"baseline"}
    compliant = run_cli(workspace, lab_state, "compliance", "--lab", "--device", DEVICE, "--json")
    assert compliant.returncode == 0, compliant.stdout  # the rollout left it as planned

    address = loopback6()
    by_hand(lab_state, ["interface lo", f" no ipv6 address {address}"])
    found = run_cli(workspace, lab_state, "backup", "--lab", "--json")
    assert found.returncode == 1, found.stdout + found.stderr
    devices = {d["device"]: d for d in json.loads(found.stdout)["devices"]}
    assert {d for d, v in devices.items() if v["status"] != "unchanged"} == {DEVICE}
    changed = devices[DEVICE]
    assert changed["status"] == "out-of-band" and changed["attribution"] == "out-of-band:xlab"
    [hunk] = changed["hunks"]
    assert hunk["removed"] == [f" ipv6 address {address}"] and hunk["by"] == "xlab" and hunk["at"]

    log = json.loads(run_cli(workspace, lab_state, "history", "log", DEVICE, "--json").stdout)["entries"]
    assert log[0]["attribution"] == "out-of-band:xlab" and log[0]["result"] == "out-of-band"
    judged = run_cli(workspace, lab_state, "compliance", "--lab", "--device", DEVICE, "--json")
    assert judged.returncode == 1
    [device] = json.loads(judged.stdout)["devices"]
    interfaces = next(f for f in device["features"] if f["feature"] == "interfaces")
    assert f" ipv6 address {address}" in interfaces["missing"]
    again = run_cli(workspace, lab_state, "backup", "--lab", "--json")  # nothing new since
    assert again.returncode == 0 and {d["status"] for d in json.loads(again.stdout)["devices"]} == {"unchanged"}
