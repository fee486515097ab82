"""Benchmark: the lab up (converged) and down for the example county and a synthetic 30-router network.

Prints bring-up to converged, teardown and memory per router (PSS of the lab's processes). Needs root and
network namespaces; without them the benchmark says so and skips. Run with ``make bench``.
"""

import time
from pathlib import Path

import pytest

from extranet import lab
from extranet.inventory import Inventory, load_inventory
from extranet.inventory.synth import synth

from ..conftest import REPO
from ..lab.conftest import lab_unavailable, searchable_tmp


def _pss_mib(pids: list[int]) -> float:
    """Proportional set size: shared library pages split between the processes that map them."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/smaps_rollup").read_text().split("\nPss:")[1].split()
        except (OSError, IndexError):
            continue
        total += int(fields[0])
    return total / 1024


def _measure(name: str, inv: Inventory) -> tuple[str, int, float, float, float]:
    directory = searchable_tmp() / "lab"
    started = time.perf_counter()
    state = lab.up(inv, directory)
    try:
        assert lab.wait_converged(state, timeout=120), f"{name}: OSPF did not converge"
        up_s = time.perf_counter() - started
        memory = _pss_mib([p.pid for p in state.procs]) / max(1, len(state.namespaces))
    finally:
        started = time.perf_counter()
        lab.down(directory)
        down_s = time.perf_counter() - started
    return name, len(state.namespaces), up_s, down_s, memory


def test_lab_up_and_down() -> None:
    reason = lab_unavailable()
    if reason:
        pytest.skip(f"lab: {reason}")
    rows = [
        _measure("example county (云岭县)", load_inventory(REPO / "inventory")),
        _measure("synthetic 30 routers", synth(1000, devices=30, links=45).inventory()),
    ]
    print(f"\n{'network':28}{'routers':>8}{'up→converged':>14}{'down':>8}{'MiB/router':>12}")
    print("(targets for 30 routers: under 10 s up and converged, under 3 s down, about 30 MiB per router)")
    for name, routers, up_s, down_s, memory in rows:
        print(f"{name:28}{routers:8d}{up_s:13.2f}s{down_s:7.2f}s{memory:12.1f}")
