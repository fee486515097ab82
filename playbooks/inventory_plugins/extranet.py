"""Ansible inventory plugin: the extranet inventory as hosts and groups (site, level, role, platform).

Use it through ``playbooks/extranet.yml`` (``plugin: extranet``); ``ansible.cfg`` at the repository root
enables it, so ``ansible-inventory --graph`` works from there. It calls the same code as
``extranet inventory ansible --list``: one derivation, two front doors.
"""

from pathlib import Path

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin

DOCUMENTATION = r"""
name: extranet
short_description: Hosts and groups derived from the extranet inventory (inventory/*.yml)
description:
  - Loads and validates the extranet inventory and adds every device as a host, grouped by site, site level,
    role and platform, with ansible_host, ansible_network_os and ansible_connection set per platform.
options:
  plugin:
    description: Must be C(extranet).
    required: true
    choices: ['extranet']
  inventory_dir:
    description: The extranet inventory directory, relative to this file unless absolute.
    type: str
    default: ../inventory
"""


class InventoryModule(BaseInventoryPlugin):  # type: ignore[misc]
    NAME = "extranet"

    def verify_file(self, path: str) -> bool:
        return bool(super().verify_file(path)) and path.endswith(("extranet.yml", "extranet.yaml"))

    def parse(self, inventory, loader, path, cache=True):  # type: ignore[no-untyped-def]
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        try:
            from extranet.inventory import InventoryError, load_inventory
            from extranet.inventory.ansible import ansible_inventory
        except ImportError as exc:
            raise AnsibleParserError(
                f"the extranet package is not importable ({exc}): run Ansible from the project's venv "
                "(make venv; .venv/bin/ansible-inventory …)"
            ) from exc
        root = Path(self.get_option("inventory_dir"))
        if not root.is_absolute():
            root = Path(path).resolve().parent / root
        try:
            document = ansible_inventory(load_inventory(root))
        except InventoryError as exc:
            raise AnsibleParserError(f"extranet inventory {root} is invalid:\n{exc}") from exc
        hostvars = document.pop("_meta")["hostvars"]
        for name, variables in hostvars.items():
            self.inventory.add_host(name)
            for key, value in variables.items():
                self.inventory.set_variable(name, key, value)
        for key, value in document.pop("all").get("vars", {}).items():
            self.inventory.set_variable("all", key, value)
        for group, data in document.items():
            if group == "ungrouped":
                continue
            self.inventory.add_group(group)
            for host in data.get("hosts", []):
                self.inventory.add_child(group, host)
            for key, value in data.get("vars", {}).items():
                self.inventory.set_variable(group, key, value)
