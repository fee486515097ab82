"""The CLI driver over netmiko: every platform family, told apart only by its ``Quirks``."""

import re
import threading
import time
from typing import Any

import paramiko  # type: ignore[import-untyped]
from netmiko import BaseConnection, ConnectHandler
from netmiko.exceptions import ConfigInvalidException, NetmikoAuthenticationException, NetmikoTimeoutException

from .base import DeviceError, Target
from .quirks import QUIRKS, Quirks

_known_hosts_lock = threading.Lock()


class CliDriver:
    def __init__(self, target: Target, quirks: Quirks | None = None) -> None:
        self.target = target
        self.device = target.device
        self.quirks = quirks or QUIRKS[target.platform]
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
            "device_type": self.quirks.netmiko_device_type,
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
            self._conn.disconnect()
            self._conn = None

    def running_config(self) -> str:
        output = str(self.conn.send_command(self.quirks.running_config, read_timeout=60))
        self._refused(output, self.quirks.running_config)
        return output

    def load(self, lines: list[str]) -> str:
        if not lines:
            return ""
        try:
            output: str = self.conn.send_config_set(
                lines, error_pattern=self.quirks.error_pattern, exit_config_mode=self.quirks.commit is None
            )
        except (ConfigInvalidException, ValueError) as exc:  # netmiko: the error pattern matched
            self.conn.exit_config_mode()
            raise DeviceError(self.device, f"command refused: {_refused_line(str(exc))}") from exc
        self._refused(output, "configuration")
        return output

    def commit(self, confirm_seconds: int | None) -> bool:
        timer = self.quirks.confirm_timer
        if confirm_seconds and timer is not None:
            amount = max(1, -(-confirm_seconds // timer.unit_seconds))
            self._send(timer.start.format(seconds=amount, minutes=amount))
            return True
        if self.quirks.commit is not None:
            self._send(self.quirks.commit)
        return False

    def confirm(self) -> None:
        timer = self.quirks.confirm_timer
        if timer is not None:
            self._send(timer.confirm)

    def abort(self) -> None:
        timer = self.quirks.confirm_timer
        if timer is not None and timer.abort:
            self._send(timer.abort)

    def save(self) -> None:
        if self.quirks.save is None:
            return
        # Read until the prompt or a question the save asks (not until the output has been quiet for 2 s, as
        # send_command_timing does: that alone was the slowest step of a device's change)
        questions = [prompt for prompt, _ in self.quirks.save_answers]
        prompt = rf"{re.escape(self.conn.base_prompt)}[^\n]*[#>\]]\s*$"  # the prompt at the end, not the name in a path
        expect = "|".join([prompt, *questions])
        output = str(self.conn.send_command(self.quirks.save, expect_string=expect, read_timeout=60))
        for prompt, answer in self.quirks.save_answers:
            if re.search(prompt, output):
                output += str(self.conn.send_command(answer, expect_string=expect, read_timeout=60))
        self._refused(output, self.quirks.save)

    def show(self, check: str, **fields: str) -> str:
        command = self.quirks.show[check].format(**fields)
        if check == "ping6" and self.quirks.ping_interrupt:
            return self._interrupted(command)
        output = str(self.conn.send_command(command, read_timeout=30))
        self._refused(output, command)
        return output

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

    def _send(self, command: str) -> str:
        output = str(self.conn.send_command_timing(command, read_timeout=60))
        self._refused(output, command)
        return output

    def _refused(self, output: str, command: str) -> None:
        errors = self.quirks.errors(output)
        if errors:
            raise DeviceError(self.device, f"{command!r} refused: {errors[0]}")


def _refused_line(message: str) -> str:
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return " | ".join(lines[-3:])[:300]
