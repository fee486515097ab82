"""Against the session's lab: departments with their own exit (class C/E) reach the Internet through their own
edge and isp, the extranet through the access router's hand-off; their exit never leaks into the extranet."""

import subprocess

import pytest

from extranet.lab.state import LabState
from extranet.lab.status import installed, ip_routes

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
    for router, ns in lab_state.namespaces.items():
        result = in_ns(ns, "ip", "route", "get", lab_state.internet)
        assert result.returncode != 0, (router, result.stdout)
    lan = lab_state.edge_routes["jyj"][0].split("/")[0]
    ping = in_ns(lab_state.namespaces["yl-core-01"], "ping", "-c1", "-W2", lan.rsplit(".", 1)[0] + ".1")
    assert ping.returncode == 0, ping.stdout


def test_private_networks_stay_unlinked(lab_state: LabState) -> None:
    assert "gaj-video" not in lab_state.spaces  # classified: never in the extranet lab
    for ns in lab_state.spaces.values():
        assert len(in_ns(ns, "ip", "-o", "link", "show").stdout.splitlines()) == 1  # lo only
