"""ICMP echo at scale: one raw socket per (namespace, IP version), one reader, paced sends.

Why not icmplib's `async_multiping`: it opens a raw socket per host, and Linux hands a copy of every ICMP
packet to every raw ICMP socket. With N hosts in flight that is N² copies; measured on loopback, 2,000 hosts
× 3 pings with all 2,000 in flight lost 4,000 of 6,000 replies to full receive buffers, and bounding the
concurrency to its default 50 took 23.6 s where fping took 6.5 s. Here every ping shares one socket whose
kernel filter passes only echo replies and the errors that quote a request, a reader callback drains it and
matches each reply to its waiting future by (identifier, sequence) and the target's address, and a `Pacer`
spaces the sends like fping's -i so a burst of thousands never overruns a queue.

RTTs use the kernel's receive timestamp (SO_TIMESTAMPNS, as fping does) where the platform's constant is known,
so a busy event loop (TCP and SNMP probes in the same loop) does not inflate them.
"""

import asyncio
import ipaddress
import itertools
import os
import platform
import random
import socket
import struct
import time
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType

from . import errors
from .icmpwire import WANTED, Echo, echo_request, parse_v4, parse_v6
from .netns import NamespaceError, socket_in

DEFAULT_PACE = 0.001  # seconds between any two sends of one pool, fping's `-i 1`
PAYLOAD = bytes(range(56))  # 56 bytes like ping(8): 84-byte IPv4 packets
_SOL_RAW = 255
_ICMP_FILTER = 1  # linux/icmp.h, a bit set = that type blocked
_ICMP6_FILTER = 1  # linux/icmpv6.h, same convention over 256 types
# asm-generic value, used by x86 and arm; elsewhere RTTs fall back to user-space receive times.
_SO_TIMESTAMPNS = 35 if platform.machine() in ("x86_64", "aarch64", "arm64", "i686", "armv7l", "riscv64") else None
_TIMESPEC = struct.Struct("@ll")
_DRAIN = 512  # packets read per wake-up before yielding to the other tasks
_RCVBUF = 4 << 20


@dataclass(frozen=True, slots=True)
class PingStats:
    """The outcome of `count` echo requests to one address; times in milliseconds.

    `error` says why nothing came back ("timeout", "no route", "network unreachable", "permission denied",
    "prohibited", "ttl exceeded", a namespace problem...); it is None as soon as one reply arrived.
    `jitter` is the mean absolute difference of consecutive RTTs (RFC 3550's idea, unsmoothed).
    """

    address: str
    family: int  # 4 or 6
    sent: int
    received: int
    loss: float  # 0..1
    rtt_min: float | None
    rtt_avg: float | None
    rtt_max: float | None
    jitter: float | None
    error: str | None


Outcome = float | str | None  # one request: its RTT in ms, an error word, or None for no answer in time


def summarise(address: str, family: int, outcomes: Sequence[Outcome], error: str | None = None) -> PingStats:
    """Statistics of one address's requests, in the order they were sent.

    >>> summarise("198.18.0.1", 4, [1.0, None, 3.0, 2.0])
    PingStats(address='198.18.0.1', family=4, sent=4, received=3, loss=0.25, rtt_min=1.0, rtt_avg=2.0, \
rtt_max=3.0, jitter=1.5, error=None)
    >>> summarise("198.18.0.1", 4, ["no route", None]).error
    'no route'
    >>> summarise("198.18.0.1", 4, [None, None]).error
    'timeout'
    """
    rtts = [o for o in outcomes if isinstance(o, float)]
    sent = len(outcomes)
    if not rtts:
        words = [o for o in outcomes if isinstance(o, str)]
        error = error or (words[-1] if words else errors.TIMEOUT)
        return PingStats(address, family, sent, 0, 1.0, None, None, None, None, error)
    jitter = sum(abs(b - a) for a, b in itertools.pairwise(rtts)) / (len(rtts) - 1) if len(rtts) > 1 else None
    loss = 1 - len(rtts) / sent
    return PingStats(address, family, sent, len(rtts), loss, min(rtts), sum(rtts) / len(rtts), max(rtts), jitter, None)


class Pacer:
    """Hands out send slots at most one per `pace` seconds, in the order asked (fping's -i, shared by a pool).

    Slots are reserved ahead, so a late wake-up is caught up on instead of slowing the whole run down.
    """

    def __init__(self, pace: float = DEFAULT_PACE) -> None:
        self.pace = pace
        self._next = 0.0

    async def slot(self) -> None:
        if self.pace <= 0:
            return
        now = asyncio.get_running_loop().time()
        at = max(self._next, now)
        self._next = at + self.pace
        if at > now:
            await asyncio.sleep(at - now)


@dataclass(slots=True)
class _InFlight:
    target: bytes
    sent_wall_ns: int
    sent_mono_ns: int
    future: asyncio.Future[Outcome]
    timer: asyncio.TimerHandle | None = None


class Pinger:
    """All pings of one IP version from one namespace, over one raw socket opened on first use.

    Must be used from a single event loop. Not being able to open the socket (no root, no namespace) is
    returned in every `PingStats.error`, never raised.
    """

    def __init__(self, family: int, namespace: str | None = None, pacer: Pacer | None = None) -> None:
        if family not in (4, 6):
            raise ValueError(f"family must be 4 or 6, not {family!r}")
        self.family = family
        self.namespace = namespace
        self.pacer = pacer or Pacer()
        self.identifier = _identifiers.next()
        self._sock: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._problem: str | None = None
        self._pending: dict[int, _InFlight] = {}
        self._sequence = 0

    async def ping(self, address: str, count: int = 3, interval: float = 1.0, timeout: float = 1.0) -> PingStats:
        """Send `count` requests `interval` seconds apart, each given `timeout` seconds to be answered."""
        try:
            destination, target = _destination(address, self.family)
        except ValueError as exc:
            return summarise(address, self.family, [], str(exc))
        problem = self._open()
        if problem is not None:
            return summarise(address, self.family, [], problem)
        outcomes: list[asyncio.Future[Outcome]] = []
        for n in range(count):
            if n:
                await asyncio.sleep(interval)
            await self.pacer.slot()
            outcomes.append(await self._send(destination, target, timeout))
        return summarise(address, self.family, await asyncio.gather(*outcomes))

    def close(self) -> None:
        """Stop reading, fail what is still in flight as unanswered, close the socket."""
        for flight in self._pending.values():
            if flight.timer is not None:
                flight.timer.cancel()
            if not flight.future.done():
                flight.future.set_result(None)
        self._pending.clear()
        if self._sock is not None and self._loop is not None:
            self._loop.remove_reader(self._sock)
            self._sock.close()
        self._sock = None

    async def __aenter__(self) -> "Pinger":
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _open(self) -> str | None:
        """Open the socket once; the reason it cannot be opened, or None."""
        if self._sock is not None or self._problem is not None:
            return self._problem
        try:
            self._sock = _raw_socket(self.family, self.namespace)
        except PermissionError:
            self._problem = errors.PERMISSION_DENIED
        except NamespaceError as exc:
            self._problem = str(exc)
        except OSError as exc:
            self._problem = errors.describe(exc)
        if self._sock is not None:
            self._loop = asyncio.get_running_loop()
            self._loop.add_reader(self._sock, self._on_readable)
        return self._problem

    async def _send(
        self, destination: tuple[str, int] | tuple[str, int, int, int], target: bytes, timeout: float
    ) -> asyncio.Future[Outcome]:
        assert self._sock is not None and self._loop is not None
        while len(self._pending) >= 0xFFFF:  # every sequence number in flight: only with pace 0 and huge runs
            await asyncio.sleep(0.001)
        sequence = self._next_sequence()
        future: asyncio.Future[Outcome] = self._loop.create_future()
        packet = echo_request(self.family, self.identifier, sequence, PAYLOAD)
        flight = _InFlight(target, time.time_ns(), time.monotonic_ns(), future)
        self._pending[sequence] = flight
        try:
            await self._loop.sock_sendto(self._sock, packet, destination)
        except OSError as exc:
            del self._pending[sequence]
            future.set_result(errors.describe(exc))
            return future
        flight.timer = self._loop.call_later(timeout, self._expire, sequence, flight)
        return future

    def _next_sequence(self) -> int:
        while True:
            self._sequence = (self._sequence + 1) & 0xFFFF
            if self._sequence not in self._pending:
                return self._sequence

    def _expire(self, sequence: int, flight: _InFlight) -> None:
        if self._pending.get(sequence) is flight:
            del self._pending[sequence]
            if not flight.future.done():
                flight.future.set_result(None)

    def _on_readable(self) -> None:
        assert self._sock is not None
        for _ in range(_DRAIN):
            try:
                data, ancillary, _flags, source = self._sock.recvmsg(1500, 64)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            mono_ns = time.monotonic_ns()
            echo = parse_v4(data) if self.family == 4 else parse_v6(data, _packed_v6(source[0]))
            if echo is not None and echo.identifier == self.identifier:
                self._answer(echo, _kernel_time(ancillary), mono_ns)

    def _answer(self, echo: Echo, wall_ns: int | None, mono_ns: int) -> None:
        flight = self._pending.get(echo.sequence)
        if flight is None or flight.target != echo.target:
            return
        del self._pending[echo.sequence]
        if flight.timer is not None:
            flight.timer.cancel()
        if flight.future.done():
            return
        if echo.error is not None:
            flight.future.set_result(echo.error)
            return
        elapsed = mono_ns - flight.sent_mono_ns
        if wall_ns is not None and 0 <= wall_ns - flight.sent_wall_ns <= elapsed:
            elapsed = wall_ns - flight.sent_wall_ns  # the kernel's receive time: no event-loop delay in it
        flight.future.set_result(elapsed / 1e6)


class Pingers:
    """One `Pinger` per (namespace, IP version), made on first use and sharing one `Pacer`: a probe run's ICMP."""

    def __init__(self, pace: float = DEFAULT_PACE) -> None:
        self.pacer = Pacer(pace)
        self._pingers: dict[tuple[str | None, int], Pinger] = {}

    async def ping(
        self, address: str, namespace: str | None = None, count: int = 3, interval: float = 1.0, timeout: float = 1.0
    ) -> PingStats:
        try:
            family = ipaddress.ip_address(address).version
        except ValueError:
            return summarise(address, 6 if ":" in address else 4, [], f"not an IP address: {address!r}")
        key = (namespace, family)
        if key not in self._pingers:
            self._pingers[key] = Pinger(family, namespace, self.pacer)
        return await self._pingers[key].ping(address, count, interval, timeout)

    def close(self) -> None:
        for pinger in self._pingers.values():
            pinger.close()
        self._pingers.clear()

    async def __aenter__(self) -> "Pingers":
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class _Identifiers:
    """ICMP identifiers distinct within this process (every raw socket sees every reply), random across."""

    def __init__(self) -> None:
        self._last = random.randrange(0x10000) ^ (os.getpid() & 0xFFFF)

    def next(self) -> int:
        self._last = (self._last + 1) & 0xFFFF
        return self._last


_identifiers = _Identifiers()


def _raw_socket(family: int, namespace: str | None) -> socket.socket:
    """A non-blocking raw ICMP socket whose kernel filter passes only what `parse_v4`/`parse_v6` can use."""
    if family == 4:
        sock = socket_in(namespace, socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        blocked = 0xFFFFFFFF & ~sum(1 << kind for kind in WANTED[4])
        sock.setsockopt(_SOL_RAW, _ICMP_FILTER, struct.pack("=I", blocked))
    else:
        sock = socket_in(namespace, socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
        words = [0xFFFFFFFF] * 8
        for kind in WANTED[6]:
            words[kind >> 5] &= ~(1 << (kind & 31))
        sock.setsockopt(socket.IPPROTO_ICMPV6, _ICMP6_FILTER, struct.pack("=8I", *words))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RCVBUF)
    if _SO_TIMESTAMPNS is not None:
        sock.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
    sock.setblocking(False)
    return sock


def _destination(address: str, family: int) -> tuple[tuple[str, int] | tuple[str, int, int, int], bytes]:
    """The sockaddr to send to and the packed address replies must come from; ValueError if unusable."""
    ip = ipaddress.ip_address(address)
    if ip.version != family:
        raise ValueError(f"{address} is not an IPv{family} address")
    if isinstance(ip, ipaddress.IPv6Address):
        scope = ip.scope_id or ""
        try:
            index = int(scope) if scope.isdigit() else socket.if_nametoindex(scope) if scope else 0
        except OSError:
            raise ValueError(f"{address}: no interface {scope}") from None
        return (str(ip).split("%")[0], 0, 0, index), ip.packed
    return (str(ip), 0), ip.packed


def _packed_v6(source: str) -> bytes:
    return socket.inet_pton(socket.AF_INET6, source.split("%")[0])


def _kernel_time(ancillary: list[tuple[int, int, bytes]]) -> int | None:
    """The SO_TIMESTAMPNS receive time (CLOCK_REALTIME, ns) from recvmsg's ancillary data, if there."""
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS and len(data) >= _TIMESPEC.size:
            seconds, nanoseconds = _TIMESPEC.unpack_from(data)
            return int(seconds) * 1_000_000_000 + int(nanoseconds)
    return None
