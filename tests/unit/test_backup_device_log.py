"""Issue 15 item 2: a change typed by hand on a device is attributed from the device's own log, read by
``extranet backup`` in the same SSH session as the running config (no ``--log`` given). Fake devices over real SSH
(tests/fakes/): a person, alice, logs in with her own account and changes a description; the next backup names
her, the time and, where the vendor logs it, the address she came from."""

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from extranet.cli.backup import _one
from extranet.devices.base import Target
from extranet.devices.cli import CliDriver
from extranet.history import ConfigHistory
from extranet.inventory import Inventory, load_inventory
from extranet.store import open_store
from tests.fakes.device import FakeNetwork
from tests.fakes.network import fake_network, targets

REPO = Path(__file__).resolve().parents[2]
DEVICE = {"huawei": "yl-agg-01", "cisco_ios": "yl-ll-acc-01", "juniper_junos": "yl-exit-01",
          "hp_comware": "yl-core-02"}  # fmt: skip
ALICE = ("alice", "alice-password")


@pytest.fixture(scope="module")
def inv() -> Inventory:
    return load_inventory(REPO / "inventory")


class Backup:
    """What ``extranet backup`` does per device (cli.backup._one), against one fake device."""

    def __init__(self, network: FakeNetwork, device: str, tmp: Path) -> None:
        self.network, self.device = network, device
        self.target: Target = targets(network)[device]
        self.history = ConfigHistory(tmp / "history")
        self.history.init()
        self.store = open_store(f"sqlite:///{tmp / 'extranet.db'}")

    def __call__(self) -> dict[str, Any]:
        run = self.store.start_run("backup", None, None, {})
        started = datetime.now(UTC) - timedelta(seconds=1)  # as the command takes it
        return _one(self.device, self.target, None, self.history, self.store, run, None, started)

    def by_hand(self, lines: list[str]) -> None:
        """alice's own SSH session: her login, her client address, the vendor's flow for a change."""
        self.network.servers[self.device].users[ALICE[0]] = ALICE[1]
        driver = CliDriver(replace(self.target, username=ALICE[0], password=ALICE[1]), read_timeout=4.0)
        try:
            driver.open()
            driver.load(lines)
        finally:
            driver.close()


@pytest.fixture
def backup(inv: Inventory, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Backup]:
    device = DEVICE[request.param]
    with fake_network(inv, [device], tmp_path) as network:
        yield Backup(network, device, tmp_path)


def description(platform: str, port: str) -> list[str]:
    if platform == "juniper_junos":
        return [f"set interfaces {port} description by-alice"]
    return [f"interface {port}", " description by-alice"]


# Huawei CMDRECORD carries Ip=; IOS CONFIG_I "on vty0 (address)" gives it to the CFGLOG line before it; Junos's
# UI_COMMIT carries none.
CLIENT = {"huawei": "127.0.0.1", "cisco_ios": "127.0.0.1", "juniper_junos": ""}


@pytest.mark.parametrize("backup", list(CLIENT), indirect=True, ids=list(CLIENT))
def test_a_change_typed_by_hand_is_attributed_to_its_login_from_the_devices_own_log(backup: Backup) -> None:
    platform = backup.target.platform
    first = backup()
    assert (first["status"], first["log"]) == ("baseline", "none")  # nothing to attribute: the log is not read
    time.sleep(1.1)  # log and history stamps are to the second
    before = datetime.now(UTC).replace(microsecond=0)
    backup.by_hand(description(platform, backup.network.devices[backup.device].ports[0].name))
    after = datetime.now(UTC)
    time.sleep(1.5)  # the backup's own login comes after alice's commands
    result = backup()
    assert (result["status"], result["log"], result["log_error"]) == ("out-of-band", "device", "")
    assert result["attribution"] == "out-of-band:alice"
    assert all(h["attribution"] == "out-of-band:alice" for h in result["hunks"])
    [hunk] = [h for h in result["hunks"] if any("description by-alice" in line for line in h["added"])]
    assert (hunk["attribution"], hunk["by"], hunk["client"]) == ("out-of-band:alice", "alice", CLIENT[platform])
    assert before <= datetime.fromisoformat(hunk["at"]) <= after
    # what the history keeps of it: the attribution in the backup's commit
    entry = backup.history.log(backup.device, 1)[0]
    assert (entry.action, entry.result, entry.attribution) == ("backup", "out-of-band", "out-of-band:alice")


@pytest.mark.parametrize("backup", ["huawei"], indirect=True)
def test_a_log_the_device_refuses_to_show_leaves_the_change_backed_up_and_unattributed(backup: Backup) -> None:
    backup()
    time.sleep(1.1)
    backup.by_hand(description("huawei", backup.network.devices[backup.device].ports[0].name))
    backup.network.devices[backup.device].refuse = [r"^display logbuffer"]
    result = backup()
    assert (result["status"], result["attribution"], result["log"]) == ("out-of-band", "unattributed", "none")
    assert "display logbuffer" in result["log_error"] and "refused" in result["log_error"]
    assert result["commit"] and backup.history.show(backup.device, result["commit"]) is not None


@pytest.mark.parametrize("backup", ["hp_comware"], indirect=True)
def test_a_platform_without_the_getter_says_so_and_is_still_backed_up(backup: Backup) -> None:
    backup()
    time.sleep(1.1)
    backup.by_hand(description("hp_comware", backup.network.devices[backup.device].ports[0].name))
    result = backup()
    assert (result["status"], result["attribution"], result["log"]) == ("out-of-band", "unattributed", "none")
    assert result["log_error"] == "hp_comware has no command-log getter: its log is not read"
    assert result["commit"]
