"""IPv4 values read by the fast path must be what ``ipaddress`` gives, and refused where it refuses them."""

import ipaddress
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from extranet.inventory.fields import Ipv4Address, Ipv4Interface, Ipv4Network

TEXTS = [
    "198.51.100.7", "0.0.0.0", "255.255.255.255", "198.51.100.07", "198.51.100", "198.51.100.256", " 198.51.100.7",
    "198.51.100.7\n", "１98.51.100.7", "198.51.100.7\x00", "0x1.2.3.4", "198.51.100.0/24", "198.51.100.7/24",
    "198.51.100.7/32", "198.51.100.7/0", "198.51.100.7/33", "198.51.100.7/024", "198.51.100.0/255.255.255.0",
    "198.51.100.7/", "/24", "198.51.100.7/24/1", "2001:db8::1", "",
]  # fmt: skip


def _plain(kind: Any, value: Any) -> str:
    try:
        return repr(kind(value))
    except ValueError:
        return "refused"


def _fast(annotated: Any, value: Any) -> str:
    try:
        return repr(TypeAdapter(annotated).validate_python(value))
    except ValidationError as exc:
        return f"refused ({exc.errors()[0]['type']})"


@pytest.mark.parametrize("text", [*TEXTS, 3325256711])
def test_fast_ipv4_reading_gives_what_ipaddress_gives(text: Any) -> None:
    for annotated, kind, error in (
        (Ipv4Address, ipaddress.IPv4Address, "ip_v4_address"),
        (Ipv4Interface, ipaddress.IPv4Interface, "ip_v4_interface"),
        (Ipv4Network, ipaddress.IPv4Network, "ip_v4_network"),
    ):
        expected = _plain(kind, text)
        assert _fast(annotated, text) == (f"refused ({error})" if expected == "refused" else expected)
