"""The Ansible inventory derived from ours: groups by site, level, role and platform.

The same structure serves ``extranet inventory ansible --list`` (the dynamic-inventory JSON contract) and the
inventory plugin in ``playbooks/inventory_plugins/extranet.py``. Never maintained by hand.
"""

import re
from typing import Any

from .. import platforms
from .load import Inventory
from .models import Device


def group_name(prefix: str, value: str) -> str:
    """Ansible group names are identifiers: ``site_xi-feng`` → ``site_xi_feng``.

    >>> group_name("site", "xi-feng")
    'site_xi_feng'
    """
    return f"{prefix}_{re.sub(r'[^A-Za-z0-9_]', '_', value)}"


def host_vars(inv: Inventory, device: Device) -> dict[str, Any]:
    platform = platforms.get(device.platform)
    site = inv.sites[device.site]
    variables: dict[str, Any] = {
        "ansible_host": str(device.mgmt),
        # Platforms without a maintained cliconf plugin run extranet's own modules locally (over netmiko).
        "ansible_connection": "ansible.netcommon.network_cli" if platform.names.ansible_network_os else "local",
        "extranet_platform": device.platform,
        "extranet_vendor": platform.vendor,
        "extranet_netmiko_device_type": platform.names.netmiko,
        "extranet_role": str(device.role),
        "extranet_site": device.site,
        "extranet_site_level": str(site.level),
        "extranet_credentials": device.credentials,
    }
    if platform.names.ansible_network_os:
        variables["ansible_network_os"] = platform.names.ansible_network_os
    if device.mgmt6 is not None:
        variables["extranet_mgmt6"] = str(device.mgmt6)
    if device.loopback is not None:
        variables["extranet_loopback"] = str(device.loopback)
    if device.routing is not None:
        routing = device.routing.model_dump(mode="json", exclude_none=True)
        variables.update({f"extranet_{key}": value for key, value in routing.items()})
    return variables


def ansible_inventory(inv: Inventory) -> dict[str, Any]:
    """The ``--list`` document: every group with its hosts, and ``_meta.hostvars``."""
    groups: dict[str, dict[str, Any]] = {}

    def add(group: str, host: str) -> None:
        groups.setdefault(group, {"hosts": []})["hosts"].append(host)

    for name, device in sorted(inv.devices.items()):
        site = inv.sites[device.site]
        add(group_name("site", site.id), name)
        add(group_name("level", str(site.level)), name)
        add(group_name("role", str(device.role)), name)
        add(group_name("platform", device.platform), name)
    for site in inv.sites.values():
        group = groups.get(group_name("site", site.id))
        if group is not None:
            group["vars"] = {"extranet_site_name": site.name, "extranet_site_level": str(site.level)}
    document: dict[str, Any] = {
        "_meta": {"hostvars": {name: host_vars(inv, d) for name, d in sorted(inv.devices.items())}},
        "all": {
            "children": ["ungrouped", *sorted(groups)],
            "vars": {"extranet_region": inv.region.id, "extranet_region_code": inv.region.code},
        },
        "ungrouped": {"hosts": []},
    }
    document.update(sorted(groups.items()))
    return document
