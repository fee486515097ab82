"""A fake H3C Comware 7 device, as H3C documents it.

- Views and prompts as VRP: ``<H3C>``, ``system-view`` → ``[H3C]``, ``[H3C-GigabitEthernet1/0/1]``, ``quit``,
  ``return`` (H3C Comware 7 Fundamentals Command Reference, "CLI commands").
- Configuration commit delay (Fundamentals Command Reference, "Configuration file management commands":
  ``configuration commit delay``, ``configuration commit``): issued in system view, it takes the rollback point
  and starts the timer; changes apply at once; ``configuration commit`` (system view) confirms; on expiry the
  device rolls back to the point. There is no command that rolls back at once.
- ``save force`` saves to the next-startup file without questions (``save``).
- Errors: ``% Unrecognized command found at '^' position.``
- Show output in the form of the real captures in scripts/extranet/platforms/hp_comware/recorded/.
"""

import re

from .device import FakeDevice, Handler
from .huawei import Vrp5


class Comware(Vrp5):
    platform = "hp_comware"
    unrecognized = "% Unrecognized command found at '^' position."
    # Comware logs SHELL/6/SHELL_CMD, but hp_comware has no command-log getter (no real "display logbuffer"
    # capture was found to prove one on), so this fake keeps no log
    logs_commands = False

    def exec_table(self) -> list[tuple[str, Handler]]:
        return [
            (self.paging, lambda d, m: ""),
            (r"system-view", self.enter),
            (r"display current-configuration", lambda d, m: self.show_running(d)),
            (r"save force", self.save_force),
            (r"display ip routing-table", lambda d, m: self.routes(d)),
            (r"display ospf peer", lambda d, m: self.ospf(d)),
            (r"display ospfv3 peer", lambda d, m: self.ospfv3(d)),
            (r"ping ipv6 -c (\d+) -t (\d+) -a (\S+) (\S+)", self.ping),
        ]

    def show_running(self, dev: FakeDevice) -> str:
        """Global commands one blank in, each block between '#' lines, sections at the margin (H3C Comware 7
        Fundamentals Configuration Guide, "Configuration file format": "#" separates sections; the sample
        configurations of the H3C configuration guides print ` sysname Sysname` indented)."""
        out = ["#", " version 7.1.064, Release 0821P11"]
        for child in dev.running.children:
            out.append("#")
            if child.children:
                out.append(child.text)
                out += [" " * (c.depth() - 1) + c.text for c in child.all_children_sorted()]
            else:
                out.append(" " + child.text)
        return "\n".join([*out, "#", "return"])

    def system_table(self) -> list[tuple[str, Handler]]:
        return [(r"configuration commit delay (\d+)", self.delay), (r"configuration commit", self.commit)]

    def delay(self, dev: FakeDevice, match: "re.Match[str]") -> str:
        dev.checkpoint = dev.running.deep_copy()
        return f"The system will roll back the configuration in {match.group(1)} minutes."

    def commit(self, dev: FakeDevice, match: "re.Match[str]") -> str:
        dev.checkpoint = None
        return ""

    def save_force(self, dev: FakeDevice, match: "re.Match[str]") -> str:
        dev.saved += 1
        return "Validating file. Please wait...\nSaved the current configuration to mainboard device successfully."

    def routes(self, dev: FakeDevice) -> str:
        rows = dev.routes()
        out = ["", f"Destinations : {len(rows)}        Routes : {len(rows)}", "",
               "Destination/Mask   Proto   Pre Cost        NextHop         Interface"]  # fmt: skip
        for prefix, proto, hop, port in rows:
            name, pre, cost = ("Direct", 0, 0) if proto == "connected" else ("O_INTRA", 10, 2)
            out.append(f"{prefix:<18} {name:<7} {pre:<3} {cost:<11} {hop:<15} {port}")
        return "\n".join(out)

    def ospf(self, dev: FakeDevice) -> str:
        out = ["", f"         OSPF Process 1 with Router ID {dev.router_id}",
               "               Neighbor Brief Information",
               "", " Area: 0.0.0.0",
               " Router ID       Address         Pri Dead-Time  State             Interface"]  # fmt: skip
        for port, peer, hop in dev.ospf_peers():
            out.append(f" {peer.router_id:<15} {hop:<15} 1   35         Full/ -           {port.name}")
        return "\n".join(out)

    def ospfv3(self, dev: FakeDevice) -> str:
        out = [f"               OSPFv3 Process 1 with Router ID {dev.router_id}", " Area: 0.0.0.0", "-" * 73,
               " Router ID       Pri State             Dead-Time InstID Interface"]  # fmt: skip
        for port, peer in dev.ospfv3_peers():
            out.append(f" {peer.router_id:<15} 1   Full/ -           00:00:33  0      {port.name}")
        return "\n".join(out)

    def ping(self, dev: FakeDevice, match: "re.Match[str]") -> str:
        count, source, target = int(match.group(1)), match.group(3), match.group(4)
        ok = dev.reachable(target)
        out = [f"Ping6(56 data bytes) {source} --> {target}, press CTRL_C to break"]
        out += [f"56 bytes from {target}, icmp_seq={i} hlim=64 time=1.000 ms" for i in range(count)] if ok else [
            "Request time out" for _ in range(count)]  # fmt: skip
        got = count if ok else 0
        return "\n".join([*out, f"--- Ping6 statistics for {target} ---",
                          f"{count} packet(s) transmitted, {got} packet(s) received, "
                          f"{100.0 * (count - got) / count:.1f}% packet loss"])  # fmt: skip
