"""The lab's plan from the inventory (pure: runs without root)."""

from ipaddress import IPv4Address, IPv4Network, ip_network

import pytest
from typer.testing import CliRunner

from extranet.cli import app
from extranet.inventory import load_inventory
from extranet.lab import files
from extranet.lab.topology import NAME_MAX, build_topology, mgmt_veth

from .conftest import EXAMPLE

ALLOWED = [ip_network(n) for n in ("198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24")]


def test_interface_names_are_deterministic_short_and_unique() -> None:
    first, second = build_topology(load_inventory(EXAMPLE)), build_topology(load_inventory(EXAMPLE))
    assert {r: t.mapping() for r, t in first.routers.items()} == {r: t.mapping() for r, t in second.routers.items()}
    for router in first.routers.values():
        linux = list(router.mapping().values())
        assert len(set(linux)) == len(linux)
        assert all(len(name) <= NAME_MAX for name in linux)
    assert first.routers["yl-core-01"].mapping()["GigabitEthernet0/0/1"] == "eth1"
    assert all(len(mgmt_veth(i)) <= NAME_MAX for i in range(1, 10_000))


def test_every_link_is_one_veth_pair_with_inventory_addresses() -> None:
    inventory = load_inventory(EXAMPLE)
    topo = build_topology(inventory)
    assert len(topo.wires) == len(inventory.links) == 20
    for wire in topo.wires:
        (a, a_if), (b, b_if) = wire.a, wire.b
        a_port = next(p for p in topo.routers[a].ports if p.linux == a_if)
        b_port = next(p for p in topo.routers[b].ports if p.linux == b_if)
        assert a_port.ipv4 is not None and b_port.ipv4 is not None
        assert a_port.ipv4.network == b_port.ipv4.network


def test_management_bridge_takes_a_free_address_in_the_device_subnet() -> None:
    topo = build_topology(load_inventory(EXAMPLE))
    assert topo.mgmt_net == IPv4Network("198.18.0.0/24")
    mgmt = {r.mgmt.ip for r in topo.routers.values()}
    assert topo.bridge_ip.ip not in mgmt  # 198.18.0.1 is yl-core-01's
    assert topo.bridge_ip.ip == IPv4Address("198.18.0.254")


def test_addresses_stay_in_the_lab_ranges() -> None:
    topo = build_topology(load_inventory(EXAMPLE))
    addresses = [topo.bridge_ip.ip] + [r.mgmt.ip for r in topo.routers.values()]
    addresses += [p.ipv4.ip for r in topo.routers.values() for p in r.ports if p.ipv4]
    addresses += [h.address.ip for h in topo.hosts]
    assert all(any(a in net for net in ALLOWED) for a in addresses)


def test_frr_config_is_the_legacy_state_with_router_id_first() -> None:
    router = build_topology(load_inventory(EXAMPLE)).routers["yl-core-01"]
    conf = files.frr_conf(router)
    assert conf.index("ospf router-id 198.18.1.1") < conf.index("interface lo")
    assert "ip address 198.18.1.1/32" in conf
    assert conf.count(" ip ospf area 0") == len(router.ports) + 1
    assert "ipv6" not in conf and "ospf6" not in conf and "neighbor" not in conf
    assert "router bgp 65001" in conf  # bgpd runs with its AS and router-id only (no neighbours)


def test_snmp_v2c_is_limited_to_the_management_subnet() -> None:
    topo = build_topology(load_inventory(EXAMPLE))
    creds = files.Credentials.generate()
    conf = files.snmpd_conf(topo.routers["yl-dc-01"], topo.mgmt_net, creds)
    assert f"rocommunity {creds.community} 198.18.0.0/24" in conf
    assert f"rouser {creds.snmp_user} priv" in conf
    assert creds != files.Credentials.generate()  # per lab


@pytest.mark.parametrize("command", ["up", "down"])
def test_lab_needs_root(command: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.geteuid", lambda: 1000)
    result = CliRunner().invoke(app, ["lab", command])
    assert result.exit_code == 2
    assert "needs root" in result.output


def test_department_lans_become_hosts_behind_their_gateway() -> None:
    inventory = load_inventory(EXAMPLE)
    topo = build_topology(inventory)
    gateways = [lan.gateway for d in inventory.departments.values() for lan in d.lans if lan.gateway]
    assert len(topo.hosts) == len(gateways) == 35
    assert len({h.ns for h in topo.hosts}) == len(topo.hosts)
    for host in topo.hosts:
        assert host.address.ip != host.gateway and host.gateway in host.address.network
        port = next(p for p in topo.routers[host.router].ports if p.linux == host.router_if)
        assert port.lan and port.ipv4 is not None and port.ipv4.ip == host.gateway
    agg = topo.routers["yl-agg-01"]
    assert agg.mapping()["Vlanif101"] == "eth3"  # after the two links, in department order
    conf = files.frr_conf(agg)
    assert (
        "interface eth3\n description Vlanif101\n ip address 198.19.1.1/24\n ip ospf area 0\n ip ospf passive" in conf
    )


def test_departments_with_their_own_exit_get_an_edge_and_an_isp() -> None:
    inventory = load_inventory(EXAMPLE)
    topo = build_topology(inventory)
    by_dept = {e.key: e for e in topo.edges}
    assert sorted(by_dept) == ["jyj", "swj", "zjj"]  # rmt (class C) has no uplink yet
    jyj = by_dept["jyj"]
    assert (jyj.ns, jyj.isp_ns, jyj.router) == ("xe-jyj", "xi-jyj", "yl-agg-01")
    assert topo.routers["yl-agg-01"].mapping()["GigabitEthernet1/0/23"] == jyj.router_if
    assert (str(jyj.handoff), str(jyj.router_addr)) == ("198.18.3.2/30", "198.18.3.1")
    assert jyj.routes == (IPv4Network("198.19.19.0/24"),)
    assert by_dept["zjj"].routes == (IPv4Network("198.19.250.0/24"),)  # NATed: the NAT prefix is routed
    used = [IPv4Network(p) for n in inventory.private_networks.values() for p in n.prefixes]
    isp_nets = [e.isp.network for e in topo.edges]
    assert len(set(isp_nets)) == len(isp_nets)
    for edge in topo.edges:
        assert edge.isp.network == edge.uplink.network and edge.isp.ip == edge.isp.network.network_address + 1
        for net in (edge.isp.network, edge.internet.network):
            assert any(net.subnet_of(a) for a in ALLOWED)  # type: ignore[arg-type]
            assert not any(net.overlaps(u) for u in used), net
    conf = files.frr_conf(topo.routers["yl-agg-01"])
    assert " redistribute static" in conf and "ip route 198.19.250.0/24 198.18.3.6" in conf
    assert "ip route 198.19.14.0/24" not in conf
