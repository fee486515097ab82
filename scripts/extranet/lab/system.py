"""Talking to Linux: prerequisites, shell scripts, processes by pid, users."""

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from .state import Proc

PR_SET_PDEATHSIG = 1
TOOLS = ("/usr/lib/frr/zebra", "/usr/lib/frr/ospfd", "/usr/bin/vtysh", "/usr/sbin/sshd", "/usr/sbin/snmpd")


class LabError(RuntimeError):
    """The lab cannot run here, or a step failed (the message says which)."""


def prerequisites() -> None:
    """Root and `ip netns` (plus FRR, sshd, snmpd) must be there."""
    if os.geteuid() != 0:
        raise LabError("the lab needs root (network namespaces, veths, users)")
    missing = [p for p in TOOLS if not Path(p).exists()]
    if shutil.which("ip") is None or missing:
        raise LabError(f"missing: {', '.join(missing) or 'ip (iproute2)'}")
    probe = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        raise LabError(f"`ip netns` is unavailable: {probe.stderr.strip()}")


def die_with_parent() -> None:
    """In a child before exec: get SIGKILL when the lab process dies (a killed `up` leaves no script running)."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def run(args: Sequence[str], check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        list(args), input=stdin, capture_output=True, text=True, check=False, preexec_fn=die_with_parent
    )
    if check and result.returncode != 0:
        raise LabError(f"{' '.join(args[:4])}…: {result.stderr.strip() or result.returncode}")
    return result


def run_script(lines: Iterable[str], check: bool = True) -> None:
    """Many `ip` commands through one shell: fast. With check, the first failure stops it (bash -e)."""
    shell = ["bash", "-e", "-s"] if check else ["bash", "-s"]
    run(shell, check=check, stdin="\n".join(lines) + "\n")


def start_time(pid: int) -> int | None:
    """The kernel start time of pid, None when it is gone or a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return None if fields[0] in ("Z", "X") else int(fields[19])


def spawn(node: str, daemon: str, args: Sequence[str], env: dict[str, str] | None = None) -> Proc:
    """Start a daemon in the foreground, detached from our terminal and session; return it by pid."""
    proc = subprocess.Popen(
        list(args),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env=env,
    )
    return Proc(node, daemon, proc.pid, start_time(proc.pid) or 0)


def alive(proc: Proc) -> bool:
    now = start_time(proc.pid)
    return now is not None and (proc.start == 0 or now == proc.start)


def reap(pid: int) -> None:
    """Collect our own dead children (a no-op for processes another run started)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def signal_all(procs: Iterable[Proc], sig: signal.Signals) -> None:
    for proc in procs:
        if alive(proc):
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, sig)


def stop(procs: list[Proc], grace: float = 10.0) -> list[Proc]:
    """terminate, wait, then kill what is left; return what survived even that."""
    signal_all(procs, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        for proc in procs:
            reap(proc.pid)
        left = [p for p in procs if alive(p)]
        if not left:
            return []
        time.sleep(0.02)
    signal_all(procs, signal.SIGKILL)
    time.sleep(0.1)
    for proc in procs:
        reap(proc.pid)
    return [p for p in procs if alive(p)]


def netns_pids(namespace: str) -> list[int]:
    result = run(["ip", "netns", "pids", namespace], check=False)
    return [int(p) for p in result.stdout.split()] if result.returncode == 0 else []


def namespaces() -> set[str]:
    return {line.split()[0] for line in run(["ip", "netns", "list"]).stdout.splitlines() if line.strip()}


def user_exists(user: str) -> bool:
    return run(["getent", "passwd", user], check=False).returncode == 0


def add_user(user: str, password: str, shell: Path) -> None:
    run(
        [
            "useradd",
            "--system",
            "--no-create-home",
            "--home-dir",
            "/",
            "--shell",
            str(shell),
            "--groups",
            "frrvty",
            user,
        ]
    )
    run(["chpasswd"], stdin=f"{user}:{password}\n")


def del_user(user: str) -> None:
    if user_exists(user):
        run(["userdel", user], check=False)
