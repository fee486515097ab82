"""The probe primitives against real sockets: loopback, namespaces this test makes, a tiny DNS responder, snmpd.

Traffic goes only to loopback or into namespaces named xt-probe-<pid>-<n> that the tests create and delete,
with addresses from 198.18.0.0/15 and 2001:db8::/32. Raw sockets and namespaces need root: without it these
tests skip with the reason, and under CI=true that is a failure.
"""

import asyncio
import contextlib
import errno
import itertools
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

from extranet.probe import errors
from extranet.probe.dns import DnsResult, lookup
from extranet.probe.icmp import Pinger, Pingers, PingStats, summarise
from extranet.probe.icmpwire import echo_request, parse_v4, parse_v6
from extranet.probe.netns import NamespaceError, socket_in
from extranet.probe.snmp import Credentials, SnmpCommunity, SnmpPoller, SnmpResult, SnmpV3User
from extranet.probe.tcp import TcpResult, connect

SNMPD = "/usr/sbin/snmpd"
USER = SnmpV3User("probe", "authkey12345", "privkey12345")
_namespaces = itertools.count()


def _require_root() -> None:
    reason = None
    if os.geteuid() != 0:
        reason = "needs root (raw ICMP sockets, network namespaces)"
    elif shutil.which("ip") is None:
        reason = "needs iproute2 (`ip`)"
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"probe primitives cannot run under CI=true: {reason}")
    pytest.skip(reason)


@pytest.fixture
def root() -> None:
    _require_root()


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


@pytest.fixture
def make_namespace(root: None) -> Iterator[Callable[..., str]]:
    """Makes namespaces xt-probe-<pid>-<n> with lo up (plus `ip` commands run inside); all deleted afterwards."""
    made: list[str] = []

    def make(*commands: str) -> str:
        name = f"xt-probe-{os.getpid()}-{next(_namespaces)}"
        _ip("netns", "add", name)
        made.append(name)
        _ip("-n", name, "link", "set", "lo", "up")
        for command in commands:
            _ip("-n", name, *command.split())
        return name

    yield make
    for name in made:
        subprocess.run(["ip", "netns", "del", name], check=False, capture_output=True)


# --- ICMP on the wire (pure) ---


def test_echo_request_is_read_back_from_an_icmp_error_that_quotes_it() -> None:
    request = echo_request(4, 0xBEEF, 7, b"payload!")
    quoted_ip = bytes.fromhex("4500 0024 0000 4000 4001 0000 c612 0001 c612 ff01")  # 198.18.0.1 → 198.18.255.1
    error = bytes.fromhex("0301 0000 0000 0000") + quoted_ip + request[:8]  # host unreachable
    outer_ip = bytes.fromhex("4500 0038 0000 0000 4001 0000 c612 0001 c612 0001")
    echo = parse_v4(outer_ip + error)
    assert echo is not None
    assert (echo.identifier, echo.sequence, echo.error) == (0xBEEF, 7, errors.NO_ROUTE)
    assert echo.target == socket.inet_pton(socket.AF_INET, "198.18.255.1")


def test_icmpv6_reply_and_error_are_matched_to_the_request_they_answer() -> None:
    target = socket.inet_pton(socket.AF_INET6, "2001:db8::99")
    reply = parse_v6(bytes.fromhex("8100 0000 beef 0007") + b"x" * 8, target)
    assert reply is not None and (reply.identifier, reply.sequence, reply.error) == (0xBEEF, 7, None)
    quoted = bytes.fromhex("6000 0000 0010 3a40") + bytes(16) + target + echo_request(6, 0xBEEF, 8, b"")
    unreachable = parse_v6(bytes.fromhex("0103 0000 0000 0000") + quoted, bytes(16))  # address unreachable
    assert unreachable is not None
    assert (unreachable.sequence, unreachable.target, unreachable.error) == (8, target, errors.NO_ROUTE)
    assert parse_v6(bytes.fromhex("8000 0000 beef 0007"), target) is None  # a request, not ours to count


def test_ping_statistics_count_loss_and_jitter_like_fping() -> None:
    stats = summarise("198.18.0.1", 4, [10.0, 12.0, None, 11.0])
    assert (stats.sent, stats.received, stats.loss) == (4, 3, 0.25)
    assert (stats.rtt_min, stats.rtt_max, stats.jitter) == (10.0, 12.0, 1.5)
    assert stats.error is None


# --- ICMP for real ---


def test_ping_loopback_answers_over_ipv4_and_ipv6(root: None) -> None:
    async def run() -> list[PingStats]:
        async with Pingers() as pingers:
            return list(await asyncio.gather(*(pingers.ping(a, count=3, interval=0.05) for a in ("127.0.0.1", "::1"))))

    for stats, family in zip(asyncio.run(run()), (4, 6), strict=True):
        assert stats.family == family and stats.error is None
        assert (stats.sent, stats.received, stats.loss) == (3, 3, 0.0)
        assert 0 < stats.rtt_min <= stats.rtt_avg <= stats.rtt_max < 100
        assert stats.jitter is not None and stats.jitter >= 0


def test_ping_without_a_route_says_network_unreachable(make_namespace: Callable[..., str]) -> None:
    ns = make_namespace()

    async def run() -> list[PingStats]:
        async with Pingers() as pingers:
            return [await pingers.ping(a, ns, count=2, interval=0.01) for a in ("198.18.255.1", "2001:db8::1")]

    for stats in asyncio.run(run()):
        assert (stats.sent, stats.received, stats.loss) == (2, 0, 1.0)
        assert stats.error == errors.NETWORK_UNREACHABLE


def test_ping_into_silence_times_out(make_namespace: Callable[..., str]) -> None:
    # The neighbours are known (no ARP/ND), so the requests leave; the peer end owns neither address: silence.
    ns = make_namespace(
        "link add xt0 type veth peer name xt1",
        "link set xt0 up",
        "link set xt1 up",
        "addr add 198.18.0.1/24 dev xt0",
        "addr add 2001:db8::1/64 dev xt0 nodad",
        "neigh add 198.18.0.99 lladdr 02:00:00:00:00:99 dev xt0 nud permanent",
        "neigh add 2001:db8::99 lladdr 02:00:00:00:00:99 dev xt0 nud permanent",
    )

    async def run() -> list[PingStats]:
        async with Pingers() as pingers:
            pings = (pingers.ping(a, ns, count=2, interval=0.05, timeout=0.3) for a in ("198.18.0.99", "2001:db8::99"))
            return list(await asyncio.gather(*pings))

    for stats in asyncio.run(run()):
        assert (stats.sent, stats.received, stats.loss, stats.error) == (2, 0, 1.0, errors.TIMEOUT)
        assert stats.rtt_avg is None and stats.jitter is None


def test_ping_to_a_neighbour_that_never_answers_arp_or_nd_says_no_route(make_namespace: Callable[..., str]) -> None:
    ns = make_namespace(
        "link add xt0 type veth peer name xt1",
        "link set xt0 up",
        "link set xt1 up",
        "addr add 198.18.1.1/24 dev xt0",
        "addr add 2001:db8:1::1/64 dev xt0 nodad",
    )
    for family in ("ipv4", "ipv6"):  # fail neighbour resolution fast: one probe, 100 ms
        subprocess.run(
            ["ip", "netns", "exec", ns, "sysctl", "-qw", f"net.{family}.neigh.xt0.mcast_solicit=1"], check=True
        )
        subprocess.run(
            ["ip", "netns", "exec", ns, "sysctl", "-qw", f"net.{family}.neigh.xt0.retrans_time_ms=100"], check=True
        )

    async def run() -> list[PingStats]:
        async with Pingers() as pingers:
            pings = (pingers.ping(a, ns, count=1, timeout=3) for a in ("198.18.1.99", "2001:db8:1::99"))
            return list(await asyncio.gather(*pings))

    for stats in asyncio.run(run()):
        assert (stats.sent, stats.received, stats.error) == (1, 0, errors.NO_ROUTE)


def test_ping_from_a_missing_namespace_is_a_result_not_an_exception(root: None) -> None:
    stats = asyncio.run(Pingers().ping("127.0.0.1", namespace=f"xt-probe-{os.getpid()}-missing", count=1))
    assert stats.sent == 0 and stats.loss == 1.0
    assert stats.error is not None and "no network namespace" in stats.error


def test_two_pingers_never_take_each_others_replies(root: None) -> None:
    async def run() -> tuple[list[PingStats], list[PingStats]]:
        async with Pinger(4) as first, Pinger(4) as second:
            assert first.identifier != second.identifier
            a = [first.ping(f"127.3.0.{n}", count=3, interval=0.01) for n in range(1, 51)]
            b = [second.ping(f"127.3.1.{n}", count=3, interval=0.01) for n in range(1, 51)]
            results = await asyncio.gather(*a, *b)
            return list(results[:50]), list(results[50:])

    for half in asyncio.run(run()):
        assert all(s.received == 3 and s.error is None for s in half)


def test_five_hundred_loopback_targets_all_answer(root: None) -> None:
    targets = [f"127.2.{n // 250}.{n % 250 + 1}" for n in range(500)]

    async def run() -> list[PingStats]:
        async with Pingers(pace=0.0005) as pingers:
            return list(await asyncio.gather(*(pingers.ping(t, count=2, interval=0.05, timeout=2) for t in targets)))

    results = asyncio.run(run())
    assert [s.address for s in results] == targets
    assert all(s.received == 2 and s.loss == 0.0 for s in results)


# --- sockets in a namespace ---


def test_socket_in_makes_the_socket_inside_the_namespace(make_namespace: Callable[..., str]) -> None:
    ns = make_namespace("addr add 198.18.2.1/32 dev lo")
    listener = socket_in(ns, socket.AF_INET, socket.SOCK_STREAM)
    with listener:
        listener.bind(("198.18.2.1", 0))  # only possible where 198.18.2.1 is a local address: inside
        listener.listen()
        port = listener.getsockname()[1]
        assert asyncio.run(connect("198.18.2.1", port, 2, namespace=ns)).ok
        with socket.socket() as outside, pytest.raises(OSError) as refused:
            outside.bind(("198.18.2.1", 0))  # the root namespace has no such address: no traffic sent
        assert refused.value.errno == errno.EADDRNOTAVAIL

    loopback = socket_in(ns, socket.AF_INET, socket.SOCK_STREAM)
    with loopback:
        loopback.bind(("127.0.0.1", 0))
        loopback.listen()
        port = loopback.getsockname()[1]
        assert asyncio.run(connect("127.0.0.1", port, 2, namespace=ns)).ok
        assert asyncio.run(connect("127.0.0.1", port, 2)).error == errors.REFUSED  # the host's own loopback


def test_socket_in_a_missing_namespace_says_which(root: None) -> None:
    with pytest.raises(NamespaceError, match="no network namespace xt-probe-none"):
        socket_in("xt-probe-none", socket.AF_INET, socket.SOCK_DGRAM)
    with pytest.raises(NamespaceError, match="bad network namespace name"):
        socket_in("../etc", socket.AF_INET, socket.SOCK_DGRAM)


def test_socket_in_leaves_the_thread_in_its_own_namespace(make_namespace: Callable[..., str]) -> None:
    before = os.stat("/proc/thread-self/ns/net").st_ino
    socket_in(make_namespace(), socket.AF_INET, socket.SOCK_DGRAM).close()
    assert os.stat("/proc/thread-self/ns/net").st_ino == before


# --- TCP ---


def test_tcp_connect_open_refused_and_timeout_on_loopback() -> None:
    with socket.socket() as server, socket.socket() as full:
        server.bind(("127.0.0.1", 0))
        server.listen()
        open_port = server.getsockname()[1]
        full.bind(("127.0.0.1", 0))
        full.listen(0)  # an accept queue of one that nobody accepts from: further SYNs are dropped
        full_port = full.getsockname()[1]
        fillers = [socket.create_connection(("127.0.0.1", full_port), timeout=0.2) for _ in range(1)]
        with socket.socket() as closed:
            closed.bind(("127.0.0.1", 0))
            closed_port = closed.getsockname()[1]  # bound, never listening: refused

            async def run() -> list[TcpResult]:
                return [
                    await connect("127.0.0.1", open_port, 2),
                    await connect("::1", closed_port, 2),
                    await connect("127.0.0.1", full_port, 0.3),
                ]

            opened, refused, timed_out = asyncio.run(run())
        for filler in fillers:
            filler.close()
    assert opened.ok and opened.latency_ms is not None and 0 < opened.latency_ms < 1000
    assert (refused.ok, refused.error) == (False, errors.REFUSED)
    assert (timed_out.ok, timed_out.error, timed_out.latency_ms) == (False, errors.TIMEOUT, None)


# --- DNS ---


class _Responder(asyncio.DatagramProtocol):
    """A resolver that knows one name per family, fails `broken.`, ignores `silent.`, denies everything else."""

    transport: Any  # asyncio's UDP transport is no asyncio.DatagramTransport subclass in 3.11

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        query = dns.message.from_wire(data)
        question = query.question[0]
        name = question.name.to_text()
        if name == "silent.example.":
            return
        response = dns.message.make_response(query)
        if name == "broken.example.":
            response.set_rcode(dns.rcode.SERVFAIL)
        elif name == "dept.example.":
            records = {"A": "198.51.100.7", "AAAA": "2001:db8::7"}
            kind = dns.rdatatype.to_text(question.rdtype)
            if kind in records:
                response.answer.append(dns.rrset.from_text(name, 300, "IN", kind, records[kind]))
        else:
            response.set_rcode(dns.rcode.NXDOMAIN)
        self.transport.sendto(response.to_wire(), addr)


def test_dns_lookups_distinguish_answer_nxdomain_no_answer_servfail_and_timeout() -> None:
    async def run() -> dict[str, DnsResult]:
        loop = asyncio.get_running_loop()
        v4, _ = await loop.create_datagram_endpoint(_Responder, local_addr=("127.0.0.1", 0))
        v6, _ = await loop.create_datagram_endpoint(_Responder, local_addr=("::1", 0))
        port4, port6 = v4.get_extra_info("sockname")[1], v6.get_extra_info("sockname")[1]
        try:
            return {
                "a": await lookup("dept.example", "A", "127.0.0.1", port=port4),
                "aaaa": await lookup("dept.example", "AAAA", "::1", port=port6),
                "nxdomain": await lookup("gone.example", "A", "127.0.0.1", port=port4),
                "no answer": await lookup("dept.example", "MX", "127.0.0.1", port=port4),
                "servfail": await lookup("broken.example", "AAAA", "::1", port=port6),
                "timeout": await lookup("silent.example", "A", "127.0.0.1", timeout=0.3, port=port4),
            }
        finally:
            v4.close()
            v6.close()

    results = asyncio.run(run())
    a, aaaa = results["a"], results["aaaa"]
    assert (a.ok, a.addresses, a.rcode, a.error) == (True, ("198.51.100.7",), "NOERROR", None)
    assert (aaaa.ok, aaaa.addresses, aaaa.resolver) == (True, ("2001:db8::7",), "::1")
    assert a.latency_ms is not None and 0 < a.latency_ms < 1000
    assert (results["nxdomain"].ok, results["nxdomain"].rcode, results["nxdomain"].error) == (
        False,
        "NXDOMAIN",
        "nxdomain",
    )
    assert (results["no answer"].rcode, results["no answer"].error) == ("NOERROR", "no answer")
    assert (results["servfail"].rcode, results["servfail"].error) == ("SERVFAIL", "servfail")
    assert (results["timeout"].rcode, results["timeout"].error) == (None, errors.TIMEOUT)


def test_dns_to_a_port_nobody_listens_on_says_port_unreachable() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    result = asyncio.run(lookup("dept.example", "A", "127.0.0.1", timeout=1, port=port))
    assert (result.ok, result.error) == (False, "port unreachable")


# --- SNMP against a real snmpd ---


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _udp_port_taken(address: str, port: int, namespace: str | None = None) -> bool:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket_in(namespace, family, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind((address, port))
        except OSError:
            return True
    return False


@contextlib.contextmanager
def _snmpd(directory: Path, listen: str, ready: tuple[str, int], namespace: str | None = None) -> Iterator[None]:
    """snmpd in the foreground with only our config (user `probe`, community `public`), stopped by its PID."""
    if not Path(SNMPD).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{SNMPD} missing under CI=true (Debian package snmpd)")
        pytest.skip(f"{SNMPD} missing (Debian package snmpd)")
    directory.mkdir(parents=True, exist_ok=True)
    conf = directory / "snmpd.conf"
    conf.write_text(
        f'createUser {USER.name} SHA "{USER.auth_key}" AES "{USER.priv_key}"\n'
        f"rouser {USER.name} priv\nrocommunity public\n"
    )
    command = [SNMPD, "-f", "-Lf", str(directory / "log"), "-C", "-c", str(conf), "-p", str(directory / "pid"), listen]
    if namespace is not None:
        command = ["ip", "netns", "exec", namespace, *command]
    env = {**os.environ, "SNMP_PERSISTENT_DIR": str(directory / "persist"), "MIBS": ""}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not _udp_port_taken(*ready, namespace):
            assert process.poll() is None, f"snmpd exited: {(directory / 'log').read_text(errors='replace')[-500:]}"
            assert time.monotonic() < deadline, "snmpd did not bind its port in 10 s"
            time.sleep(0.05)
        yield
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def snmp_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    _require_root()
    port = _free_udp_port()
    with _snmpd(tmp_path_factory.mktemp("snmpd"), f"udp:127.0.0.1:{port},udp6:[::1]:{port}", ("127.0.0.1", port)):
        yield port


def _read(port: int, *reads: tuple[str, str, Credentials]) -> list[SnmpResult]:
    async def run() -> list[SnmpResult]:
        async with SnmpPoller(timeout=0.5, retries=1) as poller:
            jobs = (
                poller.read_interface("r1", address, interface, creds, interval=0.2, port=port)
                for address, interface, creds in reads
            )
            return list(await asyncio.gather(*jobs))

    return asyncio.run(run())


def test_snmpv3_reads_the_loopback_interface_over_both_families(snmp_port: int) -> None:
    for result in _read(snmp_port, ("127.0.0.1", "lo", USER), ("::1", "lo", USER)):
        assert (result.device, result.interface, result.ok, result.error) == ("r1", "lo", True, None)
        assert result.oper_status == "up"
        assert result.in_bps is not None and result.in_bps >= 0
        assert result.out_bps is not None and result.out_bps >= 0
        assert result.in_errors == 0 and result.out_errors == 0


def test_snmp_reads_several_interfaces_of_one_device_together(snmp_port: int) -> None:
    async def run() -> list[SnmpResult]:
        async with SnmpPoller(timeout=0.5, retries=1) as poller:
            return await poller.read_interfaces("r1", "127.0.0.1", ["lo", "xt-none0", "LO"], USER, 0.2, snmp_port)

    found, missing, any_case = asyncio.run(run())
    assert (found.interface, found.ok, found.oper_status) == ("lo", True, "up")
    assert (missing.interface, missing.ok, missing.error) == ("xt-none0", False, "no such interface")
    assert (any_case.interface, any_case.ok, any_case.oper_status) == ("LO", True, "up")


def test_snmp_failures_are_named(snmp_port: int) -> None:
    wrong_auth = SnmpV3User(USER.name, "wrongauth123", USER.priv_key)
    unknown_user = SnmpV3User("nobody", USER.auth_key, USER.priv_key)
    results = _read(
        snmp_port,
        ("127.0.0.1", "lo", wrong_auth),
        ("127.0.0.1", "lo", unknown_user),
        ("127.0.0.1", "xt-no-such-if0", USER),
        ("127.0.0.1", "lo", SnmpCommunity("public")),
    )
    assert [r.error for r in results] == ["authentication failed", "authentication failed", "no such interface", None]
    assert results[3].oper_status == "up"
    assert all("wrongauth123" not in repr(r) for r in results)
    assert "authkey12345" not in repr(USER)


def test_snmp_to_a_port_without_an_agent_times_out(snmp_port: int) -> None:
    other = _free_udp_port()
    (result,) = _read(other, ("127.0.0.1", "lo", USER))
    assert (result.ok, result.error, result.oper_status) == (False, errors.TIMEOUT, None)


def test_snmp_reaches_an_agent_inside_a_namespace(make_namespace: Callable[..., str], tmp_path: Path) -> None:
    ns = make_namespace("addr add 198.18.3.1/32 dev lo")
    with _snmpd(tmp_path, "udp:198.18.3.1:161", ("198.18.3.1", 161), namespace=ns):

        async def run() -> SnmpResult:
            async with SnmpPoller(timeout=0.5, retries=1) as poller:
                return await poller.read_interface("r1", "198.18.3.1", "lo", USER, interval=0.1, namespace=ns)

        result = asyncio.run(run())
    assert (result.ok, result.oper_status, result.error) == (True, "up", None)
