"""`lab fault`: each fault takes effect within seconds and heals; every test leaves the shared lab healthy."""

import json
import re
import subprocess
import time
from collections.abc import Callable
from ipaddress import ip_network
from pathlib import Path

import pytest

from extranet.lab import load_state, wait_converged
from extranet.lab.state import LabState
from extranet.lab.status import installed, ip_routes
from extranet.lab.system import alive, start_time

from .conftest import run_cli

pytestmark = pytest.mark.lab
TIMEOUT = 15.0
SINGLE_HOMED = ("yl-core-01", "yl-bs-acc-01")  # the only link of yl-bs-acc-01


def fault(state: LabState, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("lab", "fault", *args, "--dir", state.dir)


def poll(check: Callable[[], bool], timeout: float = TIMEOUT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def refresh(state: LabState) -> LabState:
    """The session fixture's state, updated from disk (a restart changes pids)."""
    disk = load_state(Path(state.dir))
    assert disk is not None
    state.procs[:] = disk.procs
    state.faults[:] = disk.faults
    return state


def healthy(state: LabState) -> None:
    refresh(state)
    assert not state.faults, state.faults
    assert wait_converged(state, 30), "the lab did not reconverge"


def routed(state: LabState, router: str, prefix: str) -> bool:
    routes = ip_routes(state, router)
    return routes is not None and installed(routes, prefix)


def vtysh_json(state: LabState, router: str, command: str) -> dict[str, object]:
    bdir = state.router_dir(router)
    args = ["vtysh", "--vty_socket", str(bdir / "run"), "--config_dir", str(bdir / "etc"), "-c", command]
    result = subprocess.run(args, capture_output=True, text=True, timeout=10, check=False)
    try:
        data: dict[str, object] = json.loads(result.stdout)
    except json.JSONDecodeError:
        return {}
    return data


def neighbour_on(state: LabState, router: str, linux_if: str) -> bool:
    """An OSPF neighbour of ``router`` on its interface ``linux_if``."""
    neighbours = vtysh_json(state, router, "show ip ospf neighbor json").get("neighbors", {})
    assert isinstance(neighbours, dict)
    return any(n.get("ifaceName", "").split(":")[0] == linux_if for entries in neighbours.values() for n in entries)


def link_if(state: LabState, router: str, peer: str) -> str:
    link = next(lk for lk in state.links if {lk[0], lk[2]} == {router, peer})
    return link[1] if link[0] == router else link[3]


def status_faults(state: LabState) -> list[dict[str, str]]:
    result = run_cli("lab", "status", "--json", "--dir", state.dir)
    faults: list[dict[str, str]] = json.loads(result.stdout)["faults"]
    return faults


def ping(ns: str, target: str, count: int = 1) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", "netns", "exec", ns, "ping", "-n", "-c", str(count), "-i", "0.2", "-W", "1", target],
                          capture_output=True, text=True, timeout=20, check=False)  # fmt: skip


def test_unknown_targets_exit_2_and_name_what_exists(lab_state: LabState) -> None:
    result = fault(lab_state, "link-down", "yl-exit-01", "yl-bs-acc-01")
    assert result.returncode == 2
    assert "no link between" in result.stderr and "yl-bs-acc-01" in result.stderr
    assert fault(lab_state, "kill", "yl-core-01", "ripd").returncode == 2
    assert fault(lab_state, "partition", "nosuchdept").returncode == 2
    assert not refresh(lab_state).faults


def test_link_down_drops_the_far_loopback_and_link_up_restores_it(lab_state: LabState) -> None:
    core, leaf = SINGLE_HOMED
    loopback = f"{lab_state.loopbacks[leaf]}/32"
    try:
        result = fault(lab_state, "link-down", leaf, core)  # either order names the link
        assert result.returncode == 0, result.stderr
        assert poll(lambda: not routed(lab_state, core, loopback), 8), "route survived link-down"
        assert not neighbour_on(lab_state, core, link_if(lab_state, core, leaf))
        assert status_faults(lab_state) == [{"kind": "link-down", "target": f"{core} {leaf}", "detail": ""}]
    finally:
        assert fault(lab_state, "link-up", core, leaf).returncode == 0
    assert poll(lambda: routed(lab_state, core, loopback)), "route did not come back after link-up"
    healthy(lab_state)


def test_netem_arguments_are_checked(lab_state: LabState) -> None:
    core, leaf = SINGLE_HOMED
    assert fault(lab_state, "netem", core, leaf).returncode == 2  # neither --loss nor --delay
    assert fault(lab_state, "netem", core, leaf, "--delay", "fast").returncode == 2
    assert fault(lab_state, "netem", leaf, "yl-exit-01", "--delay", "5ms").returncode == 2  # no such link
    assert not refresh(lab_state).faults


def test_netem_delays_the_link_and_clears(lab_state: LabState) -> None:
    core, leaf = SINGLE_HOMED
    ns, dev = lab_state.namespaces[core], link_if(lab_state, core, leaf)
    target = lab_state.loopbacks[leaf]

    def qdisc() -> str:
        return subprocess.run(["tc", "-n", ns, "qdisc", "show", "dev", dev], capture_output=True, text=True).stdout

    try:
        result = fault(lab_state, "netem", core, leaf, "--loss", "10", "--delay", "50ms")
        if "no netem qdisc" in result.stderr:  # a kernel without sch_netem (as on this project's machines):
            assert result.returncode == 1  # the operator is told, and nothing is half-applied or recorded
            assert "netem" not in qdisc() and status_faults(lab_state) == []
            return
        assert result.returncode == 0, result.stderr
        assert "netem" in qdisc() and "delay 50ms" in qdisc() and "loss 10%" in qdisc()
        rtt = re.search(r"= ([\d.]+)/", ping(lab_state.namespaces[core], target, 5).stdout)
        assert rtt is not None and float(rtt.group(1)) >= 90, "netem on both ends: RTT at least 2 x 50 ms"
        assert status_faults(lab_state)[0]["detail"] == "delay 50ms loss 10%"
    finally:
        assert fault(lab_state, "netem-clear", core, leaf).returncode == 0
    assert "netem" not in qdisc()
    rtt = re.search(r"= ([\d.]+)/", ping(lab_state.namespaces[core], target, 3).stdout)
    assert rtt is not None and float(rtt.group(1)) < 50
    healthy(lab_state)


def test_kill_ospfd_drops_the_neighbour_and_restart_reconverges(lab_state: LabState) -> None:
    node, peer = "yl-ll-acc-01", "yl-core-02"
    old = next(p for p in refresh(lab_state).procs if p.node == node and p.daemon == "ospfd")
    others = [p for p in lab_state.procs if p.daemon == "ospfd" and p.node != node]
    peer_if = link_if(lab_state, peer, node)
    restarted = False
    try:
        result = fault(lab_state, "kill", node, "ospfd")
        assert result.returncode == 0, result.stderr
        assert start_time(old.pid) is None, "ospfd still runs"
        assert all(alive(p) for p in others), "only the recorded pid is stopped"
        assert poll(lambda: not neighbour_on(lab_state, peer, peer_if), 8), "the neighbour did not drop"
        assert status_faults(lab_state) == [{"kind": "kill", "target": f"{node} ospfd", "detail": ""}]
        assert fault(lab_state, "kill", node, "ospfd").returncode == 1  # not running
        result = fault(lab_state, "restart", node, "ospfd")
        restarted = result.returncode == 0
        assert restarted, result.stderr
    finally:
        if not restarted:
            fault(lab_state, "restart", node, "ospfd")
        refresh(lab_state)
    new = next(p for p in lab_state.procs if p.node == node and p.daemon == "ospfd")
    assert new.pid != old.pid and alive(new)
    assert [p.pid for p in lab_state.procs if p.node == node and p.daemon == "ospfd"] == [new.pid]
    assert poll(lambda: neighbour_on(lab_state, peer, peer_if)), "the neighbour did not come back"
    healthy(lab_state)


def test_restart_of_a_running_daemon_replaces_its_pid(lab_state: LabState) -> None:
    node = "yl-core-02"
    old = next(p for p in refresh(lab_state).procs if p.node == node and p.daemon == "snmpd")
    result = fault(lab_state, "restart", node, "snmpd")
    assert result.returncode == 0, result.stderr
    new = next(p for p in refresh(lab_state).procs if p.node == node and p.daemon == "snmpd")
    assert new.pid != old.pid and alive(new) and not alive(old)
    healthy(lab_state)


def test_partition_cuts_the_department_off_its_gateway_and_heal_restores(lab_state: LabState) -> None:
    ns, gateway = lab_state.hosts["xwb.office"], lab_state.host_gateways["xwb.office"]
    assert ping(ns, gateway).returncode == 0
    try:
        result = fault(lab_state, "partition", "xwb")
        assert result.returncode == 0, result.stderr
        assert ping(ns, gateway).returncode != 0
        assert status_faults(lab_state) == [{"kind": "partition", "target": "xwb", "detail": ""}]
    finally:
        assert fault(lab_state, "heal", "xwb").returncode == 0
    assert poll(lambda: ping(ns, gateway).returncode == 0, 5)
    assert ping(ns, lab_state.loopbacks["yl-exit-01"]).returncode == 0  # the default route is back
    healthy(lab_state)


def test_partition_of_an_edge_department_cuts_its_hand_off_and_heal_restores(lab_state: LabState) -> None:
    dept = "jyj"
    if dept not in lab_state.edges:
        pytest.skip("the inventory gives jyj no own exit")
    core, edge = lab_state.namespaces["yl-core-01"], lab_state.edges[dept]
    target = str(ip_network(lab_state.edge_routes[dept][0]).network_address + 1)  # on the edge's lo
    assert poll(lambda: ping(core, target).returncode == 0, 5)
    try:
        result = fault(lab_state, "partition", dept)
        assert result.returncode == 0, result.stderr
        assert edge in result.stdout
        assert poll(lambda: ping(core, target).returncode != 0, 5), "the edge still answers"
        assert status_faults(lab_state) == [{"kind": "partition", "target": dept, "detail": ""}]
    finally:
        assert fault(lab_state, "heal", dept).returncode == 0
    assert poll(lambda: ping(core, target).returncode == 0, 10), "the edge did not come back"
    routes = subprocess.run(["ip", "-n", edge, "route"], capture_output=True, text=True, check=False).stdout
    assert "default via" in routes and "198.18.0.0/15 via" in routes
    healthy(lab_state)
