"""A fake Juniper Junos router, as Juniper documents it.

- ``user@host>`` in operational mode; ``configure`` prints ``Entering configuration mode`` and gives
  ``[edit]`` + ``user@host#``; ``exit`` leaves configuration mode once nothing is uncommitted, otherwise asks
  ``Exit with uncommitted changes? [yes,no] (yes)`` (Junos CLI User Guide, "configure", "exit").
- ``commit confirmed <minutes>`` prints ``commit confirmed will be automatically rolled back in N minutes
  unless confirmed`` and ``commit complete``; ``commit`` confirms; ``rollback 1`` loads the configuration before
  the last commit into the candidate, which ``commit`` activates (CLI User Guide, "Commit the configuration",
  "rollback"). ``rollback 0`` discards the candidate's edits. There is nothing to save.
- Operational commands typed in configuration mode without ``run`` are refused (``syntax error.``).
- The messages file (System Log Explorer, UI_DBASE_LOGIN_EVENT, UI_COMMIT): ``configure`` logs ``User '<user>'
  entering configuration mode``, a commit ``User '<user>' requested 'commit' operation (comment: none)``, as
  ``mgd[pid]:`` lines with syslogd's stamp (no year, the device's local time: China Standard Time here);
  ``show log messages`` prints the file, oldest first, as the real capture in
  scripts/extranet/platforms/juniper_junos/recorded/command-log/ does.
- Show output in the form of the real captures in scripts/extranet/platforms/juniper_junos/recorded/.
"""

import re
from datetime import datetime, timedelta, timezone

from .device import Dialect, FakeDevice, Handler, dispatch

CHINA = timezone(timedelta(hours=8))

USER = "netops"


class Junos(Dialect):
    platform = "juniper_junos"
    two_stage = True
    loopback_name = "lo0.0"

    def banner(self) -> str:
        return "--- JUNOS 21.4R3.15 Kernel 64-bit\n"

    def prompt(self, dev: FakeDevice) -> str:
        return f"\n[edit]\n{USER}@{dev.hostname}# " if dev.views else f"{USER}@{dev.hostname}> "

    def unknown(self, text: str) -> str:
        return "           ^\nsyntax error."

    def legacy_config(self, dev: FakeDevice) -> str:
        lines = [f"set system host-name {dev.hostname}",
                 f"set interfaces lo0 unit 0 family inet address {dev.loopback}/32"]  # fmt: skip
        lines += [f"set interfaces {p.name} unit 0 family inet address {p.ipv4}" for p in dev.ports]
        lines += [f"set routing-options router-id {dev.router_id}"]
        lines += [f"set protocols ospf area 0.0.0.0 interface {p.name}.0" for p in dev.ports]
        return "\n".join(lines)

    def addresses(self, dev: FakeDevice) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for child in dev.running.children:
            m = re.match(r"set interfaces (\S+) unit (\d+) family inet6 address ([0-9a-fA-F:]+)/\d+$", child.text)
            if m:
                found.setdefault(f"{m.group(1)}.{m.group(2)}", []).append(m.group(3))
        return found

    def terse(self, dev: FakeDevice) -> str:
        """Terse output prints no DAD state (the getter reports every address ok)."""
        out = ["Interface               Admin Link Proto    Local                 Remote"]
        for name, addresses in self.addresses(dev).items():
            out.append(f"{name.split('.')[0]:<23} up    up")
            out.append(f"{name:<23} up    up   inet6    {addresses[0]}/64")
            out += [f"{'':<43}{a}/64" for a in addresses[1:]]
        return "\n".join(out)

    def ospfv3_interfaces(self, dev: FakeDevice) -> set[str]:
        found = set()
        for child in dev.running.children:
            match = re.match(r"set protocols ospf3 area \S+ interface (\S+)\.0$", child.text)
            if match:
                found.add(match.group(1))
        return found

    def table(self) -> list[tuple[str, Handler]]:
        return [
            # what Junos answers to the CLI settings netmiko makes at login
            (r"set cli screen-width (\d+)", lambda d, m: f"Screen width set to {m.group(1)}"),
            (r"set cli screen-length (\d+)", lambda d, m: f"Screen length set to {m.group(1)}"),
            (r"set cli complete-on-space off", lambda d, m: "Disabling complete-on-space"),
            (r"configure", self.configure),
            (r"show configuration \| display set", lambda d, m: d.config_text()),
            (r"show route table inet\.0", lambda d, m: self.routes(d)),
            (r"show ospf neighbor", lambda d, m: self.ospf(d)),
            (r"show ospf3 neighbor", lambda d, m: self.ospfv3(d)),
            (r"ping (\S+) inet6 source (\S+) count (\d+) wait (\d+)", self.ping),
            (r"show interfaces terse", lambda d, m: self.terse(d)),
            (r"show log messages", lambda d, m: "\n".join(d.buffer)),
        ]

    def record(self, dev: FakeDevice, text: str, configuring: bool) -> None:
        user = dev.session[0]
        if text == "configure" and not configuring:
            message = f"UI_DBASE_LOGIN_EVENT: User '{user}' entering configuration mode"
        elif configuring and re.fullmatch(r"commit( confirmed \d+)?", text):
            operation = "commit confirmed" if "confirmed" in text else "commit"
            message = f"UI_COMMIT: User '{user}' requested '{operation}' operation (comment: none)"
        else:
            return
        now = datetime.now(CHINA)
        dev.buffer.append(f"{now:%b} {now.day:>2} {now:%H:%M:%S}  {dev.hostname} mgd[4242]: {message}")

    def configure(self, dev: FakeDevice, match: "re.Match[str]") -> str:
        dev.views = ["<config>"]
        return "Entering configuration mode"

    def handle(self, dev: FakeDevice, text: str) -> str:
        if not dev.views:
            found = dispatch(self.table(), dev, text)
            return self.unknown(text) if found is None else found
        if text.startswith("run "):
            found = dispatch(self.table(), dev, text.removeprefix("run "))
            return self.unknown(text) if found is None else found
        edits = [(r"commit confirmed (\d+)", self.confirmed), (r"commit( check)?", self.commit),
                 (r"rollback (\d+)", self.rollback), (r"exit( configuration-mode)?", self.exit)]  # fmt: skip
        found = dispatch(edits, dev, text)
        if found is not None:
            return found
        if not text.startswith(("set ", "delete ")):
            return self.unknown(text)
        return self.edit(dev, text)

    def edit(self, dev: FakeDevice, text: str) -> str:
        config = dev.editing
        if text.startswith("delete "):
            for child in list(config.children):
                if child.text.startswith("set " + text.removeprefix("delete ")):
                    child.delete()
        elif config.get_child(equals=text) is None:
            config.add_child(text)
        return ""

    def confirmed(self, dev: FakeDevice, match: "re.Match[str]") -> str:
        dev.checkpoint = dev.running.deep_copy()
        dev.commit()
        return (f"commit confirmed will be automatically rolled back in {match.group(1)} minutes unless confirmed\n"
                "commit complete")  # fmt: skip

    def commit(self, dev: FakeDevice, match: "re.Match[str]") -> str:
        if match.group(1) is None:
            dev.commit()
        dev.checkpoint = None if match.group(1) is None else dev.checkpoint
        return "commit complete" if match.group(1) is None else "configuration check succeeds"

    def rollback(self, dev: FakeDevice, match: "re.Match[str]") -> str:
        number = int(match.group(1))
        if number == 0:
            dev.candidate = None
        elif number == 1 and dev.checkpoint is not None:
            dev.candidate = dev.checkpoint.deep_copy()
        elif number == 1:
            return "error: rollback 1 is not available in this fake's history"
        return "load complete"

    def exit(self, dev: FakeDevice, match: "re.Match[str]") -> str:
        if dev.candidate is not None and dev.config_text(dev.candidate) != dev.config_text():
            def answer(text: str) -> str:
                if text.startswith("y"):
                    dev.candidate, dev.views = None, []
                    return "Exiting configuration mode"
                return ""

            return dev.ask("The configuration has been changed but not committed\n"
                           "Exit with uncommitted changes? [yes,no] (yes) ", answer)  # fmt: skip
        dev.candidate, dev.views = None, []
        return "Exiting configuration mode"

    def routes(self, dev: FakeDevice) -> str:
        rows = dev.routes()
        out = ["", f"inet.0: {len(rows)} destinations, {len(rows)} routes ({len(rows)} active, 0 holddown, 0 hidden)",
               "+ = Active Route, - = Last Active, * = Both", ""]  # fmt: skip
        last = ""
        for prefix, proto, hop, port in rows:
            if proto == "connected":
                out += [f"{prefix:<18} *[Direct/0] 00:49:21", f"                    > via {port}.0"]
            elif prefix == last:
                out += [f"                    > to {hop} via {port}.0"]
            else:
                out += [f"{prefix:<18} *[OSPF/10] 00:30:18, metric 2", f"                    > to {hop} via {port}.0"]
            last = prefix
        return "\n".join(out)

    def ospf(self, dev: FakeDevice) -> str:
        out = ["Address          Interface              State     ID               Pri  Dead"]
        for port, peer, hop in dev.ospf_peers():
            out.append(f"{hop:<16} {port.name + '.0':<22} Full      {peer.router_id:<16} 128    32")
        return "\n".join(out)

    def ospfv3(self, dev: FakeDevice) -> str:
        out = ["ID               Interface              State     Pri   Dead"]
        for port, peer in dev.ospfv3_peers():
            out += [f"{peer.router_id:<16} {port.name + '.0':<22} Full      128     35",
                    "  Neighbor-address fe80::250:56ff:fe8d:53c0"]  # fmt: skip
        return "\n".join(out)

    def ping(self, dev: FakeDevice, match: "re.Match[str]") -> str:
        target, count = match.group(1), int(match.group(3))
        ok = dev.reachable(target)
        got = count if ok else 0
        out = [f"PING6({target}) 56 data bytes"]
        out += [f"64 bytes from {target}: icmp_seq={i} hlim=64 time=1.000 ms" for i in range(count)] if ok else []
        return "\n".join([*out, "", f"--- {target} ping6 statistics ---",
                          f"{count} packets transmitted, {got} packets received, "
                          f"{100 - 100 * got // count}% packet loss"]
                         + (["round-trip min/avg/max/std-dev = 1.000/1.000/1.000/0.000 ms"] if ok else []))  # fmt: skip
