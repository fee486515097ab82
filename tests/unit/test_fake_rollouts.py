"""The whole rollout, per platform, against fake devices over real SSH: the real netmiko driver and the real
engine; the fakes behave as their vendors document (tests/fakes/). Each test asserts the exact commands the
device received, and what the operator sees: the result, the reason, the config history."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from extranet.devices.diff import differences
from extranet.history import ConfigHistory
from extranet.inventory import Inventory, load_inventory
from extranet.plan.lock import read_lock
from extranet.platforms import get
from extranet.render import ContextBuilder, Renderer
from extranet.rollout.engine import Options, Outcome, Rollout
from extranet.store import open_store
from tests.fakes.device import FakeNetwork
from tests.fakes.network import fake_network, targets

REPO = Path(__file__).resolve().parents[2]
# the example county's device of each platform (inventory/devices.yml)
DEVICE = {"huawei_vrpv8": "yl-core-01", "hp_comware": "yl-core-02", "juniper_junos": "yl-exit-01",
          "cisco_ios": "yl-ll-acc-01", "ruijie_os": "yl-sm-acc-01", "huawei": "yl-agg-01",
          "frr": "yl-bs-acc-01"}  # fmt: skip


@pytest.fixture(scope="module")
def inv() -> Inventory:
    return load_inventory(REPO / "inventory")


class Run:
    def __init__(self, inv: Inventory, network: FakeNetwork, tmp: Path) -> None:
        self.inv, self.network, self.tmp = inv, network, tmp
        self.history = ConfigHistory(tmp / "history")
        self.history.init()

    def __call__(self, devices: list[str] | None = None, **options: Any) -> list[Outcome]:
        names = devices or list(self.network.devices)
        builder = ContextBuilder(self.inv, read_lock(REPO / "netplan" / "allocations.yml"))
        contexts = {name: builder.build(name) for name in names}
        found = {n: t for n, t in targets(self.network).items() if n in names}
        settings = Options(sizes=["100%"], budget=len(names), forks=4, converge_timeout=3.0) 
        for key, value in options.items():
            setattr(settings, key, value)
        rollout = Rollout(self.inv, found, contexts, Renderer(REPO / "playbooks" / "templates"),
                          open_store(f"sqlite:///{self.tmp / 'extranet.db'}"), self.history, settings)  # fmt: skip
        return rollout.run()


@pytest.fixture
def fakes(inv: Inventory, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[FakeNetwork, Run]]:
    devices = request.param
    with fake_network(inv, devices, tmp_path) as network:
        yield network, Run(inv, network, tmp_path)


def commands(network: FakeNetwork, device: str) -> list[str]:
    """What the device received after netmiko's session set-up (prompt finding, paging)."""
    return [line for line in network.devices[device].log
            if line.strip() and not line.startswith(("terminal ", "screen-length", "set cli "))]  # fmt: skip


@pytest.mark.parametrize("fakes", [[DEVICE["cisco_ios"]]], indirect=True)
def test_cisco_ios_change_is_made_under_the_revert_timer_and_confirmed(fakes: tuple[FakeNetwork, Run]) -> None:
    network, run = fakes
    [outcome] = run()
    print(commands(network, "yl-ll-acc-01"))
    assert outcome.status == "ok", outcome.error
    sent = commands(network, "yl-ll-acc-01")
    print(sent)
    assert sent[:4] == ["show running-config", "show ip route", "show ip ospf neighbor", "configure terminal"]
