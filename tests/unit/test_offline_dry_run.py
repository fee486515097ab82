"""`extranet push dual-stack --dry-run --running DIR`: the change planned against saved configs (Oxidized,
RANCID, our history), offline — no credentials, no lab, nothing sent, nothing recorded in the history."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from extranet.devices.base import DeviceError, Target
from extranet.devices.saved import SavedConfig, saved_configs
from extranet.inventory import load_inventory
from extranet.platforms.results import Ping

from ..conftest import REPO

EXTRANET = str(Path(sys.executable).parent / "extranet")
COUNTY = {name: str(device.platform) for name, device in load_inventory(REPO / "inventory").devices.items()}

# A config with a hostname only, as each platform's backup prints it (the headers and section ends the
# backup tools keep are noise to the diff).
SAVED = {
    "huawei": "!Software Version V200R010C00SPC600\n#\nsysname {name}\n#\nreturn\n",
    "huawei_vrpv8": "!Software Version V800R021C10SPC100\n#\nsysname {name}\n#\nreturn\n",
    "hp_comware": "#\n version 7.1.070, Release 6728P22\n#\n sysname {name}\n#\nreturn\n",
    "cisco_ios": "!RANCID-CONTENT-TYPE: cisco\n!\nversion 15.2\nhostname {name}\n!\nend\n",
    "ruijie_os": "!\nhostname {name}\n!\nend\n",
    "juniper_junos": "## Last commit: 2026-10-01 09:00:00 CST by admin\nversion 20.4R3.8;\nsystem {{\n"
    "    host-name {name};\n}}\n",
    "frr": "frr version 8.4.4\nfrr defaults traditional\nhostname {name}\n!\nend\n",
}
# yl-dc-01 was half done by hand: its OSPFv3 router-id and one link's IPv6 are in place already. Its backup
# also has a GBK description (VRP keeps what was typed), which must not stop the plan.
HALF_DONE = "yl-dc-01"
DONE_LINES = (" router-id 198.18.1.4", " ipv6 address 2001:db8:ab01:b::3/127")
HALF_DONE_CONFIG = (
    "!Software Version V200R010C00SPC600\n#\nsysname yl-dc-01\n#\n"
    "ospfv3 1\n router-id 198.18.1.4\n#\n"
    "interface GigabitEthernet0/0/1\n description to-yl-core-01-GE0/0/4\n ip address 198.18.2.18 255.255.255.252\n"
    " ipv6 enable\n ipv6 address 2001:db8:ab01:b::3/127\n#\n"
    "interface Vlanif1\n description 管理网段\n#\nreturn\n"
).encode("gbk")

# The OSPFv3 process (Junos: the router-id it takes) and an interface joining an area, per platform.
PROCESS = {"huawei": r"^ospfv3 \d+$", "huawei_vrpv8": r"^ospfv3 \d+$", "hp_comware": r"^ospfv3 \d+$",
           "cisco_ios": r"^ipv6 router ospf \d+$", "ruijie_os": r"^ipv6 router ospf \d+$",
           "juniper_junos": r"^set routing-options router-id ", "frr": r"^router ospf6$"}  # fmt: skip
JOIN = {"huawei": r"^ ospfv3 \d+ area ", "huawei_vrpv8": r"^ ospfv3 \d+ area ", "hp_comware": r"^ ospfv3 \d+ area ",
        "cisco_ios": r"^ ipv6 ospf \d+ area ", "ruijie_os": r"^ ipv6 ospf \d+ area ",
        "juniper_junos": r"^set protocols ospf3 area \S+ interface \S+$", "frr": r"^ ipv6 ospf6 area "}  # fmt: skip


def own_syntax(platform: str, line: str) -> bool:
    """A line only this platform's family would print: Junos sets, VRP/Comware quit views, the IOS family exits."""
    if platform == "juniper_junos":
        return line.startswith("set ")
    if line.startswith("set "):
        return False
    return line.strip() != ("exit" if platform in ("huawei", "huawei_vrpv8", "hp_comware") else "quit")


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    for name in ("inventory", "netplan", "playbooks", "ansible.cfg"):
        (tmp_path / name).symlink_to(REPO / name)
    saved = tmp_path / "saved"
    saved.mkdir()
    for name, platform in COUNTY.items():
        (saved / f"{name}.cfg").write_text(SAVED[platform].format(name=name), encoding="utf-8")
    (saved / f"{HALF_DONE}.cfg").write_bytes(HALF_DONE_CONFIG)
    return tmp_path


def extranet(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """No EXTRANET_* from the caller's environment: no credentials, no lab; the database in the workspace."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EXTRANET_")}
    env = {**clean, "EXTRANET_DB_URL": f"sqlite:///{workspace / 'test.db'}", "EXTRANET_LAB_DIR": str(workspace / "lab")}
    return subprocess.run([EXTRANET, *args], capture_output=True, text=True, timeout=120, cwd=workspace, env=env)


def plan(workspace: Path, *args: str) -> tuple[int, dict[str, Any]]:
    proc = extranet(workspace, "push", "dual-stack", "--dry-run", "--running", "saved", "--json", *args)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, {d["device"]: d for d in json.loads(proc.stdout)["devices"]}


def test_every_device_is_planned_in_its_own_syntax_and_the_templates_order(workspace: Path) -> None:
    code, devices = plan(workspace)
    assert code == 0  # changes to make are what a plan is for: not a failure
    assert set(devices) == set(COUNTY) and len(set(COUNTY.values())) == 7
    for name, result in devices.items():
        platform, lines = COUNTY[name], result["lines"]
        assert result["status"] == "would-change" and lines, name
        assert all(own_syntax(platform, line) for line in lines[:10]), (name, lines[:10])
        assert all(own_syntax(platform, line) for line in lines), name
        process = next(i for i, line in enumerate(lines) if re.search(PROCESS[platform], line))
        join = next(i for i, line in enumerate(lines) if re.search(JOIN[platform], line))
        assert process < join, (name, lines[process], lines[join])
        if name != HALF_DONE and platform != "juniper_junos":  # the router-id goes with its process
            assert "router-id" in lines[process + 1], (name, lines[process : process + 2])
    huawei = [n for n, p in COUNTY.items() if p == "huawei" and n != HALF_DONE]
    for name in huawei:
        assert " ipv6 enable" in devices[name]["lines"] and "ospfv3 1" in devices[name]["lines"]
    ios = [n for n, p in COUNTY.items() if p == "cisco_ios"]
    assert ios and all("ipv6 unicast-routing" in devices[n]["lines"] for n in ios)
    assert not (workspace / "var" / "history").exists()  # a dry run records no backup and no change


def test_what_the_saved_config_has_is_not_planned_again(workspace: Path) -> None:
    _, devices = plan(workspace, "--limit", HALF_DONE)
    lines = devices[HALF_DONE]["lines"]
    assert not set(DONE_LINES) & set(lines)
    # the rest of the change still comes, under the sections it belongs to
    assert "ospfv3 1" in lines  # its silent interfaces are still to add
    first = lines.index("interface GigabitEthernet0/0/1")
    assert lines[first + 1 : lines.index("quit", first)].count(" ospfv3 1 area 0.0.0.0") == 1
    assert " ipv6 address 2001:db8:ab01:c::3/127" in lines  # the other link to the core


def test_a_device_without_a_saved_config_fails_alone(workspace: Path) -> None:
    missing = next(n for n, p in COUNTY.items() if p == "juniper_junos")
    (workspace / "saved" / f"{missing}.cfg").unlink()
    code, devices = plan(workspace)
    assert code == 1
    assert devices[missing]["status"] == "failed"
    assert f"no saved config saved/{missing}.cfg" in devices[missing]["error"]
    assert all(d["status"] == "would-change" for n, d in devices.items() if n != missing)


def test_the_plan_is_printed_line_by_line(workspace: Path) -> None:
    ios = next(n for n, p in COUNTY.items() if p == "cisco_ios")
    proc = extranet(workspace, "push", "dual-stack", "--dry-run", "--running", "saved", "--limit", ios)
    assert proc.returncode == 0, proc.stderr
    printed = proc.stdout.splitlines()
    start = next(i for i, line in enumerate(printed) if line.startswith(f"{ios} ("))
    assert "+ ipv6 unicast-routing" in printed[start + 1 : start + 12]
    assert "+ interface Loopback0" in printed


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--running", "saved"], "--running only plans: add --dry-run"),
        (["--running", "nowhere", "--dry-run"], "--running nowhere: no such directory"),
        (["--running", "saved", "--dry-run", "--lab"], "drop --lab"),
    ],
)
def test_running_is_for_offline_plans_only(workspace: Path, args: list[str], said: str) -> None:
    proc = extranet(workspace, "push", "dual-stack", *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert said in " ".join(proc.stderr.split())
    assert not (workspace / "var" / "history").exists()


# ---- the driver itself ---------------------------------------------------------------------------------------
def test_saved_config_driver_reads_and_never_sends(tmp_path: Path) -> None:
    (tmp_path / "r1.cfg").write_text("hostname r1\n", encoding="utf-8")
    driver = saved_configs(tmp_path)(Target("r1", "cisco_ios", "", "", ""))
    assert isinstance(driver, SavedConfig)
    driver.open()
    assert driver.platform.name == "cisco_ios" and driver.armed is False
    assert driver.running_config() == "hostname r1\n"
    assert driver.ipv4_routes() == [] and driver.ospf_neighbors() == [] and driver.ospfv3_neighbors() == []
    assert driver.ping("2001:db8::1", "2001:db8::2", "Loopback0") == Ping(0, 0)
    for send in (lambda: driver.load(["ipv6 unicast-routing"]), driver.confirm, driver.abort, driver.save):
        with pytest.raises(DeviceError, match="offline: nothing is sent"):
            send()
    driver.close()


def test_saved_config_driver_reads_a_backup_named_by_the_host_alone(tmp_path: Path) -> None:
    (tmp_path / "r3").write_text("!RANCID-CONTENT-TYPE: cisco\nhostname r3\n", encoding="utf-8")  # RANCID, Oxidized
    assert "hostname r3" in SavedConfig(Target("r3", "cisco_ios", "", "", ""), tmp_path).running_config()


def test_saved_config_driver_without_its_file(tmp_path: Path) -> None:
    driver = SavedConfig(Target("r2", "frr", "", "", ""), tmp_path)
    with pytest.raises(DeviceError, match=f"r2: no saved config {re.escape(str(tmp_path / 'r2.cfg'))}"):
        driver.open()


def test_saved_config_that_is_a_fifo_or_a_device_fails_without_waiting(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "r2.cfg")  # nobody writes it: reading it would wait for ever
    (tmp_path / "r3.cfg").symlink_to("/dev/zero")  # reading it whole would fill the memory
    for name, kind in (("r2", "a FIFO"), ("r3", "a character device")):
        with pytest.raises(DeviceError, match=f"cannot read the saved config .*{name}.cfg: is {kind}.*, not a regular"):
            SavedConfig(Target(name, "frr", "", "", ""), tmp_path).open()
