"""Benchmark: probing targets spread over the lab's department namespaces, `extranet probe` against `fping`.

The example county's lab is brought up and made dual-stack; then 100, 1,000 and 5,000 targets (half IPv4,
half IPv6) are added as addresses on the department hosts' LAN interfaces. From the core router's namespace,
fping pings them (3 echoes, 200 ms apart, 1 ms between packets, 1 s timeout), and the probe engine pings the
same targets with the same settings while also connecting to every system's TCP service and reading every
access router's uplinks by SNMPv3 — in the same run. Target: within 1.5× of fping's wall time.
Needs root and network namespaces. Run with ``make bench``.
"""

import asyncio
import os
import subprocess
import sys
import time
from ipaddress import IPv4Interface, IPv6Network
from pathlib import Path

import pytest

from extranet import lab
from extranet.inventory import load_inventory
from extranet.lab.files import Credentials
from extranet.lab.services import HOST_DEV
from extranet.lab.state import LabState
from extranet.plan.lock import read_lock
from extranet.plan.pairs import pairs
from extranet.probe.run import ProbeRun
from extranet.probe.settings import ProbeSettings
from extranet.probe.snmp import SnmpV3User
from extranet.probe.targets import Check, DepartmentPlan, Planner

from ..conftest import REPO
from ..lab.conftest import lab_unavailable, searchable_tmp

SIZES = (100, 1000, 5000)
SETTINGS = ProbeSettings(count=3, interval=0.2, timeout=1.0, snmp_interval=1.0)
FPING = ["fping", "-q", "-C", "3", "-p", "200", "-i", "1", "-t", "1000"]


def targets(state: LabState, size: int) -> tuple[list[str], list[str]]:
    """``size`` addresses over the department hosts (IPv4 in their LAN, IPv6 in their planned /64) and the
    lines that add them (``NAMESPACE ip-batch-command``)."""
    inv = load_inventory(REPO / "inventory")
    lock = read_lock(REPO / "netplan" / "allocations.yml")
    v6 = {f"{p.owner}.{p.name}": IPv6Network(p.ipv6) for p in pairs(inv, lock) if p.kind == "lan"}
    hosts = sorted(
        k
        for k in state.hosts
        if k in v6 and IPv4Interface(state.host_addrs.get(k, "0.0.0.0/32")).network.prefixlen == 24
    )
    found: list[str] = []
    lines: list[str] = []
    used: dict[tuple[str, int], int] = {}
    for n in range(size):
        family = 4 if n % 2 == 0 else 6
        key = hosts[n % len(hosts)]
        if family == 4:  # .100–.253 of each /24 (below: the gateway, the host, the systems' listeners)
            key = next(hosts[(n + i) % len(hosts)] for i in range(len(hosts))
                       if used.get((hosts[(n + i) % len(hosts)], 4), 0) < 154)  # fmt: skip
        ns, slot = state.hosts[key], 100 + used.get((key, family), 0)
        used[(key, family)] = slot - 99
        if family == 4:
            address = str(IPv4Interface(state.host_addrs[key]).network.network_address + slot)
            lines.append(f"{ns} addr add {address}/32 dev {HOST_DEV}")
        else:
            address = str(v6[key].network_address + 0x1000 + slot)
            lines.append(f"{ns} addr add {address}/128 dev {HOST_DEV} nodad")
        found.append(address)
    return found, lines


def ours(state: LabState, addresses: list[str]) -> float:
    """The probe engine from the core's namespace: the pings, plus every department's TCP and SNMP checks."""
    inv = load_inventory(REPO / "inventory")
    planner = Planner(inv, read_lock(REPO / "netplan" / "allocations.yml"), state, "core", [])
    core_ns = state.namespaces[planner.core]
    plans = [DepartmentPlan(f"t{n}", core_ns, "core", [Check(f"t{n}", 6 if ":" in a else 4, "icmp", "target", a)])
             for n, a in enumerate(addresses)]  # fmt: skip
    for dept in inv.departments.values():
        plan = planner.plan(dept)
        plan.checks = [c for c in plan.checks if c.kind in ("tcp", "snmp")]
        plans.append(plan)
    creds = Credentials.load(Path(state.dir) / "credentials.json")
    snmp = SnmpV3User(creds.snmp_user, creds.snmp_auth, creds.snmp_priv)
    started = time.perf_counter()
    probed = asyncio.run(ProbeRun(SETTINGS, snmp).run(plans))
    seconds = time.perf_counter() - started
    answered = sum(1 for p in probed[: len(addresses)] if p.results[0].ok)
    assert answered == len(addresses), f"{len(addresses) - answered} targets did not answer the probe"
    assert any(r.kind == "snmp" and r.ok for p in probed for r in p.results), "no SNMP reading"
    return seconds


def fping(state: LabState, addresses: list[str], core_ns: str) -> float:
    started = time.perf_counter()
    proc = subprocess.run(["ip", "netns", "exec", core_ns, *FPING], input="\n".join(addresses), text=True,
                          capture_output=True, timeout=600)  # fmt: skip
    seconds = time.perf_counter() - started
    lost = [line for line in proc.stderr.splitlines() if " - " in line or ": -" in line]
    assert proc.returncode == 0, f"fping: {len(lost)} targets lost, e.g. {lost[:3]}"
    return seconds


NEIGHBOUR_LIMITS = [f"/proc/sys/net/{family}/neigh/default/gc_thresh{n}" for family in ("ipv4", "ipv6") for n in (2, 3)]
_saved: dict[str, str] = {}


def raise_neighbour_limits() -> None:
    """The kernel's neighbour table is one for all namespaces (default 1,024 entries): the gateway routers must
    learn every target. Raised for the run, restored after it."""
    for path in NEIGHBOUR_LIMITS:
        _saved[path] = Path(path).read_text()
        Path(path).write_text("32768\n")


def restore_neighbour_limits() -> None:
    for path, value in _saved.items():
        Path(path).write_text(value)


def test_probe_against_fping() -> None:
    reason = lab_unavailable()
    if reason:
        pytest.skip(f"lab: {reason}")
    directory = searchable_tmp() / "lab"
    workspace = directory.parent
    for name in ("inventory", "netplan", "playbooks"):
        (workspace / name).symlink_to(REPO / name)
    state = lab.up(load_inventory(REPO / "inventory"), directory)
    rows = []
    try:
        assert lab.wait_converged(state, timeout=120)
        env = {**os.environ, "EXTRANET_LAB_DIR": str(directory)}
        env.pop("EXTRANET_DB_URL", None)
        extranet = str(Path(sys.executable).parent / "extranet")
        subprocess.run([extranet, "push", "dual-stack", "--lab", "--waves", "100%"], cwd=workspace, env=env,
                       check=True, capture_output=True, timeout=600)  # fmt: skip
        core_ns = state.namespaces[Planner(load_inventory(REPO / "inventory"), read_lock(REPO / "netplan" /
                                           "allocations.yml"), state, "core", []).core]  # fmt: skip
        raise_neighbour_limits()
        added = 0
        for size in SIZES:
            addresses, lines = targets(state, size)
            by_ns: dict[str, list[str]] = {}
            for line in lines[added:]:
                ns, command = line.split(" ", 1)
                by_ns.setdefault(ns, []).append(command)
            for ns, commands in by_ns.items():
                subprocess.run(["ip", "-n", ns, "-batch", "-"], input="\n".join(commands) + "\n", text=True, check=True)
            added = len(lines)
            time.sleep(2)  # let the routers learn the new neighbours' first packets are not lost to ND
            fping(state, addresses, core_ns)  # warm the neighbour caches for both tools alike
            theirs = fping(state, addresses, core_ns)
            mine = ours(state, addresses)
            rows.append((size, theirs, mine))
    finally:
        lab.down(directory)
        restore_neighbour_limits()
    print("\nprobe from the core's namespace, targets on the department hosts (half IPv4, half IPv6), 3 echoes")
    print("extranet also connects to every system's TCP service and reads every uplink by SNMPv3 (target ≤ 1.5×)")
    print(f"{'targets':>8}{'fping':>9}{'extranet probe':>16}{'ratio':>8}")
    for size, theirs, mine in rows:
        print(f"{size:8d}{theirs:8.2f}s{mine:15.2f}s{mine / theirs:7.2f}×")
