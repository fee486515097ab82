"""A fake Cisco IOS router, as Cisco documents it.

- Modes and prompts: exec ``R1#``, ``configure terminal`` → ``R1(config)#`` (IOS Configuration Fundamentals
  Configuration Guide, "Using the Cisco IOS CLI").
- The confirm timer (Configuration Fundamentals Command Reference: ``configure terminal revert timer``,
  ``configure confirm``, ``configure revert``; guide "Configuration Replace and Configuration Rollback"):
  ``configure terminal revert timer <minutes>`` needs ``archive`` + ``path`` configured; it archives a
  checkpoint of the running config and enters configuration mode; ``configure confirm`` (exec) keeps the
  change; ``configure revert now`` (exec) replaces the running config with the checkpoint.
- ``copy running-config startup-config`` asks ``Destination filename [startup-config]?``.
- An unknown command: ``% Invalid input detected at '^' marker.``
- Logging (System Message Guide ``%SYS-5-CONFIG_I``; Configuration Fundamentals, "Configuration Change Notification
  and Logging": ``archive`` / ``log config`` / ``logging enable`` / ``notify syslog``): each command typed in
  configuration mode is logged as ``%PARSER-5-CFGLOG_LOGGEDCMD: User:<user>  logged command:<command>``, and
  leaving configuration mode as ``%SYS-5-CONFIG_I: Configured from console by <user> on vty0 (<address>)``;
  stamps as ``service timestamps log datetime msec show-timezone`` prints them (UTC). ``show logging`` prints
  the settings, ``Log Buffer (N bytes):`` and the messages, oldest first (the real captures in
  scripts/extranet/platforms/cisco_ios/recorded/command-log/).
- Show output in the form of the real captures kept in scripts/extranet/platforms/cisco_ios/recorded/.
"""

import re
from datetime import UTC, datetime

from .device import FakeDevice, Handler
from .ios_like import IosLike


class CiscoIos(IosLike):
    platform = "cisco_ios"
    loopback_name = "Loopback0"
    ospfv3_area = r"ipv6 ospf \d+ area "

    def legacy_config(self, dev: FakeDevice) -> str:
        lines = [f"hostname {dev.hostname}", "interface Loopback0", f" ip address {dev.loopback} 255.255.255.255"]
        for port in dev.ports:
            lines += [f"interface {port.name}", f" ip address {_mask(port.ipv4)}"]
        return "\n".join([*lines, "router ospf 1", f" router-id {dev.router_id}"])

    def exec_table(self) -> list[tuple[str, Handler]]:
        return [
            *super().exec_table(),
            (r"configure terminal revert timer (\d+)", self.revert_timer),
            (r"configure confirm", self.confirm),
            (r"configure revert now", self.revert_now),
            (r"copy running-config startup-config", self.copy),
            (r"show ip route", lambda d, m: self.routes(d)),
            (r"show ip ospf neighbor", lambda d, m: self.ospf(d)),
            (r"show ipv6 ospf neighbor", lambda d, m: self.ospfv3(d)),
            (r"ping ipv6 (\S+) source (\S+) repeat (\d+) timeout (\d+)", self.ping),
            (r"show ipv6 interface", lambda d, m: self.ipv6_interfaces(d)),
            (r"show logging", lambda d, m: self.logging(d)),
        ]

    def record(self, dev: FakeDevice, text: str, configuring: bool) -> None:
        if not configuring:
            return
        user, client = dev.session
        stamp = datetime.now(UTC).strftime("%b %d %H:%M:%S.%f")[:-3] + " UTC"
        if dev.views:
            dev.buffer.append(f"{stamp}: %PARSER-5-CFGLOG_LOGGEDCMD: User:{user}  logged command:{text}")
        else:  # "end" (or a timer's exit): the configuration session is over
            dev.buffer.append(f"{stamp}: %SYS-5-CONFIG_I: Configured from console by {user} on vty0 ({client})")

    def logging(self, dev: FakeDevice) -> str:
        head = ["Syslog logging: enabled (0 messages dropped, 0 messages rate-limited, 0 flushes, 0 overruns, "
                "xml disabled, filtering disabled)", "", "    Console logging: disabled",
                f"    Buffer logging:  level debugging, {len(dev.buffer)} messages logged, xml disabled,",
                "                    filtering disabled", "", "Log Buffer (8192 bytes):"]  # fmt: skip
        return "\n".join([*head, *dev.buffer])

    def revert_timer(self, dev: FakeDevice, match: "re.Match[str]") -> str:
        archive = dev.running.get_child(equals="archive")
        if archive is None or archive.get_child(startswith="path ") is None:
            return "% Archive path is not configured, please configure archive path first\n% Invalid input detected"
        dev.checkpoint = dev.running.deep_copy()
        dev.views = ["<config>"]
        return "Rollback Confirmed Change: Backing up current running config to flash:extranet-rollback-1\n" + (
            "Enter configuration commands, one per line.  End with CNTL/Z."
        )

    def confirm(self, dev: FakeDevice, match: "re.Match[str]") -> str:
        if dev.checkpoint is None:
            return "% No Rollback Confirmed Change pending"
        dev.checkpoint = None
        return ""

    def revert_now(self, dev: FakeDevice, match: "re.Match[str]") -> str:
        if dev.checkpoint is None:
            return "% No Rollback Confirmed Change pending"
        dev.running, dev.checkpoint = dev.checkpoint, None
        return "Rollback Confirmed Change: Rolling back to flash:extranet-rollback-1"

    def copy(self, dev: FakeDevice, match: "re.Match[str]") -> str:
        return dev.ask("Destination filename [startup-config]? ", lambda answer: self.save(dev, match))

    def routes(self, dev: FakeDevice) -> str:
        head = ("Codes: L - local, C - connected, S - static, R - RIP, M - mobile, B - BGP\n"
                "       O - OSPF, IA - OSPF inter area\n\nGateway of last resort is not set\n")  # fmt: skip
        out = [head]
        for prefix, proto, hop, port in dev.routes():
            if proto == "connected":
                out.append(f"C        {prefix} is directly connected, {port}")
            else:
                out.append(f"O        {prefix} [110/2] via {hop}, 00:12:41, {port}")
        return "\n".join(out)

    def ospf(self, dev: FakeDevice) -> str:
        out = ["", "Neighbor ID     Pri   State           Dead Time   Address         Interface"]
        for port, peer, hop in dev.ospf_peers():
            out.append(f"{peer.router_id:<15} {0:>3}   FULL/  -        00:00:35    {hop:<15} {port.name}")
        return "\n".join(out)

    def ospfv3(self, dev: FakeDevice) -> str:
        out = ["", "            OSPFv3 Router with ID (" + dev.router_id + ") (Process ID 1)", "",
               "Neighbor ID     Pri   State           Dead Time   Interface ID    Interface"]  # fmt: skip
        for port, peer in dev.ospfv3_peers():
            out.append(f"{peer.router_id:<15} {0:>3}   FULL/  -        00:00:35    {7:<15} {port.name}")
        return "\n".join(out)

    def ipv6_interfaces(self, dev: FakeDevice) -> str:
        out = []
        for name, addresses in self.addresses(dev).items():
            out += [f"{name} is up, line protocol is up", "  IPv6 is enabled, link-local address is FE80::1",
                    "  No Virtual link-local address(es):", "  Global unicast address(es):"]  # fmt: skip
            for address in addresses:
                flag = " [DUP]" if self.dad(dev, address) == "duplicate" else ""
                out.append(f"    {address.upper()}, subnet is {address.upper()}/64{flag}")
            out += ["  Joined group address(es):", "    FF02::1", "  MTU is 1500 bytes"]
        return "\n".join(out)

    def ping(self, dev: FakeDevice, match: "re.Match[str]") -> str:
        count = int(match.group(3))
        ok = dev.reachable(match.group(1))
        marks = "!" * count if ok else "." * count
        rate = 100 if ok else 0
        return (f"Type escape sequence to abort.\nSending {count}, 100-byte ICMP Echos to {match.group(1)}, "
                f"timeout is {match.group(4)} seconds:\nPacket sent with a source address of {match.group(2)}\n"
                f"{marks}\nSuccess rate is {rate} percent ({count if ok else 0}/{count})"
                + (", round-trip min/avg/max = 1/1/2 ms" if ok else ""))  # fmt: skip


def _mask(address: str) -> str:
    from ipaddress import ip_interface

    iface = ip_interface(address)
    return f"{iface.ip} {iface.network.netmask}"
