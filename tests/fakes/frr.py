"""A fake FRR router behind vtysh, as FRR documents it (the lab runs the real one; this fake lets the unit
tests run FRR's whole flow without root): ``configure terminal``/``end``, ``write memory``, JSON from
``show ip route json``, ``show ip ospf neighbor json``, ``show ipv6 ospf6 neighbor json`` (FRR user guide,
"VTY shell", "Zebra", "OSPFv2", "OSPFv3"), ``ping`` running until Ctrl-C as vtysh's does."""

import json
import re

from .device import FakeDevice, Handler
from .ios_like import IosLike


class Frr(IosLike):
    platform = "frr"
    loopback_name = "lo"
    ospfv3_area = r"ipv6 ospf6 area "
    invalid = "% Unknown command: "

    def unknown(self, text: str) -> str:
        return f"% Unknown command: {text}"

    def legacy_config(self, dev: FakeDevice) -> str:
        lines = [f"hostname {dev.hostname}", "interface lo", f" ip address {dev.loopback}/32"]
        for port in dev.ports:
            lines += [f"interface {port.name}", f" ip address {port.ipv4}", " ip ospf area 0"]
        return "\n".join([*lines, "router ospf", f" ospf router-id {dev.router_id}"])

    def exec_table(self) -> list[tuple[str, Handler]]:
        return [
            *super().exec_table(),
            (r"show ip route json", lambda d, m: self.routes(d)),
            (r"show ip ospf neighbor json", lambda d, m: self.ospf(d)),
            (r"show ipv6 ospf6 neighbor json", lambda d, m: self.ospfv3(d)),
            (r"ping ipv6 (\S+)", self.ping),
        ]

    def routes(self, dev: FakeDevice) -> str:
        table: dict[str, list[dict[str, object]]] = {}
        for prefix, proto, hop, port in dev.routes():
            entries = table.setdefault(prefix, [{"prefix": prefix, "protocol": proto, "selected": True,
                                                 "nexthops": []}])  # fmt: skip
            hops = entries[0]["nexthops"]
            assert isinstance(hops, list)
            hops.append({"interfaceName": port, "directlyConnected": True} if proto == "connected"
                        else {"ip": hop, "interfaceName": port})  # fmt: skip
        return json.dumps(table, indent=2)

    def ospf(self, dev: FakeDevice) -> str:
        found: dict[str, list[dict[str, str]]] = {}
        for port, peer, hop in dev.ospf_peers():
            found.setdefault(peer.router_id, []).append({"nbrState": "Full/-", "ifaceName": f"{port.name}:{hop}"})
        return json.dumps({"neighbors": found}, indent=2)

    def ospfv3(self, dev: FakeDevice) -> str:
        found = [{"neighborId": peer.router_id, "state": "Full", "interfaceName": port.name}
                 for port, peer in dev.ospfv3_peers()]  # fmt: skip
        return json.dumps({"neighbors": found}, indent=2)

    def ping(self, dev: FakeDevice, match: "re.Match[str]") -> str:
        target = match.group(1)
        if not dev.reachable(target):
            summary = "1 packets transmitted, 0 received, 100% packet loss"
            dev.until_interrupted = f"--- {target} ping statistics ---\n{summary}"
            return f"PING {target}({target}) 56 data bytes"
        summary = "1 packets transmitted, 1 received, 0% packet loss, time 0ms"
        dev.until_interrupted = f"--- {target} ping statistics ---\n{summary}"
        return f"PING {target}({target}) 56 data bytes\n64 bytes from {target}: icmp_seq=1 ttl=64 time=0.05 ms"
