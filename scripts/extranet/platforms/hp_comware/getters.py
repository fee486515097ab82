"""H3C Comware 7 (``hp_comware``) getters: regex readers of the CLI's fixed-width tables.

Command syntax and field meanings come from the H3C Comware 7 command references (Chinese edition, as mirrored
in github.com/grayfalcon666/netmiko-h3c-skill ``references/CMD-help``): "IP路由基础配置命令 – display ip
routing-table" (the Proto column: Direct, Static, O_INTRA, O_INTER, O_ASE1/2, O_NSSA1/2, O_SUM, IS_L1/L2,
IS_SUM, BGP, RIP ...), "OSPF配置命令 – display ospf peer", "OSPFv3配置命令 – display ospfv3 peer", "系统维护与
调试命令 – ping ipv6" (``-a`` source, ``-c`` count, ``-t`` timeout in ms, default 2000) and "BGP配置命令 –
display bgp peer" (``display bgp peer ipv6 [ unicast ]``). The ECMP layouts are the ones real devices print
(ntc-templates' ``hp_comware_display_ip_routing-table`` tests and the lab captures under ``recorded/``).

ntc-templates' routing-table template is not used: it raises without a line number and cannot tell the
router's own host routes (``InLoop0``) from connected ones.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..results import (
    BgpNeighbor,
    Neighbor,
    ParseError,
    Ping,
    Route,
    RouteProtocol,
    canonical_address,
    canonical_prefix,
    neighbor_state,
)

COMMANDS: dict[str, str] = {
    "ipv4-routes": "display ip routing-table",
    "ospf-neighbors": "display ospf peer",
    "ospfv3-neighbors": "display ospfv3 peer",
    # 3 echoes, 2000 ms reply timeout each (Comware's -t is in milliseconds), sourced from our loopback address
    "ping": "ping ipv6 -c 3 -t 2000 -a {source} {target}",
    "bgp-neighbors": "display bgp peer ipv6 unicast",
}

_IPV4 = r"\d{1,3}(?:\.\d{1,3}){3}"
# A prompt the capture may end with: <Sysname>, [Sysname], [Sysname-ospf-1]
_PROMPT = re.compile(r"^\s*[<\[][^\s<>\[\]]+[>\]]\s*$")
_ECHO = re.compile(r"^\s*[<\[][^\s<>\[\]]+[>\]]\s*(?:dis|display)\s")  # the command as echoed after the prompt


def _lines(output: str) -> list[tuple[int, str]]:
    """(1-based line number, line without trailing whitespace); CRLF and Comware's trailing blanks are noise."""
    return [(number, line.rstrip()) for number, line in enumerate(output.splitlines(), start=1)]


# --- display ip routing-table -------------------------------------------------------------------------------

_ROUTE_HEADER = re.compile(r"^\s*Destination/Mask\s+Proto\s+Pre\s+Cost\s+NextHop\s+Interface$")
_ROUTE = re.compile(
    rf"^(?P<prefix>{_IPV4}/\d{{1,2}})\s+(?P<proto>[A-Za-z][\w-]*)\s+\d+\s+\d+\s+(?P<hop>{_IPV4})\s+(?P<ifname>\S+)$"
)
# ECMP next hops go on continuation lines: routers repeat Proto/Pre/Cost, switches print only NextHop/Interface
_MORE_WITH_PROTO = re.compile(rf"^\s+(?P<proto>[A-Za-z][\w-]*)\s+\d+\s+\d+\s+(?P<hop>{_IPV4})\s+(?P<ifname>\S+)$")
_MORE_HOP = re.compile(rf"^\s+(?P<hop>{_IPV4})\s+(?P<ifname>\S+)$")

_PROTOCOLS = {"direct": RouteProtocol.CONNECTED, "static": RouteProtocol.STATIC, "ospf": RouteProtocol.OSPF,
              "bgp": RouteProtocol.BGP, "ibgp": RouteProtocol.BGP, "ebgp": RouteProtocol.BGP,
              "rip": RouteProtocol.RIP, "isis": RouteProtocol.ISIS}  # fmt: skip


def _route_protocol(proto: str, interface: str) -> RouteProtocol:
    """Comware's Proto column in the shared vocabulary; its own addresses are Direct routes via InLoop0."""
    name = proto.lower()
    if name == "direct" and interface.lower().startswith("inloop"):
        return RouteProtocol.LOCAL  # the router's own host routes (and 127.0.0.0/8) point at the loopback
    if name.startswith("o_"):
        return RouteProtocol.OSPF  # O_INTRA, O_INTER, O_ASE1/2, O_NSSA1/2, O_SUM
    if name.startswith("is_"):
        return RouteProtocol.ISIS  # IS_L1, IS_L2, IS_SUM
    return _PROTOCOLS.get(name, RouteProtocol.OTHER)


@dataclass
class _Entry:
    prefix: str
    proto: str
    protocol: RouteProtocol
    hops: set[str] = field(default_factory=set)

    def route(self) -> Route:
        return Route(self.prefix, self.protocol, tuple(sorted(self.hops)))


def ipv4_routes(output: str) -> list[Route]:
    """Every entry of the table (Comware prints the active routes only), its ECMP next hops merged."""
    lines = _lines(output)
    start = next((i for i, (_, line) in enumerate(lines) if _ROUTE_HEADER.match(line)), None)
    if start is None:
        raise ParseError(0, "no 'Destination/Mask  Proto  Pre  Cost  NextHop  Interface' header")
    entries: list[_Entry] = []
    for number, line in lines[start + 1 :]:
        if not line.strip() or _PROMPT.match(line):
            continue
        if match := _ROUTE.match(line):
            protocol = _route_protocol(match["proto"], match["ifname"])
            entries.append(_Entry(canonical_prefix(match["prefix"]), match["proto"], protocol, {match["hop"]}))
            continue
        more = _MORE_WITH_PROTO.match(line) or _MORE_HOP.match(line)
        if more is None:
            raise ParseError(number, "expected a route line 'prefix/len Proto Pre Cost NextHop Interface' "
                                     "or an ECMP continuation line")  # fmt: skip
        if not entries:
            raise ParseError(number, "ECMP continuation line before any route")
        if "proto" in more.groupdict() and more["proto"] != entries[-1].proto:
            # A second protocol under one prefix is not an ECMP hop: refuse rather than mix the two
            raise ParseError(number, f"continuation line of {more['proto']} under a {entries[-1].proto} route")
        entries[-1].hops.add(more["hop"])
    return sorted(entry.route() for entry in entries)


# --- display ospf peer / display ospfv3 peer ------------------------------------------------------------------

# Header words and what their cells look like; the column order differs between releases (Interface/State)
_COLUMN_NAMES = {"router id": "rid", "address": "address", "pri": "pri", "dead-time": "dead", "dead time": "dead",
                 "state": "state", "interface": "ifname", "instid": "inst", "inst id": "inst",
                 "instance id": "inst"}  # fmt: skip
_CELLS = {
    "rid": rf"(?P<rid>{_IPV4})",
    "address": r"(?P<address>\S+)",
    "pri": r"\d+",
    "dead": r"[\d:]+",
    "state": r"(?P<state>[A-Za-z0-9-]+(?:/\s*[A-Za-z-]+)?)",  # Full/DR, 2-Way/DROther, Full/ -, Full
    "ifname": r"(?P<ifname>\S+)",
    "inst": r"\d+",
}
_HEADER_WORD = re.compile(r"Router ID|Address|Pri|Dead-Time|Dead Time|State|Interface|InstID|Inst ID|Instance ID")
_AREA = re.compile(rf"^\s*Area:?\s*{_IPV4}:?$")
_LINK = re.compile(r"^\s*(?:Sham|Virtual) link:?\s+\S.*$")  # sham/virtual-link tables have no Interface column
_SKIP = re.compile(r"^\s*(?:Neighbor Brief Information|Neighbors|-{10,})$")


def _row_pattern(number: int, header: str) -> re.Pattern[str]:
    """The row regex for one table header, in the header's own column order."""
    names = [_COLUMN_NAMES[word.lower()] for word in _HEADER_WORD.findall(header)]
    if _HEADER_WORD.sub("", header).strip() or "rid" not in names or "state" not in names:
        raise ParseError(number, f"unknown neighbour table header: {header.strip()!r}")
    return re.compile(r"^\s*" + r"\s+".join(_CELLS[name] for name in names) + r"$")


def _neighbors(output: str, process: re.Pattern[str], what: str) -> list[Neighbor]:
    lines = _lines(output)
    first = next((i for i, (_, line) in enumerate(lines) if process.match(line)), None)
    if first is None:
        raise ParseError(0, f"no '{what} Process N with Router ID x' line")
    neighbors: list[Neighbor] = []
    row: re.Pattern[str] | None = None
    link = ""
    for number, line in lines[first:]:  # what precedes the first process line is the command echo
        if not line.strip() or _PROMPT.match(line) or _SKIP.match(line):
            continue
        if process.match(line) or _AREA.match(line):
            row, link = None, ""
        elif _LINK.match(line):
            row, link = None, line.strip()
        elif "Router ID" in line and "State" in line:
            row = _row_pattern(number, line)
        elif row is None:
            raise ParseError(number, "expected an 'Area:', a link or a 'Router ID ... State' header line")
        elif match := row.match(line):
            cells = match.groupdict()
            interface = cells.get("ifname") or link
            if not interface:
                raise ParseError(number, "neighbour row without an interface")
            neighbors.append(Neighbor(cells["rid"], neighbor_state(cells["state"]), interface))
        else:
            raise ParseError(number, "expected a neighbour row under the 'Router ID ... State' header")
    return neighbors


_OSPF_PROCESS = re.compile(rf"^\s*OSPF Process \d+ with Router ID {_IPV4}$")
_OSPFV3_PROCESS = re.compile(rf"^\s*OSPFv3 Process \d+ with Router ID {_IPV4}$")


def ospf_neighbors(output: str) -> list[Neighbor]:
    """Neighbours of every process and area, in the order printed (a sham link's peers carry its label)."""
    return _neighbors(output, _OSPF_PROCESS, "OSPF")


def ospfv3_neighbors(output: str) -> list[Neighbor]:
    return _neighbors(output, _OSPFV3_PROCESS, "OSPFv3")


# --- ping ipv6 ------------------------------------------------------------------------------------------------

# "--- Ping6 statistics for 2001::2 ---" (Comware 7), "--- 5::1 ping6 statistics ---" (older 7.1 releases)
_PING_TITLE = re.compile(r"^\s*-+ (?:Ping6? statistics for \S+(?: in VPN instance \S+)?|\S+ ping6? statistics) -+$")
_PING_SUMMARY = re.compile(r"^\s*(\d+) packet\(s\) transmitted, (\d+) packet\(s\) received, [\d.]+% packet loss$")


def ping(output: str) -> Ping:
    """The statistics block's counts; the PING_STATISTICS log line repeating them is not the block."""
    lines = _lines(output)
    found: Ping | None = None
    for index, (number, line) in enumerate(lines):
        match = _PING_SUMMARY.match(line)
        if match is None:
            continue
        previous = next((text for _, text in reversed(lines[:index]) if text.strip()), "")
        if not _PING_TITLE.match(previous):
            raise ParseError(number, "packet summary without a '--- Ping6 statistics for ... ---' line above it")
        if found is not None:
            raise ParseError(number, "a second ping summary: expected the output of one ping")
        found = Ping(int(match[1]), int(match[2]))
        if found.received > found.sent:
            raise ParseError(number, "more packets received than transmitted")
    if found is None:
        raise ParseError(0, "no 'N packet(s) transmitted, M packet(s) received' summary")
    return found


# --- display bgp peer ipv6 unicast ----------------------------------------------------------------------------

_BGP_HEADER = re.compile(r"^\s*Peer\s+AS\s+MsgRcvd\s+MsgSent\s+OutQ\s+PrefRcv\s+Up/Down\s+State$")
_BGP_ROW = re.compile(
    r"^\s*\*?\s*(?P<peer>[0-9A-Fa-f:.]+)\s+(?P<asn>\d+(?:\.\d+)?)\s+\d+\s+\d+\s+\d+\s+\d+\s+\S+\s+(?P<state>[A-Za-z]+)"
    r"(?:\([A-Za-z]+\))?$"  # Idle(Admin): administratively down, still idle
)
_BGP_PREAMBLE = re.compile(
    r"^\s*(?:BGP local router ID:|Local AS number:|Total number of peers:|\* - Dynamically created peer)"
)


def _asn(text: str) -> int:
    high, _, low = text.partition(".")  # asdot "1.10" is 65546
    if not low:
        return int(high)
    if int(high) > 65535 or int(low) > 65535:
        raise ValueError(f"not an asdot AS number: {text!r}")
    return int(high) * 65536 + int(low)


def bgp_neighbors(output: str) -> list[BgpNeighbor]:
    lines = _lines(output)
    start = next((i for i, (_, line) in enumerate(lines) if _BGP_HEADER.match(line)), None)
    if start is None:
        raise ParseError(0, "no 'Peer  AS  MsgRcvd  MsgSent  OutQ  PrefRcv  Up/Down  State' header")
    neighbors = []
    for number, line in lines[start + 1 :]:
        if not line.strip() or _PROMPT.match(line):
            continue
        match = _BGP_ROW.match(line)
        if match is None:
            raise ParseError(number, "expected a peer row 'address AS MsgRcvd MsgSent OutQ PrefRcv Up/Down State'")
        try:
            neighbors.append(BgpNeighbor(canonical_address(match["peer"]), _asn(match["asn"]), match["state"].lower()))
        except ValueError as exc:
            raise ParseError(number, f"not a peer address and AS number: {exc}") from None
    for number, line in lines[:start]:
        if line.strip() and not _BGP_PREAMBLE.match(line) and not _ECHO.match(line):
            raise ParseError(number, "expected the BGP summary lines above the peer table")
    return neighbors


PARSERS: dict[str, Callable[[str], object]] = {
    "ipv4-routes": ipv4_routes,
    "ospf-neighbors": ospf_neighbors,
    "ospfv3-neighbors": ospfv3_neighbors,
    "ping": ping,
    "bgp-neighbors": bgp_neighbors,
}
