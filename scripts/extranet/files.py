"""Files written so that a reader (or a crash) sees the old content or the new, whole — never half; and files
read only when they are regular files of a sane size.

Every path the operator names (``-o``, ``--out``, ``--lock``, ``--policy``, ``--inventory``) goes through
here, so that a FIFO never hangs a command, ``-o /dev/null`` never replaces a device node, ``-o link``
never replaces a symbolic link and an error names the path the operator gave, never a temporary file.
"""

import errno
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

READ_LIMIT_MIB = 64  # a province inventory (10^5 departments) is ~17 MiB in its largest file
_KINDS = {
    stat.S_IFREG: "a regular file",
    stat.S_IFDIR: "a directory",
    stat.S_IFLNK: "a symbolic link",
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


class RefusedPath(OSError):
    """A path the command will not read or write. ``filename`` is the path as the operator gave it and
    ``strerror`` says why and what to do: the CLI prints ``error: PATH: why`` and exits 2."""

    def __init__(self, path: Path | str, why: str) -> None:
        super().__init__(errno.EINVAL, why, str(path))


def _kind(mode: int) -> str:
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def check_output(path: Path) -> None:
    """Refuse to write ``path`` when it exists and is not a regular file (a link, device, FIFO, directory):
    replacing it would destroy what it is, or what it points at."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        raise RefusedPath(path, f"exists and is {_kind(mode)}, not a regular file: refusing to replace it")


def output_dir(path: Path) -> None:
    """Create the output directory ``path`` (and its parents) unless it exists; refuse when it exists and is
    not a directory (a link to a directory is one: only files inside it are written)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if os.path.islink(path):
            raise RefusedPath(path, f"is a symbolic link to {os.readlink(path)}, which does not exist") from None
        mode = 0
    if mode and not stat.S_ISDIR(mode):
        raise RefusedPath(path, f"exists and is {_kind(mode)}, not a directory: give a new or existing directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _named(exc, path) from exc


def _named(exc: OSError, path: Path) -> OSError:
    """The same error, naming the operator's path (not the temporary file or directory the call used)."""
    if isinstance(exc, RefusedPath):
        return exc
    return type(exc)(exc.errno, exc.strerror or str(exc), str(path))


def write_atomically(
    path: Path, lines: Iterable[str] | bytes, scratch: Path | None = None, shared: bool = False
) -> None:
    """``lines`` (text, written as UTF-8; or the bytes of a binary file such as an xlsx) to ``path``:
    temporary file (in ``scratch``, else beside ``path``), fsync, rename over the old file, fsync the directory.

    ``scratch`` must be on the same file system as ``path`` (the rename is atomic only there). ``path`` must be
    absent or a regular file (``check_output``); any error names ``path``. The file is private (0600) unless
    ``shared``: then readable as any new file is (0666 less the umask), for exports other programs read.
    """
    check_output(path)
    # mkstemp creates the file 0600 whatever the umask, and the rename keeps that mode: a report (or any file
    # written here) is readable by its owner only, unless ``shared``
    output_dir(path.parent)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=scratch or path.parent)
    except OSError as exc:
        raise _named(exc, path) from exc
    try:
        if shared:
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as out:
            if isinstance(lines, bytes):
                out.write(lines)
            else:
                out.writelines(line.encode("utf-8") for line in lines)
            out.flush()
            os.fsync(out.fileno())
        check_output(path)  # again, just before the rename: it may have been replaced meanwhile
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _named(exc, path) from exc
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def read_limited(path: Path, limit_mib: int = READ_LIMIT_MIB) -> bytes:
    """The bytes of the regular file ``path`` (links followed), refused above ``limit_mib`` MiB.

    Opened without blocking, so that a FIFO is refused instead of waiting for a writer forever.
    """
    limit = limit_mib << 20
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        if os.path.islink(path):
            raise RefusedPath(path, f"is a symbolic link to {os.readlink(path)}, which does not exist") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise RefusedPath(path, f"is {_kind(info.st_mode)}, not a regular file")
        if info.st_size > limit:
            raise RefusedPath(path, _too_large(limit_mib))
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as source:
        return read_stream(source, path, limit_mib)  # the file may have grown since fstat


def read_stream(source: BinaryIO, name: Path | str, limit_mib: int = READ_LIMIT_MIB) -> bytes:
    """At most ``limit_mib`` MiB from an open stream (standard input, a pipe): more is refused, never read whole
    (``/dev/zero`` or an endless pipe would fill the memory)."""
    limit = limit_mib << 20
    data = source.read(limit + 1)
    if len(data) > limit:
        raise RefusedPath(name, _too_large(limit_mib))
    return data


def _too_large(limit_mib: int) -> str:
    return f"larger than {limit_mib} MiB; extranet reads no input file that large (a province's largest is ~17 MiB)"
