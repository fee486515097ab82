"""Fake Huawei VRP5 (AR router) and VRP8 (NE40E, two-stage commit) devices, as Huawei documents them.

- Views and prompts: user view ``<HUAWEI>``, ``system-view`` → ``[HUAWEI]``, ``interface X`` →
  ``[HUAWEI-GigabitEthernet0/0/1]``; ``quit`` one view up; ``return`` to the user view (AR V200R010 Command
  Reference, "Basic Configuration Commands"). VRP8 marks the candidate state in the prompt: ``[~HUAWEI]``
  when it equals the running config, ``[*HUAWEI]`` with uncommitted edits (NE40E V800R012C10 Configuration
  Guide, "Two-stage commit"; the INTA-project corpus's NE40E examples show both prompts).
- ``save`` is a user-view command and asks ``Are you sure to continue?[Y/N]`` (Command Reference, ``save``).
- VRP8: ``commit`` makes the candidate running; ``commit trial <seconds>`` does it under a timer that rolls
  back unless ``commit`` confirms it; ``abort trial`` rolls back now and asks ``[Y/N]``; ``abort`` (system
  view) drops the uncommitted candidate and returns to the user view; ``return`` with uncommitted edits asks
  ``Uncommitted configurations found. Are you sure to commit them before exiting? [Y(yes)/N(no)/C(cancel)]:``
  (NE40E command reference: ``commit``, ``commit trial``, ``abort trial``).
- Errors: ``Error: Unrecognized command found at '^' position.``
- Every command a user runs is logged as ``SHELL/5/CMDRECORD`` (``display`` commands as DISPLAY_CMDRECORD, not
  kept here): ``Recorded command information. (Task=, Ip=, VpnName=, User=, AuthenticationMethod=, Command=)``
  (Huawei log reference, SHELL/5/CMDRECORD); ``display logbuffer`` prints the buffer's header and then the logs,
  newest first, as the real capture in scripts/extranet/platforms/huawei/recorded/command-log/ does.
- Show output in the form of the real captures in scripts/extranet/platforms/huawei*/recorded/.
"""

import re
from datetime import datetime, timedelta, timezone

from .device import FakeDevice, Handler
from .vrp_like import VrpLike

CHINA = timezone(timedelta(hours=8))


class Vrp5(VrpLike):
    platform = "huawei"
    logs_commands = True
    # AR V200R007 (eNSP captures kept by the Huawei helper's notes): "(y/n)[n]:"
    save_question = "  The current configuration will be written to the device.\n  Are you sure to continue? (y/n)[n]:"

    def legacy_config(self, dev: FakeDevice) -> str:
        lines = [f"sysname {dev.hostname}", "interface LoopBack0", f" ip address {dev.loopback} 255.255.255.255"]
        for port in dev.ports:
            addr, length = port.ipv4.split("/")
            lines += [f"interface {port.name}", f" ip address {addr} {length}"]
        return "\n".join([*lines, f"ospf 1 router-id {dev.router_id}", " area 0.0.0.0"])

    def exec_table(self) -> list[tuple[str, Handler]]:
        return [
            *super().exec_table(),
            (r"save", self.save),
            (r"display logbuffer", lambda d, m: self.logbuffer(d)),
            (r"display ip routing-table", lambda d, m: self.routes(d)),
            (r"display ospf peer brief", lambda d, m: self.ospf(d)),
            (r"display ospfv3 peer", lambda d, m: self.ospfv3(d)),
            (r"ping ipv6 -c (\d+) -t (\d+) -a (\S+) (\S+)", self.ping),
        ]

    def record(self, dev: FakeDevice, text: str, configuring: bool) -> None:
        if not self.logs_commands or text.startswith("display "):
            return
        user, client = dev.session
        stamp = datetime.now(CHINA).strftime("%b %d %Y %H:%M:%S+08:00")
        dev.buffer.append(f"{stamp} {dev.hostname} %%01SHELL/5/CMDRECORD(s)[{len(dev.buffer)}]:Recorded command "
                          f"information. (Task=VT0, Ip={client or '**'}, VpnName=, User={user or '**'}, "
                          f'AuthenticationMethod="Local-user", Command="{text}")')  # fmt: skip

    def logbuffer(self, dev: FakeDevice) -> str:
        head = ["Logging buffer configuration and contents : enabled", "Allowed max buffer size : 1024",
                "Actual buffer size : 512", "Channel number : 4 , Channel name : logbuffer", "Dropped messages : 0",
                "Overwritten messages : 0", f"Current messages : {len(dev.buffer)}", ""]  # fmt: skip
        return "\n".join([*head, *reversed(dev.buffer)])

    def save(self, dev: FakeDevice, match: "re.Match[str]") -> str:
        def answer(text: str) -> str:
            if text.lower() != "y":
                return ""
            dev.saved += 1
            return ("It will take several minutes to save configuration file, please wait.....\n"
                    "Configuration file had been saved successfully")  # fmt: skip

        return dev.ask(self.save_question, answer)

    def routes(self, dev: FakeDevice) -> str:
        rows = dev.routes()
        out = ["Route Flags: R - relay, D - download to fib", "-" * 76, "Routing Tables: Public",
               f"         Destinations : {len(rows)}       Routes : {len(rows)}", "",
               "Destination/Mask    Proto  Pre  Cost  Flags     NextHop         Interface", ""]  # fmt: skip
        for prefix, proto, hop, port in rows:
            name, pre, cost = ("Direct", 0, 0) if proto == "connected" else ("OSPF", 10, 2)
            out.append(f"{prefix:>18}  {name:<6} {pre:<4} {cost:<5} D        {hop:<16} {port}")
        return "\n".join(out)

    def ospf(self, dev: FakeDevice) -> str:
        out = ["", f"          OSPF Process 1 with Router ID {dev.router_id}",
               "                   Peer Statistic Information",
               "-" * 77, " Area Id         Interface                  Neighbor id          State       "]  # fmt: skip
        for port, peer, _ in dev.ospf_peers():
            out.append(f" 0.0.0.0         {port.name:<26} {peer.router_id:<20} Full        ")
        return "\n".join([*out, "-" * 77])

    def ospfv3(self, dev: FakeDevice) -> str:
        out = ["   OSPFv3 Process (1)", "   OSPFv3 Area (0.0.0.0)",
               "   Neighbor ID    Pri   State       Dead Time   Interface               Instance ID"]  # fmt: skip
        for port, peer in dev.ospfv3_peers():
            out.append(f"   {peer.router_id:<14} 1     Full/ -     00:00:34    {port.name:<23} 0")
        return "\n".join(out)

    def ping(self, dev: FakeDevice, match: "re.Match[str]") -> str:
        count, target = int(match.group(1)), match.group(4)
        ok = dev.reachable(target)
        out = [f"  PING {target} : 56  data bytes, press CTRL_C to break"]
        for seq in range(1, count + 1):
            out += [f"    Reply from {target}", f"    bytes=56 Sequence={seq} hop limit=64  time = 2 ms"] if ok else [
                "    Request time out"]  # fmt: skip
        got = count if ok else 0
        return "\n".join([*out, "", f"  --- {target} ping statistics ---", f"    {count} packet(s) transmitted",
                          f"    {got} packet(s) received", f"    {100 - 100 * got // count:.2f}% packet loss"])


class Vrp8(Vrp5):
    platform = "huawei_vrpv8"

    def exec_table(self) -> list[tuple[str, Handler]]:
        return [*super().exec_table(), (r"display ipv6 interface brief", lambda d, m: self.ipv6_interfaces(d))]

    def ipv6_interfaces(self, dev: FakeDevice) -> str:
        out = ["*down: administratively down", "(l): loopback", "(s): spoofing",
               "Interface                    Physical              Protocol VPN"]  # fmt: skip
        for name, addresses in self.addresses(dev).items():
            out.append(f"{name:<28} up                    up       --")
            out += [f"[IPv6 Address] {a.upper()}" + (" [DUPLICATE]" if self.dad(dev, a) == "duplicate" else "")
                    for a in addresses]  # fmt: skip
        return "\n".join(out)

    two_stage = True
    save_question = "Warning: all configuration will be written to the device.\nAre you sure to continue?[Y/N]"  # NE40E

    def state_mark(self, dev: FakeDevice) -> str:
        dirty = dev.candidate is not None and dev.config_text(dev.candidate) != dev.config_text()
        return "*" if dirty else "~"

    def system_table(self) -> list[tuple[str, Handler]]:
        return [
            (r"commit", self.commit),
            (r"commit trial (\d+)", self.trial),
            (r"abort trial", self.abort_trial),
            (r"abort", self.abort),
        ]

    def commit(self, dev: FakeDevice, match: "re.Match[str]") -> str:
        dev.commit()
        dev.checkpoint = None  # a commit within the trial confirms it
        return ""

    def trial(self, dev: FakeDevice, match: "re.Match[str]") -> str:
        dev.checkpoint = dev.running.deep_copy()
        dev.commit()
        return ("Committing..done.\nInfo: The system enters the trial configuration mode.\nThe system will revert to "
                f"previous configuration if the trial configuration is not confirmed in {match.group(1)} seconds.")

    def abort_trial(self, dev: FakeDevice, match: "re.Match[str]") -> str:
        if dev.checkpoint is None:
            return "Error: No trial configuration exists."

        def answer(text: str) -> str:
            if text.lower() == "y" and dev.checkpoint is not None:
                dev.running, dev.checkpoint, dev.candidate = dev.checkpoint, None, None
                return "Info: The trial has been aborted and the configuration rolled back."
            return ""

        return dev.ask("Warning: The trial configuration will be rolled back. Continue? [Y/N]:", answer)

    def abort(self, dev: FakeDevice, match: "re.Match[str]") -> str:
        dev.candidate = None
        dev.views = []
        return ""

    def leave(self, dev: FakeDevice) -> str:
        if dev.candidate is not None and dev.config_text(dev.candidate) != dev.config_text():
            def answer(text: str) -> str:
                if text.lower().startswith("c"):
                    return ""
                if text.lower().startswith("y"):
                    dev.commit()
                dev.candidate, dev.views = None, []
                return ""

            return dev.ask("Warning: Uncommitted configurations found, commit them before exiting? "
                           "[Y(yes)/N(no)/C(cancel)]:", answer)  # fmt: skip
        dev.candidate = None
        return super().leave(dev)

    def handle(self, dev: FakeDevice, text: str) -> str:
        if dev.views and text == "save":  # save is a user-view command on VRP8
            return self.unknown(text)
        return super().handle(dev, text)
