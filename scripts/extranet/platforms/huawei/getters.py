"""Huawei VRP5 getters (AR routers, S switches): the text tables of the ``display`` commands.

The formats are those of the Huawei command references and of the outputs recorded in ``recorded/``:
``display ip routing-table`` (IP Routing Table Management commands: columns ``Destination/Mask Proto Pre Cost
Flags NextHop Interface``, equal-cost next hops on continuation lines with a blank destination),
``display ospf peer brief`` (OSPF commands: ``Area Id Interface Neighbor id State``, the area first),
``display ospfv3 peer`` (OSPFv3 commands: ``OSPFv3 Process (n)`` / ``OSPFv3 Area (a)`` blocks of
``Neighbor ID Pri State Dead Time Interface Instance ID``), ``ping ipv6`` (Ping and Tracert commands: ``-a``
source address, ``-c`` count, ``-t`` timeout in milliseconds; summary ``N packet(s) transmitted`` /
``M packet(s) received``) and ``display bgp peer`` (BGP commands: ``Peer V AS MsgRcvd MsgSent OutQ Up/Down
State PrefRcv``). VRP8 (``huawei_vrpv8``) prints the same tables and reuses these parsers.
"""

import re
from collections.abc import Callable, Iterator

from ...history.cmdlog import Command
from ..command_log import command_log as read_command_log
from ..results import (
    AddressState,
    BgpNeighbor,
    Ipv6Address,
    Ipv6Interface,
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
    "ospf-neighbors": "display ospf peer brief",
    "ospfv3-neighbors": "display ospfv3 peer",
    # -c: echo requests; -t: reply timeout in milliseconds (default 2000); -a: source address (the loopback's)
    "ping": "ping ipv6 -c 3 -t 1000 -a {source} {target}",
    "bgp-neighbors": "display bgp peer",
    "command-log": "display logbuffer",
}

IPV4 = r"\d{1,3}(?:\.\d{1,3}){3}"
ADDRESS = r"[0-9A-Fa-f:.]*[:.][0-9A-Fa-f:.]*"  # an IPv4 or IPv6 address as VRP prints it (any case)


def lines(output: str) -> Iterator[tuple[int, str]]:
    """The output's lines, numbered from 1, without trailing blanks; tabs (pasted eNSP output) become spaces."""
    for number, line in enumerate(output.splitlines(), start=1):
        yield number, line.replace("\t", "    ").rstrip()


def find_header(output: str, header: re.Pattern[str], what: str) -> int:
    """The 1-based line of the table's first header; ParseError when the text has none (not this command)."""
    for number, line in lines(output):
        if header.search(line):
            return number
    raise ParseError(1, f"expected {what}")


# --- display ip routing-table -----------------------------------------------------------------------------

ROUTE_HEADER = re.compile(r"^\s*Destination/Mask\s+Proto\s+Pre\s+Cost\s+Flags\s+NextHop\s+Interface", re.I)
# what follows the destination, on a route row and on an ECMP continuation row alike; the flags (R, D, T, B)
# may be empty (a route not downloaded to the FIB)
ROUTE_TAIL = (
    r"(?P<proto>[A-Za-z][A-Za-z0-9_-]*)\s+(?P<pre>\d+)\s+(?P<cost>\d+)\s+(?:(?P<flags>[A-Z]{1,4})\s+)?"
    rf"(?P<nexthop>{ADDRESS})\s+(?P<interface>\S+)"
)
ROUTE_ROW = re.compile(rf"^\s*(?P<prefix>{IPV4}/\d{{1,2}})\s+{ROUTE_TAIL}$")
ROUTE_CONTINUATION = re.compile(rf"^\s+{ROUTE_TAIL}$")
# an 80-column terminal wraps a long interface name: "GigabitEthernet" then "0/1/1" alone on the next line
WRAPPED_INTERFACE = re.compile(r"^\s+\d+(?:/\d+)+(?:\.\d+)?$")
# the table's own lines that carry no route: banners, counts, the per-table titles, rules
ROUTE_NOISE = re.compile(
    r"^\s*(?:$|-{5,}|Route Flags:|Routing Tables?\s*:|Destinations\s*:|Summary Count\s*:|Routes Matched"
    r"|\S+ routing table\s*:|.*routing table status\s*:)",
    re.I,
)
INACTIVE = re.compile(r"routing table status\s*:\s*<Inactive>", re.I)
ACTIVE = re.compile(r"routing table status\s*:\s*<Active>", re.I)


def route_protocol(name: str) -> RouteProtocol:
    """VRP's ``Proto`` column in the common vocabulary (``O_ASE``/``O_NSSA`` are OSPF, ``ISIS-L2`` is IS-IS)."""
    proto = name.lower()
    if proto == "ospf" or proto.startswith("o_"):
        return RouteProtocol.OSPF
    if proto.startswith("isis"):
        return RouteProtocol.ISIS
    return {
        "direct": RouteProtocol.CONNECTED,
        "static": RouteProtocol.STATIC,
        "ibgp": RouteProtocol.BGP,
        "ebgp": RouteProtocol.BGP,
        "bgp": RouteProtocol.BGP,
        "rip": RouteProtocol.RIP,
    }.get(proto, RouteProtocol.OTHER)


def next_hop(number: int, row: re.Match[str]) -> str:
    """The printed next hop; an interface route (next hop 0.0.0.0, e.g. to NULL0) is known by its interface."""
    address = address_at(number, row["nexthop"])
    return row["interface"] if address in ("0.0.0.0", "::") else address


def address_at(number: int, text: str) -> str:
    try:
        return canonical_address(text)
    except ValueError:
        raise ParseError(number, f"not an IP address: {text}") from None


def prefix_at(number: int, text: str) -> str:
    try:
        return canonical_prefix(text)
    except ValueError:
        raise ParseError(number, f"not an IPv4 prefix: {text}") from None


def ipv4_routes(output: str) -> list[Route]:
    """The active routes of ``display ip routing-table``; rows of one prefix and protocol are one ECMP route."""
    start = find_header(output, ROUTE_HEADER, "display ip routing-table's 'Destination/Mask Proto ...' header")
    hops: dict[tuple[str, RouteProtocol], set[str]] = {}
    prefix: str | None = None  # the destination a continuation row belongs to
    active = True  # "display ip routing-table protocol X" lists its <Inactive> routes after the active ones
    for number, line in lines(output):
        if number < start or ROUTE_HEADER.search(line):
            prefix = None
            continue
        if INACTIVE.search(line) or ACTIVE.search(line):
            active, prefix = ACTIVE.search(line) is not None, None
            continue
        row = ROUTE_ROW.match(line)
        if row is not None:
            prefix = prefix_at(number, row["prefix"])
        elif prefix is None or (row := ROUTE_CONTINUATION.match(line)) is None:
            if WRAPPED_INTERFACE.match(line) or ROUTE_NOISE.match(line):
                continue
            raise ParseError(number, "expected a route row 'prefix/len Proto Pre Cost [Flags] NextHop Interface'")
        if active:
            hops.setdefault((prefix, route_protocol(row["proto"])), set()).add(next_hop(number, row))
    return sorted(Route(prefix, protocol, tuple(sorted(found))) for (prefix, protocol), found in hops.items())


# --- display ospf peer brief ------------------------------------------------------------------------------

OSPF_HEADER = re.compile(r"^\s*Area Id\s+Interface\s+Neighbor id\s+State", re.I)
# the area comes first; the neighbour is its router id;
# a multi-area adjacency (MADJ) neighbour is printed again with "(M)" after its router id
OSPF_ROW = re.compile(
    rf"^\s*(?P<area>{IPV4}|\d+)\s+(?P<interface>\S+)\s+(?P<router_id>{IPV4})(?:\(M\))?\s+(?P<state>\S+)$"
)
OSPF_NOISE = re.compile(
    r"^\s*(?:$|-{5,}|\(M\) Indicates|OSPF Process \d+|Peer Statistic Information|Total number of peer"
    r"|Peer\(s\) in full state)",
    re.I,
)


def ospf_neighbors(output: str) -> list[Neighbor]:
    """``display ospf peer brief``: every process's table, neighbours in the order printed."""
    start = find_header(output, OSPF_HEADER, "display ospf peer brief's 'Area Id Interface Neighbor id State' header")
    found = []
    for number, line in lines(output):
        if number < start or OSPF_HEADER.search(line) or OSPF_NOISE.match(line):
            continue
        row = OSPF_ROW.match(line)
        if row is None:
            raise ParseError(number, "expected an OSPF peer row 'Area Interface Neighbor-id State'")
        found.append(Neighbor(row["router_id"], neighbor_state(row["state"]), row["interface"]))
    return found


# --- display ospfv3 peer ----------------------------------------------------------------------------------

OSPFV3_PROCESS = re.compile(r"^\s*OSPFv3 Process \(\d+\)", re.I)
OSPFV3_HEADER = re.compile(r"^\s*Neighbor ID\s+Pri\s+State\s+Dead Time\s+Interface\s+Instance ID", re.I)
# the state may carry the DR role after a slash, "Full/ -" with a blank in it
OSPFV3_ROW = re.compile(
    rf"^\s*(?P<router_id>{IPV4})\s+(?P<pri>\d+)\s+(?P<state>[A-Za-z0-9-]+(?:/\s*[A-Za-z-]+)?)\s+"
    r"(?P<dead>\d+(?::\d+){0,2})\s+(?P<interface>\S+)\s+(?P<instance>\d+)$"
)
OSPFV3_NOISE = re.compile(
    r"^\s*(?:$|-{5,}|OSPFv3 Process \(|OSPFv3 Area \(|Total number of peer|Peer\(s\) in full state)", re.I
)


def ospfv3_neighbors(output: str) -> list[Neighbor]:
    """``display ospfv3 peer``: the rows of every process and area block, in the order printed."""
    start = find_header(output, OSPFV3_PROCESS, "display ospfv3 peer's 'OSPFv3 Process (n)' block")
    found = []
    for number, line in lines(output):
        if number < start or OSPFV3_HEADER.search(line) or OSPFV3_NOISE.match(line):
            continue
        row = OSPFV3_ROW.match(line)
        if row is None:
            raise ParseError(number, "expected an OSPFv3 peer row 'Neighbor-ID Pri State Dead-Time Interface Instance'")
        found.append(Neighbor(row["router_id"], neighbor_state(row["state"]), row["interface"]))
    return found


# --- ping ipv6 --------------------------------------------------------------------------------------------

PING_SENT = re.compile(r"^\s*(\d+) packet\(s\) transmitted\s*$")
PING_RECEIVED = re.compile(r"^\s*(\d+) packet\(s\) received\s*$")


def ping(output: str) -> Ping:
    """The statistics of ``ping ipv6``: ``N packet(s) transmitted`` and ``M packet(s) received``."""
    sent: int | None = None
    for number, line in lines(output):
        if match := PING_SENT.match(line):
            sent = int(match.group(1))
        elif match := PING_RECEIVED.match(line):
            if sent is None:
                raise ParseError(number, "'packet(s) received' before 'packet(s) transmitted'")
            return Ping(sent, int(match.group(1)))
    raise ParseError(1, "expected ping's statistics 'N packet(s) transmitted' / 'M packet(s) received'")


# --- display ipv6 interface brief -------------------------------------------------------------------------

IPV6_HEADER = re.compile(r"^\s*Interface\s+Physical\s+Protocol", re.I)
# the name may hold a blank in the NE40E reference ("GigabitEthernet 1/0/1"): columns are 2+ blanks apart
IPV6_INTERFACE = re.compile(
    r"^(?P<name>\S(?:.*?\S)?)\s{2,}(?P<physical>\*?\^?!?(?:up|down)\S*)\s+(?P<protocol>(?:up|down)\S*)(?:\s+\S+)?$",
    re.I,
)
IPV6_ADDRESS = re.compile(
    r"^\s*\[IPv6 Address(?:/Prefix Length)?\]\s+(?P<address>\S+)(?:\s+\[(?P<state>\w+)\])?$", re.I
)
IPV6_NOISE = re.compile(r"^\s*(?:$|\*down:|\^down:|!down:|\(\w\):|-{5,})", re.I)
ADDRESS_STATES = {"tentative": AddressState.TENTATIVE, "duplicate": AddressState.DUPLICATE}


def ipv6_interfaces(output: str) -> list[Ipv6Interface]:
    """``display ipv6 interface brief``: each interface row, then its ``[IPv6 Address]`` lines."""
    start = find_header(output, IPV6_HEADER, "display ipv6 interface brief's 'Interface Physical Protocol' header")
    found: list[tuple[str, bool, list[Ipv6Address]]] = []
    for number, line in lines(output):
        if number <= start or IPV6_NOISE.match(line):
            continue
        if address := IPV6_ADDRESS.match(line):
            if not found:
                raise ParseError(number, "an [IPv6 Address] line before any interface row")
            text = address_at(number, address["address"].split("/")[0])
            state = ADDRESS_STATES.get((address["state"] or "").lower(), AddressState.OK)
            found[-1][2].append(Ipv6Address(text, state))
        elif interface := IPV6_INTERFACE.match(line):
            found.append((interface["name"], interface["protocol"].lower().startswith("up"), []))
        else:
            raise ParseError(number, "expected an interface row 'Interface Physical Protocol' or '[IPv6 Address] ...'")
    return [Ipv6Interface(name, up, tuple(addresses)) for name, up, addresses in found]


# --- display bgp peer / display bgp ipv6 peer -------------------------------------------------------------

BGP_HEADER = re.compile(r"^\s*Peer\s+V\s+AS\s+MsgRcvd\s+MsgSent\s+OutQ\s+Up/Down\s+State\s+PrefRcv", re.I)
BGP_ROW = re.compile(
    rf"^\s*\*?(?P<peer>{ADDRESS})\s+(?P<version>\d)\s+(?P<asn>\d+(?:\.\d+)?)\s+\d+\s+\d+\s+\d+\s+"
    r"(?P<updown>\S+)\s+(?P<state>[A-Za-z]+(?:\([A-Za-z]+\))?)\s+\d+$"
)
BGP_NOISE = re.compile(
    r"^\s*(?:$|-{5,}|Status codes|BGP local router ID|Local AS number|Total number of|Peers in established)",
    re.I,
)


def as_number(text: str) -> int:
    """``65011.21541`` (asdot, as VRP prints 4-byte AS numbers when configured so) → 4260582437."""
    high, _, low = text.partition(".")
    return int(high) * 65536 + int(low) if low else int(high)


def bgp_neighbors(output: str) -> list[BgpNeighbor]:
    """``display bgp peer`` (or ``display bgp ipv6 peer``): address, remote AS and state of each peer."""
    start = find_header(output, BGP_HEADER, "display bgp peer's 'Peer V AS MsgRcvd ... State PrefRcv' header")
    found = []
    for number, line in lines(output):
        if number <= start or BGP_HEADER.search(line) or BGP_NOISE.match(line):
            continue
        row = BGP_ROW.match(line)
        if row is None:
            raise ParseError(number, "expected a BGP peer row 'Peer V AS MsgRcvd MsgSent OutQ Up/Down State PrefRcv'")
        found.append(BgpNeighbor(address_at(number, row["peer"]), as_number(row["asn"]), row["state"].lower()))
    return found


# --- display logbuffer -----------------------------------------------------------------------------------

# Information Center commands, display logbuffer: "Logging buffer configuration and contents : enabled", the
# buffer's sizes and counters, then the newest log first, one log a line ("Sep 24 2020 19:55:02+05:00 huawei
# %%01CFM/4/SAVE(s)[0]:..."); SHELL/5/CMDRECORD records each command a user ran (history.cmdlog reads it)
LOGBUFFER_HEADER = re.compile(r"^\s*Logging buffer configuration and contents\s*:", re.I)


def command_log(output: str, year: int | None = None) -> list[Command]:
    """``display logbuffer``: the commands its SHELL/5/CMDRECORD lines record, as the buffer lists them."""
    return read_command_log(output, "huawei", LOGBUFFER_HEADER,
                            "display logbuffer's 'Logging buffer configuration and contents' header", year)  # fmt: skip


# getters proven on fewer than three real samples, and why (tests/unit/platforms/test_registry.py reads this)
SCARCE = {
    "ospfv3-neighbors": "two public VRP5 captures found (Huawei HedEx OSPFv3 ABR example); none else in ntc-templates, "
    "napalm-huawei-vrp, INTA (VRP8 only) or the code/pages corpora",
    "ping": "one public AR (VRP5) IPv6 ping capture found; the VRP8 samples share the parser",
    "bgp-neighbors": "one public eNSP AR capture found; the VRP8 samples (6) share the parser",
    "command-log": "one public display logbuffer capture found (an S-series switch in a Russian how-to, holding no "
    "CMDRECORD line); the CMDRECORD lines themselves are proven on the real log lines of "
    "tests/unit/recorded/cmdlog/huawei.log",
}


PARSERS: dict[str, Callable[[str], object]] = {
    "ipv4-routes": ipv4_routes,
    "ospf-neighbors": ospf_neighbors,
    "ospfv3-neighbors": ospfv3_neighbors,
    "ping": ping,
    "bgp-neighbors": bgp_neighbors,
    "command-log": command_log,
}
