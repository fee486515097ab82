"""FRR's getters read vtysh's JSON (FRR user guide: ``show ip route json``, ``show ip ospf neighbor json``,
``show ipv6 ospf6 neighbor json``); ping is iputils' summary as vtysh's ``ping`` prints it."""

import json
import re
from collections.abc import Callable
from typing import Any

from ..results import Neighbor, ParseError, Ping, Route, RouteProtocol, canonical_prefix, neighbor_state

COMMANDS = {
    "ipv4-routes": "show ip route json",
    "ospf-neighbors": "show ip ospf neighbor json",
    "ospfv3-neighbors": "show ipv6 ospf6 neighbor json",
    "ping": "ping ipv6 {target}",  # vtysh's ping runs until interrupted: the device layer stops it (Ctrl-C)
}

PROTOCOLS = {"kernel": RouteProtocol.STATIC, "connected": RouteProtocol.CONNECTED, "local": RouteProtocol.LOCAL,
             "static": RouteProtocol.STATIC, "ospf": RouteProtocol.OSPF, "bgp": RouteProtocol.BGP,
             "isis": RouteProtocol.ISIS, "rip": RouteProtocol.RIP, "eigrp": RouteProtocol.EIGRP}  # fmt: skip


def _json(output: str) -> Any:
    text = output.lstrip()
    if not text.startswith("{"):
        line = output[: len(output) - len(text)].count("\n") + 1
        seen = text.partition("\n")[0][:60] or "nothing"
        raise ParseError(line, f"expected vtysh's JSON (an object), read {seen!r}")
    try:
        return json.loads(output.rstrip())  # leading blank lines kept: the error's line is the file's line
    except json.JSONDecodeError as exc:
        raise ParseError(exc.lineno, f"not JSON: {exc.msg}") from None


def ipv4_routes(output: str) -> list[Route]:
    """The selected route of each prefix (FRR lists the unselected candidates too)."""
    routes = []
    for prefix, entries in _json(output).items():
        if not isinstance(entries, list):
            raise ParseError(0, f"{prefix}: expected a list of route entries")
        for entry in entries:
            if not entry.get("selected"):
                continue
            hops = tuple(sorted(h.get("ip") or h.get("interfaceName", "") for h in entry.get("nexthops", [])))
            protocol = PROTOCOLS.get(str(entry.get("protocol")), RouteProtocol.OTHER)
            routes.append(Route(canonical_prefix(prefix), protocol, hops))
    return sorted(routes)


def ospf_neighbors(output: str) -> list[Neighbor]:
    data = _json(output)
    if not isinstance(data.get("neighbors"), dict):
        raise ParseError(1, "expected ospfd's {'neighbors': {router-id: [...]}}")
    return [Neighbor(rid, neighbor_state(str(entry.get("nbrState", ""))), str(entry.get("ifaceName", "")).split(":")[0])
            for rid, entries in data["neighbors"].items() for entry in entries]  # fmt: skip


def ospfv3_neighbors(output: str) -> list[Neighbor]:
    data = _json(output)
    if not isinstance(data.get("neighbors"), list):
        raise ParseError(1, "expected ospf6d's {'neighbors': [...]}")
    return [Neighbor(str(n.get("neighborId")), neighbor_state(str(n.get("state", ""))), str(n.get("interfaceName", "")))
            for n in data["neighbors"]]  # fmt: skip


_PING = re.compile(r"^(\d+) packets transmitted, (\d+) (?:packets )?received", re.MULTILINE)


# iputils refusing to send at all ("ping6: connect: Network is unreachable" while no route exists yet): nothing
# was sent, nothing came back
_REFUSED = re.compile(r"^ping6?: .*(unreachable|not permitted|Cannot assign|Name or service not known)", re.MULTILINE)


def ping(output: str) -> Ping:
    match = _PING.search(output)
    if match is None and _REFUSED.search(output):
        return Ping(0, 0)
    if match is None:
        if re.search(r"bytes from", output) or re.search(r"^PING ", output, re.MULTILINE):
            return Ping(output.count("icmp_seq="), output.count("bytes from"))
        raise ParseError(1, "expected ping's 'N packets transmitted, M received' summary")
    return Ping(int(match.group(1)), int(match.group(2)))


PARSERS: dict[str, Callable[[str], object]] = {
    "ipv4-routes": ipv4_routes,
    "ospf-neighbors": ospf_neighbors,
    "ospfv3-neighbors": ospfv3_neighbors,
    "ping": ping,
}
