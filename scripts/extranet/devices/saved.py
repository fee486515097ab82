"""A driver over saved configs: plan a change offline, against a backup, without touching a device.

``extranet push dual-stack --dry-run --running DIR`` diffs against ``DIR/<device>.cfg`` (an Oxidized or RANCID
backup, or our own history ``var/history/<device>.cfg``) instead of connecting. Nothing here opens a socket:
the getters have nothing to read, so they answer empty, and every command that would send refuses.
"""

from pathlib import Path

from ..files import read_limited
from ..history.cmdlog import Command
from ..platforms import get
from ..platforms.results import Ipv6Interface, Neighbor, Ping, Route
from .base import DeviceError, Driver, DriverFactory, Target

SUFFIX = ".cfg"
OFFLINE = "offline: nothing is sent"


def saved_config_path(directory: Path, device: str) -> Path:
    """Where the saved config of ``device`` is: ``DIR/<device>.cfg`` (our history's naming), else ``DIR/<device>``
    (Oxidized's file output and RANCID's ``configs/`` name a file by the host alone); the former when neither."""
    named = directory / f"{device}{SUFFIX}"
    bare = directory / device
    return bare if not named.exists() and bare.is_file() else named


class SavedConfig:
    """The ``Driver`` of one device whose running config is a file: it reads, it never sends."""

    def __init__(self, target: Target, directory: Path) -> None:
        self.target = target
        self.device = target.device
        self.platform = get(target.platform)
        self.armed = False  # no device, no confirm timer
        self.path = saved_config_path(directory, target.device)
        self._config: str | None = None

    def open(self) -> None:
        try:
            data = read_limited(self.path)
        except FileNotFoundError:
            raise DeviceError(self.device, f"no saved config {self.path}") from None
        except OSError as exc:
            raise DeviceError(self.device, f"cannot read the saved config {self.path}: {exc.strerror or exc}") from None
        # Backups are not always UTF-8 (a VRP description typed in GBK): such bytes are only ever compared,
        # never sent, so a replacement character costs nothing, while refusing the file would stop the plan.
        self._config = data.decode("utf-8", errors="replace")

    def close(self) -> None:
        """Nothing to close: the file was read whole in ``open``."""

    def running_config(self) -> str:
        if self._config is None:
            self.open()
        assert self._config is not None
        return self._config

    # ---- changes: never, there is no device ------------------------------------------------------------------
    def load(self, lines: list[str], timer_seconds: int | None = None) -> None:
        raise DeviceError(self.device, OFFLINE)

    def confirm(self) -> None:
        raise DeviceError(self.device, OFFLINE)

    def abort(self) -> bool:
        raise DeviceError(self.device, OFFLINE)

    def save(self) -> None:
        raise DeviceError(self.device, OFFLINE)

    # ---- getters: a file has no routing table; a dry run only keeps them as its baseline -------------------
    def ipv4_routes(self) -> list[Route]:
        return []

    def ospf_neighbors(self) -> list[Neighbor]:
        return []

    def ospfv3_neighbors(self) -> list[Neighbor]:
        return []

    def ping(self, target: str, source: str, source_interface: str) -> Ping:
        return Ping(0, 0)

    def ipv6_interfaces(self) -> list[Ipv6Interface]:
        return []

    def command_log(self) -> list[Command]:
        return []


def saved_configs(directory: Path) -> DriverFactory:
    """The factory the rollout engine takes: each target's driver reads ``directory/<device>.cfg``."""

    def factory(target: Target) -> Driver:
        return SavedConfig(target, directory)

    return factory
