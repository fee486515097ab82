"""The example county in inventory/: valid, realistic, and addressed only from the lab's ranges."""

from collections import Counter
from ipaddress import IPv4Address, IPv4Interface, IPv4Network, IPv6Address, IPv6Interface, IPv6Network, ip_network
from typing import Any

from pydantic import BaseModel

from extranet.inventory import load_inventory
from extranet.inventory.models import Classification, Exit, SiteLevel

from ..conftest import REPO

ALLOWED = [ip_network(n) for n in ("198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")]


def _addresses(value: Any) -> list[Any]:
    if isinstance(value, IPv4Interface | IPv6Interface):
        return [value.network]
    if isinstance(value, IPv4Address | IPv6Address | IPv4Network | IPv6Network):
        return [value]
    if isinstance(value, list | tuple):
        return [a for item in value for a in _addresses(item)]
    if isinstance(value, BaseModel):
        return [a for name in type(value).model_fields for a in _addresses(getattr(value, name))]
    return []


def test_example_inventory_validates_with_only_expected_warnings() -> None:
    inv = load_inventory(REPO / "inventory")
    assert all(w.severity == "warning" for w in inv.warnings)


def test_example_county_has_what_the_issue_asks_for() -> None:
    inv = load_inventory(REPO / "inventory")
    levels = Counter(s.level for s in inv.sites.values())
    assert levels[SiteLevel.COUNTY] == 1 and levels[SiteLevel.TOWNSHIP] >= 4 and levels[SiteLevel.VILLAGE] >= 1
    core = [d for d in inv.devices.values() if d.role == "backbone" and inv.sites[d.site].level == SiteLevel.COUNTY]
    assert len(core) >= 2
    assert {"huawei", "hp_comware", "ruijie_os", "cisco_ios", "frr"} <= {d.platform for d in inv.devices.values()}
    assert len(inv.departments) >= 20
    assert {str(d.access_class) for d in inv.departments.values()} == set("ABCDEF")
    assert sum(d.effective_exit == Exit.OWN for d in inv.departments.values()) >= 2
    assert any(not d.name.isascii() for d in inv.departments.values())
    assert len(inv.private_networks) >= 3
    assert any(n.classification == Classification.CLASSIFIED for n in inv.private_networks.values())
    assert len(inv.systems) >= 15
    assert any(s.classification == Classification.CLASSIFIED for s in inv.systems.values())
    assert any(s.target == "retire" and not s.maintained for s in inv.systems.values())  # zombies


def test_example_inventory_uses_only_lab_address_ranges() -> None:
    inv = load_inventory(REPO / "inventory")
    found = _addresses(
        [
            inv.region,
            *(
                getattr(inv, k)[key]
                for k in ("sites", "departments", "devices", "links", "private_networks", "systems")
                for key in getattr(inv, k)
            ),
        ]
    )
    assert len(found) > 100
    outside = [a for a in found if not any(a.version == n.version and ip_network(a).subnet_of(n) for n in ALLOWED)]
    assert outside == []
