"""Shared fixtures: a small valid inventory to break in tests, an isolated database, the repo root."""

from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

BASE_INVENTORY = {
    "region.yml": """\
region:
  id: testcounty
  name: 测试县
  code: "341100"
  ipv4: [198.18.0.0/15]
  ipv6: 2001:db8:ab00::/40
  unified_exit: exit
""",
    "sites.yml": """\
sites:
  - {id: county, name: 测试县, level: county}
  - {id: town1, name: 一号镇, level: township, parent: county}
  - {id: exit, name: 互联网出口, level: exit, parent: county}
""",
    "devices.yml": """\
devices:
  - name: core1
    platform: huawei_vrpv8
    role: backbone
    site: county
    mgmt: 198.18.0.11
    interfaces:
      - {name: GigabitEthernet0/0/1, ipv4: 198.18.2.1/30}
      - {name: GigabitEthernet0/0/2, description: to gaj}
  - name: town1-r1
    platform: hp_comware
    role: access
    site: town1
    mgmt: 198.18.0.21
    interfaces:
      - {name: GigabitEthernet1/0/1, ipv4: 198.18.2.2/30}
      - {name: GigabitEthernet1/0/2}
""",
    "links.yml": """\
links:
  - id: core1-town1
    a: {device: core1, interface: GigabitEthernet0/0/1}
    b: {device: town1-r1, interface: GigabitEthernet1/0/1}
""",
    "departments.yml": """\
departments:
  - id: gaj
    name: 县公安局
    site: county
    access_class: D
    lans:
      - {name: office, vlan: 100, ipv4: 198.19.1.0/24}
    uplink: {device: core1, interface: GigabitEthernet0/0/2}
  - id: town1-gov
    name: 一号镇人民政府
    site: town1
    access_class: B
    lans:
      - {name: office, vlan: 100, ipv4: 198.19.2.0/24}
    uplink: {device: town1-r1, interface: GigabitEthernet1/0/2}
""",
    "private_networks.yml": """\
private_networks:
  - id: police-video
    name: 公安视频专网
    owner: gaj
    prefixes: [203.0.113.0/26]
    classification: classified
    target: internal
""",
    "systems.yml": """\
systems:
  - id: oa
    name: 协同办公系统
    function: 公文流转
    scope: level
    frequency: daily
    approved_by: 县发改委
    funding: fiscal
    owner: gaj
    classification: unclassified
    protection_level: 2
    runs_at: {kind: department, ref: gaj}
    target: cloud
""",
}


def write_inventory(root: Path, files: dict[str, str]) -> Path:
    directory = root / "inventory"
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh workspace (cwd) with the base inventory and its own SQLite database."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EXTRANET_INVENTORY", raising=False)
    monkeypatch.setenv("EXTRANET_DB_URL", f"sqlite:///{tmp_path / 'test.db'}")
    write_inventory(tmp_path, BASE_INVENTORY)
    yield tmp_path
