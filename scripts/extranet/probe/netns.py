"""Sockets inside a named network namespace, made without a subprocess.

The probes run per department from inside the namespace that reaches it (a lab host, a VRF's namespace).
`ip netns exec` per probe would cost a process each, and 10^5 departments make that the bottleneck. A socket
keeps the namespace it was created in for its whole life, so the calling thread enters the namespace only
for the `socket()` call, switches straight back, and asyncio then drives the socket from the normal loop.

Thread caveat: setns(2) moves the *calling thread* only, and Python has no os.setns before 3.12, hence
ctypes. While the thread is inside (a few microseconds, no await in between), anything else it did would
happen there too; other threads are not affected. So never `await` inside `entered()`: another task on the
same loop thread would make its sockets in this namespace. If switching back fails the thread is stranded
in the wrong namespace, which no caller can handle: that is `NamespaceStranded`, not a probe result.
Entering a namespace needs CAP_SYS_ADMIN (root).
"""

import contextlib
import ctypes
import os
import socket
from collections.abc import Iterator
from pathlib import Path

NETNS_DIR = Path("/run/netns")
THREAD_NETNS = "/proc/thread-self/ns/net"
CLONE_NEWNET = 0x40000000

_libc = ctypes.CDLL(None, use_errno=True)
_libc.setns.argtypes = (ctypes.c_int, ctypes.c_int)
_libc.setns.restype = ctypes.c_int


class NamespaceError(RuntimeError):
    """The namespace does not exist or cannot be entered (the message says which and why)."""

    def __init__(self, message: str, errno: int | None = None) -> None:
        super().__init__(message)
        self.errno = errno


class NamespaceStranded(RuntimeError):
    """Switching back to the original namespace failed: this thread is no longer where it was."""


def namespace_path(namespace: str) -> Path:
    """Where `ip netns` keeps a named namespace; an absolute path (e.g. /proc/PID/ns/net) is taken as is.

    >>> namespace_path("xl-core1")
    PosixPath('/run/netns/xl-core1')
    >>> namespace_path("/proc/1/ns/net")
    PosixPath('/proc/1/ns/net')
    """
    if namespace.startswith("/"):
        return Path(namespace)
    if not namespace or "/" in namespace or namespace in (".", ".."):
        raise NamespaceError(f"bad network namespace name {namespace!r}: a name from `ip netns list`")
    return NETNS_DIR / namespace


def _setns(fd: int, what: str) -> None:
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        hint = " (needs root: CAP_SYS_ADMIN)" if err == 1 else ""
        raise NamespaceError(f"cannot enter network namespace {what}: {os.strerror(err)}{hint}", err)


@contextlib.contextmanager
def entered(namespace: str | None) -> Iterator[None]:
    """Run the body with the calling thread in `namespace` (None: stay where it is). Never await inside."""
    if namespace is None:
        yield
        return
    path = namespace_path(namespace)
    try:
        target = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise NamespaceError(f"no network namespace {namespace} ({path})", 2) from None
    except OSError as exc:
        raise NamespaceError(f"cannot open network namespace {namespace}: {exc.strerror}", exc.errno) from None
    try:
        original = os.open(THREAD_NETNS, os.O_RDONLY | os.O_CLOEXEC)
        try:
            _setns(target, namespace)
            try:
                yield
            finally:
                if _libc.setns(original, CLONE_NEWNET) != 0:
                    err = ctypes.get_errno()
                    raise NamespaceStranded(f"cannot return from network namespace {namespace}: {os.strerror(err)}")
        finally:
            os.close(original)
    finally:
        os.close(target)


def socket_in(namespace: str | None, family: int, type: int, proto: int = 0) -> socket.socket:
    """A new socket that lives in `namespace` (None: the current one), usable from any thread afterwards."""
    with entered(namespace):
        return socket.socket(family, type, proto)
