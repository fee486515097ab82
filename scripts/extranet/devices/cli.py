"""The CLI driver over netmiko: every platform, told apart only by its ``Platform`` (flow, prompts, errors)."""

import contextlib
import re
import threading
import time
from typing import Any

import paramiko  # type: ignore[import-untyped]
from netmiko import BaseConnection, ConnectHandler
from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException

from ..history.cmdlog import Command
from ..platforms import get
from ..platforms.base import Platform
from ..platforms.results import Ipv6Interface, Neighbor, ParseError, Ping, Route
from .base import DeviceError, NotSupported, Target

_known_hosts_lock = threading.Lock()
BATCH = 40  # configuration lines per write (a terminal's input buffer takes a few kilobytes)


class CliDriver:
    def __init__(self, target: Target, platform: Platform | None = None, read_timeout: float = 20.0) -> None:
        self.target = target
        self.read_timeout = read_timeout  # seconds a command may take before the device counts as not answering
        self.device = target.device
        self.platform = platform or get(target.platform)
        self.armed = False
        self._conn: BaseConnection | None = None

    @property
    def conn(self) -> BaseConnection:
        if self._conn is None:
            self.open()
        assert self._conn is not None
        return self._conn

    def open(self) -> None:
        t = self.target
        params: dict[str, Any] = {
            "device_type": self.platform.names.netmiko,
            "host": t.host,
            "port": t.port,
            "username": t.username,
            "password": t.password,
            "conn_timeout": 8,
            "auth_timeout": 10,
            "system_host_keys": False,
            "ssh_strict": not t.trust_new_hosts,
        }
        if t.known_hosts is not None and t.known_hosts.exists():
            params |= {"alt_host_keys": True, "alt_key_file": str(t.known_hosts)}
        try:
            self._conn = ConnectHandler(**params)
        except NetmikoAuthenticationException as exc:
            raise DeviceError(self.device, f"authentication failed for {t.username}@{t.host}") from exc
        except NetmikoTimeoutException as exc:
            raise DeviceError(self.device, f"unreachable: {t.host}:{t.port} ({exc})") from exc
        except paramiko.BadHostKeyException as exc:
            raise DeviceError(self.device, f"SSH host key of {t.host} CHANGED: not connecting ({exc})") from exc
        except paramiko.SSHException as exc:
            hint = " (unknown host key: add it to the known-hosts file, or trust it once with --trust-new-hosts)"
            raise DeviceError(self.device, f"SSH to {t.host} refused: {exc}{hint}") from exc
        if t.trust_new_hosts and t.known_hosts is not None:
            self._remember_host_key()
        # what the login left queued (Comware leaves a prompt fragment after netmiko's set-up) would otherwise
        # stand before the first command's echo and be read as output
        self._conn.clear_buffer()

    def _remember_host_key(self) -> None:
        client = self.conn.remote_conn_pre
        assert client is not None and self.target.known_hosts is not None
        with _known_hosts_lock:
            keys = paramiko.HostKeys()
            if self.target.known_hosts.exists():
                keys.load(str(self.target.known_hosts))
            for host, entries in client.get_host_keys().items():
                for key_type, key in entries.items():
                    keys.add(host, key_type, key)
            keys.save(str(self.target.known_hosts))

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):  # a dead session cannot be closed politely; it is gone anyway
                self._conn.disconnect()
            self._conn = None

    # ---- changes -------------------------------------------------------------------------------------------
    def running_config(self) -> str:
        return self._step(self.platform.running_config, read_timeout=3 * self.read_timeout)

    def load(self, lines: list[str], timer_seconds: int | None = None) -> None:
        if not lines:
            return
        flow = self.platform.flow
        timed = bool(timer_seconds) and flow.has_timer
        amount = max(1, -(-int(timer_seconds or 0) // max(flow.timer_unit, 1)))
        enter, leave = (flow.timer_enter, flow.timer_leave) if timed else (flow.enter, flow.leave)
        for step in enter:
            self._step(step.format(seconds=amount, minutes=amount))
            self.armed = self.armed or (timed and "{" in step)  # the timer starts before the change (IOS, Comware)
        try:
            for start in range(0, len(lines), BATCH):
                self._paste(lines[start : start + BATCH])
        except DeviceError:
            self._discard()
            raise
        for step in leave:
            self._step(step.format(seconds=amount, minutes=amount))
            self.armed = self.armed or (timed and "{" in step)  # ... or with the commit (VRP8, Junos)

    def _discard(self) -> None:
        """After a refused line: drop what the candidate holds where the platform has two stages, and return to
        the operational view; the engine then restores whatever a one-stage platform already applied."""
        flow = self.platform.flow
        for step in flow.discard or (flow.leave[-1],):
            try:
                self._step(step)
            except DeviceError:
                continue

    def confirm(self) -> None:
        for step in self.platform.flow.confirm:
            self._step(step)
        self.armed = False

    def abort(self) -> bool:
        if not self.platform.flow.abort:
            return False
        for step in self.platform.flow.abort:
            self._step(step)
        self.armed = False
        return True

    def save(self) -> None:
        for step in self.platform.flow.save:
            self._step(step, read_timeout=3 * self.read_timeout)

    # ---- getters -------------------------------------------------------------------------------------------
    def ipv4_routes(self) -> list[Route]:
        return list(self._get("ipv4-routes"))

    def ospf_neighbors(self) -> list[Neighbor]:
        return list(self._get("ospf-neighbors"))

    def ospfv3_neighbors(self) -> list[Neighbor]:
        return list(self._get("ospfv3-neighbors"))

    def ping(self, target: str, source: str, source_interface: str) -> Ping:
        result = self._get("ping", target=target, source=source, source_interface=source_interface)
        assert isinstance(result, Ping)
        return result

    def ipv6_interfaces(self) -> list[Ipv6Interface]:
        return list(self._get("ipv6-interfaces"))

    def command_log(self) -> list[Command]:
        if "command-log" not in self.platform.parsers:
            raise NotSupported(self.device, f"{self.platform.name} has no command-log getter: its log is not read")
        return list(self._get("command-log"))

    def _get(self, getter: str, **fields: str) -> Any:
        command = self.platform.commands[getter].format(**fields)
        if getter == "ping" and self.platform.ping_interrupt:
            output = self._interrupted(command)
        else:
            output = self._step(command)
        try:
            return self.platform.parsers[getter](output)
        except ParseError as exc:
            raise DeviceError(self.device, f"cannot read the output of {command!r}: {exc}") from exc

    # ---- the channel ---------------------------------------------------------------------------------------
    def _step(self, command: str, read_timeout: float | None = None) -> str:
        """Send one command and read until the prompt comes back, answering the platform's questions."""
        conn = self.conn
        read_timeout = max(read_timeout or 0, self.read_timeout)
        prompt = self.platform.prompt.format(base=re.escape(conn.base_prompt))
        questions = [question for question, _ in self.platform.answers]
        expect = "|".join([prompt, *questions])
        output = str(conn.send_command(command, expect_string=expect, read_timeout=read_timeout, cmd_verify=False))
        first, _, rest = output.partition("\n")
        if first.rstrip().endswith(command) and first.strip() != command:  # an echo behind a stray prompt
            output = rest
        for _ in range(3):  # the read ended on a question (the prompt, when it ends a read, is stripped)
            answer = next((a for q, a in self.platform.answers if re.search(q, output.rstrip("\n") + " ")), None)
            if answer is None:
                break
            output += "\n" + str(conn.send_command(answer, expect_string=expect, read_timeout=read_timeout,
                                                   cmd_verify=False))  # fmt: skip
        self._refused(output, command)
        return output

    def _paste(self, lines: list[str]) -> None:
        """Configuration lines sent in one write, then read back in order: up to each line's echo (as netmiko's
        cmd_verify does, so a repeated ``exit`` is never mistaken for the last one), then to the prompt. A round
        trip per line was the slowest part of a change; an error is told apart by the echo it follows."""
        conn = self.conn
        prompt = self.platform.prompt.format(base=re.escape(conn.base_prompt))
        conn.write_channel("".join(line + conn.RETURN for line in lines))
        sent = [line.strip() for line in lines if line.strip()]
        previous = "configuration"
        for line in sent:
            # what stands before a line's echo is the answer to the line sent before it
            self._refused(conn.read_until_pattern(pattern=re.escape(line), read_timeout=self.read_timeout), previous)
            previous = line
        self._refused(conn.read_until_pattern(pattern=prompt, read_timeout=self.read_timeout), previous)

    def _interrupted(self, command: str, seconds: float = 3.0) -> str:
        """Run a command that does not stop by itself until it has answered (or ``seconds``), then Ctrl-C it."""
        conn = self.conn
        conn.write_channel(command + conn.RETURN)
        output, deadline = "", time.monotonic() + seconds
        while time.monotonic() < deadline and not re.search(r"bytes from|nreachable|rror", output):
            time.sleep(0.05)
            output += conn.read_channel()
        conn.write_channel("\x03")
        output += conn.read_until_prompt(read_timeout=10)
        return output

    def _refused(self, output: str, command: str) -> None:
        errors = self.platform.errors(output)
        if errors:
            raise DeviceError(self.device, f"{command!r} refused: {errors[0]}")
