"""Files written so that a reader (or a crash) sees the old content or the new, whole — never half."""

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path


def write_atomically(path: Path, lines: Iterable[str], scratch: Path | None = None) -> None:
    """Temporary file (in ``scratch``, else beside ``path``), fsync, rename over the old file, fsync the directory.

    ``scratch`` must be on the same file system as ``path`` (the rename is atomic only there).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    # mkstemp creates the file 0600 whatever the umask, and the rename keeps that mode: a report (or any file
    # written here) is readable by its owner only
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=scratch or path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.writelines(lines)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
