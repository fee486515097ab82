"""Benchmark: ICMP to 1,000 loopback addresses (127.1.x.y) — icmplib's multiping, our Pingers, and fping.

Same work for all three: 3 echoes per address, 200 ms apart per address, 1 ms between any two sends (fping's
-i 1), 2 s timeout. Then our Pingers again while, in the same loop, 1,000 TCP connects to a loopback listener
and 100 SNMPv3 uplink readings (two GETs each, 1 s apart; one snmpd on loopback, so one interface walk) run.
Prints wall time and replies, asserts nothing about time. Needs root (raw sockets), fping and snmpd; without
them it says so and skips. Run with ``make bench``. Loopback only: nothing leaves the host.
"""

import asyncio
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import icmplib
import pytest

from extranet.probe.icmp import Pingers
from extranet.probe.snmp import SnmpPoller
from extranet.probe.tcp import connect

from ..unit.test_probe_primitives import USER, _free_udp_port, _snmpd

TARGETS = [f"127.1.{n // 250}.{n % 250 + 1}" for n in range(1000)]
COUNT, INTERVAL, PACE, TIMEOUT = 3, 0.2, 0.001, 2.0
SNMP_READS = 100  # uplinks read (twice, 1 s apart) while the pings and connects run


def _report(label: str, started: float, replies: int) -> None:
    print(f"{label:<52} {time.perf_counter() - started:6.2f} s  {replies}/{COUNT * len(TARGETS)} replies")


async def _icmplib() -> int:
    hosts = await icmplib.async_multiping(TARGETS, count=COUNT, interval=INTERVAL, timeout=TIMEOUT)
    return sum(h.packets_received for h in hosts)


async def _pingers() -> int:
    async with Pingers(pace=PACE) as pingers:
        stats = await asyncio.gather(
            *(pingers.ping(t, count=COUNT, interval=INTERVAL, timeout=TIMEOUT) for t in TARGETS)
        )
    return sum(s.received for s in stats)


async def _pingers_with_tcp_and_snmp(snmp_port: int) -> tuple[int, int, int]:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(4096)
        server.setblocking(False)
        port = server.getsockname()[1]
        loop = asyncio.get_running_loop()
        loop.add_reader(server, lambda: server.accept()[0].close())
        try:
            pings = asyncio.gather(_pingers())
            semaphore = asyncio.Semaphore(200)

            async def one() -> bool:
                async with semaphore:
                    return (await connect("127.0.0.1", port, TIMEOUT)).ok

            async with SnmpPoller(timeout=1.0, retries=1) as poller:
                reads = [
                    poller.read_interface(f"r{n}", "127.0.0.1", "lo", USER, 1.0, snmp_port) for n in range(SNMP_READS)
                ]
                connects, readings = await asyncio.gather(
                    asyncio.gather(*(one() for _ in TARGETS)), asyncio.gather(*reads)
                )
            (replies,) = await pings
        finally:
            loop.remove_reader(server)
    return replies, sum(connects), sum(r.ok for r in readings)


def _fping() -> int:
    command = ["fping", "-q", "-C", str(COUNT), "-p", str(int(INTERVAL * 1000)), "-i", str(int(PACE * 1000))]
    command += ["-t", str(int(TIMEOUT * 1000)), *TARGETS]
    output = subprocess.run(command, capture_output=True, text=True, check=False).stderr
    return sum(value != "-" for line in output.splitlines() for value in line.split(":", 1)[1].split())


def test_icmp_on_1000_loopback_addresses(tmp_path: Path) -> None:
    if os.geteuid() != 0 or shutil.which("fping") is None:
        pytest.skip("needs root (raw ICMP sockets) and fping")
    print()
    for label, work in (
        ("fping -C 3 -p 200 -i 1 -t 2000", None),
        ("icmplib.async_multiping (concurrent_tasks=50)", _icmplib),
        ("extranet.probe.icmp.Pingers", _pingers),
    ):
        started = time.perf_counter()
        replies = _fping() if work is None else asyncio.run(work())
        _report(label, started, replies)
    port = _free_udp_port()
    with _snmpd(tmp_path, f"udp:127.0.0.1:{port}", ("127.0.0.1", port)):
        started = time.perf_counter()
        replies, connected, read = asyncio.run(_pingers_with_tcp_and_snmp(port))
        _report(f"Pingers + {connected} TCP + {read} SNMPv3 reads, one loop", started, replies)
