"""Juniper Junos: the show commands behind the rollout's checks and the parsers that read their text output.

Why text and not ``| display json`` / ``| display xml``: the structured forms exist (Junos prints XML since day one
and JSON since 14.2), but the published replies of them are few and not of these commands: napalm's
``test/junos/mocked_data`` holds bare RPC replies (``get-route-information`` in ``detail`` style, ``ping`` with
``ttl``/``size``), not what ``| display xml`` prints, and no public ``show ospf3 neighbor | display xml`` or
``ping ... | display json`` reply was found at all. The text forms have many real samples (genieparser's Junos
golden outputs, ntc-templates, lab write-ups), so every parser here reads text and is proved against them (see
``recorded/``). The JSON form would also not be simpler: every leaf is a one-element ``[{"data": ...}]`` list.

Command references used (the columns themselves are read from the recorded real outputs):
- ``show route`` / ``show route table``: Junos OS 10.3 command reference, "show route Output Fields" (an angle
  bracket ``>`` marks the selected next hop); every table prints the legend ``+ = Active Route, - = Last Active,
  * = Both``, so an active entry is tagged ``*`` or ``+``. Juniper TechLibrary, juniper.net/documentation.
- ``show ospf neighbor`` / ``show ospf3 neighbor``: columns ``Address Interface State ID Pri Dead`` and ``ID
  Interface State Pri Dead`` + ``Neighbor-address`` as genieparser's Junos ShowOspfNeighbor / ShowOspf3Neighbor
  and ntc-templates' juniper_junos_show_ospf_neighbor read them. [No Juniper reference page was at hand.]
- ``ping``: Junos OS 9.6 and 13.2 command summaries "ping": ``ping host <count requests> <inet | inet6>
  <source source-address> <wait seconds> ...``; J-Series guide, "CLI ping Command Options": ``wait`` sets the time
  waited after the last request (default 10 s).
- ``show interfaces terse``: columns ``Interface Admin Link Proto Local Remote`` (genieparser ShowInterfacesTerse).
  Terse prints no duplicate-address-detection state: every listed IPv6 address is reported ``ok``.
- ``show bgp summary``: columns ``Peer AS InPkt OutPkt OutQ Flaps Last Up/Dwn State|#Active/Received/...``; an
  established peer shows ``Establ`` (with per-RIB lines below) or its ``a/r/a/d`` counts in the State column
  (genieparser ShowBgpSummary, ntc-templates juniper_junos_show_bgp_summary).

The rollout sends these while still in configuration mode after ``commit confirmed``; the device layer prefixes
``run `` there (``run show route table inet.0``). Output read from configuration mode ends with an ``[edit]``
banner line, and a chassis cluster or virtual chassis adds ``{master:0}`` before the prompt: the parsers skip both.
"""

import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from ipaddress import ip_address

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
    "ipv4-routes": "show route table inet.0",
    "ospf-neighbors": "show ospf neighbor",
    "ospfv3-neighbors": "show ospf3 neighbor",
    # host first, as the command reference writes it; inet6 forces ICMPv6; wait 1: give up 1 s after the third echo
    "ping": "ping {target} inet6 source {source} count 3 wait 1",
    "ipv6-interfaces": "show interfaces terse",
    "bgp-neighbors": "show bgp summary",
    # the messages file, where the default syslog configuration sends UI_COMMIT (and UI_CMDLINE_READ_LINE when
    # "interactive-commands" is logged there)
    "command-log": "show log messages",
}

# --- shared line handling ---------------------------------------------------------------------------------------

# banners Junos prints around command output: [edit ...] in configuration mode, {master:0} / {backup:1} /
# {linecard:0} / {primary:node0} on a chassis cluster or virtual chassis (both may share one line)
_BANNER = re.compile(r"^(?:\{[\w:.-]+\})?(?:\[edit(?: [^\]]*)?\])?$")
# what the CLI prints instead of the output when it refuses the command (below a caret line pointing at the word)
_CLI_ERROR = re.compile(r"^(?:error:|syntax error|unknown command|missing argument)")
_IPV4 = r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}"


def _lines(output: str) -> list[str]:
    """The output's lines, CR/LF-normalised and without a common indentation (pasted samples are indented)."""
    text = output.replace("\r\n", "\n").replace("\r", "\n")
    return [line.rstrip() for line in textwrap.dedent(text).split("\n")]


def _skippable(line: str) -> bool:
    return not line.strip() or bool(_BANNER.match(line.strip()))


def _check_preamble(number: int, line: str) -> None:
    """Lines before a table's header are the command's echo or blank; a CLI error there means no output came."""
    if _CLI_ERROR.match(line.strip()):
        raise ParseError(number, f"the device refused the command: {line.strip()!r}")


def _find_header(lines: list[str], header: re.Pattern[str], what: str) -> int:
    """Index of the first header line; ParseError(0) when the text has none (it is not this command's output)."""
    for index, line in enumerate(lines):
        if header.match(line):
            return index
        _check_preamble(index + 1, line)
    raise ParseError(0, f"no {what} header")


# --- show route table inet.0 --------------------------------------------------------------------------------------

_TABLE = re.compile(r"^(?P<table>\S+): \d+ destinations, \d+ routes \(\d+ active, \d+ holddown, \d+ hidden\)$")
_LEGEND = re.compile(r"^\+ = Active Route, - = Last Active, \* = Both$")
# lines Junos may print between a table's header and its routes
_TABLE_NOTE = re.compile(r"^(?:Limit/Threshold: .*|Restart \w+.*)$")
_PREFIX = r"(?P<prefix>\d+\.\d+\.\d+\.\d+/\d+|[0-9A-Fa-f:]+:[0-9A-Fa-f:.]*/\d+)"
# an entry: the active tag (* active and last active, + active, - last active only, none), [protocol/preference]
_ENTRY = r"(?P<tag>[*+-]?)\[(?P<protocol>[A-Za-z][\w-]*)/[\d/-]+\](?:\s.*)?"
_ROUTE_LINE = re.compile(rf"^{_PREFIX}(?:\s+{_ENTRY})?$")
_ENTRY_LINE = re.compile(rf"^\s+{_ENTRY}$")
# next hops: "> to 10.1.1.1 via ge-0/0/1.0[, Push 16]", ">  via lo0.0", "Local via fxp0.0", "MultiRecv"
_HOP_TO = re.compile(r"^\s+(?P<selected>>)?\s*to (?P<hop>\S+?) via (?P<via>[^\s,]+)(?:,.*)?$")
_HOP_VIA = re.compile(r"^\s+(?P<selected>>)?\s*via (?P<hop>[^\s,]+)(?:,.*)?$")
_HOP_LOCAL = re.compile(r"^\s+Local via (?P<hop>\S+)$")
_HOP_KEYWORD = re.compile(r"^\s+(?P<selected>>)?\s*(?P<hop>Reject|Discard|Receive|MultiRecv|MultiDepend|Multicast)$")
# route attributes printed under a BGP entry in the brief form: not a next hop
_ATTRIBUTE = re.compile(r"^\s+AS path: ")

_PROTOCOLS = {
    "direct": RouteProtocol.CONNECTED,
    "local": RouteProtocol.LOCAL,
    "static": RouteProtocol.STATIC,
    "ospf": RouteProtocol.OSPF,
    "ospf3": RouteProtocol.OSPF,
    "bgp": RouteProtocol.BGP,
    "is-is": RouteProtocol.ISIS,
    "rip": RouteProtocol.RIP,
    "ripng": RouteProtocol.RIP,
}  # everything else (Aggregate, Generate, Access-internal, LDP, ...) is OTHER


@dataclass
class _Entry:
    prefix: str
    protocol: str
    active: bool
    hops: list[tuple[bool, str]] = field(default_factory=list)  # (selected with '>', next hop)

    def route(self) -> Route:
        # the forwarding next hops are the ones marked '>' (several with load-balance per-packet); an entry
        # with none marked (Local, MultiRecv, Reject) forwards to what it prints
        selected = [hop for chosen, hop in self.hops if chosen] or [hop for _, hop in self.hops]
        protocol = _PROTOCOLS.get(self.protocol.lower(), RouteProtocol.OTHER)
        return Route(canonical_prefix(self.prefix), protocol, tuple(sorted(set(selected))))


def _hop_value(text: str) -> str:
    try:
        return canonical_address(text)
    except ValueError:
        return text  # an interface or a keyword such as MultiRecv


def _next_hop(line: str) -> tuple[bool, str] | None:
    for pattern in (_HOP_TO, _HOP_VIA, _HOP_KEYWORD):
        match = pattern.match(line)
        if match:
            return bool(match.group("selected")), _hop_value(match.group("hop"))
    match = _HOP_LOCAL.match(line)
    return (False, match.group("hop")) if match else None


class _RouteReader:
    """Reads the brief ``show route`` form line by line; keeps the active entries of table inet.0."""

    def __init__(self) -> None:
        self.table: str | None = None
        self.prefix: str | None = None
        self.entry: _Entry | None = None
        self.entries: list[_Entry] = []
        self.tables: set[str] = set()

    def start_entry(self, number: int, match: re.Match[str]) -> None:
        if self.prefix is None:
            raise ParseError(number, "route entry before any destination prefix")
        self.entry = _Entry(self.prefix, match.group("protocol"), match.group("tag") in ("*", "+"))
        if self.table == "inet.0":
            self.entries.append(self.entry)

    def read(self, number: int, line: str) -> None:
        table = _TABLE.match(line)
        if table:
            self.table, self.prefix, self.entry = table.group("table"), None, None
            self.tables.add(self.table)
        elif _skippable(line) or _LEGEND.match(line) or (self.prefix is None and _TABLE_NOTE.match(line)):
            return
        elif self.table != "inet.0":
            return  # "show route" also prints inet.3, inet6.0, VRF tables: their forms are not read
        else:
            self.read_inet0(number, line)

    def read_inet0(self, number: int, line: str) -> None:
        route = _ROUTE_LINE.match(line)
        if route:
            self.prefix, self.entry = route.group("prefix"), None
            if route.group("protocol"):
                self.start_entry(number, route)
            return
        entry = _ENTRY_LINE.match(line)
        if entry:
            self.start_entry(number, entry)
            return
        if _ATTRIBUTE.match(line):
            return
        hop = _next_hop(line)
        if hop is None:
            raise ParseError(
                number, f"expected a route, an entry [protocol/preference] or a next hop: {line.strip()!r}"
            )
        if self.entry is None:
            raise ParseError(number, "next hop before any route entry")
        self.entry.hops.append(hop)


def ipv4_routes(output: str) -> list[Route]:
    """``show route table inet.0``: the active (``*``/``+``) entry of each destination, sorted.

    Inactive alternatives (no tag, or ``-`` last active) are dropped; other tables in the text are skipped.
    """
    lines = _lines(output)
    start = _find_header(lines, _TABLE, "routing table")
    reader = _RouteReader()
    for index in range(start, len(lines)):
        reader.read(index + 1, lines[index])
    if "inet.0" not in reader.tables:
        raise ParseError(0, f"no inet.0 table (only {', '.join(sorted(reader.tables))})")
    return sorted({entry.route() for entry in reader.entries if entry.active})


# --- show ospf neighbor / show ospf3 neighbor -------------------------------------------------------------------

_STATES = {"down", "attempt", "init", "2way", "exstart", "exchange", "loading", "full"}
# "show ospf(3) neighbor instance all" prints these above each instance's table
_INSTANCE = re.compile(r"^(?:Instance|Realm): \S+$")
_OSPF_HEADER = re.compile(r"^Address\s+Interface\s+State\s+ID\s+Pri\s+Dead$")
_OSPF_ROW = re.compile(rf"^(?P<address>{_IPV4})\s+(?P<interface>\S+)\s+(?P<state>\S+)\s+(?P<id>{_IPV4})\s+\d+\s+\d+$")
_OSPF3_HEADER = re.compile(r"^ID\s+Interface\s+State\s+Pri\s+Dead$")
_OSPF3_ROW = re.compile(rf"^(?P<id>{_IPV4})\s+(?P<interface>\S+)\s+(?P<state>\S+)\s+\d+\s+\d+$")
_OSPF3_ADDRESS = re.compile(r"^\s+Neighbor-address (?P<address>\S+)$")


def _neighbor(number: int, match: re.Match[str]) -> Neighbor:
    state = match.group("state")
    if state.lower() not in _STATES:
        raise ParseError(number, f"unknown OSPF neighbour state {state!r}")
    return Neighbor(match.group("id"), neighbor_state(state), match.group("interface"))


def _ospf_table(output: str, header: re.Pattern[str], row: re.Pattern[str], what: str) -> list[tuple[int, str]]:
    """The table's lines after its (first) header with their numbers; banners, instance lines, repeats skipped."""
    lines = _lines(output)
    start = _find_header(lines, header, what)
    return [
        (index + 1, line)
        for index, line in enumerate(lines)
        if index > start and not (_skippable(line) or _INSTANCE.match(line) or header.match(line))
    ]


def ospf_neighbors(output: str) -> list[Neighbor]:
    """``show ospf neighbor``: one neighbour a row, keyed by the ``ID`` column (the router id, not the address)."""
    found = []
    for number, line in _ospf_table(output, _OSPF_HEADER, _OSPF_ROW, "OSPF neighbor table"):
        match = _OSPF_ROW.match(line)
        if not match:
            raise ParseError(number, f"expected 'Address Interface State ID Pri Dead' columns: {line.strip()!r}")
        found.append(_neighbor(number, match))
    return found


def ospfv3_neighbors(output: str) -> list[Neighbor]:
    """``show ospf3 neighbor``: ``ID Interface State Pri Dead`` rows, each followed by its ``Neighbor-address``."""
    found = []
    for number, line in _ospf_table(output, _OSPF3_HEADER, _OSPF3_ROW, "OSPFv3 neighbor table"):
        match = _OSPF3_ROW.match(line)
        if match:
            found.append(_neighbor(number, match))
            continue
        address = _OSPF3_ADDRESS.match(line)
        if not address or not found:
            raise ParseError(number, f"expected 'ID Interface State Pri Dead' or 'Neighbor-address': {line.strip()!r}")
        try:
            canonical_address(address.group("address"))
        except ValueError as exc:
            raise ParseError(number, f"not an IPv6 neighbour address: {address.group('address')!r}") from exc
    return found


# --- ping ---------------------------------------------------------------------------------------------------------

_PING_STATISTICS = re.compile(r"^--- \S+ ping6? statistics ---$")
_PING_SUMMARY = re.compile(
    r"^(?P<sent>\d+) packets transmitted, (?P<received>\d+) packets received,"
    r"(?: \+\d+ duplicates,)? [\d.]+% packet loss$"
)


def ping(output: str) -> Ping:
    """``ping ... count 3``: the summary under ``--- <target> ping6 statistics ---`` (FreeBSD ping's form)."""
    lines = [line.strip() for line in _lines(output)]
    found = [
        (index, match)
        for index, line in enumerate(lines)
        if (match := _PING_SUMMARY.match(line)) and index and _PING_STATISTICS.match(lines[index - 1])
    ]
    if not found:
        for index, line in enumerate(lines):
            _check_preamble(index + 1, line)
        raise ParseError(0, "no '--- ... ping statistics ---' summary")
    if len(found) > 1:
        raise ParseError(found[1][0] + 1, "a second ping summary: the text holds more than one ping")
    match = found[0][1]
    return Ping(int(match.group("sent")), int(match.group("received")))


# --- show interfaces terse ----------------------------------------------------------------------------------------

_TERSE_HEADER = re.compile(r"^Interface\s+Admin\s+Link\s+Proto\s+Local\s+Remote$")
_LINK = {"up", "down"}
# a Local/Remote value (10.0.0.4/8, fe80::1/64, 0x4 for tnp) rather than a family name (inet6, iso, eth-switch)
_VALUE = re.compile(r"^(?=.*[\d:])[0-9A-Fa-f:.x/]+$")


@dataclass
class _TerseInterface:
    name: str
    up: bool
    inet6: bool = False
    addresses: list[Ipv6Address] = field(default_factory=list)


def _family_columns(number: int, words: list[str], family: str | None) -> tuple[str | None, str | None]:
    """``[proto] [local] [--> remote]`` → (family, local); a continuation line may omit the family."""
    if words and not _VALUE.match(words[0]) and words[0] != "-->":
        family, words = words[0], words[1:]
    local = None
    if words and words[0] != "-->":
        local, words = words[0], words[1:]
    if words and words[0] == "-->":
        words = words[2:]  # the remote end (0/0, ae1.0) says nothing about our addresses
    if words:
        raise ParseError(number, f"expected 'Proto Local [--> Remote]' columns, got {' '.join(words)!r}")
    if local is not None and family is None:
        raise ParseError(number, f"address {local!r} before any protocol family")
    return family, local


def _inet6_address(number: int, text: str) -> Ipv6Address:
    try:
        address = ip_address(text.split("/")[0])
    except ValueError as exc:
        raise ParseError(number, f"not an IPv6 address: {text!r}") from exc
    if address.version != 6:
        raise ParseError(number, f"not an IPv6 address: {text!r}")
    # terse prints no duplicate address detection state; a listed address is taken as usable
    return Ipv6Address(str(address), AddressState.OK)


def ipv6_interfaces(output: str) -> list[Ipv6Interface]:
    """``show interfaces terse``: the interfaces with an ``inet6`` family, their Link state and IPv6 addresses."""
    lines = _lines(output)
    start = _find_header(lines, _TERSE_HEADER, "'Interface Admin Link Proto Local Remote'")
    interfaces: list[_TerseInterface] = []
    family: str | None = None
    for index in range(start + 1, len(lines)):
        number, line = index + 1, lines[index].replace("-->", " --> ")
        if _skippable(line):
            continue
        words = line.split()
        if not line[0].isspace():  # an interface line: name, admin, link, then maybe its first family
            if len(words) < 3 or words[1] not in _LINK or words[2] not in _LINK:
                raise ParseError(number, f"expected 'Interface Admin Link' columns: {line.strip()!r}")
            interfaces.append(_TerseInterface(words[0], words[2] == "up"))
            family, words = None, words[3:]
        elif not interfaces:
            raise ParseError(number, "protocol line before any interface")
        family, local = _family_columns(number, words, family)
        current = interfaces[-1]
        current.inet6 = current.inet6 or family == "inet6"
        if family == "inet6" and local is not None:
            current.addresses.append(_inet6_address(number, local))
    return [Ipv6Interface(i.name, i.up, tuple(i.addresses)) for i in interfaces if i.inet6]


# --- show bgp summary ---------------------------------------------------------------------------------------------

_BGP_HEADER = re.compile(r"^Peer\s+AS\s+InPkt\s+OutPkt\s+OutQ\s+Flaps\s+Last Up/Dwn\s+State")
_BGP_PEER = re.compile(r"^(?P<address>[0-9A-Fa-f.:]+)\s+(?P<as>\d+(?:\.\d+)?)\s+\d+\s+\d+\s+\d+\s+\d+\s+(?P<rest>.+)$")
_BGP_RIB = re.compile(r"^\s+\S+: \d+/\d+/\d+/\d+$")  # "  inet.0: 682/684/684/0" under an established peer
_RIB_COUNTS = re.compile(r"^\d+/\d+/\d+/\d+$")
_BGP_STATES = {
    "establ": "established",
    "idle": "idle",
    "active": "active",
    "connect": "connect",
    "opensent": "opensent",
    "openconfirm": "openconfirm",
}


def _remote_as(text: str) -> int:
    if "." in text:  # asdot notation: 1.10 is 65546
        high, low = text.split(".")
        return int(high) * 65536 + int(low)
    return int(text)


def _bgp_state(number: int, rest: str) -> str:
    words = rest.split()
    if _RIB_COUNTS.match(words[-1]):
        return "established"  # a single-RIB established peer prints its active/received/accepted/damped counts
    state = _BGP_STATES.get(words[-1].lower())
    if state is None:
        raise ParseError(number, f"unknown BGP peer state {words[-1]!r}")
    return state


def bgp_neighbors(output: str) -> list[BgpNeighbor]:
    """``show bgp summary``: each peer's address, AS and state, in the order printed."""
    lines = _lines(output)
    start = _find_header(lines, _BGP_HEADER, "'Peer AS InPkt OutPkt ... State'")
    found = []
    for index in range(start + 1, len(lines)):
        number, line = index + 1, lines[index]
        if _skippable(line) or _BGP_RIB.match(line):
            continue
        match = _BGP_PEER.match(line)
        if not match:
            raise ParseError(number, f"expected a peer row 'Peer AS InPkt OutPkt OutQ Flaps ...': {line.strip()!r}")
        try:
            address = canonical_address(match.group("address"))
        except ValueError as exc:
            raise ParseError(number, f"not a peer address: {match.group('address')!r}") from exc
        found.append(BgpNeighbor(address, _remote_as(match.group("as")), _bgp_state(number, match.group("rest"))))
    return found


# getters proven on fewer than three real samples, and why (tests/unit/platforms/test_registry.py reads this)
# --- show log messages ------------------------------------------------------------------------------------

# the file as syslogd wrote it, no header: "Mar  5 14:47:45  sr_hktGCS001 mgd[91373]: UI_COMMIT: User 'user' ..."
# (genieparser ShowLogFilename); the output starts at its first such line
LOG_LINE = re.compile(r"^\s*(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+\d{1,2}\s+\d\d:\d\d:\d\d\s+\S+\s+\S")


def command_log(output: str, year: int | None = None) -> list[Command]:
    """``show log messages``: the commits (UI_COMMIT) and typed lines (UI_CMDLINE_READ_LINE) the file records."""
    return read_command_log(output, "juniper_junos", LOG_LINE, "a syslog line 'Mon DD HH:MM:SS host process: ...'",
                            year)  # fmt: skip


SCARCE = {
    "ipv6-interfaces": "two citable `show interfaces terse` captures with inet6 (genieparser vMX, a vQFX lab)",
    "command-log": "one citable `show log messages` capture holding UI_COMMIT (genieparser ShowLogFilename, an MX); "
    "more real UI_COMMIT / UI_CMDLINE_READ_LINE lines in tests/unit/recorded/cmdlog/juniper_junos.log",
}


PARSERS: dict[str, Callable[[str], object]] = {
    "ipv4-routes": ipv4_routes,
    "ospf-neighbors": ospf_neighbors,
    "ospfv3-neighbors": ospfv3_neighbors,
    "ping": ping,
    "ipv6-interfaces": ipv6_interfaces,
    "bgp-neighbors": bgp_neighbors,
    "command-log": command_log,
}
