"""TCP connect to a department's service: does the three-way handshake complete, and how fast.

A plain non-blocking connect driven by the loop (no data sent), from a socket made in the probing namespace.
Each probe holds one file descriptor while it runs, so the caller bounds how many run at once (RLIMIT_NOFILE).
"""

import asyncio
import ipaddress
import socket
import struct
import time
from dataclasses import dataclass

from . import errors
from .netns import NamespaceError, socket_in


@dataclass(frozen=True, slots=True)
class TcpResult:
    """One connect attempt; `error` is "refused", "timeout", "no route", "network unreachable", ... or None."""

    address: str
    port: int
    ok: bool
    latency_ms: float | None
    error: str | None


async def connect(address: str, port: int, timeout: float, namespace: str | None = None) -> TcpResult:
    """Open and close a TCP connection to `address`:`port` within `timeout` seconds; failures are results."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return TcpResult(address, port, False, None, f"not an IP address: {address!r}")
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    try:
        sock = socket_in(namespace, family, socket.SOCK_STREAM)
    except NamespaceError as exc:
        return TcpResult(address, port, False, None, str(exc))
    except OSError as exc:
        return TcpResult(address, port, False, None, errors.describe(exc))
    with sock:
        sock.setblocking(False)
        started = time.perf_counter()
        try:
            await asyncio.wait_for(asyncio.get_running_loop().sock_connect(sock, (address, port)), timeout)
        except TimeoutError:
            return TcpResult(address, port, False, None, errors.TIMEOUT)
        except OSError as exc:
            return TcpResult(address, port, False, None, errors.describe(exc))
        return TcpResult(address, port, True, _kernel_rtt(sock) or (time.perf_counter() - started) * 1000, None)


def _kernel_rtt(sock: socket.socket) -> float | None:
    """The handshake's round trip as the kernel measured it (TCP_INFO tcpi_rtt, microseconds), in ms.

    The wall time around ``sock_connect`` also counts how long the event loop took to get back to this task,
    which in a probe run busy with thousands of pings and SNMP messages is most of it.
    """
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
        rtt_us: int = struct.unpack_from("I", info, 68)[0]  # struct tcp_info: 8 one-byte fields, then tcpi_rtt
    except (OSError, AttributeError, struct.error):  # 16th of the u32 fields
        return None
    return rtt_us / 1000 if rtt_us else None
