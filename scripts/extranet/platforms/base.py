"""What a platform is: everything particular to one network OS, declared as data in its own package.

scrapli-community's idea (a platform is one folder, found by name) with NAPALM's contract: the device layer,
the diff, the rollout and the config history read a ``Platform`` and never branch on a platform's name.
"""

import importlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from re import Pattern
from typing import Any

from hier_config.platforms.driver_base import HConfigDriverBase


@dataclass(frozen=True)
class Names:
    """The platform's names across the tools we drive (netutils' lib_mapper idea)."""

    netmiko: str
    napalm: str | None  # None: no maintained NAPALM driver
    # Ansible: the network_os of a maintained cliconf plugin, or None where none exists; such hosts are driven by
    # extranet's own modules (playbooks/library/) over netmiko, connection local.
    ansible_network_os: str | None


@dataclass(frozen=True)
class ChangeFlow:
    """How a change is made, as the vendor documents it: the commands sent around the configuration lines,
    starting and ending in the operational view (IOS exec, VRP/Comware user view, Junos operational mode).

    Format fields: ``{seconds}`` and ``{minutes}`` (the confirm timer). Without a timer a change is
    ``enter`` + lines + ``leave``; with one it is ``timer_enter`` + lines + ``timer_leave``, then ``confirm``
    after the checks pass or ``abort`` when they fail (empty ``abort``: the tool restores the backup itself).
    """

    enter: tuple[str, ...]
    leave: tuple[str, ...]
    # config lines the timer needs in place before it starts (IOS: the archive its checkpoint goes to); sent as
    # a change of their own, without a timer, when the running config lacks them
    timer_prepare: tuple[str, ...] = ()
    timer_enter: tuple[str, ...] = ()
    timer_leave: tuple[str, ...] = ()
    confirm: tuple[str, ...] = ()
    abort: tuple[str, ...] = ()
    timer_unit: int = 0  # seconds per unit of the timer (60 where the platform counts minutes); 0 = no timer
    # from the configuration view after a refused line: drop an uncommitted candidate and return to the
    # operational view; empty: the last step of ``leave`` (one-stage platforms: what was applied stays, and the
    # engine restores the backup)
    discard: tuple[str, ...] = ()
    save: tuple[str, ...] = ()  # from the operational view; empty where a commit is already persistent (Junos)

    @property
    def has_timer(self) -> bool:
        return self.timer_unit > 0


Parser = Callable[[str], Any]


@dataclass(frozen=True)
class Platform:
    name: str
    vendor: str
    names: Names
    flow: ChangeFlow
    # the hier_config driver: the syntax's sections, negation ("no"/"undo"), sectional exits, idempotency
    hier_driver: Callable[[], HConfigDriverBase]
    scrub: tuple[Pattern[str], ...]  # history: secrets out of stored configs (history/scrub.py rules)
    package: Path  # the platform's folder: its recorded real outputs are in recorded/<getter>/
    running_config: str = "show running-config"
    # an output line matching this means the device refused the command: that device fails
    error_pattern: str = r"^\s*% ?(Unknown command|Invalid|Incomplete command|Command incomplete|Ambiguous)"
    # questions a command may ask, and the answer (save's "[Y/N]", IOS's "Destination filename")
    answers: tuple[tuple[str, str], ...] = ()
    # lines of the running config that are not config (banners, headers, section ends)
    noise: tuple[str, ...] = ()
    # lines a platform does not print while in effect: present unless their negation is printed (FRR)
    implicit: Mapping[str, str] = field(default_factory=dict)
    # the running config prints global commands indented by one blank between '#' lines (Comware: " sysname X")
    indented_globals: bool = False
    # config lines the platform cannot take back (they go with their parent section): never negated
    never_negated: tuple[str, ...] = ()
    # lines of a section the fragment manages that the fragment owns outright: one in the running config that
    # the fragment does not have is stale (an old plan's address) and is removed by the change
    owned: tuple[str, ...] = ()
    loopback_interface: str = "LoopBack0"
    # vtysh's ping has no count: it runs until interrupted (Ctrl-C prints the summary)
    ping_interrupt: bool = False
    # a prompt at the end of the output, given netmiko's base prompt (the hostname part)
    prompt: str = r"{base}[^\n]*[#>\]]\s*$"

    @property
    def getters(self) -> Any:
        """The platform's getters module: ``COMMANDS`` (getter -> the command that feeds it; format fields
        target, source, source_interface) and ``PARSERS`` (getter -> parser of that output, results.py types).
        Imported on first use: a rollout on one platform never loads the others' parsers."""
        return importlib.import_module(f"extranet.platforms.{self.name}.getters")

    @property
    def commands(self) -> Mapping[str, str]:
        commands: Mapping[str, str] = self.getters.COMMANDS
        return commands

    @property
    def parsers(self) -> Mapping[str, Parser]:
        parsers: Mapping[str, Parser] = self.getters.PARSERS
        return parsers

    def errors(self, output: str) -> list[str]:
        """The lines of ``output`` that say a command was refused (with the line before: the '^' marker)."""
        pattern = re.compile(self.error_pattern, re.IGNORECASE | re.MULTILINE)
        lines = output.splitlines()
        return [" ".join(lines[max(i - 1, 0) : i + 1]).strip() for i, line in enumerate(lines) if pattern.search(line)]

    def recorded(self) -> list[Path]:
        """The real device outputs kept in the package (``recorded/<getter>/<case>.txt``)."""
        return sorted((self.package / "recorded").glob("*/*.txt"))


CISCO_NOISE = (r"^Building configuration", r"^Current configuration", r"^!", r"^end$", r"^exit$", r"^version ")
VRP_NOISE = (r"^#", r"^return$", r"^!", r"^\s*quit$", r"^Info:", r"^<.*>$")
# a global IPv6 address with its length (not `auto link-local`, not a link-local without one)
OWNED_ADDRESS = r"^ipv6 address [0-9A-Fa-f:]+/\d+$"
