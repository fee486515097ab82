"""The same store on a real PostgreSQL server (EXTRANET_DB_URL), started for the test session."""

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from extranet import store

from ..postgres import postgres_server, unavailable
from .test_cli import run


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    reason = unavailable()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL tests cannot run under CI: {reason}")
        pytest.skip(reason)
    with postgres_server(54329) as url:
        yield url


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
