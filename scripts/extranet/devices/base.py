"""The device contract: one ``Driver`` protocol (NAPALM's idea, as a typing.Protocol like Nornir's plugins)."""

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .quirks import Quirks


class DeviceError(Exception):
    """The device refused a command, could not be reached or answered something we cannot read."""

    def __init__(self, device: str, message: str) -> None:
        self.device = device
        super().__init__(f"{device}: {message}")


@dataclass(frozen=True)
class Target:
    """How to reach one device. The password is held in memory only, never logged or stored."""

    device: str
    platform: str
    host: str
    username: str
    password: str
    port: int = 22
    known_hosts: Path | None = None  # verify the SSH host key against this file
    trust_new_hosts: bool = False  # trust on first use: record an unknown host's key (never a changed one)
    interfaces: tuple[tuple[str, str], ...] = ()  # inventory name -> the target's name (the lab's Linux names)

    def __repr__(self) -> str:  # a Target in a traceback or log must not show the password
        return f"Target({self.device!r}, {self.platform!r}, {self.host!r}, user={self.username!r})"


class Driver(Protocol):
    device: str
    quirks: Quirks

    def open(self) -> None: ...

    def close(self) -> None: ...

    def running_config(self) -> str: ...

    def load(self, lines: list[str]) -> str:
        """Enter configuration mode and send ``lines``; raise DeviceError on the first refused command."""
        ...

    def commit(self, confirm_seconds: int | None) -> bool:
        """Make the change running; with a timer where the platform has one. True when a timer is armed."""
        ...

    def confirm(self) -> None: ...

    def abort(self) -> None:
        """Revert a change still under its confirm timer, now."""
        ...

    def save(self) -> None: ...

    def show(self, check: str, **fields: str) -> str:
        """Run the platform's command for ``check`` (quirks.show); raise DeviceError when it is refused."""
        ...
