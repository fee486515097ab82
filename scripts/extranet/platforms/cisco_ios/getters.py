"""Cisco IOS / IOS-XE getters: the commands the rollout sends and the parsers that read their output.

The formats were taken from real published output (every case under ``recorded/`` names its source) and from the
parsers that already read it, not from memory:

* ``show ip route``: networktocode/ntc-templates ``templates/cisco_ios_show_ip_route.textfsm`` and
  CiscoTestAutomation/genieparser ``src/genie/libs/parser/iosxe/show_routing.py`` (``ShowIpRoute``): the codes
  legend, "is (variably) subnetted" headers, classful prefixes printed without a length, ECMP paths on
  continuation lines, prefixes whose next hops wrap onto the following lines, ``[200/0], 3w4d, Null0``.
* ``show ip ospf neighbor`` / ``show ipv6 ospf neighbor``: ntc-templates ``cisco_ios_show_ip_ospf_neighbor``,
  genieparser ``ShowIpOspfNeighbor`` / ``ShowIpv6OspfNeighbor`` / ``ShowOspfv3Neighbor`` (``State`` is
  ``<state>/<role>``, the role DR, BDR, DROTHER or ``-``; OSPFv3 prints the neighbour's interface id).
* ``ping``: ntc-templates ``cisco_ios_ping``, genieparser ``Ping`` / ``PingIpv6`` (whose ``cli_command`` is
  ``ping {addr} source {source} repeat {count}``: IOS takes the keywords in any order); the summary
  ``Success rate is N percent (received/sent)``.
* ``show ipv6 interface``: genieparser ``ShowIpv6Interface`` (``[TEN]``, ``[DUP]``, ``[EUI/TEN]`` flags);
  ``show ipv6 interface brief``: ntc-templates ``cisco_ios_show_ipv6_interface_brief``.
* ``show bgp ... summary``: napalm ``napalm/ios/ios.py`` (``get_bgp_neighbors``) and genieparser
  ``ShowBgpAllSummary`` (a prefix count once Established, otherwise the FSM state; long IPv6 neighbour
  addresses on their own line with the columns below).

Each parser raises ``ParseError`` naming the 1-based line it could not read.
"""

import re
from collections.abc import Callable, Iterator
from ipaddress import IPv4Network, ip_address

from extranet.history.cmdlog import Command
from extranet.platforms.command_log import command_log as read_command_log
from extranet.platforms.results import (
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
    "ipv4-routes": "show ip route",
    "ospf-neighbors": "show ip ospf neighbor",
    "ospfv3-neighbors": "show ipv6 ospf neighbor",
    # IOS takes the ping keywords in any order; 3 echoes, 1 s timeout, sourced from our loopback interface.
    "ping": "ping ipv6 {target} source {source_interface} repeat 3 timeout 1",
    # Not "brief": only the full form prints the [TEN]/[DUP] duplicate-address-detection flags.
    "ipv6-interfaces": "show ipv6 interface",
    "bgp-neighbors": "show bgp ipv6 unicast summary",
    # the logging buffer: %SYS-5-CONFIG_I always, %PARSER-5-CFGLOG_LOGGEDCMD where "archive / log config /
    # logging enable / notify syslog" is configured. Chosen over "show archive log config all": the buffer's
    # output is published from real devices (genieparser, ntc-templates), the archive log's is not.
    "command-log": "show logging",
}

Line = tuple[int, str]  # (1-based line number in the output, text without the line end)

# What a terminal adds around a command's output when it is captured with the prompt (recorded samples often are):
# the echoed command line first, a bare prompt last, and the "exec prompt timestamp" lines.
_ECHO = re.compile(r"^\s*(?:[\w.\-/:()]*[#>]\s*)?(?:show|sh|ping)\s.*$", re.IGNORECASE)
_BARE_PROMPT = re.compile(r"^[\w.\-/:()]+[#>]\s*$")
_TIMESTAMP = re.compile(r"^\s*(?:Load for |Time source is |\w{3} \w{3} +\d+ \d+:\d+:\d+(?:\.\d+)? \S+\s*$)")
_IOS_ERROR = re.compile(r"^\s*% ")


def _lines(output: str) -> list[Line]:
    """The output's lines, numbered, without the echoed command and trailing prompt a capture may include."""
    lines = [(n, text.rstrip("\r")) for n, text in enumerate(output.split("\n"), start=1)]
    meaningful = [i for i, (_, text) in enumerate(lines) if text.strip()]
    if meaningful and _ECHO.match(lines[meaningful[0]][1]):
        lines[meaningful[0]] = (lines[meaningful[0]][0], "")
    if meaningful and _BARE_PROMPT.match(lines[meaningful[-1]][1]):
        lines[meaningful[-1]] = (lines[meaningful[-1]][0], "")
    return [(n, "" if _TIMESTAMP.match(text) else text) for n, text in lines]


def _refuse_error(number: int, text: str) -> None:
    """IOS answers an unusable command with a ``% ...`` message instead of the table: say so, never read on."""
    if _IOS_ERROR.match(text):
        raise ParseError(number, f"the device printed an error instead of the table: {text.strip()}")


# ---------------------------------------------------------------------------------------------------- show ip route

_ROUTE_PROTOCOLS = {
    "C": RouteProtocol.CONNECTED,
    "L": RouteProtocol.LOCAL,
    "S": RouteProtocol.STATIC,
    "O": RouteProtocol.OSPF,
    "B": RouteProtocol.BGP,
    "i": RouteProtocol.ISIS,
    "R": RouteProtocol.RIP,
    "D": RouteProtocol.EIGRP,
}
_ROUTING_TABLE = re.compile(r"^Routing Table: \S+\s*$")
_CODES = re.compile(r"^Codes: ")
_LEGEND = re.compile(r"^\s+\S+ - ")  # "       D - EIGRP, EX - EIGRP external, ..."
_GATEWAY = re.compile(r"^Gateway of last resort is ")
# "     10.0.0.0/8 is variably subnetted, 5 subnets, 3 masks" / "      1.0.0.0/32 is subnetted, 1 subnets"
_SUBNETTED = re.compile(r"^\s*(?P<net>\d{1,3}(?:\.\d{1,3}){3})/(?P<len>\d{1,2}) is (?P<variably>variably )?subnetted\b")
# The code column: the protocol letter, a flag (* candidate default, + replicated, % override, p PfR, & local),
# and a sub-type either glued ("O*E2", "i*L1", "n*Nd") or after spaces ("O E2", "O IA", "D EX", "i L2", "i ia").
_SUBTYPE = r"(?:[A-Z]{1,2}\d?|[A-Z][a-z]|[a-z]{2})"
_ENTRY = re.compile(
    rf"^(?P<code>[A-Za-z])[*%+&p]?{_SUBTYPE}?(?:\s+(?:{_SUBTYPE}|[*%+&p]))*"
    r"\s+(?P<net>\d{1,3}(?:\.\d{1,3}){3})(?:/(?P<len>\d{1,2}))?(?P<rest>(?:\s.*)?)$"
)
_CONTINUATION = re.compile(r"^\s+(?P<rest>(?:\[\d+/\d+\]|is directly connected\b).*)$")
_VIA = re.compile(r"^\s*\[\d+/\d+\]\s+via\s+(?P<hop>[0-9A-Fa-f:.]+)(?:%\S+)?(?:\s+\([^)]*\))?(?:,.*)?$")
_NO_VIA = re.compile(r"^\s*\[\d+/\d+\](?P<fields>(?:,\s*[^,\s]+)+)\s*$")  # "[200/0], 2w0d, Null0"
_CONNECTED = re.compile(r"^\s*is (?:directly connected|a summary)(?P<fields>(?:,\s*[^,\s]+)+)\s*$")


def _next_hop(rest: str) -> str | None:
    """The next hop of an entry's or a continuation's text after the prefix: an address, else the interface."""
    via = _VIA.match(rest)
    if via:
        try:
            return canonical_address(via["hop"])
        except ValueError:
            return None
    bare = _NO_VIA.match(rest) or _CONNECTED.match(rest)
    if bare:  # the interface is the last field; an age may come before it
        return bare["fields"].split(",")[-1].strip()
    return None


class _Subnetted:
    """The latest "x.0.0.0/len is (variably) subnetted" header: the length of the prefixes printed without one."""

    def __init__(self) -> None:
        self.major: IPv4Network | None = None
        self.length: int | None = None  # None after "variably subnetted": every prefix there carries its length

    def header(self, net: str, length: str, variably: bool) -> None:
        self.major = IPv4Network(canonical_prefix(net))  # the classful network the subnets belong to
        self.length = None if variably else int(length)

    def prefix(self, number: int, net: str, length: str | None) -> str:
        if length is not None:
            return canonical_prefix(f"{net}/{length}")
        if self.major is not None and ip_address(net) in self.major:
            if self.length is None:
                raise ParseError(number, f"{net} has no length under a 'variably subnetted' header")
            return canonical_prefix(f"{net}/{self.length}")
        return canonical_prefix(net)  # a major network printed alone: its classful length


def ipv4_routes(output: str) -> list[Route]:
    """``show ip route``: every installed route with all its ECMP next hops, sorted; ages and metrics dropped."""
    codes_seen = False
    in_legend = False
    subnetted = _Subnetted()
    routes: list[tuple[int, str, RouteProtocol, list[str]]] = []  # (line, prefix, protocol, next hops)
    for number, text in _lines(output):
        if not text.strip():
            in_legend = False
            continue
        if in_legend and _LEGEND.match(text):
            continue
        in_legend = False
        _refuse_error(number, text)
        if _ROUTING_TABLE.match(text) and not codes_seen:
            continue
        if _CODES.match(text) or _ROUTING_TABLE.match(text):
            if codes_seen:
                raise ParseError(number, "a second routing table: expected the one table 'show ip route' prints")
            codes_seen = in_legend = True
            continue
        if not codes_seen:
            raise ParseError(number, "expected the 'Codes:' legend that starts 'show ip route' output")
        if _GATEWAY.match(text):
            continue
        _route_line(number, text, subnetted, routes)
    if not codes_seen:
        raise ParseError(0, "no 'Codes:' legend: not the output of 'show ip route'")
    return _finish_routes(routes)


def _route_line(
    number: int, text: str, subnetted: _Subnetted, routes: list[tuple[int, str, RouteProtocol, list[str]]]
) -> None:
    """Read one line of the table body into ``routes`` (a header, an entry, or an ECMP continuation)."""
    header = _SUBNETTED.match(text)
    if header:
        if routes and not routes[-1][3]:
            raise ParseError(routes[-1][0], "a route without any next hop")
        try:
            subnetted.header(header["net"], header["len"], bool(header["variably"]))
        except ValueError as error:
            raise ParseError(number, f"cannot read the network {header['net']}/{header['len']}") from error
        return
    entry = _ENTRY.match(text)
    if entry:
        if routes and not routes[-1][3]:
            raise ParseError(routes[-1][0], "a route without any next hop")
        try:
            prefix = subnetted.prefix(number, entry["net"], entry["len"])
        except ValueError as error:
            raise ParseError(number, f"cannot read the prefix {entry['net']}") from error
        protocol = _ROUTE_PROTOCOLS.get(entry["code"], RouteProtocol.OTHER)
        hops: list[str] = []
        if entry["rest"].strip():  # empty: a long prefix whose next hops wrap onto the following lines
            hop = _next_hop(entry["rest"])
            if hop is None:
                raise ParseError(number, f"cannot read the next hop of {entry['net']}")
            hops.append(hop)
        routes.append((number, prefix, protocol, hops))
        return
    continuation = _CONTINUATION.match(text)
    if continuation and routes:
        hop = _next_hop(continuation["rest"])
        if hop is None:
            raise ParseError(number, "cannot read this next hop")
        routes[-1][3].append(hop)
        return
    raise ParseError(number, "expected a route, an 'is subnetted' header or a next-hop continuation line")


def _finish_routes(routes: list[tuple[int, str, RouteProtocol, list[str]]]) -> list[Route]:
    if routes and not routes[-1][3]:
        raise ParseError(routes[-1][0], "a route without any next hop")
    return sorted(Route(prefix, protocol, tuple(sorted(set(hops)))) for _, prefix, protocol, hops in routes)


# ----------------------------------------------------------------------------- show ip ospf / ipv6 ospf neighbor

_STATE = r"(?P<state>[A-Za-z0-9-]+(?:/\s*(?:-|[A-Za-z]+))?)"  # "FULL/DR", "FULL/  -", "2WAY/DROTHER", "INIT/ -"
_OSPF_HEADER = re.compile(r"^Neighbor ID\s+Pri\s+State\s+Dead Time\s+Address\s+Interface\s*$")
_OSPF_ROW = re.compile(
    rf"^(?P<rid>\d{{1,3}}(?:\.\d{{1,3}}){{3}})\s+\d+\s+{_STATE}\s+(?:\d+:\d+:\d+|-)"
    r"\s+\d{1,3}(?:\.\d{1,3}){3}\s+(?P<interface>\S+)\s*$"
)
_OSPFV3_HEADER = re.compile(r"^Neighbor ID\s+Pri\s+State\s+Dead Time\s+Interface ID\s+Interface\s*$")
_OSPFV3_ROW = re.compile(
    rf"^(?P<rid>\d{{1,3}}(?:\.\d{{1,3}}){{3}})\s+\d+\s+{_STATE}\s+(?:\d+:\d+:\d+|-)\s+\d+\s+(?P<interface>\S+)\s*$"
)
# "OSPFv3 Router with ID (1.1.1.1) (Process ID 1)" (show ipv6 ospf neighbor) and
# "OSPFv3 1 address-family ipv6 (router-id 1.1.1.1)" (IOS-XE with OSPFv3 address families, show ospfv3 neighbor)
_OSPFV3_PROCESS = re.compile(
    r"^\s*OSPFv3 (?:Router with ID \(\S+\) \(Process ID \S+\)|\S+ address-family (?P<af>ipv4|ipv6)\b.*)\s*$"
)


def _ospf_table(output: str, v3: bool) -> list[Neighbor]:
    """Rows under the column header, in the order printed; OSPFv3 IPv4 address-family sections are skipped."""
    header, row = (_OSPFV3_HEADER, _OSPFV3_ROW) if v3 else (_OSPF_HEADER, _OSPF_ROW)
    command = COMMANDS["ospfv3-neighbors" if v3 else "ospf-neighbors"]
    neighbors: list[Neighbor] = []
    header_seen = False
    skipping = False  # inside an OSPFv3 "address-family ipv4" section: those are not IPv6 adjacencies
    meaningful = False
    for number, text in _lines(output):
        if not text.strip():
            continue
        meaningful = True
        _refuse_error(number, text)
        process = _OSPFV3_PROCESS.match(text) if v3 else None
        if process:
            skipping = process["af"] == "ipv4"
            continue
        if header.match(text):
            header_seen = True
            continue
        if not header_seen:
            raise ParseError(number, f"expected the column header of '{command}'")
        found = row.match(text)
        if not found:
            raise ParseError(number, "expected a neighbour row: router id, priority, state, dead time, ..., interface")
        if not skipping:
            neighbors.append(Neighbor(found["rid"], neighbor_state(found["state"]), found["interface"]))
    if meaningful and not header_seen:
        raise ParseError(0, f"no column header: not the output of '{command}'")
    return neighbors  # IOS prints nothing at all when there is no neighbour: an empty result


def ospf_neighbors(output: str) -> list[Neighbor]:
    """``show ip ospf neighbor``: one entry per adjacency ("FULL/DR" → "full"), in the order printed."""
    return _ospf_table(output, v3=False)


def ospfv3_neighbors(output: str) -> list[Neighbor]:
    """``show ipv6 ospf neighbor``: like OSPFv2, with the neighbour's interface id instead of its address."""
    return _ospf_table(output, v3=True)


# --------------------------------------------------------------------------------------------------------- ping

_SENDING = re.compile(r"^\s*Sending \d+, \d+-byte ICMP Echos to \S+, timeout is \d+ seconds:\s*$")
_SUCCESS = re.compile(r"^\s*Success rate is (?P<percent>\d+) percent \((?P<received>\d+)/(?P<sent>\d+)\)")


def ping(output: str) -> Ping:
    """The ping summary ``Success rate is 66 percent (2/3)``: sent and received come from the ``(r/s)``."""
    sending_seen = False
    summary: Ping | None = None
    for number, text in _lines(output):
        if _SENDING.match(text):
            sending_seen = True
            continue
        found = _SUCCESS.match(text)
        if not found:
            continue
        if not sending_seen:
            raise ParseError(number, "a success rate without the 'Sending N, ... ICMP Echos to' line before it")
        if summary is not None:
            raise ParseError(number, "a second 'Success rate' line: expected the summary of one ping")
        sent, received = int(found["sent"]), int(found["received"])
        # IOS prints the whole percentage of received/sent: anything else means the line was not read right
        if received > sent or abs(int(found["percent"]) - (100 * received / sent if sent else 0)) >= 1:
            raise ParseError(number, f"an inconsistent summary: {found[0]}")
        summary = Ping(sent=sent, received=received)
    if summary is None:
        raise ParseError(0, "no 'Success rate is N percent (r/s)' summary: not the output of a finished ping")
    return summary


# ---------------------------------------------------------------------------------------------- show ipv6 interface

# Full form: "GigabitEthernet0/0 is up, line protocol is up", "Vlan1 is administratively down, line protocol is down"
_IF_FULL = re.compile(r"^(?P<name>\S+) is [^,]+, line protocol is (?P<protocol>\w+)")
_LINK_LOCAL = re.compile(r"^\s*IPv6 is \w+, link-local address is (?P<address>\S+)(?:\s+\[(?P<flags>[^\]]*)\])?\s*$")
_GLOBAL_SECTION = re.compile(r"^\s*Global unicast address\(es\):\s*$")
_GLOBAL = re.compile(r"^\s+(?P<address>[0-9A-Fa-f:.]+), subnet is \S+(?:\s+\[(?P<flags>[^\]]*)\])?\s*$")
_LIFETIME = re.compile(r"^\s+valid lifetime \d+ preferred lifetime \d+\s*$")
_LOOKS_LIKE_ADDRESS = re.compile(r"^\s+[0-9A-Fa-f]*:[0-9A-Fa-f:.]*[,\s]")
# Brief form: "GigabitEthernet0/0     [administratively down/down]" then the addresses indented, or "unassigned"
_IF_BRIEF = re.compile(r"^(?P<name>\S+)\s+\[(?P<admin>[^/\]]+)/(?P<protocol>[^\]]+)\](?P<rest>.*)$")
_BRIEF_ADDRESS = re.compile(r"^\s+(?P<address>[0-9A-Fa-f:.]+)(?:\s+\[(?P<flags>[^\]]*)\])?\s*$")
_UNASSIGNED = re.compile(r"^\s*unassigned\s*$", re.IGNORECASE)


def _address(number: int, text: str, flags: str | None) -> Ipv6Address:
    """An address and its duplicate-address-detection state from IOS's flags ("TEN", "EUI/TEN", "DUP", "CAL/PRE")."""
    try:
        address = canonical_address(text)
    except ValueError as error:
        raise ParseError(number, f"cannot read the address {text!r}") from error
    marks = set((flags or "").upper().split("/"))
    state = (
        AddressState.DUPLICATE if "DUP" in marks else AddressState.TENTATIVE if "TEN" in marks else AddressState.OK
    )
    return Ipv6Address(address, state)


class _Interface:
    def __init__(self, name: str, up: bool) -> None:
        self.name, self.up, self.addresses = name, up, list[Ipv6Address]()

    def done(self) -> Ipv6Interface:
        return Ipv6Interface(self.name, self.up, tuple(self.addresses))


def ipv6_interfaces(output: str) -> list[Ipv6Interface]:
    """``show ipv6 interface`` (or its ``brief`` form): each interface, protocol up or not, addresses as printed."""
    lines = [(number, text) for number, text in _lines(output) if text.strip()]
    for number, text in lines:
        _refuse_error(number, text)
    if not lines:
        return []
    if _IF_BRIEF.match(lines[0][1]):
        return list(_brief_interfaces(lines))
    if _IF_FULL.match(lines[0][1]):
        return list(_full_interfaces(lines))
    raise ParseError(lines[0][0], "expected an interface line: '<name> is up, line protocol is up' or '<name> [up/up]'")


def _full_interfaces(lines: list[Line]) -> Iterator[Ipv6Interface]:
    current: _Interface | None = None
    in_global = False
    for number, text in lines:
        header = _IF_FULL.match(text)
        if header:
            if current:
                yield current.done()
            current, in_global = _Interface(header["name"], header["protocol"].lower() == "up"), False
            continue
        assert current is not None  # the first line is a header (checked by the caller)
        if in_global:
            address = _GLOBAL.match(text)
            if address:
                current.addresses.append(_address(number, address["address"], address["flags"]))
                continue
            if _LIFETIME.match(text):
                continue
            if _LOOKS_LIKE_ADDRESS.match(text):
                raise ParseError(number, "expected '<address>, subnet is <prefix> [flags]'")
            in_global = False
        link_local = _LINK_LOCAL.match(text)
        if link_local:
            current.addresses.append(_address(number, link_local["address"], link_local["flags"]))
        elif _GLOBAL_SECTION.match(text):
            in_global = True
        # every other line (MTU, ND, joined groups, ...) describes the interface, not its addresses
    if current:
        yield current.done()


def _brief_interfaces(lines: list[Line]) -> Iterator[Ipv6Interface]:
    current: _Interface | None = None
    for number, text in lines:
        header = _IF_BRIEF.match(text)
        if header:
            if current:
                yield current.done()
            rest = header["rest"].strip()
            if rest and not _UNASSIGNED.match(rest):
                raise ParseError(number, f"unexpected text after the interface status: {rest!r}")
            current = _Interface(header["name"], header["protocol"].strip().lower() == "up")
            continue
        assert current is not None  # the first line is a header (checked by the caller)
        if _UNASSIGNED.match(text):
            continue
        address = _BRIEF_ADDRESS.match(text)
        if not address:
            raise ParseError(number, "expected an indented IPv6 address, 'unassigned' or '<name> [status/protocol]'")
        current.addresses.append(_address(number, address["address"], address["flags"]))
    if current:
        yield current.done()


# ------------------------------------------------------------------------------------ show bgp ipv6 unicast summary

_ADDRESS_FAMILY = re.compile(r"^For address family: (?P<af>.+?)\s*$")
_BGP_HEADER = re.compile(
    r"^Neighbor\s+V\s+AS\s+MsgRcvd\s+MsgSent\s+TblVer\s+InQ\s+OutQ\s+Up/Down\s+State/PfxRcd\s*$"
)
_BGP_COLUMNS = r"\s+\d\s+(?P<asn>\d+(?:\.\d+)?)(?:\s+\d+){5}\s+\S+\s+(?P<state>\S.*?)\s*$"
_BGP_ROW = re.compile(rf"^(?P<address>[0-9A-Fa-f:.]+){_BGP_COLUMNS}")
_BGP_WRAPPED_ADDRESS = re.compile(r"^(?P<address>[0-9A-Fa-f:.]+)\s*$")  # a long IPv6 neighbour, columns below
_BGP_WRAPPED_COLUMNS = re.compile(rf"^{_BGP_COLUMNS}")
_BGP_STATE = re.compile(r"^(?P<word>[A-Za-z]+)(?:\s*\(\w+\))?$")  # "Idle", "Active", "Idle (Admin)", "Idle (PfxCt)"


def _remote_as(text: str) -> int:
    """An AS number as printed, asplain ("65001") or asdot ("304.304" = 304 * 65536 + 304)."""
    high, _, low = text.partition(".")
    return int(high) * 65536 + int(low) if low else int(high)


def _bgp_neighbor(number: int, address: str, asn: str, state: str) -> BgpNeighbor:
    try:
        canonical = canonical_address(address)
    except ValueError as error:
        raise ParseError(number, f"cannot read the neighbour address {address!r}") from error
    if state.isdigit():  # a prefix count: the session is Established
        return BgpNeighbor(canonical, _remote_as(asn), "established")
    word = _BGP_STATE.match(state)
    if not word:
        raise ParseError(number, f"cannot read the State/PfxRcd column {state!r}")
    return BgpNeighbor(canonical, _remote_as(asn), word["word"].lower())


def bgp_neighbors(output: str) -> list[BgpNeighbor]:
    """``show bgp ipv6 unicast summary``: each neighbour of the IPv6 unicast table, in the order printed.

    Given ``show bgp all summary`` instead, only the "For address family: IPv6 Unicast" section is read.
    """
    neighbors: list[BgpNeighbor] = []
    family_sections = False
    wanted = True
    in_table = False
    wrapped: tuple[int, str] | None = None  # a neighbour address waiting for its columns on the next line
    meaningful = header_seen = False
    for number, text in _lines(output):
        if not text.strip():
            if wrapped:
                raise ParseError(wrapped[0], "a neighbour address without its columns")
            in_table = False
            continue
        meaningful = True
        _refuse_error(number, text)
        family = _ADDRESS_FAMILY.match(text)
        if family:
            family_sections, in_table = True, False
            wanted = family["af"].lower() == "ipv6 unicast"
            continue
        if _BGP_HEADER.match(text):
            header_seen = in_table = True
            continue
        if not in_table:
            continue  # the router id, table version and memory lines above the table
        found = _BGP_WRAPPED_COLUMNS.match(text) if wrapped else _BGP_ROW.match(text)
        if found:
            address = wrapped[1] if wrapped else found["address"]
            if wanted or not family_sections:
                neighbors.append(_bgp_neighbor(number, address, found["asn"], found["state"]))
            wrapped = None
            continue
        alone = None if wrapped else _BGP_WRAPPED_ADDRESS.match(text)
        if not alone:
            raise ParseError(number, "expected a neighbour row: address, version, AS, counters, up/down, state")
        wrapped = (number, alone["address"])
    if wrapped:
        raise ParseError(wrapped[0], "a neighbour address without its columns")
    if meaningful and not header_seen:
        raise ParseError(0, "no 'Neighbor  V  AS  MsgRcvd ...' header: not the output of a BGP summary")
    return neighbors


# --- show logging -----------------------------------------------------------------------------------------

# genieparser ShowLogging / ntc-templates cisco_ios_show_logging: the logging settings, then "Log Buffer (N bytes):"
# and the buffered messages, oldest first
LOG_BUFFER = re.compile(r"^\s*Log Buffer \(\d+ bytes\):")


def command_log(output: str, year: int | None = None) -> list[Command]:
    """``show logging``: the configuration sessions (SYS-5-CONFIG_I) and commands (PARSER-5-CFGLOG_LOGGEDCMD) its
    buffer holds; the settings above ``Log Buffer`` are not read."""
    return read_command_log(output, "cisco_ios", LOG_BUFFER, "show logging's 'Log Buffer (N bytes):' line", year)


PARSERS: dict[str, Callable[[str], object]] = {
    "ipv4-routes": ipv4_routes,
    "ospf-neighbors": ospf_neighbors,
    "ospfv3-neighbors": ospfv3_neighbors,
    "ping": ping,
    "ipv6-interfaces": ipv6_interfaces,
    "bgp-neighbors": bgp_neighbors,
    "command-log": command_log,
}
