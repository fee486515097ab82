"""The database: Alembic-managed schema, runs, and an audit chain that shows tampering."""

import sqlite3
import threading
from pathlib import Path

from extranet import store

from .test_cli import run


def test_schema_head_constant_matches_the_migrations() -> None:
    assert store.migration_head() == store.SCHEMA_HEAD


def test_db_upgrade_creates_the_schema_and_status_reports_it(workspace: Path) -> None:
    status = run("db", "status", cwd=workspace)
    assert status.returncode == 1 and "none yet (`extranet db upgrade` creates it" in status.stdout
    assert not (workspace / "test.db").exists()  # asking is not creating
    upgrade = run("db", "upgrade", cwd=workspace)
    assert upgrade.returncode == 0, upgrade.stderr
    assert f"empty → {store.SCHEMA_HEAD}" in upgrade.stdout
    assert run("db", "status", cwd=workspace).returncode == 0


def test_default_database_is_sqlite_under_var(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EXTRANET_DB_URL", raising=False)
    store.open_store().audit("test.event", "nothing", "ok")
    assert (tmp_path / "var" / "extranet.db").is_file()


def test_audit_chain_is_intact_then_shows_an_edited_row(workspace: Path) -> None:
    db = store.open_store()
    for n in range(3):
        db.audit("config.push", f"core{n}", "ok", {"lines": n}, reason="IPv6 dual stack, ticket CHG-1")
    assert run("audit", "verify", cwd=workspace).stdout.startswith("audit chain intact: 3 events")
    with sqlite3.connect(workspace / "test.db") as conn:
        conn.execute("UPDATE audit_events SET outcome = 'failed' WHERE id = 2")
    result = run("audit", "verify", cwd=workspace)
    assert result.returncode == 1
    assert "event 2: contents do not match its hash (the row was edited)" in result.stdout


def test_audit_chain_shows_a_deleted_row(workspace: Path) -> None:
    db = store.open_store()
    for n in range(3):
        db.audit("config.push", f"core{n}", "ok")
    with sqlite3.connect(workspace / "test.db") as conn:
        conn.execute("DELETE FROM audit_events WHERE id = 2")
    assert db.verify_audit_chain() == ["event 3: previous-hash link broken (a row before it was removed or edited)"]


def test_concurrent_writers_never_fork_the_chain(workspace: Path) -> None:
    db = store.open_store()
    threads = [threading.Thread(target=lambda i=i: db.audit("probe", f"dept{i}", "ok")) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(db.audit_events()) == 8
    assert db.verify_audit_chain() == []


def test_audit_log_shows_who_did_what(workspace: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("EXTRANET_OPERATOR", "zhang.san")
    store.open_store().audit("config.push", "yl-core-01", "ok")
    result = run("audit", "log", "--json", cwd=workspace)
    assert '"operator": "zhang.san"' in result.stdout and '"target": "yl-core-01"' in result.stdout
