"""Dual-stack templates against golden configs, one folder per platform (NAPALM/ntc-templates style).

Each scenario renders a real example device as every platform: the context comes from the example inventory
and lock, its platform is replaced and its interface names are mapped to that platform's style. The expected
configs live in tests/unit/golden/render/<platform>/<scenario>.cfg and are reviewed like code;
`EXTRANET_UPDATE_GOLDEN=1 pytest tests/unit/test_render_golden.py` rewrites them.
"""

import dataclasses
import difflib
import os
import re
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
import pytest

from extranet.inventory import load_inventory
from extranet.plan.lock import read_lock
from extranet.platforms import PLATFORMS
from extranet.render import ContextBuilder, DeviceContext, Names, Renderer, RenderError, Snmp

from ..conftest import REPO

TEMPLATES = REPO / "playbooks" / "templates"
GOLDEN = Path(__file__).parent / "golden" / "render"
UPDATE = os.environ.get("EXTRANET_UPDATE_GOLDEN") == "1"
SNMP = Snmp("nms", "NMS", "AUTH-KEY-EXAMPLE", "PRIV-KEY-EXAMPLE", "198.18.0.0/24")

SCENARIOS = {
    "backbone": "yl-core-01",  # iBGP, a static default, eleven links in five areas
    "aggregation": "yl-agg-01",  # department LAN gateways (RAs) and routed hand-offs behind the ACL
    "access": "yl-sm-acc-01",  # a township router outside area 0: one uplink, one LAN
}
# How each platform names a physical port N and the routed interface of VLAN V.
PORT_STYLE = {
    "huawei": ("GigabitEthernet0/0/{}", "Vlanif{}"),
    "huawei_vrpv8": ("GigabitEthernet0/0/{}", "Vlanif{}"),
    "hp_comware": ("GigabitEthernet1/0/{}", "Vlan-interface{}"),
    "ruijie_os": ("GigabitEthernet 0/{}", "VLAN {}"),
    "cisco_ios": ("GigabitEthernet0/{}", "Vlan{}"),
    "juniper_junos": ("ge-0/0/{}.0", "irb.{}"),
    "frr": ("eth{}", "vlan{}"),
}
VLAN_INTERFACE = re.compile(r"(?:Vlanif|Vlan-interface|Vlan|VLAN |irb\.)(\d+)|.+\.([1-9]\d*)")
PHYSICAL_PORT = re.compile(r".*\D(\d+)")
# The OSPFv3 router-id line, and a line that puts an interface into an area.
ROUTER_ID = re.compile(r"^( router-id | ospf6 router-id |set routing-options router-id )")
JOINS_AREA = re.compile(
    r"^( ospfv3 \d+ area | ipv6 ospf \d+ area | ipv6 ospf6 area |set protocols ospf3 area \S+ interface \S+$)"
)
SNMP_USER_LINE = re.compile(r"^(snmp-agent usm-user |snmp-server user |set snmp v3 usm local-engine user )")
SECRET_WORD = re.compile(r"\b(password|secret|community|cipher|key-string|authentication-key|privacy-key)\b", re.I)


@pytest.fixture(scope="module")
def builder() -> ContextBuilder:
    inv = load_inventory(REPO / "inventory")
    return ContextBuilder(inv, read_lock(REPO / "netplan" / "allocations.yml"), snmp=SNMP)


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(TEMPLATES)


def platform_port_name(platform: str, inventory_name: str) -> str:
    """An example interface name in the platform's style: the same port number, or the same VLAN."""
    physical, vlan = PORT_STYLE[platform]
    if match := VLAN_INTERFACE.fullmatch(inventory_name):
        return vlan.format(match.group(1) or match.group(2))
    if match := PHYSICAL_PORT.fullmatch(inventory_name.removesuffix(".0")):
        return physical.format(match.group(1))
    raise AssertionError(f"{inventory_name!r}: no port number to map; extend the test's name table")


def scenario_context(builder: ContextBuilder, scenario: str, platform: str) -> DeviceContext:
    device = builder.inv.devices[SCENARIOS[scenario]]
    mapping = {iface.name: platform_port_name(platform, iface.name) for iface in device.interfaces}
    assert len(set(mapping.values())) == len(mapping), f"{device.name}: two interfaces map to one {platform} name"
    names = Names(PLATFORMS[platform].loopback_interface, mapping)
    return dataclasses.replace(builder.build(device.name, names=names), platform=platform)


def assert_golden(text: str, path: Path) -> None:
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"{path.relative_to(REPO)}: no golden file; run EXTRANET_UPDATE_GOLDEN=1 pytest {__file__}")
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        diff = difflib.unified_diff(
            expected.splitlines(keepends=True), text.splitlines(keepends=True), str(path), "rendered"
        )
        pytest.fail(f"rendered config differs from {path.relative_to(REPO)}:\n{''.join(diff)}")


def all_renders(builder: ContextBuilder, renderer: Renderer) -> dict[tuple[str, str], str]:
    return {
        (platform, scenario): renderer.render(scenario_context(builder, scenario, platform))
        for platform in PLATFORMS
        for scenario in SCENARIOS
    }


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("platform", PLATFORMS)
def test_scenario_renders_as_golden_config(
    builder: ContextBuilder, renderer: Renderer, platform: str, scenario: str
) -> None:
    text = renderer.render(scenario_context(builder, scenario, platform))
    assert_golden(text, GOLDEN / platform / f"{scenario}.cfg")


@pytest.mark.parametrize("device", sorted(load_inventory(REPO / "inventory").devices))
def test_example_device_renders_as_golden_config_on_its_own_platform(
    builder: ContextBuilder, renderer: Renderer, device: str
) -> None:
    context = builder.build(device)
    assert_golden(renderer.render(context), GOLDEN / context.platform / f"example-{device}.cfg")


def test_every_platform_has_the_frr_template_set_and_no_orphan_template() -> None:
    expected = sorted(p.name for p in (TEMPLATES / "frr").glob("*.j2"))
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)))
    assert sorted(p.name for p in TEMPLATES.iterdir() if p.is_dir()) == sorted(PLATFORMS)
    for platform in PLATFORMS:
        files = sorted(p.name for p in (TEMPLATES / platform).glob("*.j2"))
        assert files == expected, f"{platform}: template files differ from frr's"
        assert env.loader is not None
        source = env.loader.get_source(env, f"{platform}/dual_stack.j2")[0]
        included = set(jinja2.meta.find_referenced_templates(env.parse(source)))
        assert included == {f"{platform}/{name}" for name in files if name != "dual_stack.j2"}, platform


@dataclasses.dataclass(frozen=True)
class ContextWithoutBgp(DeviceContext):
    """A context whose template variables lack `bgp`, as a template would see a context field gone missing."""

    def as_dict(self) -> dict[str, Any]:
        data = super().as_dict()
        del data["bgp"]
        return data


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_missing_context_field_fails_the_render(builder: ContextBuilder, renderer: Renderer, platform: str) -> None:
    context = scenario_context(builder, "backbone", platform)
    broken = ContextWithoutBgp(**{f.name: getattr(context, f.name) for f in dataclasses.fields(context)})
    with pytest.raises(RenderError, match="bgp"):
        renderer.render(broken)


def test_snmp_keys_appear_only_in_the_snmp_user_line_and_no_other_secret_is_rendered(
    builder: ContextBuilder, renderer: Renderer
) -> None:
    keys = (SNMP.auth_key, SNMP.priv_key)
    for (platform, scenario), text in all_renders(builder, renderer).items():
        where = f"{platform}/{scenario}"
        for line in text.splitlines():
            if any(key in line for key in keys):
                assert SNMP_USER_LINE.match(line), f"{where}: an SNMP key outside the user line: {line!r}"
            elif SECRET_WORD.search(line):
                pytest.fail(f"{where}: a secret that is not the context's: {line!r}")
        if platform != "frr":  # FRR's SNMP agent is net-snmp, configured outside vtysh
            assert all(key in text for key in keys), f"{where}: the SNMPv3 user is missing"


def test_without_snmp_no_snmp_line_is_rendered(builder: ContextBuilder, renderer: Renderer) -> None:
    for platform in PLATFORMS:
        context = dataclasses.replace(scenario_context(builder, "access", platform), snmp=None)
        assert "snmp" not in renderer.render(context), platform


def test_ospfv3_router_id_comes_before_the_first_interface_joins_an_area(
    builder: ContextBuilder, renderer: Renderer
) -> None:
    for (platform, scenario), text in all_renders(builder, renderer).items():
        lines = text.splitlines()
        router_id = [i for i, line in enumerate(lines) if ROUTER_ID.match(line)]
        joins = [i for i, line in enumerate(lines) if JOINS_AREA.match(line)]
        context = scenario_context(builder, scenario, platform)
        assert len(router_id) == 1, f"{platform}/{scenario}: expected one router-id line"
        assert len(joins) == len(context.ports()), f"{platform}/{scenario}: every port joins an area once"
        assert router_id[0] < joins[0], f"{platform}/{scenario}: an interface joins before the router-id is set"
