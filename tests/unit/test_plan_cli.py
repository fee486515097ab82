"""`extranet plan` as an engineer uses it on the example county and on a small workspace."""

import json
import shutil
from pathlib import Path

import pytest

from extranet.inventory import load_inventory
from extranet.plan.lock import read_lock, write_lock
from extranet.plan.planner import plan
from extranet.plan.policy import load_policy

from ..conftest import BASE_INVENTORY, REPO, write_inventory
from .test_cli import run

POLICY = (REPO / "netplan" / "policy.yml").read_text(encoding="utf-8")


@pytest.fixture
def planned(workspace: Path) -> Path:
    """The small workspace with the example policy (its region prefix matches) and an applied plan."""
    (workspace / "netplan").mkdir()
    (workspace / "netplan" / "policy.yml").write_text(POLICY, encoding="utf-8")
    result = run("plan", "--apply", cwd=workspace)
    assert result.returncode == 0, result.stderr
    return workspace


def test_example_county_lock_is_the_plan_of_its_inventory(tmp_path: Path) -> None:
    """Golden: planning the example county from scratch gives exactly the committed lock."""
    result = plan(
        load_inventory(REPO / "inventory"),
        load_policy(REPO / "netplan" / "policy.yml"),
        read_lock(tmp_path / "none.yml"),
    )
    write_lock(result.lock, tmp_path / "allocations.yml")
    expected = (REPO / "netplan" / "allocations.yml").read_text(encoding="utf-8")
    assert (tmp_path / "allocations.yml").read_text(encoding="utf-8") == expected


def test_example_county_plan_has_no_changes() -> None:
    result = run("plan", cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes." in result.stdout


def test_plan_shows_changes_and_exits_one_until_applied(workspace: Path) -> None:
    (workspace / "netplan").mkdir()
    (workspace / "netplan" / "policy.yml").write_text(POLICY, encoding="utf-8")
    first = run("plan", cwd=workspace)
    assert first.returncode == 1
    assert "+ subnets     gaj/office" in first.stdout
    assert not (workspace / "netplan" / "allocations.yml").exists()
    assert run("plan", "--apply", "--ticket", "CHG-7", cwd=workspace).returncode == 0
    again = run("plan", cwd=workspace)
    assert again.returncode == 0 and "No changes." in again.stdout
    log = json.loads(run("audit", "log", "--json", cwd=workspace).stdout)
    assert [(e["action"], e["reason"]) for e in log] == [("plan.apply", "CHG-7")]


def test_growth_never_renumbers_existing_allocations(planned: Path) -> None:
    before = read_lock(planned / "netplan" / "allocations.yml")
    departments = (
        BASE_INVENTORY["departments.yml"]
        + """\
  - id: aaa-first
    name: 新增部门
    site: county
    access_class: A
    lans:
      - {name: office, ipv4: 198.19.3.0/24}
"""
    )
    write_inventory(planned, {"departments.yml": departments})
    result = run("plan", "--json", cwd=planned)
    assert result.returncode == 1
    changes = json.loads(result.stdout)
    assert {c["key"] for c in changes["added"]} == {"county/county/aaa-first", "aaa-first/office"}
    assert changes["held"] == []
    assert run("plan", "--apply", cwd=planned).returncode == 0
    after = read_lock(planned / "netplan" / "allocations.yml")
    for section, key, value in before.entries():
        assert after.section(section)[key] == value


def test_removed_department_space_is_held_then_restored(planned: Path) -> None:
    original = read_lock(planned / "netplan" / "allocations.yml").subnets["town1-gov/office"]
    without = BASE_INVENTORY["departments.yml"].split("  - id: town1-gov")[0]
    write_inventory(planned, {"departments.yml": without})
    result = run("plan", "--apply", cwd=planned)
    assert "~ subnets     town1-gov/office" in result.stdout
    lock = read_lock(planned / "netplan" / "allocations.yml")
    assert "subnets:town1-gov/office" in lock.held and "town1-gov/office" not in lock.subnets
    write_inventory(planned, {"departments.yml": BASE_INVENTORY["departments.yml"]})
    result = run("plan", "--apply", cwd=planned)
    assert "↺" in result.stdout
    assert read_lock(planned / "netplan" / "allocations.yml").subnets["town1-gov/office"] == original


def test_release_frees_held_space_explicitly(planned: Path) -> None:
    write_inventory(planned, {"departments.yml": BASE_INVENTORY["departments.yml"].split("  - id: town1-gov")[0]})
    assert run("plan", "--apply", cwd=planned).returncode == 0
    assert run("plan", "release", "subnets:nope", cwd=planned).returncode == 2
    result = run("plan", "release", "--all", cwd=planned)
    assert result.returncode == 0, result.stderr
    assert read_lock(planned / "netplan" / "allocations.yml").held == {}


def test_show_export_and_dns(planned: Path) -> None:
    shown = run("plan", "show", "--site", "town1", cwd=planned)
    assert shown.returncode == 0, shown.stderr
    assert "198.19.2.0/24 ↔ 2001:db8:ab20::/64" in shown.stdout
    tree = json.loads(run("plan", "show", "--json", cwd=planned).stdout)
    assert tree["infrastructure"]["links"] == 1
    csv_text = run("plan", "export", "--format", "csv", cwd=planned).stdout
    assert csv_text.splitlines()[0] == "kind,owner,name,site,ipv4,ipv6,device,interface,description"
    assert "link,core1,GigabitEthernet0/0/1,county,198.18.2.1/30,2001:db8:ab01::2/127" in csv_text
    assert "link,town1-r1,GigabitEthernet1/0/1,town1,198.18.2.2/30,2001:db8:ab01::3/127" in csv_text
    pairs = json.loads(run("plan", "export", "--format", "json", cwd=planned).stdout)["pairs"]
    assert {"kind": "lan", "owner": "gaj", "ipv4": "198.19.1.0/24"}.items() <= pairs[0].items()
    out = planned / "netbox"
    assert run("plan", "export", "--format", "netbox", "--out", str(out), cwd=planned).returncode == 0
    prefixes = (out / "netbox-prefixes.csv").read_text(encoding="utf-8").splitlines()
    assert prefixes[0] == "prefix,status,description"
    assert prefixes[1] == "2001:db8:ab00::/40,container,测试县 IPv6"
    addresses = (out / "netbox-ip-addresses.csv").read_text(encoding="utf-8").splitlines()
    assert addresses[0] == "address,status,role,device,interface,description"
    assert any(line.startswith("2001:db8:ab00::1/128,active,loopback,core1,LoopBack0,") for line in addresses)
    zones = run("plan", "dns", "--out", str(planned / "dns"), cwd=planned)
    assert zones.returncode == 0, zones.stderr
    region_zone = (planned / "dns" / "b.a.8.b.d.0.1.0.0.2.ip6.arpa.zone").read_text()
    assert "$ORIGIN b.a.8.b.d.0.1.0.0.2.ip6.arpa." in region_zone
    assert "0.0.0.2 IN NS ns1.testcounty.extranet.example." in region_zone  # town1's public /56
    assert (planned / "dns" / "0.0.0.2.b.a.8.b.d.0.1.0.0.2.ip6.arpa.zone").exists()


def test_example_workspace_copy_round_trips_through_the_cli(tmp_path: Path) -> None:
    for name in ("inventory", "netplan"):
        shutil.copytree(REPO / name, tmp_path / name)
    (tmp_path / "netplan" / "allocations.yml").unlink()
    assert run("plan", "--apply", cwd=tmp_path).returncode == 0
    assert (tmp_path / "netplan" / "allocations.yml").read_text() == (REPO / "netplan" / "allocations.yml").read_text()


# NetBox 4.5 bulk import forms (netbox/ipam/forms/bulk_import.py): PrefixImportForm.Meta.fields and
# IPAddressImportForm.Meta.fields; status values from netbox/ipam/choices.py.
NETBOX_PREFIX_FIELDS = {
    "prefix",
    "vrf",
    "tenant",
    "vlan_group",
    "vlan_site",
    "vlan",
    "status",
    "role",
    "scope_type",
    "scope_name",
    "scope_id",
    "is_pool",
    "mark_utilized",
    "description",
    "owner",
    "comments",
    "tags",
}
NETBOX_ADDRESS_FIELDS = {
    "address",
    "vrf",
    "tenant",
    "status",
    "role",
    "device",
    "virtual_machine",
    "interface",
    "fhrp_group",
    "is_primary",
    "is_oob",
    "dns_name",
    "description",
    "owner",
    "comments",
    "tags",
}


def test_netbox_export_uses_only_netbox_import_columns_and_values(planned: Path) -> None:
    import csv
    import io

    out = planned / "nb"
    assert run("plan", "export", "--format", "netbox", "--netbox-scope", "--out", str(out), cwd=planned).returncode == 0
    prefixes = list(csv.DictReader(io.StringIO((out / "netbox-prefixes.csv").read_text(encoding="utf-8"))))
    addresses = list(csv.DictReader(io.StringIO((out / "netbox-ip-addresses.csv").read_text(encoding="utf-8"))))
    assert set(prefixes[0]) <= NETBOX_PREFIX_FIELDS and {"prefix", "status"} <= set(prefixes[0])
    assert set(addresses[0]) <= NETBOX_ADDRESS_FIELDS and {"address", "status"} <= set(addresses[0])
    assert {p["status"] for p in prefixes} <= {"container", "active", "reserved", "deprecated"}
    assert {a["status"] for a in addresses} <= {"active", "reserved", "deprecated", "dhcp", "slaac"}
    assert {a["role"] for a in addresses} <= {
        "",
        "loopback",
        "secondary",
        "anycast",
        "vip",
        "vrrp",
        "hsrp",
        "glbp",
        "carp",
        "varp",
    }
    scoped = [p for p in prefixes if p["scope_type"]]
    assert scoped and all(p["scope_type"] == "dcim.site" and p["scope_name"] for p in scoped)
