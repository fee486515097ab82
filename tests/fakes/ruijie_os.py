"""A fake Ruijie RGOS switch, as Ruijie's documentation and published device output show it.

- Modes and prompts: ``Ruijie#``, ``configure terminal`` → ``Ruijie(config)#``; interface mode keeps the blank
  of the interface name: ``Ruijie(config-if-GigabitEthernet 0/1)#`` (RGOS configuration guides, "CLI"; the
  contest scoring sheets kept in scripts/extranet/platforms/ruijie_os/recorded/ show these prompts).
- No confirm timer; ``write`` saves (``Building configuration...`` / ``[OK]``).
- Errors: ``% Invalid input detected at '^' marker.``
"""

import re

from .cisco_ios import _mask
from .device import FakeDevice, Handler
from .ios_like import IosLike


class Ruijie(IosLike):
    platform = "ruijie_os"
    loopback_name = "Loopback 0"
    ospfv3_area = r"ipv6 ospf \d+ area "
    save_command = r"write"

    def prompt(self, dev: FakeDevice) -> str:
        if len(dev.views) == 2 and dev.views[1].startswith("interface "):
            return f"{dev.hostname}(config-if-{dev.views[1].removeprefix('interface ')})#"
        return super().prompt(dev)

    def legacy_config(self, dev: FakeDevice) -> str:
        lines = [f"hostname {dev.hostname}", "interface Loopback 0", f" ip address {dev.loopback} 255.255.255.255"]
        for port in dev.ports:
            lines += [f"interface {port.name}", f" ip address {_mask(port.ipv4)}"]
        return "\n".join([*lines, "router ospf 1", f" router-id {dev.router_id}"])

    def exec_table(self) -> list[tuple[str, Handler]]:
        return [
            *super().exec_table(),
            (r"show ip route", lambda d, m: self.routes(d)),
            (r"show ip ospf neighbor", lambda d, m: self.ospf(d)),
            (r"show ipv6 ospf neighbor", lambda d, m: self.ospfv3(d)),
            (r"ping ipv6 (\S+) ntimes (\d+) timeout (\d+) source (\S+)", self.ping),
            (r"show ipv6 interface brief", lambda d, m: self.ipv6_interfaces(d)),
        ]

    def routes(self, dev: FakeDevice) -> str:
        out = ["", "Codes:  C - connected, S - static, R - RIP, B - BGP", "        O - OSPF, IA - OSPF inter area", "",
               "Gateway of last resort is no set"]  # fmt: skip
        last = ""
        for prefix, proto, hop, port in dev.routes():
            if proto == "connected":
                out.append(f"C    {prefix} is directly connected, {port}")
            elif prefix == last:
                out.append(f"                  [110/2] via {hop}, 00:12:41, {port}")
            else:
                out.append(f"O    {prefix} [110/2] via {hop}, 00:12:41, {port}")
            last = prefix
        return "\n".join(out)

    def ospf(self, dev: FakeDevice) -> str:
        peers = dev.ospf_peers()
        out = ["", f"OSPF process 1, {len(peers)} Neighbors, {len(peers)} is Full:",
               "Neighbor ID     Pri   State                Dead Time   Address         Interface"]  # fmt: skip
        for port, peer, hop in peers:
            out.append(f"{peer.router_id:<15}   1   Full/ -              00:00:35    {hop:<15} {port.name}")
        return "\n".join(out)

    def ospfv3(self, dev: FakeDevice) -> str:
        peers = dev.ospfv3_peers()
        out = ["", f"OSPFv3 Process (1), {len(peers)} Neighbors, {len(peers)} is Full:",
               "Neighbor ID     Pri   State            Dead Time    Instance ID   Interface"]  # fmt: skip
        for port, peer in peers:
            out.append(f"{peer.router_id:<15}   1   Full/ -          00:00:40     0             {port.name}")
        return "\n".join(out)

    def ipv6_interfaces(self, dev: FakeDevice) -> str:
        out = [""]
        for name, addresses in self.addresses(dev).items():
            out.append(f"{name:<30}[up/up]")
            out += [f"        {a.upper()}" + (" [DUP]" if self.dad(dev, a) == "duplicate" else "") for a in addresses]
            out.append("        FE80::5A69:6CFF:FE2C:7C79")
        return "\n".join(out)

    def ping(self, dev: FakeDevice, match: "re.Match[str]") -> str:
        count, target = int(match.group(2)), match.group(1)
        ok = dev.reachable(target)
        got = count if ok else 0
        return (f"Sending {count}, 100-byte ICMP Echoes to {target}, timeout is {match.group(3)} seconds:\n"
                f"  < press Ctrl+C to break >\n{('!' if ok else '.') * count}\n"
                f"Success rate is {100 * got // count} percent ({got}/{count})"
                + (", round-trip min/avg/max = 1/1/2 ms." if ok else "."))  # fmt: skip
