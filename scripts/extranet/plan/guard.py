"""One writer at a time on the address lock, and the lock changed in the same step as its audit record.

Who may touch the plan is decided by an ``flock(2)`` on a sidecar file beside the lock: for
``netplan/allocations.yml`` it is ``netplan/.allocations.yml.lock`` (git-ignored; never deleted, since removing
a file that others lock would let two writers in). ``plan --apply`` and ``plan release`` hold it exclusively for
their whole read-plan-write; a rollout that pushes the plan's addresses (``push dual-stack``, ``run
dual_stack``) holds it shared while it runs, so the lock cannot change under it. A process that finds the plan
taken waits up to ``$EXTRANET_LOCK_WAIT`` seconds (default 30: another apply finishes well within that), then
reads the lock afresh — so it plans on the other's result and is given different addresses — or, if the plan
is still held (a rollout), gives up naming the holder (exit 1).

The kernel drops an flock when its holder dies, ``kill -9`` included: a plan is never left locked. Each holder
writes one line (pid, start, what it does) into the sidecar for the message others see; the exclusive holder
starts it afresh. The lock is replaced through a temporary file beside it (``.allocations.yml.*.tmp``); one left
by a killed writer is removed by the next process that holds the plan exclusively (writers only ever create
those while holding it, so any found then is stale).

``change_lock`` writes the new lock and its audit record as one step: the event is appended (the database
transaction open, the chain's head ours), the lock replaced, then the transaction committed; if the commit
fails the old lock's bytes are put back. Ctrl-C and SIGTERM wait until the step is whole. Only ``kill -9`` or a
power cut between the rename and the commit (a few milliseconds) can leave the new lock without its record.
"""

import contextlib
import errno
import fcntl
import os
import re
import signal
import stat
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..files import write_atomically
from ..inventory.problems import display_path
from ..processes import pid_alive

if TYPE_CHECKING:
    from ..store import Store

WAIT_VARIABLE = "EXTRANET_LOCK_WAIT"
DEFAULT_WAIT = 30.0
POLL = 0.05
HOLDER = re.compile(r"(\d+) (\S+) ([ -~]{1,80})")  # pid, start (ISO 8601), what it does (printable ASCII)


class PlanBusy(RuntimeError):
    """Another extranet process holds the plan (exit 1: try again later)."""


class WaitError(ValueError):
    """$EXTRANET_LOCK_WAIT is not a number of seconds (exit 2)."""


def sidecar(lock: Path) -> Path:
    """The file whose flock guards ``lock``.

    >>> sidecar(Path("netplan/allocations.yml"))
    PosixPath('netplan/.allocations.yml.lock')
    """
    return lock.parent / f".{lock.name}.lock"


def wait_seconds() -> float:
    """How long to wait for the plan: $EXTRANET_LOCK_WAIT seconds, default 30."""
    text = os.environ.get(WAIT_VARIABLE, "").strip()
    if not text:
        return DEFAULT_WAIT
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 86400:
        raise WaitError(f"{WAIT_VARIABLE}={text!r}: give the seconds to wait for the plan, 0 to 86400")
    return seconds


@contextmanager
def hold(lock: Path, *, shared: bool, doing: str, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the plan of ``lock`` (shared by readers that must not see it change, or exclusive for a writer)
    until the block ends. Raises PlanBusy naming the holder after waiting ``wait_seconds()``."""
    wait = wait_seconds()
    path = sidecar(lock)
    if shared and not lock.parent.is_dir():
        yield  # no plan yet, nothing to keep still
        return
    if not shared:
        lock.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = _open_sidecar(path)
    except OSError as exc:
        if not shared or exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise
        yield  # a read-only workspace: nobody can write the lock here either
        return
    try:
        _acquire(fd, lock, shared, wait, on_wait)
        if not shared:
            os.ftruncate(fd, 0)
            _remove_stale_temporaries(lock, time.time())
        line = f"{os.getpid()} {datetime.now(UTC).isoformat(timespec='seconds')} {_printable(doing)}\n"
        os.write(fd, line.encode())
        yield
    finally:
        os.close(fd)  # closing releases the flock


def tidy(lock: Path) -> None:
    """Remove temporaries a killed writer left beside ``lock`` — only if the plan is free right now."""
    if not any(lock.parent.glob(f".{lock.name}.*.tmp")):
        return
    try:
        fd = _open_sidecar(sidecar(lock))
    except OSError:
        return
    try:
        with contextlib.suppress(BlockingIOError):  # a writer at work: its temporary is not stale
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            _remove_stale_temporaries(lock, time.time())
    finally:
        os.close(fd)


def _open_sidecar(path: Path) -> int:
    """The sidecar, opened for locking; never through a link, never anything but a regular file."""
    refused = OSError(errno.EINVAL, "not a regular file; it only guards the plan: remove it", str(path))
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644)
    except OSError as exc:
        raise (refused if exc.errno == errno.ELOOP else exc) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise refused
    return fd


def _acquire(fd: int, lock: Path, shared: bool, wait: float, on_wait: Callable[[str], None] | None) -> None:
    mode = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB
    deadline = time.monotonic() + wait
    told = False
    while True:
        try:
            fcntl.flock(fd, mode)
            return
        except BlockingIOError:
            holder = _holder(fd)
            if time.monotonic() >= deadline:
                raise PlanBusy(
                    f"another extranet process ({holder}) holds the plan {display_path(lock)}; try again when it "
                    f"has finished (waited {wait:g} s; ${WAIT_VARIABLE} sets how long)"
                ) from None
            if not told and on_wait is not None:
                on_wait(f"waiting up to {wait:g} s for another extranet process ({holder}) to finish with the plan")
                told = True
            time.sleep(POLL)


def _holder(fd: int) -> str:
    """'pid N, started …: what it does' of a live holder, from the sidecar's lines."""
    size = os.fstat(fd).st_size
    text = os.pread(fd, 65536, max(0, size - 65536)).decode("ascii", "replace")
    for line in reversed(text.splitlines()):
        found = HOLDER.fullmatch(line)
        if found and pid_alive(int(found[1])):
            started = found[2].replace("T", " ").replace("+00:00", " UTC")
            return f"pid {found[1]}, started {started}: extranet {found[3]}"
    return "pid unknown"


def _printable(text: str) -> str:
    return "".join(c if " " <= c <= "~" else "?" for c in text)[:80] or "?"


def _remove_stale_temporaries(lock: Path, before: float) -> None:
    for temporary in lock.parent.glob(f".{lock.name}.*.tmp"):
        try:
            found = temporary.lstat()
            if stat.S_ISREG(found.st_mode) and found.st_mtime <= before:
                temporary.unlink()
        except FileNotFoundError:
            pass


def change_lock(db: "Store", path: Path, text: str, action: str, detail: dict[str, Any], ticket: str | None) -> None:
    """Replace the lock at ``path`` with ``text`` and record it (a finished run ``action`` and its audit event)
    as one step: both happen or neither. The caller holds the plan exclusively."""
    old = path.read_bytes() if path.exists() else None
    written = False
    with _signals_deferred():
        try:
            with db.recorded_run(action, str(path), detail, ticket):
                write_atomically(path, [text])
                written = True
        except BaseException:
            if written:
                _restore(path, old)
            raise


def _restore(path: Path, old: bytes | None) -> None:
    if old is None:
        path.unlink(missing_ok=True)
    else:
        write_atomically(path, [old.decode("utf-8")])


@contextmanager
def _signals_deferred() -> Iterator[None]:
    """Ctrl-C, SIGTERM and SIGHUP are acted on when the block ends, not inside it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    names = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {number: signal.signal(number, lambda number, _frame: received.append(number)) for number in names}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if received:
            signal.raise_signal(received[0])
