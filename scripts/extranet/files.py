"""Files written so that a reader (or a crash) sees the old content or the new, whole — never half; and files
read only when they are regular files of a sane size.

Every path the operator names (``-o``, ``--out``, ``--lock``, ``--policy``, ``--inventory``) goes through
here, so that a FIFO never hangs a command, ``-o /dev/null`` never replaces a device node, ``-o link``
never replaces a symbolic link and an error names the path the operator gave, never a temporary file.
"""

import ctypes
import errno
import json
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO

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
    tmp = _written(path, lines, scratch, shared, sync=True)
    _install(tmp, path)
    _sync_directory(path.parent)


def write_all_atomically(files: Iterable[tuple[Path, Iterable[str] | bytes]], shared: bool = False) -> None:
    """Many files, each as ``write_atomically`` writes it (whole or not at all, the old one replaced by a rename),
    with one sync of the file system for all of them instead of two per file: a province's 17,600 reverse zones
    took 35,000 fsyncs (over a minute on a busy disk). On an error the files not yet renamed keep their old text."""
    written: list[tuple[str, Path]] = []
    installed = 0
    try:
        for path, lines in files:
            written.append((_written(path, lines, None, shared, sync=False), path))
        if written:
            _sync_file_system(written[0][1].parent)
        for tmp, path in written:
            installed += 1  # _install removes its temporary file itself when it fails
            _install(tmp, path)
        for directory in dict.fromkeys(path.parent for _, path in written):
            _sync_directory(directory)
    finally:
        for tmp, _ in written[installed:]:
            Path(tmp).unlink(missing_ok=True)


def _written(path: Path, lines: Iterable[str] | bytes, scratch: Path | None, shared: bool, sync: bool) -> str:
    """The temporary file holding ``lines``, beside ``path`` (or in ``scratch``); fsynced when ``sync``."""
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
            if sync:
                os.fsync(out.fileno())
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _named(exc, path) from exc
        raise
    return tmp


def _install(tmp: str, path: Path) -> None:
    """The temporary file renamed over ``path`` (checked again just before: it may have been replaced)."""
    try:
        check_output(path)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _named(exc, path) from exc
        raise


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_file_system(directory: Path) -> None:
    """Everything written to the file system holding ``directory`` on disk: syncfs(2) (Linux), else sync(2)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if getattr(libc, "syncfs", None) is None or libc.syncfs(fd) != 0:
            os.sync()
    finally:
        os.close(fd)


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


def read_own_json(path: Path) -> Any:
    """The JSON document at ``path`` if this user wrote it and no one else could have (owned by this user, not
    writable by group or others); ``None`` when it is absent, unreadable, not JSON or not so kept. For the
    caches extranet keeps beside what it reads (the lock's, the inventory's memo)."""
    try:
        with open(path, encoding="utf-8") as file:
            info = os.fstat(file.fileno())
            if info.st_uid != os.getuid() or info.st_mode & 0o022:
                return None
            return json.load(file)
    except (OSError, ValueError):
        return None
