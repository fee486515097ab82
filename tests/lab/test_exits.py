"""Against the session's lab: departments with their own exit (class C/E) reach the Internet through their own
edge and isp, the extranet through the access router's hand-off; their exit never leaks into the extranet."""

import asyncio
import subprocess
from ipaddress import IPv4Interface

import pytest

from extranet.lab.state import LabState
from extranet.lab.status import installed, ip_routes
from extranet.probe.path import trace

pytestmark = pytest.mark.lab


def in_ns(ns: str, *command: str) -> subprocess.CompletedProcess[str]:
    command_line = ["ip", "netns", "exec", ns, *command]
    return subprocess.run(command_line, capture_output=True, text=True, timeout=20, check=False)


def route_dev(ns: str, target: str) -> str:
    words = in_ns(ns, "ip", "route", "get", target).stdout.split()
    return words[words.index("dev") + 1] if "dev" in words else ""


def test_the_edge_leaves_by_the_isp_for_the_internet_and_by_the_hand_off_for_the_extranet(
    lab_state: LabState,
) -> None:
    assert sorted(lab_state.edges) == ["jyj", "swj", "zjj"]
    core = lab_state.loopbacks["yl-core-01"]
    for dept, edge in lab_state.edges.items():
        assert route_dev(edge, lab_state.internet) == "isp0", dept
        assert route_dev(edge, core) == "eth0", dept
        for target in (core, lab_state.internet):
            ping = in_ns(edge, "ping", "-c1", "-W2", target)
            assert ping.returncode == 0, (dept, target, ping.stdout)


def test_the_backbone_learns_the_lans_but_not_the_departments_exit(lab_state: LabState) -> None:
    routes = ip_routes(lab_state, "yl-core-01")
    assert routes is not None
    for dept, prefixes in lab_state.edge_routes.items():
        assert all(installed(routes, p) for p in prefixes), (dept, prefixes)
    assert lab_state.edge_routes["zjj"] == ["198.19.250.0/24"]  # NATed: only the NAT prefix
    edges = {IPv4Interface(a).ip for a in lab_state.edge_handoffs.values()}
    for router, ns in lab_state.namespaces.items():  # the Internet is the unified exit's, never a department's
        words = in_ns(ns, "ip", "route", "get", lab_state.internet).stdout.split()
        assert "via" in words or router == "yl-exit-01", (router, words)
        assert "via" not in words or IPv4Interface(f"{words[words.index('via') + 1]}/32").ip not in edges, router
    hops = asyncio.run(trace(lab_state.internet, lab_state.namespaces["yl-core-01"]))
    assert hops.reached and hops.crosses({"198.18.2.10", "198.18.2.14"}), hops
    lan = lab_state.edge_routes["jyj"][0].split("/")[0]
    ping = in_ns(lab_state.namespaces["yl-core-01"], "ping", "-c1", "-W2", lan.rsplit(".", 1)[0] + ".1")
    assert ping.returncode == 0, ping.stdout


def test_private_networks_stay_off_the_extranet_until_integrated(lab_state: LabState) -> None:
    assert "gaj-video" not in lab_state.spaces  # classified: never in the extranet lab
    for net, ns in lab_state.spaces.items():
        links = sorted(line.split(":")[1].strip().split("@")[0] for line in
                       in_ns(ns, "ip", "-o", "link", "show").stdout.splitlines())  # fmt: skip
        # lo only; a network with a planned integration also has the patched hand-off and its legacy line
        assert links == (["eth0", "legacy0", "lo"] if net in lab_state.joints else ["lo"]), (net, links)
    core = lab_state.namespaces["yl-core-01"]
    assert in_ns(core, "ping", "-c1", "-W1", "203.0.113.161").returncode != 0  # the router's port is unconfigured
    inside = lab_state.spaces["nyj-nongye"]
    assert in_ns(inside, "ping", "-c1", "-W2", lab_state.legacy_gateways["nyj-nongye"]).returncode == 0
