"""Malformed inventories: each names the exact file, line, path and what is allowed."""

from pathlib import Path

import pytest

from extranet.inventory import InventoryError, load_inventory

from ..conftest import BASE_INVENTORY, write_inventory

# (case id, file, text to replace, replacement, one expected error line)
CASES = [
    (
        "platform_typo",
        "devices.yml",
        "platform: hp_comware",
        "platform: huawai",
        "inventory/devices.yml:11: devices[1].platform: 'huawai' is not one of huawei, huawei_vrpv8, hp_comware, "
        "ruijie_os, cisco_ios, juniper_junos, frr",
    ),
    (
        "unknown_site_of_device",
        "devices.yml",
        "site: town1",
        "site: town9",
        "inventory/devices.yml:13: devices[1].site: unknown site 'town9'; defined sites: county, exit, town1",
    ),
    (
        "unknown_site_of_department",
        "departments.yml",
        "site: town1",
        "site: nowhere",
        "inventory/departments.yml:11: departments[1].site: unknown site 'nowhere'; defined sites: county, exit, town1",
    ),
    (
        "unknown_owner_of_system",
        "systems.yml",
        "owner: gaj",
        "owner: gajj",
        "inventory/systems.yml:9: systems[0].owner: unknown department 'gajj'; defined departments: gaj, town1-gov",
    ),
    (
        "unknown_uplink_device",
        "departments.yml",
        "{device: core1, interface: GigabitEthernet0/0/2}",
        "{device: core9, interface: GigabitEthernet0/0/2}",
        "inventory/departments.yml:8: departments[0].uplink.device: unknown device 'core9'; defined devices: core1, "
        "town1-r1",
    ),
    (
        "unknown_uplink_interface",
        "departments.yml",
        "interface: GigabitEthernet1/0/2}",
        "interface: GigabitEthernet1/0/9}",
        "inventory/departments.yml:15: departments[1].uplink.interface: device 'town1-r1' has no interface "
        "'GigabitEthernet1/0/9'; it has: GigabitEthernet1/0/1, GigabitEthernet1/0/2",
    ),
    (
        "duplicate_department_id",
        "departments.yml",
        "id: town1-gov",
        "id: gaj",
        "inventory/departments.yml:9: departments[1]: duplicate id 'gaj' "
        "(first defined at inventory/departments.yml:2)",
    ),
    (
        "link_endpoint_missing",
        "links.yml",
        "b: {device: town1-r1, interface: GigabitEthernet1/0/1}",
        "b: {device: town1-r1, interface: GigabitEthernet1/0/7}",
        "inventory/links.yml:4: links[0].b.interface: device 'town1-r1' has no interface 'GigabitEthernet1/0/7'; "
        "it has: GigabitEthernet1/0/1, GigabitEthernet1/0/2",
    ),
    (
        "link_endpoint_used_twice",
        "links.yml",
        "    b: {device: town1-r1, interface: GigabitEthernet1/0/1}\n",
        "    b: {device: town1-r1, interface: GigabitEthernet1/0/1}\n  - id: again\n"
        "    a: {device: core1, interface: GigabitEthernet0/0/1}\n"
        "    b: {device: town1-r1, interface: GigabitEthernet1/0/2}\n",
        "inventory/links.yml:6: links[1].a: core1 GigabitEthernet0/0/1 is already an endpoint of link 'core1-town1' "
        "(inventory/links.yml:2)",
    ),
    (
        "overlapping_department_subnets",
        "departments.yml",
        "ipv4: 198.19.2.0/24",
        "ipv4: 198.19.1.128/25",
        "inventory/departments.yml:14: departments[1].lans[0].ipv4: 198.19.1.128/25 overlaps 198.19.1.0/24 of "
        "department gaj LAN office (inventory/departments.yml:2); renumber one of them or declare `nat:` with the "
        "prefix it is translated to",
    ),
    (
        "classified_network_to_extranet",
        "private_networks.yml",
        "target: internal",
        "target: extranet_vpn",
        "inventory/private_networks.yml:7: private_networks[0].target: a classified (涉密) network cannot move to "
        "extranet_vpn: classified networks go to the internal network (target: internal)",
    ),
    (
        "classified_system_to_cloud",
        "systems.yml",
        "classification: unclassified",
        "classification: classified",
        "inventory/systems.yml:13: systems[0].target: a classified (涉密) system cannot move to the cloud: "
        "classified systems go to the internal network (target: internal) or are retired",
    ),
    (
        "plaintext_password",
        "devices.yml",
        "    mgmt: 198.18.0.21\n",
        "    mgmt: 198.18.0.21\n    password: Huawei@123\n",
        "inventory/devices.yml:15: devices[1].password: plaintext secret in the inventory: remove it; credentials "
        "come from the environment (EXTRANET_<PROFILE>_PASSWORD, …) or an ansible-vault file, named by `credentials:`",
    ),
    (
        "snmp_community_nested",
        "region.yml",
        "  unified_exit: exit\n",
        "  unified_exit: exit\n  notes_map:\n    snmp: {read_community: public}\n",
        "inventory/region.yml:9: region.notes_map.snmp.read_community: plaintext secret in the inventory: remove it; "
        "credentials come from the environment (EXTRANET_<PROFILE>_PASSWORD, …) or an ansible-vault file, named by "
        "`credentials:`",
    ),
    (
        "config_injection_newline",
        "devices.yml",
        "description: to gaj",
        'description: "to gaj\\nsnmp-agent sys-info"',
        "inventory/devices.yml:9: devices[0].interfaces[1].description: contains control character U+000A; values "
        "that reach device configs must be one line",
    ),
    (
        "over_long_description",
        "devices.yml",
        "description: to gaj",
        "description: " + "x" * 81,
        "inventory/devices.yml:9: devices[0].interfaces[1].description: is 81 characters long; at most 80 allowed",
    ),
    (
        "non_ascii_description",
        "devices.yml",
        "description: to gaj",
        "description: 到公安局",
        "inventory/devices.yml:9: devices[0].interfaces[1].description: must be printable ASCII: device consoles "
        "mangle other characters (use `name` for 中文)",
    ),
    (
        "host_bits_set",
        "departments.yml",
        "ipv4: 198.19.1.0/24",
        "ipv4: 198.19.1.1/24",
        "inventory/departments.yml:7: departments[0].lans[0].ipv4: '198.19.1.1/24' has host bits set; did you mean "
        "198.19.1.0/24?",
    ),
    (
        "missing_access_class",
        "departments.yml",
        "    access_class: B\n",
        "",
        "inventory/departments.yml:9: departments[1].access_class: required field is missing",
    ),
    (
        "misspelt_field",
        "departments.yml",
        "access_class: B",
        "acces_class: B",
        "inventory/departments.yml:12: departments[1].acces_class: unknown field; allowed here: id, name, site, "
        "access_class, zones, internet_exit, lans, uplink, connect_by, notes",
    ),
    (
        "bad_access_class",
        "departments.yml",
        "access_class: B",
        "access_class: G",
        "inventory/departments.yml:12: departments[1].access_class: 'G' is not one of A, B, C, D, E, F",
    ),
    (
        "vlan_out_of_range",
        "departments.yml",
        "vlan: 100, ipv4: 198.19.2.0/24",
        "vlan: 4095, ipv4: 198.19.2.0/24",
        "inventory/departments.yml:14: departments[1].lans[0].vlan: 4095: input should be less than or equal to 4094",
    ),
    (
        "duplicate_yaml_key",
        "sites.yml",
        "{id: town1, name: 一号镇,",
        "{id: town1, name: 一号镇, name: 二号镇,",
        "inventory/sites.yml:3: sites[1].name: duplicate key (first at line 3); YAML would silently keep only the last",
    ),
    (
        "yaml_syntax",
        "links.yml",
        "  - id: core1-town1\n",
        "  - id: core1-town1\n   bad: [\n",
        "inventory/links.yml:3: YAML syntax: did not find expected '-' indicator",
    ),
    (
        "unknown_parent_site",
        "sites.yml",
        "parent: county}\n  - {id: exit",
        "parent: cuonty}\n  - {id: exit",
        "inventory/sites.yml:3: sites[1].parent: unknown site 'cuonty'; defined sites: county, exit, town1",
    ),
    (
        "township_under_exit",
        "sites.yml",
        "level: township, parent: county",
        "level: township, parent: exit",
        "inventory/sites.yml:3: sites[1].parent: parent 'exit' is a exit site; parents are province, city, county or "
        "township sites",
    ),
    (
        "zones_do_not_match_class",
        "departments.yml",
        "    access_class: B\n",
        "    access_class: B\n    zones: [public, private]\n",
        "inventory/departments.yml:13: departments[1].zones: class B departments use zones public; fix `zones` or "
        "`access_class`",
    ),
    (
        "exit_does_not_match_class",
        "departments.yml",
        "    access_class: B\n",
        "    access_class: B\n    internet_exit: own\n",
        "inventory/departments.yml:13: departments[1].internet_exit: class B departments have Internet exit unified, "
        "not own; C and E have their own exit, B and D the unified one, A none",
    ),
    (
        "duplicate_management_address",
        "devices.yml",
        "mgmt: 198.18.0.21",
        "mgmt: 198.18.0.11",
        "inventory/devices.yml:14: devices[1].mgmt: management address 198.18.0.11 is already used by core1 "
        "(inventory/devices.yml:2)",
    ),
    (
        "link_ends_in_different_subnets",
        "devices.yml",
        "ipv4: 198.18.2.2/30",
        "ipv4: 198.18.2.6/30",
        "inventory/links.yml:4: links[0].b: the two ends are in different IPv4 subnets (198.18.2.1/30 and "
        "198.18.2.6/30)",
    ),
    (
        "unknown_section",
        "links.yml",
        "links:",
        "linkz:",
        "inventory/links.yml:1: linkz: unknown section; allowed: region, sites, departments, devices, links, "
        "private_networks, systems",
    ),
    (
        "bad_date",
        "private_networks.yml",
        "    target: internal\n",
        "    target: internal\n    deadline: 2027-13-01\n",
        "inventory/private_networks.yml:8: private_networks[0].deadline: '2027-13-01' is not a date (write YYYY-MM-DD)",
    ),
    (
        "bad_interface_name",
        "devices.yml",
        "{name: GigabitEthernet1/0/2}",
        "{name: 'Gi1/0/2; reboot'}",
        "inventory/devices.yml:17: devices[1].interfaces[1].name: 'Gi1/0/2; reboot' is not an interface name such as "
        "GigabitEthernet0/0/1, ge-0/0/1.0, Vlanif100 or eth1",
    ),
    (
        "unified_exit_not_an_exit",
        "region.yml",
        "unified_exit: exit",
        "unified_exit: town1",
        "inventory/region.yml:7: region.unified_exit: site 'town1' is a township site, not an Internet exit",
    ),
]


def _break(root: Path, file: str, old: str, new: str) -> None:
    text = BASE_INVENTORY[file]
    assert old in text, f"test case does not apply: {old!r} not in {file}"
    write_inventory(root, {file: text.replace(old, new, 1)})


def test_base_inventory_is_valid(workspace: Path) -> None:
    inv = load_inventory()
    assert sorted(inv.departments) == ["gaj", "town1-gov"]
    assert inv.warnings == []


@pytest.mark.parametrize(("file", "old", "new", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_malformed_inventory_names_file_line_path_and_what_is_allowed(
    workspace: Path, file: str, old: str, new: str, expected: str
) -> None:
    _break(workspace, file, old, new)
    with pytest.raises(InventoryError) as caught:
        load_inventory()
    reported = [str(p) for p in caught.value.problems]
    assert expected in reported, "\n".join(reported)


def test_secret_values_never_appear_in_errors(workspace: Path) -> None:
    _break(
        workspace, "devices.yml", "    mgmt: 198.18.0.21\n", "    mgmt: 198.18.0.21\n    enable_secret: Sup3rS3cret!\n"
    )
    with pytest.raises(InventoryError) as caught:
        load_inventory()
    assert "Sup3rS3cret" not in str(caught.value)


def test_every_problem_is_reported_not_just_the_first(workspace: Path) -> None:
    _break(workspace, "devices.yml", "platform: hp_comware", "platform: huawai")
    write_inventory(workspace, {"systems.yml": BASE_INVENTORY["systems.yml"].replace("owner: gaj", "owner: nobody")})
    with pytest.raises(InventoryError) as caught:
        load_inventory()
    files = {p.file for p in caught.value.problems}
    assert files == {"inventory/devices.yml", "inventory/systems.yml"}


def test_nat_declared_overlap_is_accepted(workspace: Path) -> None:
    _break(workspace, "departments.yml", "ipv4: 198.19.2.0/24", "ipv4: 198.19.1.0/24, nat: 198.19.200.0/24")
    inv = load_inventory()
    assert inv.departments["town1-gov"].lans[0].nat is not None


def test_department_without_uplink_is_a_warning_not_an_error(workspace: Path) -> None:
    _break(
        workspace,
        "departments.yml",
        "    uplink: {device: town1-r1, interface: GigabitEthernet1/0/2}\n",
        "    connect_by: 2027-06-30\n",
    )
    inv = load_inventory()
    assert [str(w) for w in inv.warnings] == [
        "inventory/departments.yml:9: departments[1].uplink: not yet connected to the extranet (deadline 2027-06-30)"
    ]


def test_kinds_may_be_split_over_several_files(workspace: Path) -> None:
    write_inventory(
        workspace,
        {
            "departments-town2.yml": """\
departments:
  - {id: extra, name: 新部门, site: county, access_class: A, lans: [{name: office, ipv4: 198.19.9.0/24}]}
"""
        },
    )
    assert "extra" in load_inventory().departments
