"""What extranet reads from a device: typed results (NAPALM's models idea), one shape for every platform.

Every platform's getters return these; the rollout's checks and ``extranet device parse`` read nothing else.
A parser that cannot read its output raises ``ParseError`` with the 1-based line it stopped at.
"""

from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum
from ipaddress import ip_address, ip_network
from typing import Any


class ParseError(ValueError):
    """The output does not have the shape the command prints: ``line`` is 1-based (0: the output as a whole)."""

    SHOWN = 240  # a message quoting a device line stays one readable line, however long the line

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.message = message if len(message) <= self.SHOWN else f"{message[: self.SHOWN]}… ({len(message)} chars)"
        super().__init__(f"line {line}: {self.message}" if line else self.message)


class RouteProtocol(StrEnum):
    """Where a route came from, in one vocabulary (IOS ``O E2`` and VRP ``O_ASE`` are both ``ospf``)."""

    CONNECTED = "connected"  # IOS C, VRP/Comware/Junos Direct
    LOCAL = "local"  # IOS L, Junos Local, the host routes of the router's own addresses
    STATIC = "static"
    OSPF = "ospf"
    BGP = "bgp"
    ISIS = "isis"
    RIP = "rip"
    EIGRP = "eigrp"
    OTHER = "other"


@dataclass(frozen=True, order=True)
class Route:
    prefix: str  # canonical network, always with a length: "10.0.0.0/8" (IOS prints classful ones without)
    protocol: RouteProtocol
    next_hops: tuple[str, ...]  # sorted; the addresses the device prints, its interface where it prints none


@dataclass(frozen=True, order=True)
class Neighbor:
    """An OSPF or OSPFv3 adjacency, keyed by the neighbour's router id."""

    router_id: str
    state: str  # lower case, without the DR role: "full", "2-way", "init", "exstart", "exchange", "loading", "down"
    interface: str  # as the device prints it


@dataclass(frozen=True)
class Ping:
    sent: int
    received: int


class AddressState(StrEnum):
    OK = "ok"  # preferred / valid: duplicate address detection passed
    TENTATIVE = "tentative"  # DAD still running
    DUPLICATE = "duplicate"  # DAD failed: another node has it


@dataclass(frozen=True, order=True)
class Ipv6Address:
    address: str  # canonical (lower case, compressed)
    state: AddressState


@dataclass(frozen=True, order=True)
class Ipv6Interface:
    name: str
    up: bool  # line protocol up
    addresses: tuple[Ipv6Address, ...]  # global and link-local, in the order printed


@dataclass(frozen=True, order=True)
class BgpNeighbor:
    address: str
    remote_as: int
    state: str  # lower case: "established", "idle", "active", "connect", "opensent", "openconfirm"


# "command-log": who typed which configuration command, read from the device's own log (history.cmdlog.Command)
GETTERS = ("ipv4-routes", "ospf-neighbors", "ospfv3-neighbors", "ping", "ipv6-interfaces", "bgp-neighbors",
           "command-log")


def canonical_prefix(text: str, mask: str | None = None) -> str:
    """A prefix in one form: ``10.1.0.0/16`` from ``10.1.0.0/16``, ``10.1.0.0 255.255.0.0`` or classful ``10.0.0.0``.

    >>> canonical_prefix("10.0.0.0")
    '10.0.0.0/8'
    >>> canonical_prefix("172.16.5.0", "255.255.255.0")
    '172.16.5.0/24'
    >>> canonical_prefix("2001:DB8::/32")
    '2001:db8::/32'
    """
    if mask is not None:
        return str(ip_network(f"{text}/{mask}", strict=False))
    if "/" in text:
        return str(ip_network(text, strict=False))
    address = ip_address(text)
    if address.version == 4:  # classful: IOS prints a major network without its length
        first = int(text.split(".")[0])
        length = 8 if first < 128 else 16 if first < 192 else 24
        return str(ip_network(f"{text}/{length}", strict=False))
    return str(ip_network(f"{text}/128"))


def canonical_address(text: str) -> str:
    """An address in one form (lower case, compressed, no zone).

    >>> canonical_address("2001:DB8:0::1")
    '2001:db8::1'
    """
    return str(ip_address(text.split("%")[0]))


def neighbor_state(text: str) -> str:
    """``FULL/DR`` → ``full``, ``2WAY/DROTHER`` → ``2-way``, ``Full`` → ``full``.

    >>> [neighbor_state(s) for s in ("FULL/DR", "2WAY/DROTHER", "Full", "ExStart", "Init/ -")]
    ['full', '2-way', 'full', 'exstart', 'init']
    """
    state = text.split("/")[0].strip().lower()
    return {"2way": "2-way", "two-way": "2-way", "twoway": "2-way", "exstart": "exstart"}.get(state, state)


def as_json(value: object) -> Any:
    """The JSON form ``extranet device parse`` prints (enums as their values)."""
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {k: as_json(v) for k, v in asdict(value).items()}  # type: ignore[call-overload]
    if isinstance(value, tuple):
        return [as_json(v) for v in value]
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    return value

