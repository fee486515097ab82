"""A fake network from an inventory: one FakeDevice per device (its platform's dialect), linked as the inventory
links them, each behind its own SSH server on 127.0.0.1, and the rollout targets that reach them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import paramiko

from extranet.devices.base import Target
from extranet.inventory import Inventory

from .device import FakeDevice, FakeNetwork, FakeServer, Port, host_key_line

USER, PASSWORD = "netops", "fake-device-password"


@contextmanager
def fake_network(inv: Inventory, devices: list[str], directory: Path) -> Iterator[FakeNetwork]:
    network = FakeNetwork(known_hosts=directory / "known_hosts")
    peers: dict[tuple[str, str], tuple[str, str]] = {}
    for link in inv.links.values():
        peers[(link.a.device, link.a.interface)] = (link.b.device, link.b.interface)
        peers[(link.b.device, link.b.interface)] = (link.a.device, link.a.interface)
    for name in devices:
        device = inv.devices[name]
        routing = device.routing
        router_id = str(routing.router_id if routing and routing.router_id else device.loopback)
        ports = [Port(i.name, str(i.ipv4), peers.get((name, i.name))) for i in device.interfaces if i.ipv4]
        network.devices[name] = FakeDevice(name, device.platform, router_id, str(device.loopback), ports, network)
    key = paramiko.RSAKey.generate(1024)
    lines = []
    for name, device in network.devices.items():
        server = FakeServer(device, key, USER, PASSWORD)
        network.servers[name] = server
        lines.append(host_key_line(server.port, key))
    assert network.known_hosts is not None
    network.known_hosts.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        yield network
    finally:
        for server in network.servers.values():
            server.close()


def targets(network: FakeNetwork) -> dict[str, Target]:
    return {name: Target(name, device.platform, "127.0.0.1", USER, PASSWORD, port=network.servers[name].port,
                         known_hosts=network.known_hosts)
            for name, device in network.devices.items()}  # fmt: skip
