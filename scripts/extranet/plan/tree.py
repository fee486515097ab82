"""The plan as a tree: classes → sites → departments → LANs, with the utilisation of each level.

Built one site at a time (``PlanTree.site``), so ``plan show`` prints the first sites of a province while it
works on the rest; every department and LAN is looked up by key, never by scanning the lock per site.
"""

from typing import Any

from ..inventory import Inventory
from .lock import Lock
from .planner import Geometry
from .policy import LanClass, Policy
from .slots import prefix_text


class PlanTree:
    def __init__(self, inv: Inventory, policy: Policy, lock: Lock, only_site: str | None = None) -> None:
        self.inv, self.policy, self.lock, self.only_site = inv, policy, lock, only_site
        self.geo = Geometry.of(policy)
        # sites and departments by slot, each department under its site's key ("class/site")
        self.sites = sorted(lock.sites.items(), key=lambda kv: kv[1])
        self.departments: dict[str, list[tuple[str, int]]] = {}
        for key, slot in lock.departments.items():
            site_key, _, dept_id = key.rpartition("/")
            if only_site is None or site_key.rpartition("/")[2] == only_site:
                self.departments.setdefault(site_key, []).append((dept_id, slot))
        for group in self.departments.values():
            group.sort(key=lambda entry: entry[1])

    def classes(self) -> list[tuple[str, LanClass, dict[str, Any], list[tuple[str, int]]]]:
        """Each class shown: its name, its policy, its node without children, and its sites' keys and slots."""
        shown = []
        for name, lan_class in sorted(self.policy.classes.items(), key=lambda c: c[1].index):
            sites = [
                (key, slot)
                for key, slot in self.sites
                if key.partition("/")[0] == name
                and key.partition("/")[2] in self.inv.sites
                and (not self.only_site or key.partition("/")[2] == self.only_site)
            ]
            if self.only_site and not sites:
                continue
            node = {
                "name": name,
                "prefix": prefix_text(self.block(lan_class), 128 - self.geo.class_shift),
                "sites": sum(k.startswith(f"{name}/") for k in self.lock.sites),
                "site_limit": lan_class.site.limit,
            }
            shown.append((name, lan_class, node, sites))
        return shown

    def block(self, lan_class: LanClass) -> int:
        return self.geo.base | lan_class.index << self.geo.class_shift

    def site(self, lan_class: LanClass, key: str, slot: int) -> dict[str, Any]:
        """One site's node with its departments and their LANs."""
        geo, block, site_id = self.geo, self.block(lan_class), key.partition("/")[2]
        shift = geo.site_shift(lan_class)
        blocks = [
            f"{zone} {prefix_text(block | index << geo.zone_shift | slot << shift, 128 - shift)}"
            for zone, index in sorted(self.policy.zones.items(), key=lambda z: z[1])
        ]
        departments = []
        for dept_id, dept_slot in self.departments.get(key, []):
            dept = self.inv.item("departments", dept_id)
            departments.append(
                {
                    "id": dept_id,
                    "name": dept.name if dept else "(held)",
                    "slot": hex(dept_slot),
                    "subnet_limit": lan_class.subnet.limit,
                    "lans": self.lans(dept_id),
                }
            )
        return {
            "id": site_id,
            "name": self.inv.sites[site_id].name,
            "slot": hex(slot),
            "blocks": blocks,
            "department_limit": lan_class.department.limit,
            "departments": departments,
        }

    def lans(self, dept_id: str) -> list[dict[str, str]]:
        """A department's planned LANs, as ``plan.pairs`` pairs them."""
        dept = self.inv.item("departments", dept_id)
        found = []
        for lan in dept.lans if dept else ():
            v6 = self.lock.subnets.get(f"{dept_id}/{lan.name}")
            if v6 is not None:
                found.append({"name": lan.name, "ipv4": str(lan.ipv4 or ""), "ipv6": prefix_text(v6, 64)})
        return found

    def infrastructure(self) -> dict[str, Any]:
        geo, infra = self.geo, self.policy.infrastructure
        return {
            "prefix": prefix_text(geo.base | infra.index << geo.class_shift, 128 - geo.class_shift),
            "loopbacks": len(self.lock.loopbacks),
            "links": len(self.lock.links),
            "handoffs": len(self.lock.handoffs),
            "link_limit": 1 << (geo.function_shift - 64),
        }

    def whole(self) -> dict[str, Any]:
        """The whole tree (``plan show --json``)."""
        classes = [
            {**node, "children": [self.site(lan_class, key, slot) for key, slot in sites]}
            for _, lan_class, node, sites in self.classes()
        ]
        return {
            "prefix": str(self.policy.prefix),
            "classes": classes,
            "infrastructure": self.infrastructure(),
            "held": len(self.lock.held),
        }
