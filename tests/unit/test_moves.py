"""The tracked moves' pieces that need no lab (issue 13): the inventory's planned integrations, the lab's topology
for them, the move playbooks' front door refusing bad items, the path trace's parsing, the default-route reading of
a department router's config, and the network and exit gates judged against a real SQLite store and history."""

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from ipaddress import IPv4Address, IPv4Interface
from pathlib import Path

import pytest

from extranet.history import ConfigHistory
from extranet.inventory import load_inventory
from extranet.lab.files import frr_conf
from extranet.lab.topology import build_topology
from extranet.probe.path import Trace, hop_of
from extranet.rollout.moves import MoveError, default_routes, edge_config, exit_addresses, move_hosts
from extranet.store import open_store
from extranet.store.schema import DepartmentStatus, ProbeResult
from extranet.track import items
from extranet.track.gates import judge

from ..conftest import REPO

EXTRANET = str(Path(sys.executable).parent / "extranet")


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXTRANET_")}
    return subprocess.run([EXTRANET, *args], capture_output=True, text=True, timeout=120, cwd=cwd, env=env)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    for part in ("inventory", "netplan", "playbooks"):
        shutil.copytree(REPO / part, tmp_path / part)
    return tmp_path


# ---- the inventory ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        ("handoff: 198.18.3.17/30", "handoff: 198.18.3.17/24", "198.18.3.17/24 is a /24: a hand-off is a /30 or /31"),
        ("handoff: 198.18.3.17/30", "handoff: 198.18.3.16/30", "198.18.3.16 is not a host address of 198.18.3.16/30"),
        ("handoff: 198.18.3.17/30", "handoff: 198.18.3.1/30", "overlaps yl-agg-01 GigabitEthernet1/0/23"),
        ("handoff: 198.18.3.17/30", "handoff: 203.0.113.1/30", "outside the region's IPv4 space"),
        ("GigabitEthernet1/0/26}", "GigabitEthernet1/0/99}", "'yl-agg-01' has no interface 'GigabitEthernet1/0/99'"),
        ("GigabitEthernet1/0/26}", "GigabitEthernet1/0/23}", "already has 198.18.3.1/30"),
        ("legacy_gateway: 203.0.113.254", "legacy_gateway: 198.18.3.200", "in the region's extranet space"),
    ],
)
def test_a_bad_integration_is_refused_naming_file_line_and_field(workspace: Path, old: str, new: str,
                                                                  said: str) -> None:  # fmt: skip
    path = workspace / "inventory" / "private_networks.yml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    proc = cli(workspace, "inventory", "check")
    assert proc.returncode == 2, proc.stdout
    assert "inventory/private_networks.yml:" in proc.stderr and "private_networks[4].integration" in proc.stderr
    assert said in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_classified_network_has_no_integration(workspace: Path) -> None:
    path = workspace / "inventory" / "private_networks.yml"
    text = path.read_text(encoding="utf-8").replace(
        "    target: internal          # 涉密: goes to the internal network, never the extranet\n",
        "    target: internal          # 涉密: goes to the internal network, never the extranet\n"
        "    integration: {attach: {device: yl-agg-01, interface: GigabitEthernet1/0/25}, handoff: 198.18.3.21/30}\n",
    )
    path.write_text(text, encoding="utf-8")
    proc = cli(workspace, "inventory", "check")
    assert proc.returncode == 2
    assert "private_networks[0].integration: a network going to the internal network" in proc.stderr


# ---- the lab's topology -------------------------------------------------------------------------------------


def test_the_lab_patches_each_planned_integration_and_models_its_legacy_line() -> None:
    topo = build_topology(load_inventory(REPO / "inventory"))
    [joint] = topo.joints
    assert (joint.key, joint.ns, joint.router) == ("nyj-nongye", "xp-nyj-nongye", "yl-agg-01")
    assert (joint.router_addr, joint.address) == (IPv4Interface("198.18.3.17/30"), IPv4Interface("198.18.3.18/30"))
    assert joint.legacy_gateway == IPv4Address("203.0.113.254") and joint.legacy_ns == "xq-nyj-nongye"
    # the legacy /30 is a block of the lab's pool that neither the inventory nor an isp link uses
    assert joint.legacy_link is not None and joint.legacy_link.subnet_of(IPv4Interface("203.0.113.0/24").network)
    used = [IPv4Interface(f"{e.isp.ip}/30").network for e in topo.edges]
    assert not any(joint.legacy_link.overlaps(u) for u in used)
    # the router's port exists (the cable is patched) but the lab configures nothing on it: the playbook does
    port = next(p for p in topo.routers["yl-agg-01"].ports if p.vendor == "GigabitEthernet1/0/26")
    assert port.linux == joint.router_if and port.ipv4 is None
    assert f"interface {port.linux}\n description GigabitEthernet1/0/26\n!" in frr_conf(topo.routers["yl-agg-01"])


def test_the_unified_exit_gets_the_internet_behind_it_and_originates_a_default() -> None:
    topo = build_topology(load_inventory(REPO / "inventory"))
    assert topo.internet is not None
    assert (topo.internet.router, str(topo.internet.router_addr)) == ("yl-exit-01", "198.51.100.250")
    assert str(topo.internet.address) == "198.51.100.249/30"
    # the same Internet test address as behind every department's own provider
    assert {e.internet for e in topo.edges} == {topo.internet.internet}
    conf = frr_conf(topo.routers["yl-exit-01"])
    assert " default-information originate" in conf
    assert "ip route 0.0.0.0/0 198.51.100.249" in conf and "ip route 198.18.0.0/15 reject" in conf
    assert "default-information" not in frr_conf(topo.routers["yl-agg-01"])


# ---- the front door -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("playbook", "item", "said"),
    [
        ("integrate_private_network", None, "integrate_private_network.yml needs --item network:ID"),
        ("integrate_private_network", "exit:jyj", "moves network items: --item network:ID, not 'exit:jyj'"),
        ("integrate_private_network", "network:nope", "no private network 'nope' in the inventory"),
        ("integrate_private_network", "network:gaj-video", "gaj-video goes to the internal network"),
        ("integrate_private_network", "network:rsj-sibao", "rsj-sibao goes into its department's VPN (extranet_vpn)"),
        ("withdraw_exit", "exit:xwb", "xwb has no own Internet exit"),
        ("withdraw_exit", "exit:rmt", "rmt is not connected to the extranet yet"),
        ("dual_stack", "exit:jyj", "--item is for the move playbooks"),
        ("withdraw_exit", "exit:jyj", "extranet cannot change it outside the lab"),
    ],
)
def test_run_refuses_an_item_it_cannot_move(workspace: Path, playbook: str, item: str | None, said: str) -> None:
    args = ["run", playbook, *(["--lab"] if "outside the lab" not in said else []), *(["--item", item] if item else [])]
    proc = cli(workspace, *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert said in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (workspace / "var" / "extranet.db").exists()  # nothing opened, nothing written


def test_move_hosts_are_the_routers_the_items_name() -> None:
    inv = load_inventory(REPO / "inventory")
    assert move_hosts(inv, "integrate_private_network", "network:nyj-nongye") == ["yl-agg-01"]
    assert move_hosts(inv, "withdraw_exit", "exit:swj") == ["yl-agg-02"]
    with pytest.raises(MoveError, match="extranet_vpn"):
        move_hosts(inv, "integrate_private_network", "network:swj-tax")  # a VPN target: no VPN instance known
    assert "198.18.2.10" in exit_addresses(inv) and "198.51.100.250" in exit_addresses(inv)


# ---- reading what devices say ---------------------------------------------------------------------------------


def test_the_trace_reads_iputils_ping_answers() -> None:
    # iputils ping 20240117 (Debian 13) output, as printed for TTL 2 and for the address itself
    exceeded = ("PING 198.51.100.254 (198.51.100.254) 56(84) bytes of data.\n"
                "From 198.18.2.65 icmp_seq=1 Time to live exceeded\n\n--- 198.51.100.254 ping statistics ---\n"
                "1 packets transmitted, 0 received, +1 errors, 100% packet loss\n")  # fmt: skip
    reply = ("PING 198.51.100.254 (198.51.100.254) 56(84) bytes of data.\n"
             "64 bytes from 198.51.100.254: icmp_seq=1 ttl=61 time=0.091 ms\n")  # fmt: skip
    silent = "PING 198.51.100.254 (198.51.100.254) 56(84) bytes of data.\n\n--- 198.51.100.254 ping statistics ---\n"
    assert hop_of(exceeded) == ("198.18.2.65", False)
    assert hop_of(reply) == ("198.51.100.254", True)
    assert hop_of(silent) == (None, False)
    trace = Trace("198.51.100.254", ["198.18.3.1", None, "198.18.2.10", "198.51.100.254"], True)
    assert trace.crosses({"198.18.2.10", "198.18.2.14"}) == "198.18.2.10"
    assert trace.crosses({"203.0.113.177"}) is None


def test_default_routes_are_read_in_every_platforms_syntax() -> None:
    config = "\n".join([
        "ip route 0.0.0.0/0 203.0.113.177",  # FRR
        "ip route 0.0.0.0 0.0.0.0 203.0.113.178 name isp",  # IOS, Ruijie
        "ip route-static 0.0.0.0 0 203.0.113.179",  # Comware
        "ip route-static 0.0.0.0 0.0.0.0 203.0.113.180 preference 60",  # VRP
        "set routing-options static route 0.0.0.0/0 next-hop 203.0.113.181",  # Junos
        "default via 203.0.113.182 dev isp0",  # Linux
        "ip route 198.18.0.0/15 198.18.3.1",  # not a default
        "ip route-static 0.0.0.0 0 NULL0",  # not an address
    ])  # fmt: skip
    assert default_routes(config) == [f"203.0.113.{n}" for n in range(177, 183)]


def test_a_department_routers_table_is_kept_as_static_routes() -> None:
    table = ("default via 203.0.113.177 dev isp0 \n198.18.0.0/15 via 198.18.3.1 dev eth0 \n"
             "198.18.3.0/30 dev eth0 proto kernel scope link src 198.18.3.2 \n")  # fmt: skip
    assert edge_config(table, "jyj", "xe-jyj").splitlines() == [
        "! jyj's own router (lab namespace xe-jyj): its IPv4 static routes",
        "ip route 0.0.0.0/0 203.0.113.177",
        "ip route 198.18.0.0/15 198.18.3.1",
    ]


# ---- the gates ------------------------------------------------------------------------------------------------


def probe_run(db: object, checks: list[tuple[str, str, str, bool, dict[str, object]]]) -> int:
    run = db.start_run("probe")  # type: ignore[attr-defined]
    rows = [ProbeResult(department=dept, family=4, kind=kind, target=target, address=address, ok=ok,
                        detail=detail, error=None if ok else "timeout")
            for dept, kind, target, address, ok, detail in checks]  # type: ignore[misc]  # fmt: skip
    statuses = [DepartmentStatus(department=d, at=datetime.now(UTC), status="ipv4-only", ipv4="ok", ipv6="absent",
                                 reasons=[]) for d in ("nyj", "jyj")]  # fmt: skip
    db.save_probe(run, rows, statuses)  # type: ignore[attr-defined]
    db.finish_run(run, "problems", {})  # type: ignore[attr-defined]
    return run


UNIFIED = {"hops": ["198.18.3.1", "198.18.2.65", "198.18.2.10", "198.51.100.254"], "reached": True}
OWN_ISP = {"hops": ["198.51.100.254"], "reached": True}


def gated(tmp_path: Path, runs: list[list[tuple[str, str, str, str, bool, dict[str, object]]]],
          edge_config_text: str | None) -> dict[str, str]:  # fmt: skip
    inv = load_inventory(REPO / "inventory")
    db = open_store(f"sqlite:///{tmp_path / 'x.db'}")
    ids = [probe_run(db, checks) for checks in runs]
    history = ConfigHistory(tmp_path / "history")
    history.init()
    if edge_config_text is not None:
        history.record("edge-jyj", "frr", edge_config_text, operator="alice", ticket=None, run_id="1",
                       action="change", result="ok")  # fmt: skip
    chosen = [i for i in items(inv, datetime(2026, 11, 27).date()) if i.item in ("network:nyj-nongye", "exit:jyj")]
    verdicts = judge(db, chosen, len(ids), inv=inv, history=history)
    return {v.item.item: f"{v.state}: {v.why}" if v.state else v.why for v in verdicts} | {"ids": json.dumps(ids)}


def reach(ok: bool) -> tuple[str, str, str, str, bool, dict[str, object]]:
    return ("nyj", "reach", "network:nyj-nongye", "203.0.113.161", ok, {})


def legacy(answers: bool) -> tuple[str, str, str, str, bool, dict[str, object]]:
    return ("nyj", "legacy", "network:nyj-nongye", "203.0.113.254", answers, {})


def path(detail: dict[str, object]) -> tuple[str, str, str, str, bool, dict[str, object]]:
    return ("jyj", "path", "exit:jyj", "198.51.100.254", bool(detail["reached"]), detail)


WITHDRAWN = "ip route 0.0.0.0/0 198.18.3.1\nip route 198.18.0.0/15 198.18.3.1\n"


def test_both_moves_verify_when_the_network_shows_them(tmp_path: Path) -> None:
    said = gated(tmp_path, [[reach(True), legacy(False), path(UNIFIED)]] * 2, WITHDRAWN)
    assert said["network:nyj-nongye"].startswith("verified: reached through the extranet in the last 2 full probe")
    assert said["exit:jyj"].startswith("verified: no default route toward its own provider (history ")


@pytest.mark.parametrize(
    ("runs", "config", "network_said", "exit_said"),
    [
        ([[reach(True), legacy(False), path(UNIFIED)], [reach(False), legacy(False), path(OWN_ISP)]], WITHDRAWN,
         "203.0.113.161 not reached through the extranet (timeout)",
         "its Internet traffic does not cross the unified exit (198.51.100.254)"),
        ([[reach(True), legacy(True), path(UNIFIED)]], "ip route 0.0.0.0/0 203.0.113.177\n",
         "its legacy line still answers: 203.0.113.254 replied", "still has a default route toward its own provider: "
         "via 203.0.113.177"),
        ([[reach(True), path(UNIFIED)]], None, "no probe ran inside it to show its legacy line gone",
         "no recorded config of jyj's own router (edge-jyj in the config history)"),
        ([[legacy(False)]], WITHDRAWN, "did not check it", "traced no path from inside it"),
    ],
)
def test_a_move_the_network_does_not_show_stays_with_the_reason(
    tmp_path: Path, runs: list[list[tuple[str, str, str, str, bool, dict[str, object]]]], config: str | None,
    network_said: str, exit_said: str,
) -> None:  # fmt: skip
    said = gated(tmp_path, runs, config)
    assert network_said in said["network:nyj-nongye"] and not said["network:nyj-nongye"].startswith("verified")
    assert exit_said in said["exit:jyj"] and not said["exit:jyj"].startswith("verified")
