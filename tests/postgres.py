"""A throw-away PostgreSQL server of Debian's package, run as the postgres user on a Unix socket only (no TCP), for
the store's tests and the province benchmark. The server is stopped by its own pg_ctl (its PID file)."""

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

AS_POSTGRES = ["runuser", "-u", "postgres", "--"]


def postgres_bin() -> Path | None:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
    return versions[-1].parent if versions else None


def unavailable() -> str:
    """Why no server can run here ("" when one can)."""
    if postgres_bin() is None:
        return "no PostgreSQL server (Debian package postgresql; `make test` installs it)"
    return "needs root to run the server as the postgres user" if os.geteuid() != 0 else ""


@contextmanager
def postgres_server(port: int) -> Iterator[str]:
    """A new cluster listening on a socket in a temporary directory: yields its SQLAlchemy URL."""
    bindir = postgres_bin()
    assert bindir is not None, unavailable()
    base = Path(tempfile.mkdtemp(prefix="extranet-pg-"))  # pytest's tmp dirs are closed to the postgres user
    shutil.chown(base, "postgres")
    data, sockets = base / "data", base / "run"
    sockets.mkdir()
    shutil.chown(sockets, "postgres")
    subprocess.run([*AS_POSTGRES, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "extranet",
                    "--no-sync"], check=True, capture_output=True)  # fmt: skip
    subprocess.run([*AS_POSTGRES, str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l", str(base / "log"), "-o",
                    f"-c listen_addresses='' -k {sockets} -p {port} -c fsync=off", "start"],
                   check=True, capture_output=True)  # fmt: skip
    try:
        subprocess.run([*AS_POSTGRES, str(bindir / "createdb"), "-h", str(sockets), "-p", str(port), "-U", "extranet",
                        "extranet"], check=True, capture_output=True)  # fmt: skip
        yield f"postgresql+psycopg://extranet@/extranet?host={sockets}&port={port}"
    finally:
        subprocess.run([*AS_POSTGRES, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                       capture_output=True)  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)
