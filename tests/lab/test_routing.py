"""Against the session's lab: routing converged, daemons up, the CLI's view, SSH and SNMP on the mgmt bridge."""

import json
import subprocess
from ipaddress import ip_interface, ip_network
from pathlib import Path

import pytest

from extranet.lab import converged, lab_status
from extranet.lab.files import Credentials
from extranet.lab.state import LabState
from extranet.lab.status import installed, ip_routes

from .conftest import run_cli

pytestmark = pytest.mark.lab


def test_every_loopback_in_every_router(lab_state: LabState) -> None:
    assert len(lab_state.namespaces) == 13
    for router in lab_state.namespaces:
        routes = ip_routes(lab_state, router)
        assert routes is not None, router
        missing = [lo for lo in lab_state.loopbacks.values() if not installed(routes, f"{lo}/32")]
        assert not missing, (router, missing)


def test_status_reports_running_and_converged(lab_state: LabState) -> None:
    statuses = lab_status(lab_state)
    assert converged(statuses)
    base = {"zebra", "staticd", "ospfd", "ospf6d", "sshd", "snmpd"}
    assert all(s.daemons.keys() in (base, base | {"bgpd"}) for s in statuses)
    result = run_cli("lab", "status", "--json", "--dir", lab_state.dir)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["converged"] is True and report["phase"] == "up"


def test_show_prints_the_mapping_and_mgmt(lab_state: LabState) -> None:
    result = run_cli("lab", "show", "--json", "--dir", lab_state.dir)
    shown = json.loads(result.stdout)
    assert shown["routers"]["yl-core-01"]["mgmt"] == "198.18.0.1"
    assert shown["routers"]["yl-core-01"]["interfaces"]["GigabitEthernet0/0/1"] == "eth1"
    assert shown["credentials"].endswith("credentials.json")
    assert "password" not in result.stdout


def test_exec_runs_inside_the_router(lab_state: LabState) -> None:
    result = run_cli("lab", "exec", "yl-bs-acc-01", "--dir", lab_state.dir, "--", "hostname")
    assert result.stdout.strip() == "yl-bs-acc-01"
    ping = run_cli("lab", "exec", "yl-qj-acc-01", "--dir", lab_state.dir, "--", "ping", "-c1", "-W2", "198.18.1.3")
    assert ping.returncode == 0, ping.stdout
    vtysh = run_cli("lab", "exec", "yl-core-01", "--dir", lab_state.dir, "--", "vtysh", "-c", "show ip ospf neighbor")
    assert vtysh.stdout.count("Full/") == 11


def credentials(lab_state: LabState) -> Credentials:
    return Credentials.load(Path(lab_state.dir) / "credentials.json")


def test_snmp_v3_and_v2c_on_the_mgmt_bridge(lab_state: LabState) -> None:
    creds = credentials(lab_state)
    oid, mgmt = "1.3.6.1.2.1.1.5.0", lab_state.mgmt["yl-dc-01"]
    v3 = ["snmpget", "-v3", "-l", "authPriv", "-u", creds.snmp_user, "-a", "SHA", "-A", creds.snmp_auth,
          "-x", "AES", "-X", creds.snmp_priv, "-m", "", "-t", "2", mgmt, oid]  # fmt: skip
    v2c = ["snmpget", "-v2c", "-c", creds.community, "-m", "", "-t", "2", mgmt, oid]
    for command in (v3, v2c):
        result = subprocess.run(command, capture_output=True, text=True, timeout=20, check=False)
        assert '"yl-dc-01"' in result.stdout, result.stderr


def test_ssh_login_lands_in_vtysh(lab_state: LabState) -> None:
    creds = credentials(lab_state)
    key = f"{lab_state.dir}/ssh/id_ed25519"
    options = ["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"]
    target = f"{creds.user}@{lab_state.mgmt['yl-qt-agg-01']}"
    result = subprocess.run(["ssh", "-i", key, *options, "-o", "LogLevel=ERROR", target, "show ip route ospf"],
                            capture_output=True, text=True, timeout=30, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "198.18.1.1/32" in result.stdout


def test_department_hosts_reach_each_other_across_the_backbone(lab_state: LabState) -> None:
    xwb, village = lab_state.hosts["xwb.office"], lab_state.host_addrs["vil-qj-cwh.office"].split("/")[0]
    for target in (village, lab_state.loopbacks["yl-exit-01"]):
        ping = subprocess.run(["ip", "netns", "exec", xwb, "ping", "-c1", "-W2", target],
                              capture_output=True, text=True, timeout=20, check=False)  # fmt: skip
        assert ping.returncode == 0, (target, ping.stdout)


def test_show_lists_the_edges_and_isps(lab_state: LabState) -> None:
    shown = json.loads(run_cli("lab", "show", "--json", "--dir", lab_state.dir).stdout)["edges"]
    assert set(shown) == set(lab_state.edges)
    for dept, edge in shown.items():
        assert edge["namespace"] == lab_state.edges[dept] and edge["isp_namespace"] == lab_state.isps[dept]
        assert ip_interface(edge["handoff"]).network.prefixlen == 30 and ip_network(edge["isp"]).prefixlen == 30
    text = run_cli("lab", "show", "--dir", lab_state.dir).stdout
    assert all(ns in text for ns in lab_state.edges.values())
