"""What the rollout's checks read from a device, normalised across platforms.

FRR answers in JSON. The vendor parsers read the documented text forms of their commands; they have not been
run against live devices here (no such devices in the lab): see the recorded samples in the unit tests.
"""

import json
import re
from collections.abc import Callable

from .base import DeviceError

Routes = frozenset[str]  # "prefix protocol next-hop,next-hop"
Neighbors = dict[str, str]  # router-id -> state ("Full" when adjacent)


def _frr_routes(output: str) -> Routes:
    data = json.loads(output or "{}")
    rows = set()
    for prefix, entries in data.items():
        for entry in entries:
            if not entry.get("selected"):
                continue
            hops = sorted(h.get("ip") or h.get("interfaceName", "") for h in entry.get("nexthops", []))
            rows.add(f"{prefix} {entry.get('protocol')} {','.join(hops)}")
    return frozenset(rows)


def _frr_ospf(output: str) -> Neighbors:
    data = json.loads(output or "{}").get("neighbors", {})
    if isinstance(data, dict):  # ospfd: {router-id: [{"nbrState": "Full/-"}]}
        return {rid: str(entries[0].get("nbrState", "")).split("/")[0] for rid, entries in data.items() if entries}
    return {str(n.get("neighborId")): str(n.get("state", "")) for n in data}  # ospf6d: [{"neighborId", "state"}]


# text forms: the first dotted quad on a line is the neighbour's router-id; "Full" anywhere on it is adjacency
_NEIGHBOR_LINE = re.compile(r"^\s*(?:\S+\s+)??(\d+\.\d+\.\d+\.\d+)\b.*$", re.MULTILINE)
_ROUTE_LINE = re.compile(r"^\s*[*>A-Za-z ]{0,12}?(\d+\.\d+\.\d+\.\d+/\d+)\b(.*)$", re.MULTILINE)


def _text_neighbors(output: str) -> Neighbors:
    found = {}
    for match in _NEIGHBOR_LINE.finditer(output):
        line = match.group(0)
        if re.search(r"(?i)\bfull\b", line):
            found[match.group(1)] = "Full"
        elif match.group(1) not in found and re.search(r"(?i)init|2-?way|exstart|exchange|loading|down", line):
            found[match.group(1)] = "not full"
    return found


def _text_routes(output: str) -> Routes:
    return frozenset(" ".join(m.group(0).split()) for m in _ROUTE_LINE.finditer(output))


_PING_RECEIVED = (
    re.compile(r"(\d+) (?:packets )?received"),  # Linux ping (FRR's vtysh), Junos
    re.compile(r"Success rate is (\d+) percent"),  # IOS, RGOS
    re.compile(r"(\d+) packet\(s\) received"),  # VRP, Comware
)


def ping_received(output: str) -> int:
    """Echo replies in a ping's output (0 when none came back).

    >>> ping_received("3 packets transmitted, 3 received, 0% packet loss")
    3
    >>> ping_received("Success rate is 0 percent (0/5)")
    0
    """
    for pattern in _PING_RECEIVED:
        match = pattern.search(output)
        if match:
            return int(match.group(1))
    return output.count("bytes from")


PARSERS: dict[str, dict[str, Callable[[str], object]]] = {
    "frr": {"ipv4_routes": _frr_routes, "ipv4_neighbors": _frr_ospf, "ipv6_neighbors": _frr_ospf},
}
TEXT = {"ipv4_routes": _text_routes, "ipv4_neighbors": _text_neighbors, "ipv6_neighbors": _text_neighbors}


def parse(platform: str, check: str, output: str, device: str) -> object:
    parser = PARSERS.get(platform, TEXT).get(check)
    if parser is None:
        raise DeviceError(device, f"no parser for {check} on {platform}")
    try:
        return parser(output)
    except (ValueError, AttributeError, TypeError) as exc:
        raise DeviceError(device, f"cannot read the output of {check}: {exc}") from exc
