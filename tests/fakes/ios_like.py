"""The Cisco-style CLI (IOS, Ruijie RGOS, FRR's vtysh): exec ``host#``, ``configure terminal`` → ``host(config)#``,
``interface X`` → ``host(config-if)#``, ``exit`` one level up, ``end`` back to exec (Cisco IOS Configuration
Fundamentals Configuration Guide, "Using the Cisco IOS Command-Line Interface": command modes)."""

import re

from .device import Dialect, FakeDevice, Handler, dispatch


class IosLike(Dialect):
    invalid = "% Invalid input detected at '^' marker."
    save_command = r"write( memory)?"
    paging = r"terminal (length|width) \d+"

    def banner(self) -> str:
        return ""

    def prompt(self, dev: FakeDevice) -> str:
        if not dev.views:
            return f"{dev.hostname}#"
        if len(dev.views) == 1:
            return f"{dev.hostname}(config)#"
        mode = "config-if" if dev.views[1].startswith("interface") else "config-router"
        if len(dev.views) > 2:
            mode = "config-router-af"
        return f"{dev.hostname}({mode})#"

    def unknown(self, text: str) -> str:
        return f"{' ' * 10}^\n{self.invalid}"

    def exec_table(self) -> list[tuple[str, Handler]]:
        return [
            (self.paging, lambda d, m: ""),
            (r"configure terminal", self.enter),
            (r"show running-config", lambda d, m: self.show_running(d)),
            (self.save_command, self.save),
        ]

    def enter(self, dev: FakeDevice, match: "re.Match[str]") -> str:
        dev.views = ["<config>"]
        return "Enter configuration commands, one per line.  End with CNTL/Z."

    def save(self, dev: FakeDevice, match: "re.Match[str]") -> str:
        dev.saved += 1
        return "Building configuration...\n[OK]"

    def show_running(self, dev: FakeDevice) -> str:
        body = dev.config_text().replace("\n", "\n")
        return f"Building configuration...\n\nCurrent configuration : {len(body)} bytes\n!\n{body}\n!\nend"

    def handle(self, dev: FakeDevice, text: str) -> str:
        if not dev.views:
            found = dispatch(self.exec_table(), dev, text)
            return self.unknown(text) if found is None else found
        if text == "end":
            dev.views = []
            return ""
        if text in ("exit", "exit-address-family"):
            dev.views.pop()
            return ""
        return dev.apply(text)
