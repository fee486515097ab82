"""Issue 15 item 3: compliance with intent — per device and feature, the recorded config against what the plan
renders: compliant, or the missing and the extra lines named."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from extranet.history import ConfigHistory
from extranet.inventory import load_inventory
from extranet.plan.lock import read_lock
from extranet.render import ContextBuilder, Renderer

from ..conftest import REPO

EXTRANET = str(Path(sys.executable).parent / "extranet")
DEVICE = "yl-bs-acc-01"  # an FRR router in the example inventory: its own platform's configs are FRR's


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXTRANET_")}
    return subprocess.run([EXTRANET, *args], capture_output=True, text=True, timeout=120, cwd=cwd, env=env)


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[Path, str]:
    for part in ("inventory", "netplan", "playbooks"):
        shutil.copytree(REPO / part, tmp_path / part)
    inv = load_inventory(tmp_path / "inventory")
    context = ContextBuilder(inv, read_lock(tmp_path / "netplan" / "allocations.yml"), snmp=None).build(DEVICE)
    intended = Renderer(tmp_path / "playbooks" / "templates").render(context)
    assert context.platform == "frr" and "ipv6 ospf6 area" in intended
    return tmp_path, intended


def record(workspace: Path, config: str, device: str = DEVICE) -> None:
    ConfigHistory(workspace / "var" / "history").record(device, "frr", config, operator="alice", ticket=None,
                                                        run_id=None, action="backup", result="ok")  # fmt: skip


def judged(workspace: Path, *args: str) -> tuple[int, dict[str, dict[str, object]]]:
    proc = cli(workspace, "compliance", "--device", DEVICE, "--json", *args)
    assert proc.stdout.startswith("{"), proc.stderr
    [device] = json.loads(proc.stdout)["devices"]
    return proc.returncode, {f["feature"]: f for f in device["features"]}


def test_a_device_holding_its_intent_complies(workspace: tuple[Path, str]) -> None:
    root, intended = workspace
    record(root, intended)
    code, features = judged(root)
    assert code == 0
    assert set(features) == {"interfaces", "ospfv3", "bgp", "static", "acl", "snmp"}
    assert all(f["compliant"] and f["missing"] == [] and f["extra"] == [] for f in features.values())


def test_a_line_taken_by_hand_and_one_added_are_named(workspace: tuple[Path, str]) -> None:
    root, intended = workspace
    lines = intended.splitlines()
    dropped = next(line for line in lines if line.startswith(" ipv6 ospf6 area"))
    changed = "\n".join(line for line in lines if line != dropped) + "\n"
    address = next(line for line in lines if line.startswith(" ipv6 address"))
    changed = changed.replace(address, f"{address}\n ipv6 address 2001:db8:ab20::dead/64", 1)
    record(root, changed)
    code, features = judged(root)
    assert code == 1
    interfaces = features["interfaces"]
    assert not interfaces["compliant"]
    assert dropped in interfaces["missing"]
    assert [line.strip() for line in interfaces["extra"]] == ["ipv6 address 2001:db8:ab20::dead/64"]
    assert features["bgp"]["compliant"]
    table = cli(root, "compliance", "--device", DEVICE)
    assert (table.returncode == 1 and f"{DEVICE} interfaces: missing {dropped}" in " ".join(table.stdout.split())) \
        or f"missing {dropped.strip()}" in " ".join(table.stdout.split())  # fmt: skip


def test_a_config_from_another_platform_is_not_judged(workspace: tuple[Path, str]) -> None:
    root, intended = workspace
    ConfigHistory(root / "var" / "history").record("yl-core-01", "frr", intended, operator="alice", ticket=None,
                                                   run_id=None, action="backup", result="ok")  # fmt: skip
    proc = cli(root, "compliance", "--device", "yl-core-01", "--json")
    [device] = json.loads(proc.stdout)["devices"]
    assert proc.returncode == 1
    assert device["problem"] == "recorded as frr, judged as huawei_vrpv8: run it with --lab"


def test_bad_input_and_no_history(workspace: tuple[Path, str]) -> None:
    root, _ = workspace
    none = cli(root, "compliance")
    assert none.returncode == 1 and "no config history in var/history yet" in none.stderr
    record(root, "hostname x\n")
    bad = cli(root, "compliance", "--device", "nope")
    assert bad.returncode == 2 and "not in the inventory: nope" in bad.stderr
