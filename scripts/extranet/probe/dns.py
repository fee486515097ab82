"""A and AAAA lookups against one given resolver, from the probing namespace, over UDP.

dnspython's asyncio backend makes its own sockets (in the current namespace), but `dns.asyncquery.udp` takes
any `dns.asyncbackend.DatagramSocket`; `_NamespaceDatagram` adapts a socket from `socket_in` to it. The
socket is connected to the resolver, so an ICMP port unreachable comes back as "port unreachable" at once
instead of a timeout.
"""

import asyncio
import ipaddress
import socket
import time
from dataclasses import dataclass
from typing import Any

import dns.asyncbackend
import dns.asyncquery
import dns.exception
import dns.message
import dns.rcode
import dns.rdatatype

from . import errors
from .netns import NamespaceError, socket_in

NXDOMAIN = "nxdomain"
SERVFAIL = "servfail"
NO_ANSWER = "no answer"
PORT_UNREACHABLE = "port unreachable"


@dataclass(frozen=True, slots=True)
class DnsResult:
    """One lookup. `ok` means NOERROR with at least one address of the asked type.

    `error` distinguishes "nxdomain", "no answer" (the name exists, no record of this type), "servfail",
    "refused" and other rcodes (lower-cased), "timeout", "port unreachable", "bad response", or an OS error word.
    """

    name: str
    rdtype: str  # "A" or "AAAA"
    resolver: str
    ok: bool
    addresses: tuple[str, ...]
    rcode: str | None  # "NOERROR", "NXDOMAIN", ... when a response came
    latency_ms: float | None
    error: str | None


# The documented public name; mypy sees the class only in the private dns._asyncbackend (no re-export).
class _NamespaceDatagram(dns.asyncbackend.DatagramSocket):  # type: ignore[name-defined,misc]
    """A connected UDP socket (made wherever the caller chose) as dnspython's asyncio datagram socket."""

    def __init__(self, sock: socket.socket) -> None:
        super().__init__(sock.family, socket.SOCK_DGRAM)
        self.sock = sock

    async def sendto(self, what: bytes, destination: Any, timeout: float | None) -> int:
        await asyncio.get_running_loop().sock_sendall(self.sock, what)
        return len(what)

    async def recvfrom(self, size: int, timeout: float | None) -> tuple[bytes, Any]:
        try:
            return await asyncio.wait_for(asyncio.get_running_loop().sock_recvfrom(self.sock, size), timeout)
        except TimeoutError:
            raise dns.exception.Timeout from None

    async def close(self) -> None:
        self.sock.close()

    async def getpeername(self) -> Any:
        return self.sock.getpeername()

    async def getsockname(self) -> Any:
        return self.sock.getsockname()


async def lookup(
    name: str, rdtype: str, resolver: str, timeout: float = 2.0, port: int = 53, namespace: str | None = None
) -> DnsResult:
    """Ask `resolver` (an IPv4 or IPv6 address) for the `rdtype` ("A" or "AAAA") records of `name`, once."""

    def failed(error: str, rcode: str | None = None, latency: float | None = None) -> DnsResult:
        return DnsResult(name, rdtype, resolver, False, (), rcode, latency, error)

    try:
        kind = dns.rdatatype.from_text(rdtype)
        query = dns.message.make_query(name, kind)
        family = socket.AF_INET6 if ipaddress.ip_address(resolver).version == 6 else socket.AF_INET
    except (ValueError, dns.exception.DNSException) as exc:
        return failed(f"bad query: {exc}")
    try:
        sock = socket_in(namespace, family, socket.SOCK_DGRAM)
    except NamespaceError as exc:
        return failed(str(exc))
    except OSError as exc:
        return failed(errors.describe(exc))
    started = time.perf_counter()
    async with _NamespaceDatagram(sock) as datagram:
        try:
            sock.setblocking(False)
            sock.connect((resolver, port))
            response = await dns.asyncquery.udp(query, resolver, timeout, port, sock=datagram)
        except dns.exception.Timeout:
            return failed(errors.TIMEOUT)
        except ConnectionRefusedError:
            return failed(PORT_UNREACHABLE)
        except OSError as exc:
            return failed(errors.describe(exc))
        except dns.exception.DNSException:
            return failed("bad response")
    latency = (time.perf_counter() - started) * 1000
    rcode = dns.rcode.to_text(response.rcode())
    if response.rcode() != dns.rcode.NOERROR:
        return failed(rcode.lower(), rcode, latency)
    addresses = tuple(rdata.to_text() for rrset in response.answer if rrset.rdtype == kind for rdata in rrset)
    if not addresses:
        return failed(NO_ANSWER, rcode, latency)
    return DnsResult(name, rdtype, resolver, True, addresses, rcode, latency, None)
