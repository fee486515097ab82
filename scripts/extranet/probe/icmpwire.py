"""ICMP echo on the wire: build requests, read replies and the ICMP errors that quote our requests.

icmplib only builds and parses packets inside its socket classes (`_create_packet`, `_parse_reply`: private,
and tied to its one-socket-per-host design), so the few lines live here, pure and tested. For IPv6 the kernel
fills in the checksum of everything sent on a raw ICMPv6 socket, so requests leave it zero.
"""

import struct
from dataclasses import dataclass

from . import errors

ECHO_REQUEST = {4: 8, 6: 128}
ECHO_REPLY = {4: 0, 6: 129}
# The ICMP types a pinger has to see; everything else is filtered out in the kernel (see icmp.py).
WANTED = {4: (0, 3, 11), 6: (129, 1, 3)}

_V4_UNREACHABLE = {
    0: errors.NETWORK_UNREACHABLE,
    6: errors.NETWORK_UNREACHABLE,
    11: errors.NETWORK_UNREACHABLE,
    1: errors.NO_ROUTE,
    7: errors.NO_ROUTE,
    12: errors.NO_ROUTE,
    9: errors.PROHIBITED,
    10: errors.PROHIBITED,
    13: errors.PROHIBITED,
}
_V6_UNREACHABLE = {0: errors.NETWORK_UNREACHABLE, 2: errors.NO_ROUTE, 3: errors.NO_ROUTE}
_V6_UNREACHABLE |= {1: errors.PROHIBITED, 5: errors.PROHIBITED, 6: errors.PROHIBITED}
_HEADER = struct.Struct("!BBHHH")
_IDS = struct.Struct("!HH")


@dataclass(frozen=True, slots=True)
class Echo:
    """What one received packet says about one of our requests.

    `target` is the packed address the request went to: the reply's source, or the destination quoted in an
    ICMP error (whose own source is a router). `error` is None for an echo reply.
    """

    identifier: int
    sequence: int
    target: bytes
    error: str | None = None


def checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071) of `data`.

    >>> hex(checksum(bytes.fromhex("0800 0000 1234 0001")))
    '0xe5ca'
    """
    if len(data) % 2:
        data += b"\0"
    total = int(sum(struct.unpack(f"!{len(data) // 2}H", data)))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def echo_request(version: int, identifier: int, sequence: int, payload: bytes) -> bytes:
    """An echo request for IP `version` 4 or 6, checksummed for IPv4.

    >>> echo_request(4, 0x1234, 1, b"").hex()
    '0800e5ca12340001'
    >>> echo_request(6, 0x1234, 1, b"ab").hex()
    '80000000123400016162'
    """
    header = _HEADER.pack(ECHO_REQUEST[version], 0, 0, identifier, sequence)
    if version == 6:
        return header + payload
    return _HEADER.pack(8, 0, checksum(header + payload), identifier, sequence) + payload


def parse_v4(packet: bytes) -> Echo | None:
    """Read a packet from a raw IPv4 ICMP socket (IP header included); None if it is about no echo of ours."""
    if len(packet) < 28 or packet[0] >> 4 != 4:
        return None
    offset = (packet[0] & 0x0F) * 4
    kind, code = packet[offset], packet[offset + 1]
    if kind == ECHO_REPLY[4]:
        identifier, sequence = _IDS.unpack_from(packet, offset + 4)
        return Echo(identifier, sequence, packet[12:16])
    if kind not in (3, 11):
        return None
    quoted = packet[offset + 8 :]
    if len(quoted) < 28 or quoted[0] >> 4 != 4 or quoted[9] != 1:
        return None
    inner = (quoted[0] & 0x0F) * 4
    if len(quoted) < inner + 8 or quoted[inner] != ECHO_REQUEST[4]:
        return None
    identifier, sequence = _IDS.unpack_from(quoted, inner + 4)
    error = errors.TTL_EXCEEDED if kind == 11 else _V4_UNREACHABLE.get(code, errors.UNREACHABLE)
    return Echo(identifier, sequence, quoted[16:20], error)


def parse_v6(packet: bytes, source: bytes) -> Echo | None:
    """Read a message from a raw ICMPv6 socket (no IPv6 header; `source` is the packed sender address)."""
    if len(packet) < 8:
        return None
    kind, code = packet[0], packet[1]
    if kind == ECHO_REPLY[6]:
        identifier, sequence = _IDS.unpack_from(packet, 4)
        return Echo(identifier, sequence, source)
    if kind not in (1, 3):
        return None
    quoted = packet[8:]  # the offending IPv6 header (40 bytes), then our echo request
    if len(quoted) < 48 or quoted[0] >> 4 != 6 or quoted[6] != 58 or quoted[40] != ECHO_REQUEST[6]:
        return None
    identifier, sequence = _IDS.unpack_from(quoted, 44)
    error = errors.TTL_EXCEEDED if kind == 3 else _V6_UNREACHABLE.get(code, errors.UNREACHABLE)
    return Echo(identifier, sequence, quoted[24:40], error)
