"""Against the session's lab: information systems listen, cloud/DC hosts, private networks, FRR daemons, overlay."""

import subprocess
from ipaddress import ip_address, ip_network
from pathlib import Path

import pytest

from extranet.inventory import load_inventory
from extranet.lab.overlay import load_overlay
from extranet.lab.state import LabState
from extranet.lab.system import alive

from .conftest import EXAMPLE

pytestmark = pytest.mark.lab

CONNECT = """
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)
print(s.recv(100).decode().strip())
"""


def connect(ns: str, address: str, port: int) -> str:
    command = ["ip", "netns", "exec", ns, "python3", "-c", CONNECT, address, str(port)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=20, check=False)
    assert result.returncode == 0, (ns, address, port, result.stderr)
    return result.stdout.strip()


def test_department_system_answers_from_another_department_host(lab_state: LabState) -> None:
    address, port = lab_state.services["czj-gkk-query"][0].split(":")
    assert address == "198.19.6.20"  # the system's own address, added to the czj payment LAN host
    assert connect(lab_state.hosts["xwb.office"], address, int(port)) == "czj-gkk-query"
    assert connect(lab_state.namespaces["yl-agg-01"], "198.19.5.30", 80) == "czj-cgk-ledger"


def test_cloud_and_datacenter_systems_run_behind_their_routers(lab_state: LabState) -> None:
    assert {"yunling-cloud.lan1", "yunling-cloud.lan2", "yunling-dc.lan1", "yunling-dc.lan2"} <= set(lab_state.hosts)
    assert lab_state.host_gateways["yunling-cloud.lan1"] == "198.18.16.1"
    host = lab_state.hosts["zfb.office"]
    assert connect(host, "198.18.16.11", 443) == "oa"
    assert connect(host, "198.18.8.22", 8443) == "budget"


def test_every_extranet_system_with_a_tcp_service_is_placed(lab_state: LabState) -> None:
    inventory = load_inventory(EXAMPLE)
    for system in inventory.systems.values():
        tcp = [s for s in system.services if s.protocol == "tcp"]
        if system.runs_at.kind == "internal" or not tcp:
            assert system.id not in lab_state.services
        elif system.runs_at.kind in ("cloud", "datacenter"):
            assert system.id in lab_state.services
    listeners = [p for p in lab_state.procs if p.daemon == "service"]
    assert listeners and all(alive(p) for p in listeners)


def test_private_networks_are_isolated_namespaces(lab_state: LabState) -> None:
    inventory = load_inventory(EXAMPLE)
    assert "gaj-video" not in lab_state.spaces  # classified: never in the extranet lab
    for net_id, ns in lab_state.spaces.items():
        shown = subprocess.run(["ip", "-n", ns, "-4", "-o", "addr"], capture_output=True, text=True, check=True)
        for prefix in inventory.private_networks[net_id].prefixes:
            first = f"{prefix.network_address + 1}/{prefix.prefixlen}"
            assert first in shown.stdout, (ns, first)
            for router_ns in lab_state.namespaces.values():  # nothing routes it: only the unified exit's default
                first_address = str(prefix.network_address + 1)
                route = subprocess.run(["ip", "-n", router_ns, "route", "show", "match", first_address],
                                       capture_output=True, text=True, check=True)  # fmt: skip
                found = [r.split()[0] for r in route.stdout.splitlines() if not r[:1].isspace()]  # not ECMP hops
                assert found == ["default"], (router_ns, route.stdout)
    assert connect(lab_state.spaces["rsj-sibao"], "203.0.113.101", 7001) == "sibao"


def test_ospf6d_and_bgpd_run_but_hosts_have_no_ipv6(lab_state: LabState) -> None:
    daemons = {(p.node, p.daemon) for p in lab_state.procs}
    assert all((router, "ospf6d") in daemons for router in lab_state.namespaces)
    assert {r for r, d in daemons if d == "bgpd"} == {"yl-core-01", "yl-core-02", "yl-exit-01"}
    conf = (lab_state.router_dir("yl-core-01") / "etc" / "frr.conf").read_text()
    assert "router bgp 65001\n bgp router-id 198.18.1.1\n" in conf and "neighbor" not in conf
    for key, ns in lab_state.hosts.items():
        addrs = ip6(ns, "addr", "show", "scope", "global")
        assert addrs == "" and ip6(ns, "route", "show", "default") == "", key


def ip6(ns: str, *args: str) -> str:
    return subprocess.run(["ip", "-n", ns, "-6", *args], capture_output=True, text=True, check=True).stdout.strip()


def test_overlay_maps_every_device(lab_state: LabState) -> None:
    inventory = load_inventory(EXAMPLE)
    overlay = load_overlay(Path(lab_state.dir))
    assert set(overlay) == set(inventory.devices)
    for name, device in inventory.devices.items():
        entry = overlay[name]
        assert entry["host"] == str(device.mgmt) and entry["platform"] == "frr"
        assert entry["device_type"] == "cisco_ios" and entry["interfaces"] == lab_state.mapping[name]
        assert Path(entry["credentials_file"]).name == "credentials.json" and "password" not in entry
    assert overlay["yl-core-01"]["interfaces"]["GigabitEthernet0/0/1"] == "eth1"


def test_systems_of_departments_with_their_own_exit_answer_from_the_edge(lab_state: LabState) -> None:
    inventory = load_inventory(EXAMPLE)
    core, reached = lab_state.namespaces["yl-core-01"], []
    for system in inventory.systems.values():
        dept = system.runs_at.ref or ""
        if system.runs_at.kind != "department" or dept not in lab_state.edges:
            continue
        routed = [ip_network(p) for p in lab_state.edge_routes[dept]]
        for bind in lab_state.services.get(system.id, []):
            address, port = bind.rsplit(":", 1)
            # zjj's LAN is NATed: only addresses in the routed (NAT) prefix are reachable from the extranet, so a
            # system on the legacy LAN address (zjj's) listens in the edge but is skipped here
            if any(ip_address(address) in net for net in routed):
                assert connect(core, address, int(port)) == system.id
                reached.append(system.id)
    assert "jyj-ziyuan" in reached
