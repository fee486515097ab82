"""Dual-stack pairing: every department subnet and every interface with its IPv4 and IPv6 side by side."""

from collections.abc import Iterator
from typing import Any, NamedTuple

from ..inventory import Inventory
from .lock import Lock
from .planner import LINK_OFFSET
from .slots import ipv6_text, prefix_text


class Pair(NamedTuple):  # a tuple: a province has half a million of them (issue 16)
    kind: str  # lan, gateway, link, loopback, handoff
    owner: str  # department id or device name
    name: str  # LAN name or interface name
    site: str
    ipv4: str
    ipv6: str
    device: str = ""
    interface: str = ""
    description: str = ""

    def as_dict(self) -> dict[str, Any]:
        return self._asdict()


def pairs(inv: Inventory, lock: Lock) -> list[Pair]:
    """Every pair (``iter_pairs``): department LANs and their gateways, link ends, loopbacks, hand-offs."""
    return list(iter_pairs(inv, lock))


def iter_pairs(inv: Inventory, lock: Lock) -> Iterator[Pair]:
    """The pairs one at a time, in ``pairs``' order: for a reader that keeps a few of half a million (the device
    contexts keep the interfaces' and no LAN's)."""
    ipv4_of = {(d.name, i.name): i.ipv4 for d in inv.devices.values() for i in d.interfaces}
    for dept in sorted(inv.department_facts().values(), key=lambda d: d.id):
        for lan in dept.lans:
            v6 = lock.subnets.get(f"{dept.id}/{lan.name}")
            if v6 is None:
                continue
            yield Pair(
                "lan",
                dept.id,
                lan.name,
                dept.site,
                str(lan.ipv4 or ""),
                prefix_text(v6, 64),
                description=f"{dept.name} {lan.name}",
            )
            if lan.gateway is not None:
                v4 = ipv4_of.get((lan.gateway.device, lan.gateway.interface))
                yield Pair(
                    "gateway",
                    dept.id,
                    lan.name,
                    dept.site,
                    str(v4) if v4 else "",
                    f"{ipv6_text(v6 | 1)}/64",
                    lan.gateway.device,
                    lan.gateway.interface,
                    f"{dept.id} {lan.name} gateway",
                )
    for key, link in sorted(inv.links.items()):
        v6 = lock.links.get(key)
        if v6 is None:
            continue
        for offset, end in ((LINK_OFFSET, link.a), (LINK_OFFSET + 1, link.b)):
            v4 = ipv4_of.get((end.device, end.interface))
            yield Pair(
                "link",
                end.device,
                end.interface,
                inv.devices[end.device].site,
                str(v4) if v4 else "",
                f"{ipv6_text(v6 | offset)}/127",
                end.device,
                end.interface,
                f"link {key}",
            )
    for name, device in sorted(inv.devices.items()):
        v6 = lock.loopbacks.get(name)
        if v6 is not None:
            loopback4 = f"{device.loopback}/32" if device.loopback else ""
            yield Pair(
                "loopback",
                name,
                "loopback",
                device.site,
                loopback4,
                f"{ipv6_text(v6)}/128",
                name,
                description=f"{name} loopback",
            )
        for iface in device.interfaces:
            v6 = lock.handoffs.get(f"{name}/{iface.name}")
            if v6 is not None:
                yield Pair(
                    "handoff",
                    name,
                    iface.name,
                    device.site,
                    str(iface.ipv4 or ""),
                    str(iface.ipv6) if iface.ipv6 is not None else f"{ipv6_text(v6 | 1)}/64",  # a pin's own address
                    name,
                    iface.name,
                    iface.description or "hand-off",
                )
