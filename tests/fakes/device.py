"""Fake network devices over real SSH: the real netmiko driver and the real rollout engine talk to them.

A ``FakeDevice`` keeps a running configuration (hier_config, the platform's own syntax), a candidate where the
platform has two stages, a stack of views with the vendor's prompts, the vendor's confirm timer, questions
and error messages; a ``Dialect`` per platform (tests/fakes/<platform>.py) says how, citing the vendor's
documentation. A ``FakeNetwork`` links the devices as the inventory does, so what they print follows from
their configurations: OSPFv3 is Full on a link once both ends run it, a ping answers when some device holds
the address. Every line a device receives is kept in ``log`` (the tests assert the exact sequence); the
configuration commands a session types are also written to the device's own log, ``buffer``, in the vendor's
line format with the session's SSH login user and client address (``Dialect.record``), and printed by the
vendor's command for it (``display logbuffer``, ``show logging``, ``show log messages``). A server accepts more
logins than the automation's (``FakeServer.users``): a change typed by hand is someone else's session.

Faults: ``refuse`` (patterns answered with the vendor's error for an unknown command), ``drop_on`` (the
session is cut when such a command arrives), ``routes_lost_after_commit`` (an IPv4 route disappears once a
change is made: the post-check fails).
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from ipaddress import ip_address, ip_interface
from pathlib import Path
from typing import Any

import paramiko
from hier_config import HConfig, get_hconfig

from extranet.devices.diff import normalize
from extranet.platforms import get

Handler = Callable[["FakeDevice", "re.Match[str]"], str]
HANG = "\x00hang"  # what handle() returns for a command the device never answers


@dataclass
class Port:
    name: str  # as the platform names it
    ipv4: str  # address/len
    peer: tuple[str, str] | None = None  # (device, interface)


@dataclass
class FakeDevice:
    hostname: str
    platform: str
    router_id: str
    loopback: str  # IPv4 address
    ports: list[Port]
    network: FakeNetwork
    dialect: Dialect = field(init=False)
    running: HConfig = field(init=False)
    candidate: HConfig | None = None  # two-stage platforms: edits not yet committed
    checkpoint: HConfig | None = None  # what a running confirm timer rolls back to
    views: list[str] = field(default_factory=list)  # [] = operational; ["<config>", sections...] = configuring
    log: list[str] = field(default_factory=list)
    refuse: list[str] = field(default_factory=list)
    drop_on: list[str] = field(default_factory=list)
    hang_on: list[str] = field(default_factory=list)  # such a command is never answered (the session stays up)
    routes_lost_after_commit: bool = False
    duplicate: set[str] = field(default_factory=set)  # addresses whose DAD finds another holder
    changed: bool = False  # a change was committed (drives routes_lost_after_commit)
    saved: int = 0
    pending_question: tuple[str, Callable[[str], str]] | None = None
    until_interrupted: str | None = None  # a command that runs until Ctrl-C (vtysh's ping): what ^C prints
    session: tuple[str, str] = ("", "")  # the SSH login user and client address of the line being handled
    buffer: list[str] = field(default_factory=list)  # the device's own log lines, oldest first

    def __post_init__(self) -> None:
        from . import DIALECTS  # the dialects import this module

        self.dialect = DIALECTS[self.platform]
        self.running = self.parse(self.dialect.legacy_config(self))

    # ---- configuration -------------------------------------------------------------------------------------
    def parse(self, text: str) -> HConfig:
        platform = get(self.platform)
        return get_hconfig(platform.hier_driver(), normalize(platform, text))

    @property
    def editing(self) -> HConfig:
        """Where configuration lines go: the candidate on two-stage platforms, else the running config."""
        if self.dialect.two_stage:
            if self.candidate is None:
                self.candidate = self.running.deep_copy()
            return self.candidate
        return self.running

    def config_text(self, config: HConfig | None = None) -> str:
        lines = []
        for child in (config or self.running).all_children_sorted():
            lines.append(" " * (child.depth() - 1) + child.text)
        return "\n".join(lines)

    def apply(self, line: str) -> str:
        """One line typed in a configuration view: enter a section, leave it, negate or add a line."""
        d = self.dialect
        text = line.strip()
        self.changed = self.changed or not d.two_stage  # one-stage: what is typed runs at once
        sections = self.views[1:]
        root = self.editing
        if re.fullmatch(d.section_pattern, text) and (not sections or d.root_switch):
            self.views = ["<config>", text]
            root.add_child(text) if root.get_child(equals=text) is None else None
            return ""
        parent: Any = root
        for name in sections:
            parent = parent.get_child(equals=name)
        if sections and re.fullmatch(d.subsection_pattern, text):
            if parent.get_child(equals=text) is None:
                parent.add_child(text)
            self.views.append(text)
            return ""
        negation = get(self.platform).hier_driver().negation_prefix
        if text.startswith(negation):
            target = parent.get_child(equals=text.removeprefix(negation))
            if target is None:
                target = parent.get_child(startswith=text.removeprefix(negation))
            if target is not None:
                target.delete()
            elif parent.get_child(equals=text) is None:
                parent.add_child(text)  # a default turned off is printed as its negation (undo ipv6 nd ra halt)
            return ""
        undone = parent.get_child(equals=negation + text)
        if undone is not None:  # setting a default back replaces its printed negation
            undone.delete()
        elif parent.get_child(equals=text) is None:
            parent.add_child(text)
        return ""

    def commit(self) -> None:
        if self.candidate is not None:
            self.running = self.candidate
            self.candidate = None
        self.changed = True

    # ---- what the device prints from its state -------------------------------------------------------------
    def ospfv3_ports(self) -> set[str]:
        return self.dialect.ospfv3_interfaces(self)

    def ospf_peers(self) -> list[tuple[Port, FakeDevice, str]]:
        """(our port, the peer, the peer's IPv4 address on the link) for every linked peer in the network."""
        found = []
        for port in self.ports:
            peer = self.network.devices.get(port.peer[0]) if port.peer else None
            if peer is not None and port.peer is not None:
                hop = next(p.ipv4.split("/")[0] for p in peer.ports if p.name == port.peer[1])
                found.append((port, peer, hop))
        return found

    def ospfv3_peers(self) -> list[tuple[Port, FakeDevice]]:
        found = []
        for port in self.ports:
            if port.peer is None or port.name not in self.ospfv3_ports():
                continue
            peer = self.network.devices.get(port.peer[0])
            if peer is not None and port.peer[1] in peer.ospfv3_ports():
                found.append((port, peer))
        return found

    def routes(self) -> list[tuple[str, str, str, str]]:
        """(prefix, protocol, next hop, interface): connected links and the OSPF routes to the peers' loopbacks."""
        found = []
        for port in self.ports:
            net = ip_interface(port.ipv4).network
            found.append((str(net), "connected", str(ip_interface(port.ipv4).ip), port.name))
            if port.peer is not None and port.peer[0] in self.network.devices:
                peer = self.network.devices[port.peer[0]]
                hop = next(str(ip_interface(p.ipv4).ip) for p in peer.ports if p.name == port.peer[1])
                found.append((f"{peer.loopback}/32", "ospf", hop, port.name))
        found.append((f"{self.loopback}/32", "connected", self.loopback, self.dialect.loopback_name))
        found = sorted(found)
        return found[1:] if self.routes_lost_after_commit and self.changed else found

    def reachable(self, address: str) -> bool:
        wanted = str(ip_address(address))
        for device in self.network.devices.values():
            for found in re.findall(r"[0-9A-Fa-f]*:[0-9A-Fa-f:]+", device.config_text()):
                try:
                    if str(ip_address(found)) == wanted:
                        return True
                except ValueError:
                    continue
        return False

    # ---- the terminal --------------------------------------------------------------------------------------
    def prompt(self) -> str:
        return self.dialect.prompt(self)

    def handle(self, line: str) -> str | None:
        """The output of one line (without the prompt); None: the session is cut."""
        self.log.append(line)
        if any(re.search(p, line) for p in self.drop_on):
            return None
        if any(re.search(p, line) for p in self.hang_on):
            self.hang_on = []  # once: the device answers again afterwards
            return HANG
        if self.pending_question is not None:
            _, answer = self.pending_question
            self.pending_question = None
            return answer(line.strip())
        text = line.strip()
        if not text:
            return ""
        if any(re.search(p, text) for p in self.refuse):
            return self.dialect.unknown(text)
        configuring = bool(self.views)
        output = self.dialect.handle(self, text)
        self.dialect.record(self, text, configuring)
        return output

    def ask(self, question: str, answer: Callable[[str], str]) -> str:
        self.pending_question = (question, answer)
        return question


class Dialect:
    """What one platform's CLI does; subclasses cite the vendor's documentation for each behaviour."""

    platform = ""
    two_stage = False
    root_switch = True  # a section command typed inside another section switches to it (IOS, VRP)
    # the commands that open a view (their lines follow, indented, in the running config)
    section_pattern = (r"interface \S+( \S+)?|ospfv3 \d+|bgp \d+|acl .*|router .*|ipv6 router ospf \d+|archive"
                       r"|ipv6 access-list .*|traffic (classifier|behavior|policy) .*|ospf \d+.*|ipv6 router ospf \d+")
    subsection_pattern = r"ipv6-family unicast|address-family ipv6( unicast)?"
    loopback_name = "LoopBack0"

    def prompt(self, dev: FakeDevice) -> str:
        raise NotImplementedError

    def unknown(self, text: str) -> str:
        raise NotImplementedError

    def handle(self, dev: FakeDevice, text: str) -> str:
        raise NotImplementedError

    def legacy_config(self, dev: FakeDevice) -> str:
        raise NotImplementedError

    def record(self, dev: FakeDevice, text: str, configuring: bool) -> None:
        """Write what the device logs of a command it ran (``configuring``: typed in a configuration view) to
        ``dev.buffer``; a platform that logs no commands writes nothing."""

    def show_running(self, dev: FakeDevice) -> str:
        return dev.config_text()

    def running_text(self, dev: FakeDevice) -> str:
        """The running config as the platform prints it (what the rollout reads)."""
        return self.show_running(dev)

    def addresses(self, dev: FakeDevice) -> dict[str, list[str]]:
        """Interface -> its global IPv6 addresses, from the running config's interface sections."""
        found: dict[str, list[str]] = {}
        for child in dev.running.children:
            if child.text.startswith("interface "):
                matches = (re.match(r"ipv6 address ([0-9A-Fa-f:]+)/\d+$", c.text) for c in child.children)
                mine = [m.group(1) for m in matches if m]
                if mine:
                    found[child.text.removeprefix("interface ")] = mine
        return found

    def dad(self, dev: FakeDevice, address: str) -> str:
        return "duplicate" if str(ip_address(address)) in dev.duplicate else "ok"

    def ospfv3_interfaces(self, dev: FakeDevice) -> set[str]:
        """The interfaces whose section holds an OSPFv3 area line."""
        found = set()
        for child in dev.running.children:
            if child.text.startswith("interface ") and any(
                re.match(self.ospfv3_area, c.text) for c in child.children
            ):
                found.add(child.text.removeprefix("interface "))
        return found

    ospfv3_area = r"ospfv3 \d+ area "


def dispatch(table: list[tuple[str, Handler]], dev: FakeDevice, text: str) -> str | None:
    for pattern, handler in table:
        match = re.fullmatch(pattern, text)
        if match:
            return handler(dev, match)
    return None


# ---- the SSH side -------------------------------------------------------------------------------------------
class _Auth(paramiko.ServerInterface):
    def __init__(self, users: dict[str, str]) -> None:
        self.users = users
        self.user = ""  # who logged in
        self.shell = threading.Event()

    def check_auth_password(self, username: str, password: str) -> int:
        if username in self.users and self.users[username] == password:
            self.user = username
            return paramiko.AUTH_SUCCESSFUL
        return paramiko.AUTH_FAILED

    def get_allowed_auths(self, username: str) -> str:
        return "password"

    def check_channel_request(self, kind: str, chanid: int) -> int:
        return paramiko.OPEN_SUCCEEDED if kind == "session" else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_pty_request(self, *args: Any) -> bool:
        return True

    def check_channel_shell_request(self, channel: Any) -> bool:
        self.shell.set()
        return True


class FakeServer:
    """One device's SSH listener on 127.0.0.1 (a free port), a thread per session."""

    def __init__(self, device: FakeDevice, host_key: paramiko.PKey, username: str, password: str) -> None:
        self.device, self.host_key = device, host_key
        self.username, self.password = username, password
        self.users = {username: password}  # every login the device accepts (a test adds a person's)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.sessions = 0
        self._open = 0  # connections accepted and not yet ended (a log is whole only when none is open)
        self._ended = threading.Condition()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop listening for good: a socket closed while a thread waits in accept() would go on accepting (the
        port stays taken on the host's loopback for the rest of the test run)."""
        self._stop.set()
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the accept()
        self.sock.close()
        self._thread.join(timeout=5)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self._ended:
                self._open += 1
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def settle(self, timeout: float = 10.0) -> bool:
        """Wait until every session accepted so far has ended: the client's last line (its logout) may still be
        on its way when the client has returned."""
        with self._ended:
            return self._ended.wait_for(lambda: self._open == 0, timeout)

    def _session(self, conn: socket.socket) -> None:
        transport = paramiko.Transport(conn)
        transport.add_server_key(self.host_key)
        auth = _Auth(self.users)
        try:
            client = str(conn.getpeername()[0])
            transport.start_server(server=auth)
            channel = transport.accept(10)
            if channel is None or not auth.shell.wait(10):
                return
            self.sessions += 1
            self._converse(channel, (auth.user, client))
        except (EOFError, OSError, paramiko.SSHException):
            pass
        finally:
            transport.close()
            with self._ended:
                self._open -= 1
                self._ended.notify_all()

    def _converse(self, channel: Any, session: tuple[str, str]) -> None:
        device = self.device
        device.views = []
        channel.sendall(device.dialect.banner().encode() + device.prompt().encode())
        buffer = ""
        while not self._stop.is_set():
            data = channel.recv(4096)
            if not data:
                return
            buffer += data.decode("utf-8", "replace")
            if "\x03" in buffer:  # Ctrl-C: stop what runs, back to the prompt
                buffer = buffer.replace("\x03", "")
                tail, device.until_interrupted = device.until_interrupted or "", None
                channel.sendall(("^C\r\n" + tail.replace("\n", "\r\n") + "\r\n" + device.prompt()).encode())
            while re.search(r"[\r\n]", buffer):
                line, _, buffer = re.split(r"(\r\n|\r|\n)", buffer, maxsplit=1)
                with self._lock:
                    device.session = session
                    output = device.handle(line)
                if output is None:
                    channel.close()
                    return
                if output == HANG:
                    continue
                reply = line + "\r\n" + (output.replace("\n", "\r\n") + "\r\n" if output else "")
                if device.pending_question is None and device.until_interrupted is None:
                    reply += device.prompt()
                else:
                    reply = reply.rstrip("\r\n") if output else reply
                channel.sendall(reply.encode())


@dataclass
class FakeNetwork:
    devices: dict[str, FakeDevice] = field(default_factory=dict)
    servers: dict[str, FakeServer] = field(default_factory=dict)
    known_hosts: Path | None = None

    def settle(self) -> None:
        """Every device's sessions ended: what each received is all in its log."""
        for name, server in self.servers.items():
            assert server.settle(), f"{name}: a session did not end within 10 s"


def host_key_line(port: int, key: paramiko.PKey) -> str:
    return f"[127.0.0.1]:{port} {key.get_name()} {key.get_base64()}"
