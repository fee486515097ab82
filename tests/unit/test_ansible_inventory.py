"""The Ansible inventory derived from ours, as `extranet inventory ansible` and as Ansible itself reads it."""

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from ..conftest import REPO
from .test_cli import run

BIN = Path(sys.executable).parent


def test_list_follows_the_dynamic_inventory_contract(workspace: Path) -> None:
    result = run("inventory", "ansible", "--list", cwd=workspace)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert set(doc["_meta"]["hostvars"]) == {"core1", "town1-r1"}
    assert doc["site_town1"]["hosts"] == ["town1-r1"]
    assert doc["level_county"]["hosts"] == ["core1"]
    assert doc["role_backbone"]["hosts"] == ["core1"]
    assert doc["platform_hp_comware"]["hosts"] == ["town1-r1"]
    core = doc["_meta"]["hostvars"]["core1"]
    assert core["ansible_host"] == "198.18.0.11"
    assert core["ansible_network_os"] == "community.network.ce"
    assert core["ansible_connection"] == "ansible.netcommon.network_cli"
    comware = doc["_meta"]["hostvars"]["town1-r1"]
    assert comware["ansible_connection"] == "local"  # no maintained cliconf: extranet's modules drive it
    assert "ansible_network_os" not in comware


def test_host_returns_one_hosts_variables(workspace: Path) -> None:
    result = run("inventory", "ansible", "--host", "core1", cwd=workspace)
    assert json.loads(result.stdout)["extranet_platform"] == "huawei_vrpv8"
    assert run("inventory", "ansible", "--host", "nope", cwd=workspace).returncode == 2
    assert run("inventory", "ansible", cwd=workspace).returncode == 2


def _plain(obj: dict[str, Any]) -> Any:
    """ansible-core 2.19 marks plugin-supplied strings as not-to-be-templated in its JSON: unwrap them."""
    return obj["__ansible_unsafe"] if set(obj) == {"__ansible_unsafe"} else obj


def _ansible_inventory(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "ansible-inventory"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": f"{BIN}:/usr/bin:/bin", "ANSIBLE_LOCAL_TEMP": str(cwd / "tmp"), "HOME": str(cwd)},
    )


def test_ansible_inventory_accepts_the_plugin_on_a_workspace(workspace: Path) -> None:
    shutil.copytree(REPO / "playbooks", workspace / "playbooks")
    shutil.copy(REPO / "ansible.cfg", workspace / "ansible.cfg")
    result = _ansible_inventory("--list", cwd=workspace)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout, object_hook=_plain)
    assert doc["_meta"]["hostvars"]["town1-r1"]["ansible_host"] == "198.18.0.21"
    assert doc["_meta"]["hostvars"]["core1"]["ansible_network_os"] == "community.network.ce"
    assert doc["platform_huawei_vrpv8"]["hosts"] == ["core1"]
    assert doc["site_town1"]["hosts"] == ["town1-r1"]
    assert doc["_meta"]["hostvars"]["town1-r1"]["extranet_site_name"] == "一号镇"  # group vars reach the host


def test_ansible_inventory_graph_of_the_example_county() -> None:
    result = _ansible_inventory("--graph", cwd=REPO)
    assert result.returncode == 0, result.stderr
    for group in (
        "@level_county:",
        "@level_township:",
        "@role_backbone:",
        "@platform_huawei_vrpv8:",
        "@platform_hp_comware:",
        "@platform_ruijie_os:",
        "@platform_cisco_ios:",
        "@platform_frr:",
    ):
        assert group in result.stdout, group


def test_ansible_reports_a_broken_inventory_with_its_location(workspace: Path) -> None:
    shutil.copytree(REPO / "playbooks", workspace / "playbooks")
    shutil.copy(REPO / "ansible.cfg", workspace / "ansible.cfg")
    (workspace / "inventory" / "links.yml").write_text("links:\n  - a: {device: core1, interface: Gi9}\n")
    result = _ansible_inventory("--list", cwd=workspace)
    assert result.returncode != 0
    assert "inventory/links.yml" in result.stderr
