"""Out-of-band changes, attributed: what changed on a device since its last record that no run of ours made, hunk by
hunk, and who typed it according to the device's own command log (``history.cmdlog``: Huawei SHELL/5/CMDRECORD,
H3C SHELL/6/SHELL_CMD, Cisco PARSER-5-CFGLOG_LOGGEDCMD / SYS-5-CONFIG_I, Junos UI_COMMIT / UI_CMDLINE_READ_LINE,
the lab's vtysh sessions).

A hunk is ``out-of-band:USER`` when a command logged after the last record adds one of its lines or removes one
(``no …`` / ``undo …`` / ``delete …``), else when a configuration session was logged after the last record (IOS
CONFIG_I, a Junos commit) by USER; ``unattributed`` when the log says nothing of it. A command logged without its
client takes the address of the same user's session logged when it ended (IOS: CFGLOG, then CONFIG_I).
"""

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

NEGATIONS = ("no ", "undo ", "delete ")


class Logged(Protocol):  # history.cmdlog.Command (read-only fields)
    @property
    def at(self) -> datetime | None: ...
    @property
    def user(self) -> str: ...
    @property
    def client(self) -> str: ...
    @property
    def command(self) -> str: ...


@dataclass
class Hunk:
    removed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    attribution: str = "unattributed"
    by: str = ""
    at: str = ""
    client: str = ""
    command: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"removed": self.removed, "added": self.added, "attribution": self.attribution, "by": self.by,
                "at": self.at, "client": self.client, "command": self.command}  # fmt: skip


def hunks(old: str, new: str) -> list[Hunk]:
    """The changed blocks between two configs, line by line (what `git diff` would show, without context)."""
    a, b = old.splitlines(), new.splitlines()
    found = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            found.append(Hunk(a[i1:i2], b[j1:j2]))
    return found


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


def _matches(command: str, hunk: Hunk) -> bool:
    typed = _norm(command)
    if not typed:
        return False
    if any(_norm(line) == typed for line in hunk.added):
        return True
    for prefix in NEGATIONS:
        if typed.startswith(prefix) and any(_norm(line) == typed[len(prefix) :] for line in hunk.removed):
            return True
    return False


def attribute(found: list[Hunk], commands: Sequence[Logged], since: datetime | None,
              until: datetime | None = None) -> list[Hunk]:  # fmt: skip
    """Fill each hunk's attribution from the commands logged after ``since`` (the last record) and before
    ``until`` (this backup's own login), newest first."""
    recent = [c for c in commands if (since is None or c.at is None or c.at > since)
              and (until is None or c.at is None or c.at < until)]  # fmt: skip
    recent.sort(key=lambda c: c.at.timestamp() if c.at else 0.0, reverse=True)
    sessions = [c for c in recent if not c.command.strip() or _norm(c.command).startswith("commit")]
    for hunk in found:
        who = next((c for c in recent if _matches(c.command, hunk)), None) or (sessions[0] if sessions else None)
        if who is None or not who.user:
            continue
        hunk.attribution = f"out-of-band:{who.user}"
        hunk.by, hunk.client, hunk.command = who.user, who.client or _client(who, recent), who.command
        hunk.at = who.at.isoformat() if who.at else ""
    return found


def _client(command: Logged, recent: Sequence[Logged]) -> str:
    """Where a command logged without its client (IOS CFGLOG) came from: the same user's configuration session
    logged when it ended (IOS CONFIG_I ``on vty0 (address)``), the first at or after the command."""
    after = [c for c in recent if c.user == command.user and c.client and c.at is not None and command.at is not None
             and c.at >= command.at]  # fmt: skip
    return min(after, key=lambda c: c.at.timestamp() if c.at else 0.0).client if after else ""


def summary(found: list[Hunk]) -> str:
    """One attribution for the whole change: the users, or ``unattributed`` when any hunk has none."""
    users = sorted({h.by for h in found if h.by})
    if not found:
        return ""
    if any(h.attribution == "unattributed" for h in found) or not users:
        return "unattributed"
    return "out-of-band:" + ",".join(users)
