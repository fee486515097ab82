"""Every registered platform is whole: names, change flow, hier_config driver, getters proven on real output,
scrub rules, templates and a fake device. A new platform that lacks a part fails here, not in the field."""

from pathlib import Path

import pytest
from hier_config.platforms.driver_base import HConfigDriverBase

from extranet.inventory.models import Device
from extranet.platforms import PLATFORM_NAMES, all_platforms, get
from extranet.platforms.base import Platform
from extranet.platforms.results import GETTERS
from tests.fakes import DIALECTS

REPO = Path(__file__).resolve().parents[3]
REQUIRED = ("ipv4-routes", "ospf-neighbors", "ospfv3-neighbors", "ping")  # what the rollout's checks read


@pytest.mark.parametrize("platform", all_platforms(), ids=lambda p: p.name)
def test_a_platform_has_every_part(platform: Platform) -> None:
    assert platform.names.netmiko and platform.vendor
    assert platform.flow.enter and platform.flow.leave
    assert isinstance(platform.hier_driver(), HConfigDriverBase)
    assert platform.scrub, "no history scrub rules"
    assert set(REQUIRED) <= set(platform.parsers) <= set(GETTERS)
    assert set(platform.parsers) <= set(platform.commands)
    assert (REPO / "playbooks" / "templates" / platform.name / "dual_stack.j2").is_file()
    assert platform.name in DIALECTS, "no fake device in tests/fakes/"
    if platform.flow.has_timer:
        assert platform.flow.confirm, "a timer without a confirm command"


@pytest.mark.parametrize("platform", all_platforms(), ids=lambda p: p.name)
def test_every_getter_is_proven_on_three_real_outputs_or_says_why_not(platform: Platform) -> None:
    scarce = getattr(platform.getters, "SCARCE", {})
    for getter in platform.parsers:
        samples = list((platform.package / "recorded" / getter).glob("*.txt"))
        assert samples, f"{platform.name} {getter}: no recorded real output"
        assert len(samples) >= 3 or scarce.get(getter), f"{platform.name} {getter}: {len(samples)} samples, no reason"


def test_the_inventory_allows_exactly_the_registered_platforms() -> None:
    allowed = Device.model_fields["platform"].annotation
    assert set(getattr(allowed, "__args__", ())) == set(PLATFORM_NAMES)
    assert [get(name).name for name in PLATFORM_NAMES] == list(PLATFORM_NAMES)
