"""Constrained value types shared by the inventory models.

Anything that can reach a device configuration is checked here, at the edge: printable ASCII, no control
characters, bounded length, so no description or name can inject configuration lines.
"""

import ipaddress
import re
import socket
from collections.abc import Callable
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Annotated, TypeVar

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from ..printable import no_control_characters as _no_control_characters

SLUG = r"^[a-z0-9][a-z0-9_-]*$"
HOSTNAME = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
# Interface names as vendors print them: GigabitEthernet0/0/1, ge-0/0/1.0, Vlanif100, eth1,
# and Ruijie's "GigabitEthernet 0/1" with one inner space.
IFNAME = r"^[A-Za-z][A-Za-z0-9/.:_-]*( [0-9][A-Za-z0-9/.:_-]*)?$"


def _printable_ascii(value: str) -> str:
    _no_control_characters(value)
    if not value.isascii():
        raise ValueError("must be printable ASCII: device consoles mangle other characters (use `name` for 中文)")
    return value


Text = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_no_control_characters)]
"""Human text such as Chinese names: one line, no control characters."""

Notes = Annotated[str, StringConstraints(max_length=4000)]
"""Free notes that never reach a device (may span lines)."""

ConfigText = Annotated[str, StringConstraints(min_length=1, max_length=80), AfterValidator(_printable_ascii)]
"""Text that reaches a device config (descriptions): ASCII, one line, at most 80 characters."""

Slug = Annotated[str, StringConstraints(min_length=1, max_length=31, pattern=SLUG)]
"""A stable inventory id: lower-case ASCII, digits, '-' and '_'; at most 31 (VRP VPN-instance names)."""

Hostname = Annotated[str, StringConstraints(min_length=1, max_length=63, pattern=HOSTNAME)]
InterfaceName = Annotated[str, StringConstraints(min_length=2, max_length=48, pattern=IFNAME)]
DnsName = Annotated[
    str,
    StringConstraints(
        min_length=1, max_length=253, pattern=r"^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9-]+\.?$"
    ),
]
AdminCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}([0-9]{3}([0-9]{3})?)?$")]
"""行政区划代码: 6 digits (county), 9 (township) or 12 (village)."""

Vlan = Annotated[int, Field(ge=1, le=4094)]
Port = Annotated[int, Field(ge=1, le=65535)]
AsNumber = Annotated[int, Field(ge=1, le=4294967295)]
ProtectionLevel = Annotated[int, Field(ge=1, le=5)]


def _ospf_area(value: object) -> str:
    """OSPF areas as vendors accept them: ``0``, ``1`` or ``0.0.0.1`` → the dotted form.

    >>> _ospf_area(1), _ospf_area("0.0.0.0")
    ('0.0.0.1', '0.0.0.0')
    """
    try:
        if isinstance(value, int) and not isinstance(value, bool):
            return str(ipaddress.IPv4Address(value))
        if isinstance(value, str):
            return str(ipaddress.IPv4Address(int(value) if value.isdigit() else value))
    except ValueError:
        pass
    raise ValueError(f"{value!r} is not an OSPF area: write a number (0–4294967295) or dotted (0.0.0.1)")


OspfArea = Annotated[str, BeforeValidator(_ospf_area)]


def _dotted_quad(text: str) -> int | None:
    """A dotted-quad IPv4 address as the C library reads it (as strictly as ``ipaddress``: four decimal octets,
    no leading zeros), about ten times faster than ``ipaddress``'s own parser; ``None`` for anything else.

    >>> _dotted_quad("198.51.100.7"), _dotted_quad("198.51.100.07"), _dotted_quad("1.2.3")
    (3325256711, None, None)
    """
    try:
        return int.from_bytes(socket.inet_pton(socket.AF_INET, text), "big")
    except (OSError, ValueError):  # not an address; ValueError: a NUL in it
        return None


def read_ipv4(kind: type[IPv4Address | IPv4Interface | IPv4Network]) -> Callable[[object], object]:
    """Read ``address`` or ``address/length`` text fast into ``kind``; anything else (other forms, host bits set in
    a network) is left as it came, for pydantic to accept or refuse with its own words. A province's devices
    carry some 100,000 addresses: parsed by ``ipaddress`` alone they took a second."""

    def read(value: object) -> object:
        if not isinstance(value, str):
            return value
        text, slash, length = value.partition("/")
        if slash and not (length.isascii() and length.isdigit() and len(length) <= 2 and int(length) <= 32):
            return value
        if bool(slash) == (kind is IPv4Address):  # an address has no length; networks and interfaces have one here
            return value
        number = _dotted_quad(text)
        if number is None:
            return value
        if kind is IPv4Address:
            return IPv4Address(number)
        try:
            return kind((number, int(length)))
        except ValueError:  # host bits set in a network
            return value

    return read


Ipv4Address = Annotated[IPv4Address, BeforeValidator(read_ipv4(IPv4Address))]
Ipv4Interface = Annotated[IPv4Interface, BeforeValidator(read_ipv4(IPv4Interface))]
Ipv4Network = Annotated[IPv4Network, BeforeValidator(read_ipv4(IPv4Network))]
"""IPv4 as pydantic takes it (same values, same refusals), read faster."""

MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")  # IPv4-mapped addresses (RFC 4291 §2.5.5.2)


IPv6 = TypeVar("IPv6", ipaddress.IPv6Address, ipaddress.IPv6Network, ipaddress.IPv6Interface)


def _plain_ipv6(value: IPv6) -> IPv6:
    """An IPv6 address, network or interface as a device takes it: no scope id (``%eth0`` names an interface of
    one host, not a place in the plan) and not IPv4-mapped (``::ffff:198.51.100.1`` is an IPv4 address).

    >>> _plain_ipv6(ipaddress.IPv6Address("fe80::1%eth0"))
    Traceback (most recent call last):
    ...
    ValueError: fe80::1%eth0 has a scope id (%eth0): write the address without it
    """
    if isinstance(value, ipaddress.IPv6Interface):
        network, address = value.network, value.ip
    elif isinstance(value, ipaddress.IPv6Network):
        network, address = value, value.network_address
    else:
        network, address = ipaddress.IPv6Network(value), value
    scope = getattr(value, "scope_id", None) or address.scope_id
    if scope:
        raise ValueError(f"{value} has a scope id (%{scope}): write the address without it")
    if network.subnet_of(MAPPED):
        raise ValueError(f"{value} is an IPv4-mapped address (in ::ffff:0:0/96): write IPv4 in an IPv4 field")
    return value


Ipv6Address = Annotated[ipaddress.IPv6Address, AfterValidator(_plain_ipv6)]
Ipv6Network = Annotated[ipaddress.IPv6Network, AfterValidator(_plain_ipv6)]
Ipv6Interface = Annotated[ipaddress.IPv6Interface, AfterValidator(_plain_ipv6)]
"""IPv6 as the inventory takes it: no scope id, not IPv4-mapped."""

SECRET_KEY = re.compile(r"password|passwd|secret|community|psk|private_key|api_key|token", re.IGNORECASE)
