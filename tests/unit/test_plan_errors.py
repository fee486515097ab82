"""Bad policies, pins and locks: clear errors, exit code 2, and nothing written."""

from pathlib import Path

import pytest

from ..conftest import BASE_INVENTORY, REPO, write_inventory
from .test_cli import run

POLICY = (REPO / "netplan" / "policy.yml").read_text(encoding="utf-8")


def _workspace_with(workspace: Path, policy: str = POLICY) -> Path:
    (workspace / "netplan").mkdir(exist_ok=True)
    (workspace / "netplan" / "policy.yml").write_text(policy, encoding="utf-8")
    return workspace


def _township(site: int, department: int, subnet: int) -> str:
    """The example policy with the township class's field widths changed."""
    return POLICY.replace(
        "    site: 8\n    department: 4\n    subnet: 4\n  village:",
        f"    site: {site}\n    department: {department}\n    subnet: {subnet}\n  village:",
    )


def _fails(workspace: Path, *args: str) -> str:
    result = run("plan", *args, cwd=workspace)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return " ".join(result.stderr.split())


def test_non_nibble_field_width_is_refused_with_its_location(workspace: Path) -> None:
    policy = _township(6, 6, 4)
    message = _fails(_workspace_with(workspace, policy))
    assert (
        "netplan/policy.yml:34: classes.township.site: 6 bits is not nibble-aligned; use a multiple of 4 "
        "(0, 4, 8, 12, 16)"
    ) in message


def test_fields_that_do_not_fill_the_prefix_are_refused(workspace: Path) -> None:
    policy = _township(8, 8, 4)
    message = _fails(_workspace_with(workspace, policy))
    assert (
        "classes.township: class 4 + zone 4 + site 8 + department 8 + subnet 4 = 28 bits, but "
        "2001:db8:ab00::/40 leaves exactly 24 bits above the /64s"
    ) in message


def test_exhaustion_names_the_level_what_was_asked_and_what_is_left(workspace: Path) -> None:
    policy = POLICY.replace("department: {bits: 8, quota: 240}", "department: {bits: 8, quota: 1}")
    write_inventory(
        workspace,
        {
            "departments-more.yml": """\
departments:
  - {id: zz-late, name: 后来的部门, site: county, access_class: A, lans: [{name: office, ipv4: 198.19.9.0/24}]}
"""
        },
    )
    message = _fails(_workspace_with(workspace, policy))
    assert (
        "address space exhausted at the department level of county/county: county/county/zz-late asked for 1 "
        "department slot; 1 of 1 (quota) in use (8 bits), 0 left"
    ) in message


def test_overlapping_pins_are_refused(workspace: Path) -> None:
    departments = (
        BASE_INVENTORY["departments.yml"]
        .replace("ipv4: 198.19.1.0/24}", "ipv4: 198.19.1.0/24, ipv6: '2001:db8:ab10:5::/64'}")
        .replace("ipv4: 198.19.2.0/24}", "ipv4: 198.19.2.0/24, ipv6: '2001:db8:ab10:5::/64'}")
    )
    write_inventory(workspace, {"departments.yml": departments})
    message = _fails(_workspace_with(workspace))
    assert "departments[1].lans[0].ipv6: pinned 2001:db8:ab10:5::/64 lies in department gaj's block" in message


def test_pin_outside_the_region_prefix_is_refused(workspace: Path) -> None:
    departments = BASE_INVENTORY["departments.yml"].replace(
        "ipv4: 198.19.1.0/24}", "ipv4: 198.19.1.0/24, ipv6: '2001:db8:ffff:1::/64'}"
    )
    write_inventory(workspace, {"departments.yml": departments})
    message = _fails(_workspace_with(workspace))
    assert (
        "inventory/departments.yml:7: departments[0].lans[0].ipv6: pinned 2001:db8:ffff:1::/64 lies outside "
        "the region's prefix 2001:db8:ab00::/40"
    ) in message


def test_pin_in_its_own_block_is_honoured(workspace: Path) -> None:
    departments = BASE_INVENTORY["departments.yml"].replace(
        "ipv4: 198.19.1.0/24}", "ipv4: 198.19.1.0/24, ipv6: '2001:db8:ab10:42::/64'}"
    )
    write_inventory(workspace, {"departments.yml": departments})
    assert run("plan", "--apply", cwd=_workspace_with(workspace)).returncode == 0
    lock = (workspace / "netplan" / "allocations.yml").read_text()
    assert '"gaj/office": 2001:db8:ab10:42::/64' in lock


def test_policy_change_against_the_lock_is_refused_with_how_to_migrate(workspace: Path) -> None:
    _workspace_with(workspace)
    assert run("plan", "--apply", cwd=workspace).returncode == 0
    lock_before = (workspace / "netplan" / "allocations.yml").read_bytes()
    _workspace_with(workspace, _township(12, 0, 4))
    message = _fails(workspace, "--apply")
    assert "the policy no longer matches the lock netplan/allocations.yml" in message
    assert 'classes.township: {"department": 4, "index": 2, "site": 8, "subnet": 4} → {"department": 0' in message
    assert "To keep them, restore the policy" in message and "re-plan from scratch" in message
    assert (workspace / "netplan" / "allocations.yml").read_bytes() == lock_before


@pytest.mark.parametrize("damage", ["sites:\n  - [broken", 'version: 1\nsubnets:\n  "gaj/office": not-a-prefix\n'])
def test_damaged_lock_is_reported_and_never_overwritten(workspace: Path, damage: str) -> None:
    _workspace_with(workspace)
    (workspace / "netplan" / "allocations.yml").write_text(damage)
    message = _fails(workspace, "--apply")
    assert "the lock is damaged and was not changed" in message
    assert (workspace / "netplan" / "allocations.yml").read_text() == damage


def test_region_prefix_must_match_the_policy(workspace: Path) -> None:
    write_inventory(
        workspace, {"region.yml": BASE_INVENTORY["region.yml"].replace("2001:db8:ab00::/40", "2001:db8:cd00::/40")}
    )
    message = _fails(_workspace_with(workspace))
    assert "region.ipv6: the region's prefix 2001:db8:cd00::/40 differs from netplan/policy.yml's" in message


def test_missing_policy_is_bad_input(workspace: Path) -> None:
    message = _fails(workspace)
    assert "netplan/policy.yml: cannot read" in message


def test_hand_edited_lock_giving_one_prefix_twice_is_refused(workspace: Path) -> None:
    _workspace_with(workspace)
    assert run("plan", "--apply", cwd=workspace).returncode == 0
    lock = workspace / "netplan" / "allocations.yml"
    text = lock.read_text()
    town = next(line for line in text.splitlines() if line.startswith('  "town1-gov/office"'))
    edited = text.replace(town, '  "town1-gov/office": 2001:db8:ab10::/64')
    lock.write_text(edited)
    message = _fails(workspace)
    assert "'town1-gov/office': 2001:db8:ab10::/64 is also given to 'gaj/office'" in message
    assert lock.read_text() == edited


def test_unwritable_lock_directory_is_reported_without_a_traceback(workspace: Path) -> None:
    _workspace_with(workspace)
    (workspace / "netplan" / "allocations.yml").mkdir()  # a directory where the lock file should be
    result = run("plan", "--apply", cwd=workspace)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
