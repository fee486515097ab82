"""The device contract: one ``Driver`` protocol (NAPALM's idea, as a typing.Protocol like Nornir's plugins).

The rollout engine receives a factory of drivers (``DriverFactory``): the netmiko driver for devices and the
lab, or anything else that keeps the contract.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..history.cmdlog import Command
from ..platforms.base import Platform
from ..platforms.results import Ipv6Interface, Neighbor, Ping, Route


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


class NotSupported(DeviceError):
    """The platform has no such getter (``platform.parsers`` lacks it): nothing was sent."""


class Driver(Protocol):
    device: str
    platform: Platform
    armed: bool  # a device-side confirm timer is running

    def open(self) -> None: ...

    def close(self) -> None: ...

    def running_config(self) -> str: ...

    def load(self, lines: list[str], timer_seconds: int | None = None) -> None:
        """Make ``lines`` running (committed where the platform has two stages), under the platform's confirm
        timer when ``timer_seconds`` is given and it has one; back in the operational view afterwards. Raise
        DeviceError on the first refused line, with the candidate discarded."""
        ...

    def confirm(self) -> None:
        """Keep a change made under the timer."""
        ...

    def abort(self) -> bool:
        """Roll a change under the timer back now; False where the platform has no such command."""
        ...

    def save(self) -> None: ...

    def ipv4_routes(self) -> list[Route]: ...

    def ospf_neighbors(self) -> list[Neighbor]: ...

    def ospfv3_neighbors(self) -> list[Neighbor]: ...

    def ping(self, target: str, source: str, source_interface: str) -> Ping: ...

    def ipv6_interfaces(self) -> list[Ipv6Interface]:
        """Where the platform has the getter (``platform.parsers``): interfaces with their IPv6 addresses and
        their duplicate-address-detection state."""
        ...

    def command_log(self) -> list[Command]:
        """Who typed which configuration command, from the device's own log (a log buffer, its messages file);
        NotSupported where the platform has no ``command-log`` getter."""
        ...


DriverFactory = Callable[[Target], Driver]
