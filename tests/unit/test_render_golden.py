"""Dual-stack templates against golden configs, one folder per platform (NAPALM/ntc-templates style).

Each scenario renders a real example device as every platform: the context comes from the example inventory
and lock, its platform is replaced and its interface names are mapped to that platform's style. The expected
configs live in tests/unit/golden/render/<platform>/<scenario>.cfg and are reviewed like code;
`EXTRANET_UPDATE_GOLDEN=1 pytest tests/unit/test_render_golden.py` rewrites them.
"""

import copy
import dataclasses
import difflib
import os
import re
from collections import Counter
from ipaddress import IPv6Address, IPv6Network
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
import pytest

from extranet import platforms
from extranet.inventory import load_inventory
from extranet.plan.lock import Lock, read_lock
from extranet.render import ContextBuilder, DeviceContext, Names, Renderer, RenderError, Snmp
from extranet.render.context import AclRule

from ..conftest import REPO

TEMPLATES = REPO / "playbooks" / "templates"
GOLDEN = Path(__file__).parent / "golden" / "render"
UPDATE = os.environ.get("EXTRANET_UPDATE_GOLDEN") == "1"
SNMP = Snmp("nms", "NMS", "AUTH-KEY-EXAMPLE", "PRIV-KEY-EXAMPLE", "198.18.0.0/24")
PLATFORMS = platforms.PLATFORM_NAMES

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
# Platforms whose lines differ by model family: the aggregation scenario (RAs, the ACL) rendered as each family,
# golden <platform>/aggregation-<family>.cfg, with that family's port names.
MODEL_FAMILIES: dict[str, dict[str, tuple[str, tuple[str, str] | None]]] = {
    "huawei": {"ar": ("AR6300", None), "s": ("S7706", None)},
    "huawei_vrpv8": {"ne": ("NE40E-M2K", None), "ce": ("CE6881H-48S6CQ", ("25GE1/0/{}", "Vlanif{}"))},
}
# Mode exits repeat by design; every other top-level line (a section or a global line) must appear once.
MODE_EXITS = {"quit", "exit", "exit-address-family"}
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
def lock() -> Lock:
    return read_lock(REPO / "netplan" / "allocations.yml")


@pytest.fixture(scope="module")
def builder(lock: Lock) -> ContextBuilder:
    return ContextBuilder(load_inventory(REPO / "inventory"), lock, snmp=SNMP)


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(TEMPLATES)


def platform_port_name(platform: str, inventory_name: str, style: tuple[str, str] | None = None) -> str:
    """An example interface name in the platform's style: the same port number, or the same VLAN."""
    physical, vlan = style or PORT_STYLE[platform]
    if match := VLAN_INTERFACE.fullmatch(inventory_name):
        return vlan.format(match.group(1) or match.group(2))
    if match := PHYSICAL_PORT.fullmatch(inventory_name.removesuffix(".0")):
        return physical.format(match.group(1))
    raise AssertionError(f"{inventory_name!r}: no port number to map; extend the test's name table")


def scenario_context(builder: ContextBuilder, scenario: str, platform: str, family: str | None = None) -> DeviceContext:
    device = builder.inv.devices[SCENARIOS[scenario]]
    model, style = MODEL_FAMILIES[platform][family] if family else (None, None)
    mapping = {iface.name: platform_port_name(platform, iface.name, style) for iface in device.interfaces}
    assert len(set(mapping.values())) == len(mapping), f"{device.name}: two interfaces map to one {platform} name"
    names = Names(platforms.get(platform).loopback_interface, mapping)
    context = dataclasses.replace(builder.build(device.name, names=names), platform=platform)
    return dataclasses.replace(context, model=model) if model else context


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


def every_render(builder: ContextBuilder, renderer: Renderer) -> dict[str, str]:
    """Every fragment the goldens hold: each scenario on each platform (and model family), each example device."""
    renders = {f"{p}/{s}": text for (p, s), text in all_renders(builder, renderer).items()}
    for platform, families in MODEL_FAMILIES.items():
        for family in families:
            context = scenario_context(builder, "aggregation", platform, family)
            renders[f"{platform}/aggregation-{family}"] = renderer.render(context)
    for device in sorted(builder.inv.devices):
        context = builder.build(device)
        renders[f"{context.platform}/example-{device}"] = renderer.render(context)
    return renders


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("platform", PLATFORMS)
def test_scenario_renders_as_golden_config(
    builder: ContextBuilder, renderer: Renderer, platform: str, scenario: str
) -> None:
    text = renderer.render(scenario_context(builder, scenario, platform))
    assert_golden(text, GOLDEN / platform / f"{scenario}.cfg")


@pytest.mark.parametrize(("platform", "family"), [(p, f) for p, families in MODEL_FAMILIES.items() for f in families])
def test_each_model_family_renders_as_golden_config(
    builder: ContextBuilder, renderer: Renderer, platform: str, family: str
) -> None:
    text = renderer.render(scenario_context(builder, "aggregation", platform, family))
    assert_golden(text, GOLDEN / platform / f"aggregation-{family}.cfg")


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
        assert included == {f"{platform}/{name}" for name in files if name not in ENTRIES}, platform


ENTRIES = ("dual_stack.j2", "integrate_private_network.j2")  # each a change of its own, not a feature of another


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_every_platform_renders_a_private_networks_integration(platform: str) -> None:
    from extranet.rollout.moves import integration_data

    inv = load_inventory(REPO / "inventory")
    net = inv.private_networks["nyj-nongye"]
    context = dataclasses.replace(ContextBuilder(inv, read_lock(REPO / "netplan" / "allocations.yml"),
                                                 snmp=None).build("yl-agg-01"), platform=platform,
                                  move=integration_data(net, {}))  # fmt: skip
    lines = Renderer(TEMPLATES).render(context, "integrate_private_network.j2").splitlines()
    assert any("GigabitEthernet1/0/26" in line or "ge-" in line for line in lines), lines
    assert any("203.0.113.160" in line and "198.18.3.18" in line for line in lines), lines  # the route to it
    assert any("198.18.3.17" in line for line in lines), lines  # the router's end of the hand-off


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


def section_paths(text: str) -> list[tuple[str, ...]]:
    """Each line as the path of lines it sits under (by indentation), the line itself last; mode exits dropped."""
    stack: list[tuple[int, str]] = []
    paths = []
    for line in text.splitlines():
        depth = len(line) - len(line.lstrip(" "))
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if line.strip() in MODE_EXITS:
            continue
        paths.append((*(text for _, text in stack), line.strip()))
        stack.append((depth, line.strip()))
    return paths


def test_no_fragment_has_a_section_or_line_twice(builder: ContextBuilder, renderer: Renderer) -> None:
    """hier_config refuses a duplicate child: each section (and each line within its section) appears once. Junos
    set lines are flat, so no set line may appear twice."""
    for where, text in every_render(builder, renderer).items():
        duplicates = [path for path, count in Counter(section_paths(text)).items() if count > 1]
        assert not duplicates, f"{where}: appears more than once: {duplicates}"


# What defines the infrastructure ACL (or the traffic policy built on it), and an interface's use of it.
ACL_DEFINES = re.compile(
    r"^(acl ipv6 |ipv6 access-list |traffic classifier |traffic behavior |traffic policy |set firewall family inet6 )"
)
ACL_APPLIED = re.compile(
    r"^ (traffic-filter |packet-filter ipv6 |ipv6 traffic-filter |traffic-policy \S+ inbound$)"
    r"|^set interfaces \S+ unit \S+ family inet6 filter input "
)


def test_the_acl_is_defined_before_any_interface_references_it(builder: ContextBuilder, renderer: Renderer) -> None:
    for where, text in every_render(builder, renderer).items():
        lines = text.splitlines()
        if not any(ACL_APPLIED.match(line) for line in lines):
            continue
        defined = [i for i, line in enumerate(lines) if ACL_DEFINES.match(line)]
        interfaces = [i for i, line in enumerate(lines) if line.startswith(("interface ", "set interfaces "))]
        assert defined, f"{where}: the ACL is applied but never defined"
        assert max(defined) < min(interfaces), f"{where}: an interface section comes before the ACL is defined"


@pytest.mark.parametrize("platform", ["huawei", "huawei_vrpv8", "hp_comware"])
def test_ospfv3_network_type_comes_after_the_area_line(
    builder: ContextBuilder, renderer: Renderer, platform: str
) -> None:
    """VRP8: "Prerequisites: OSPFv3 has been enabled using the ospfv3 area command in the interface view"
    (NE40E V800R012C10 ospfv3 network-type); Comware's guides list the same prerequisite."""
    for scenario in SCENARIOS:
        section: list[str] = []
        for line in [*renderer.render(scenario_context(builder, scenario, platform)).splitlines(), "quit"]:
            if not line.startswith(" ") and section:
                kinds = [("area" if " area " in s else "type") for s in section if s.startswith(" ospfv3 ")]
                assert kinds in ([], ["area"], ["area", "type"]), f"{platform}/{scenario}: {section}"
                section = []
            if line.startswith(" "):
                section.append(line)


def denied_prefixes(platform: str, text: str) -> list[IPv6Network]:
    """The destinations the rendered ACL denies, read back from the platform's own syntax."""
    if platform == "juniper_junos":
        terms: dict[str, dict[str, str]] = {}
        for match in re.finditer(r"^set firewall family inet6 filter \S+ term (\S+) (from|then) (.+)$", text, re.M):
            term, word, rest = match.groups()
            key = "action" if word == "then" else rest.split()[0]
            terms.setdefault(term, {})[key] = rest if word == "then" else rest.split()[1]
        found = [t["destination-address"] for t in terms.values() if t.get("action") == "discard"]
    else:
        found = re.findall(r"\bdeny ipv6 (?:any |destination )?(\S+)", text)
    return [IPv6Network(prefix) for prefix in found]


def covered(address: str, prefixes: list[IPv6Network]) -> bool:
    return any(IPv6Address(address) in prefix for prefix in prefixes)


ACL_PLATFORMS = ["huawei", "huawei_vrpv8", "hp_comware", "ruijie_os", "cisco_ios", "juniper_junos"]  # FRR: nftables


@pytest.mark.parametrize("platform", ACL_PLATFORMS)
def test_the_acl_denies_the_loopbacks_and_links_but_not_hand_offs_or_department_space(
    builder: ContextBuilder, lock: Lock, renderer: Renderer, platform: str
) -> None:
    """The infrastructure /44 also holds the hand-offs to departments' own firewalls and the data-centre and cloud
    segments (hand-offs of yl-dc-01 and yl-cloud-01): only the loopbacks' /64 and the links' block are denied, one
    deny rule each, as the lock's layout places them."""
    denied = denied_prefixes(platform, renderer.render(scenario_context(builder, "aggregation", platform)))
    assert sorted(denied) == sorted(IPv6Network(p.prefix) for p in builder.protected), platform
    assert len(denied) == 2, f"{platform}: one deny rule per protected prefix"
    # the protected functions: every loopback and both ends of every link
    for loopback in lock.loopbacks.values():
        assert covered(_address(loopback), denied), f"{platform}: loopback {_address(loopback)} not denied"
    for link in lock.links.values():
        assert covered(_address(link, 2), denied) and covered(_address(link, 3), denied)
    # reachable: every hand-off, the DC server segment and the cloud VPCs among them, and every department LAN
    for key, handoff in lock.handoffs.items():
        assert not covered(_address(handoff, 1), denied), f"{platform}: hand-off {key} denied"
    for key in ("yl-dc-01/GigabitEthernet0/0/3", "yl-cloud-01/GigabitEthernet1/0/3"):
        assert not covered(_address(lock.handoffs[key], 1), denied), f"{platform}: {key} denied"
    for key, lan in lock.subnets.items():
        assert not covered(_address(lan, 1), denied), f"{platform}: LAN {key} denied"
    cloud = _class_block(builder, lock, "cloud")
    assert not covered(str(cloud.network_address + 1), denied), f"{platform}: the cloud class {cloud} denied"


def _address(value: int, offset: int = 0) -> str:
    """An address ``offset`` into a lock entry (the lock holds each prefix's network as an int)."""
    return str(IPv6Address(value + offset))


def _class_block(builder: ContextBuilder, lock: Lock, name: str) -> IPv6Network:
    """A LAN class's /44 from the lock's layout (the cloud and data-centre class)."""
    layout = lock.layout or {}
    region = builder.inv.region.ipv6
    length = region.prefixlen + int(layout["class_bits"])
    index = int(layout["classes"][name]["index"])
    return IPv6Network((int(region.network_address) | index << (128 - length), length))


def test_acl_rules_deny_each_protected_prefix_once_between_the_permits_and_transit(builder: ContextBuilder) -> None:
    rules: tuple[AclRule, ...] = builder.build(SCENARIOS["aggregation"]).acl.rules  # type: ignore[union-attr]
    denies = [r for r in rules if r.action == "deny"]
    assert [r.destination for r in denies] == [p.prefix for p in builder.protected]
    assert [r.remark for r in denies] == ["loopbacks", "links"]
    assert rules[-1] == AclRule(rules[-1].sequence, "permit", "ipv6", remark="transit")
    assert [r.sequence for r in rules] == sorted({r.sequence for r in rules})


def test_the_protected_prefixes_follow_the_locks_layout(builder: ContextBuilder, lock: Lock) -> None:
    """netplan/policy.yml: loopbacks function 0 (its first /64), links function 1 (its /48); moving a function in
    the layout moves its deny rule (nothing is hard-coded in the context)."""
    assert [(p.name, p.prefix) for p in builder.protected] == [
        ("loopbacks", "2001:db8:ab00::/64"),
        ("links", "2001:db8:ab01::/48"),
    ]
    layout = copy.deepcopy(lock.layout) or {}
    layout["infrastructure"].update(loopbacks=3, links=5)
    moved = ContextBuilder(builder.inv, dataclasses.replace(lock, layout=layout))
    assert [p.prefix for p in moved.protected] == ["2001:db8:ab03::/64", "2001:db8:ab05::/48"]
