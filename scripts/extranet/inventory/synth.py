"""A synthetic province-sized workspace (inventory + address policy) for benchmarks and rehearsals.

The shape follows a real province: counties with 60 county-level departments, 15 townships of 20
departments, villages of 4; a core pair per county, an aggregation pair per township, access routers
in villages, dual-homed, /31 links. Department LANs are IPv6-only: the lab's IPv4 ranges (198.18.0.0/15) cannot
number 10^5 departments, and the planner needs only the ids.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .load import LIST_KINDS, Inventory, Origin, object_key
from .models import Region
from .source import SourceDocument

POLICY = """\
# Synthetic province policy: 2001:db8::/32 | class 4 | zone 4 | site | department | subnet (24 bits)
prefix: 2001:db8::/32
class_bits: 4
zone_bits: 4
infrastructure: {index: 0, function_bits: 4, loopbacks: 0, links: 1, handoffs: 2}
classes:
  county: {index: 1, site_levels: [province, city, county], site: 8, department: 8, subnet: 8}
  township: {index: 2, site_levels: [township], site: 12, department: 8, subnet: 4}
  village: {index: 3, site_levels: [village], site: 16, department: 4, subnet: 4}
  cloud: {index: 4, site_levels: [cloud, datacenter, exit], site: 8, department: 8, subnet: 8}
"""
REGION = {"id": "prov", "name": "示范省", "code": "340000", "ipv4": ["198.18.0.0/15"], "ipv6": "2001:db8::/32"}
PER_COUNTY, TOWNSHIPS, PER_TOWNSHIP, PER_VILLAGE = 60, 15, 20, 4
# What POLICY and the IPv4 plan can number: county-class sites (the province and the counties, 8 bits), township
# sites (12 bits), village sites (16 bits); mgmt and loopback addresses (198.18.0.1… and 198.19.0.1…, below the
# link ranges); /31 links (198.18.128.0/17 and 198.19.128.0/17).
COUNTY_SLOTS, TOWNSHIP_SLOTS, VILLAGE_SLOTS = 1 << 8, 1 << 12, 1 << 16
MAX_DEVICES, MAX_LINKS = 0x7FFF, 0x8000
UPLINKS = {"core": (0, 1), "agg": (2, 3), "acc": (2,)}  # uplinks per router of a pair (or a village's one)


class SynthError(ValueError):
    """A size the synthetic workspace cannot honour."""


def shape(departments: int) -> tuple[int, int, int]:
    """(counties, townships, villages) for this many departments."""
    counties = max(1, round(departments / 1000))
    villages = max(0, departments - counties * (PER_COUNTY + TOWNSHIPS * PER_TOWNSHIP)) // PER_VILLAGE
    return counties, counties * TOWNSHIPS, villages


def max_departments() -> int:
    """The most departments whose sites fit the policy's site fields."""
    counties = min(COUNTY_SLOTS - 1, TOWNSHIP_SLOTS // TOWNSHIPS)
    by_counties = counties * 1000 + 499  # round() keeps up to x.499 on the lower county count
    return min(by_counties, counties * (PER_COUNTY + TOWNSHIPS * PER_TOWNSHIP) + VILLAGE_SLOTS * PER_VILLAGE + 3)


def _uplink_counts(departments: int) -> list[int]:
    """How many uplinks each router has, in the order routers are taken."""
    counties, townships, villages = shape(departments)
    return [*UPLINKS["core"] * counties, *UPLINKS["agg"] * townships, *UPLINKS["acc"] * villages]


@dataclass
class Synth:
    departments: int
    devices: int
    links: int
    lans: int = 4
    first_id: int = 0  # growth: departments numbered from here

    def records(self) -> dict[str, list[dict[str, Any]]]:
        counties, _, villages = shape(self.departments)
        sites: list[dict[str, Any]] = [{"id": "prov", "name": "示范省", "level": "province"}]
        townships: list[tuple[str, str]] = []
        village_ids: list[str] = []
        for c in range(counties):
            sites.append({"id": f"c{c:03d}", "name": f"第{c}县", "level": "county", "parent": "prov"})
            for t in range(TOWNSHIPS):
                townships.append((f"c{c:03d}t{t:02d}", f"c{c:03d}"))
                sites.append(
                    {"id": townships[-1][0], "name": f"第{c}县{t}镇", "level": "township", "parent": f"c{c:03d}"}
                )
        for v in range(villages):
            town = townships[v % len(townships)][0]
            village_ids.append(f"{town}v{v // len(townships):03d}")
            sites.append({"id": village_ids[-1], "name": f"村{v}", "level": "village", "parent": town})
        homes = (
            [f"c{c:03d}" for c in range(counties) for _ in range(PER_COUNTY)]
            + [t for t, _ in townships for _ in range(PER_TOWNSHIP)]
            + [v for v in village_ids for _ in range(PER_VILLAGE)]
        )
        homes += [f"c{c % counties:03d}" for c in range(self.departments - len(homes))]
        departments = [
            {
                "id": f"d{self.first_id + n:06d}",
                "name": f"部门{self.first_id + n}",
                "site": site,
                "access_class": "ABD"[n % 3],
                "lans": [{"name": f"lan{i}"} for i in range(self.lans)],
            }
            for n, site in enumerate(homes[: self.departments])
        ]
        devices, links = self._network(counties, townships, village_ids)
        return {"sites": sites, "departments": departments, "devices": devices, "links": links}

    def _network(
        self, counties: int, townships: list[tuple[str, str]], villages: list[str]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        routers: list[tuple[str, str, list[str]]] = []  # (name, site, uplink router names)
        for c in range(counties):
            routers += [(f"c{c:03d}-core1", f"c{c:03d}", []), (f"c{c:03d}-core2", f"c{c:03d}", [f"c{c:03d}-core1"])]
        for town, county in townships:
            cores = [f"{county}-core1", f"{county}-core2"]
            routers += [(f"{town}-agg1", town, cores), (f"{town}-agg2", town, [*cores, f"{town}-agg1"])]
        for village in villages:
            town = village.rsplit("v", 1)[0]
            routers.append((f"{village}-acc", village, [f"{town}-agg1", f"{town}-agg2"]))
        routers = routers[: self.devices]
        present = {name for name, _, _ in routers}
        ports: dict[str, list[dict[str, str]]] = {name: [] for name, _, _ in routers}
        links: list[dict[str, Any]] = []
        # every router's first uplink before any second one: a link budget never leaves a router isolated
        wanted = [(name, up) for rank in range(3) for name, _, uplinks in routers for up in uplinks[rank : rank + 1]]
        for name, up in wanted:
            if up in present and len(links) < self.links:
                first, second = _link_addresses(len(links))
                links.append(
                    {
                        "a": {"device": name, "interface": _port(ports[name], first)},
                        "b": {"device": up, "interface": _port(ports[up], second)},
                    }
                )
        devices = [
            {
                "name": name,
                "platform": "frr",
                "role": "backbone" if "core" in name else "access",
                "site": site,
                "mgmt": _ipv4(0xC6120000 + n + 1),
                "loopback": _ipv4(0xC6130000 + n + 1),
                "interfaces": ports[name],
            }
            for n, (name, site, _) in enumerate(routers)
        ]
        return devices, links

    def files(self) -> dict[str, str]:
        """The inventory as YAML files, one object per line (flow style)."""
        out = {"region.yml": f"region: {json.dumps(REGION, ensure_ascii=False)}\n"}
        for kind, items in self.records().items():
            lines = [f"{kind}:"] + [f"  - {json.dumps(item, ensure_ascii=False)}" for item in items]
            out[f"{kind}.yml"] = "\n".join(lines) + "\n"
        return out

    def inventory(self) -> Inventory:
        """The same objects validated straight into an Inventory (no YAML): for benchmarks of what follows."""
        doc = SourceDocument("synthetic", None, {})
        inv = Inventory(root=Path("synthetic"), region=Region.model_validate(REGION))
        inv.origins[("region", "prov")] = Origin(doc, ("region",))
        for kind, items in self.records().items():
            model, collection = LIST_KINDS[kind], inv.collection(kind)
            for index, item in enumerate(items):
                obj = model.model_validate(item)
                key = object_key(kind, obj)
                collection[key] = obj
                inv.origins[(kind, key)] = Origin(doc, (kind, index))
        return inv


def _port(ports: list[dict[str, str]], address: str) -> str:
    ports.append({"name": f"eth{len(ports) + 1}", "ipv4": address})
    return ports[-1]["name"]


def _link_addresses(index: int) -> tuple[str, str]:
    """A /31 per link from 198.18.128.0/17 then 198.19.128.0/17 (32,768 links), above mgmt and loopbacks."""
    offset = 2 * index
    base = 0xC6128000 + offset if offset < 0x8000 else 0xC6138000 + offset - 0x8000
    return f"{_ipv4(base)}/31", f"{_ipv4(base + 1)}/31"


def _ipv4(value: int) -> str:
    return ".".join(str(value >> s & 255) for s in (24, 16, 8, 0))


def synth(departments: int, devices: int | None = None, links: int | None = None, lans: int = 4) -> Synth:
    """The synthetic workspace's shape; a size it cannot honour is refused (SynthError) before anything is made.
    Unset, devices are a tenth of the departments and links twice the devices, as far as the routers allow."""
    most = max_departments()
    if not 1 <= departments <= most:
        raise SynthError(f"--departments {departments}: give 1 to {most} (the synthetic policy's site fields "
                         "number no more)")  # fmt: skip
    if not 1 <= lans <= 16:
        raise SynthError(f"--lans {lans}: give 1 to 16 (the subnet field of 4 bits)")
    uplinks = _uplink_counts(departments)
    routers = min(len(uplinks), MAX_DEVICES)
    if devices is not None and not 2 <= devices <= routers:
        raise SynthError(f"--devices {devices}: give 2 to {routers} for {departments} departments (routers: a core "
                         f"pair per county, an aggregation pair per township, one per village; at most {MAX_DEVICES} "
                         "addresses)")  # fmt: skip
    devices = devices if devices is not None else min(routers, max(2, departments // 10))
    possible = min(sum(uplinks[:devices]), MAX_LINKS)
    if links is not None and not 0 <= links <= possible:
        raise SynthError(f"--links {links}: give 0 to {possible} for {devices} routers (their uplinks; at most "
                         f"{MAX_LINKS} /31s)")  # fmt: skip
    return Synth(departments, devices, links if links is not None else min(possible, devices * 2), lans)


def synth_workspace(
    departments: int, devices: int | None = None, links: int | None = None, lans: int = 4
) -> Iterator[tuple[str, str]]:
    """(relative path, text) of every file of the synthetic workspace."""
    workspace = synth(departments, devices, links, lans)  # refused here, before the first file
    for name, text in workspace.files().items():
        yield f"inventory/{name}", text
    yield "netplan/policy.yml", POLICY
