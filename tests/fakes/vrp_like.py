"""The VRP-style CLI (Huawei VRP5/VRP8, H3C Comware): user view ``<host>``, ``system-view`` → ``[host]``,
``interface X`` → ``[host-X]``, ``quit`` one view up, ``return`` to the user view (Huawei AR V200R010 Command
Reference "Basic Configuration Commands": system-view, quit, return; H3C Comware 7 Fundamentals Command
Reference "Basic CLI commands")."""

import re

from .device import Dialect, FakeDevice, Handler, dispatch


class VrpLike(Dialect):
    unrecognized = "Error: Unrecognized command found at '^' position."
    paging = r"screen-length .*|screen-width .*"

    def banner(self) -> str:
        return "Info: The max number of VTY users is 10.\n"

    def view_name(self, dev: FakeDevice) -> str:
        section = dev.views[-1] if len(dev.views) > 1 else ""
        if section.startswith("interface "):
            return "-" + section.removeprefix("interface ").replace(" ", "")
        if section:
            return "-" + re.sub(r"\s+", "-", section)[:24]
        return ""

    def prompt(self, dev: FakeDevice) -> str:
        if not dev.views:
            return f"<{dev.hostname}>"
        return f"[{self.state_mark(dev)}{dev.hostname}{self.view_name(dev)}]"

    def state_mark(self, dev: FakeDevice) -> str:
        return ""

    def unknown(self, text: str) -> str:
        return f"{' ' * (len(text) // 2)}^\n{self.unrecognized}"

    def exec_table(self) -> list[tuple[str, Handler]]:
        return [
            (self.paging, lambda d, m: ""),
            (r"system-view( immediately)?", self.enter),
            (r"display current-configuration", lambda d, m: self.show_running(d)),
        ]

    def enter(self, dev: FakeDevice, match: "re.Match[str]") -> str:
        dev.views = ["<config>"]
        return "Enter system view, return user view with return command."

    def show_running(self, dev: FakeDevice) -> str:
        out = []
        for child in dev.running.children:
            out.append("#")
            out.append(child.text)
            out += [" " * (c.depth() - 1) + c.text for c in child.all_children_sorted()]
        return "\n".join([*out, "#", "return"])

    def system_table(self) -> list[tuple[str, Handler]]:
        """Commands of the system view that are not configuration lines."""
        return []

    def handle(self, dev: FakeDevice, text: str) -> str:
        if not dev.views:
            found = dispatch(self.exec_table(), dev, text)
            return self.unknown(text) if found is None else found
        if len(dev.views) == 1 or self.two_stage:  # VRP8 commits and aborts from any view of the system view
            found = dispatch(self.system_table(), dev, text)
            if found is not None:
                return found
        if text == "return":
            return self.leave(dev)
        if text == "quit":
            dev.views.pop()
            return ""
        if text.startswith("display "):
            found = dispatch(self.exec_table(), dev, text)
            if found is not None:
                return found
        return dev.apply(text)

    def leave(self, dev: FakeDevice) -> str:
        dev.views = []
        return ""
