"""Slots in a field: given sparsely (RFC 3531 style) so that siblings stay apart and can grow in place.

Pure functions over ints: the planner handles 10^5 departments, so no ipaddress objects on the hot path.
"""

import socket


def bit_reverse(value: int, bits: int) -> int:
    """The value with its ``bits`` low bits in reverse order.

    >>> [bit_reverse(i, 4) for i in range(5)]
    [0, 8, 4, 12, 2]
    """
    result = 0
    for _ in range(bits):
        result = (result << 1) | (value & 1)
        value >>= 1
    return result


class SlotTable:
    """The slots of one parent block: which key holds which slot, and the next free one.

    Sparse tables hand out slots in bit-reversed order (0, half, quarter, three quarters, …): the first
    children of a parent land far apart, so each keeps free neighbours to widen into later.
    """

    __slots__ = ("_cursor", "bits", "limit", "owner", "sparse")

    def __init__(self, bits: int, limit: int | None = None, sparse: bool = True, first: int = 0) -> None:
        self.bits = bits
        self.limit = limit if limit is not None else 1 << bits
        self.sparse = sparse
        self.owner: dict[int, str] = {}
        self._cursor = first

    def take(self, slot: int, key: str) -> str | None:
        """Give ``slot`` to ``key``; return the key that already held it, if another did."""
        holder = self.owner.setdefault(slot, key)
        return None if holder == key else holder

    def next_free(self, key: str) -> int | None:
        """The next free slot for ``key``, or None when the field or its quota is exhausted."""
        if len(self.owner) >= self.limit:
            return None
        size = 1 << self.bits
        while self._cursor < size:
            slot = bit_reverse(self._cursor, self.bits) if self.sparse else self._cursor
            self._cursor += 1
            if slot not in self.owner:
                self.owner[slot] = key
                return slot
        return None

    def __len__(self) -> int:
        return len(self.owner)


def ipv6_text(value: int) -> str:
    """RFC 5952 text of an IPv6 address given as an int (C speed: ~20× ``str(IPv6Address(n))``).

    >>> ipv6_text(0x20010db8ab0000000000000000000001)
    '2001:db8:ab00::1'
    """
    return socket.inet_ntop(socket.AF_INET6, value.to_bytes(16, "big"))


def ipv6_int(text: str) -> int:
    """The int of an IPv6 address in any valid text form; ValueError otherwise.

    >>> hex(ipv6_int("2001:db8::1"))
    '0x20010db8000000000000000000000001'
    """
    try:
        return int.from_bytes(socket.inet_pton(socket.AF_INET6, text), "big")
    except OSError:
        raise ValueError(f"{text!r} is not an IPv6 address") from None


def prefix_text(value: int, length: int) -> str:
    return f"{ipv6_text(value)}/{length}"


def parse_prefix(text: str, length: int | None = None) -> tuple[int, int]:
    """``'2001:db8::/64'`` → (int, 64), checking host bits and, if given, the length.

    >>> parse_prefix("2001:db8:0:1::/64") == (0x20010db8000000010000000000000000, 64)
    True
    """
    address, _, size = str(text).partition("/")
    if not size.isdigit() or not 0 <= int(size) <= 128:
        raise ValueError(f"{text!r} is not an IPv6 prefix (address/length)")
    value, bits = ipv6_int(address), int(size)
    if value & ((1 << (128 - bits)) - 1):
        raise ValueError(f"{text!r} has host bits set")
    if length is not None and bits != length:
        raise ValueError(f"{text!r} is a /{bits}; expected a /{length}")
    return value, bits
