"""The same store on a real PostgreSQL server (EXTRANET_DB_URL), started for the test session."""

import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from extranet import store

from .test_cli import run


def _postgres_bin() -> Path | None:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
    return versions[-1].parent if versions else None


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    bindir = _postgres_bin()
    reason = (
        "no PostgreSQL server (Debian package postgresql; `make test` installs it)"
        if bindir is None
        else "needs root to run the server as the postgres user"
        if os.geteuid() != 0
        else ""
    )
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL tests cannot run under CI: {reason}")
        pytest.skip(reason)
    assert bindir is not None
    base = Path(tempfile.mkdtemp(prefix="extranet-pg-"))  # pytest's tmp dirs are closed to the postgres user
    shutil.chown(base, "postgres")
    data, sockets = base / "data", base / "run"
    sockets.mkdir()
    shutil.chown(sockets, "postgres")
    as_postgres = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        [*as_postgres, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "extranet", "--no-sync"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *as_postgres,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-w",
            "-l",
            str(base / "log"),
            "-o",
            f"-c listen_addresses='' -k {sockets} -p 54329 -c fsync=off",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        subprocess.run(
            [*as_postgres, str(bindir / "createdb"), "-h", str(sockets), "-p", "54329", "-U", "extranet", "extranet"],
            check=True,
            capture_output=True,
        )
        yield f"postgresql+psycopg://extranet@/extranet?host={sockets}&port=54329"
    finally:
        subprocess.run(
            [*as_postgres, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], capture_output=True
        )
        shutil.rmtree(base, ignore_errors=True)


def test_migrations_runs_and_the_audit_chain_work_on_postgresql(postgres_url: str) -> None:
    db = store.open_store(postgres_url)
    assert store.schema_revisions(db.engine) == (store.SCHEMA_HEAD, store.SCHEMA_HEAD)
    run_id = db.start_run("plan.apply", ticket="CHG-1")
    threads = [
        threading.Thread(target=lambda i=i: db.audit("config.push", f"core{i}", "ok", run_id=run_id)) for i in range(6)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.finish_run(run_id, "ok", {"devices": 6})
    assert len(db.audit_events()) == 6
    assert db.verify_audit_chain() == []


def test_cli_uses_the_database_named_by_extranet_db_url(
    postgres_url: str, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXTRANET_DB_URL", postgres_url)
    assert run("db", "upgrade", cwd=workspace).returncode == 0
    status = run("db", "status", cwd=workspace)
    assert status.returncode == 0, status.stdout + status.stderr
    assert "postgresql+psycopg://extranet@/extranet" in status.stdout
    assert not (workspace / "test.db").exists() and not (workspace / "var").exists()
