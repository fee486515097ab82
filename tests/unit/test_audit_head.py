"""The audit log detects truncation and rewrites (issue 12, class 3): every event also commits the chain's
head to the config history (var/history), and `extranet audit verify` compares the table with every head
committed there — rows cut off at the end, all rows gone, the chain rewritten from some row on with its hashes
recomputed, and the history itself reset or amended are each named, exit 1."""

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from extranet import store
from extranet.store.schema import AuditEvent

from .test_cli import run

EVENTS = 5


def _git(workspace: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(workspace / "var" / "history"), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "x", "GIT_AUTHOR_EMAIL": "x@example.org", "GIT_COMMITTER_NAME": "x",
                        "GIT_COMMITTER_EMAIL": "x@example.org", "PATH": "/usr/bin:/bin"})  # fmt: skip


def _delete(*ids: int) -> Callable[[Path, store.Store], None]:
    def tamper(_workspace: Path, db: store.Store) -> None:
        with db.transaction() as s:
            s.execute(delete(AuditEvent).where(AuditEvent.id.in_(ids)))

    return tamper


def _delete_all(_workspace: Path, db: store.Store) -> None:
    with db.transaction() as s:
        s.execute(delete(AuditEvent))


def _rewrite_from(first: int, keep: int = EVENTS) -> Callable[[Path, store.Store], None]:
    """Change every event from ``first`` on and recompute its hashes, as a forger would; keep ``keep`` events."""

    def tamper(_workspace: Path, db: store.Store) -> None:
        with db.transaction() as s:
            s.execute(delete(AuditEvent).where(AuditEvent.id > keep))
        with db.transaction() as s:
            previous = None
            for record in s.scalars(select(AuditEvent).order_by(AuditEvent.id)):
                if record.id >= first:
                    record.outcome, record.prev_hash = "failed", previous or store.GENESIS
                    record.hash = store.event_hash(record)
                    s.flush()
                previous = record.hash

    return tamper


def _edit(event_id: int) -> Callable[[Path, store.Store], None]:
    def tamper(_workspace: Path, db: store.Store) -> None:
        with db.transaction() as s:
            s.get_one(AuditEvent, event_id).target = "someone-else"

    return tamper


def _history_reset_to_match(_workspace: Path, db: store.Store) -> None:
    """Cut the newest event and reset the history's branch so that its newest head agrees with the table."""
    _delete(EVENTS)(_workspace, db)
    _git(_workspace, "reset", "-q", "--hard", "HEAD~1")


def _history_amended(_workspace: Path, db: store.Store) -> None:
    """Cut the newest event and amend the history's last head to the one before, trailers and all."""
    before = db.audit_events()[-2]
    _delete(EVENTS)(_workspace, db)
    head = _workspace / "var" / "history" / "audit-head"
    head.write_text(f"events: {EVENTS - 1}\nlast_id: {before.id}\nlast_hash: {before.hash}\n", encoding="utf-8")
    message = f"audit: 4 events\n\nAudit-Events: 4\nAudit-Id: {before.id}\nAudit-Hash: {before.hash}\n"
    _git(_workspace, "commit", "-q", "--amend", "-a", "-m", message)


def _history_broken(_workspace: Path, _db: store.Store) -> None:
    (_workspace / "var" / "history" / ".git" / "HEAD").write_text("garbage\n", encoding="utf-8")


@pytest.mark.parametrize(
    ("tamper", "said"),
    [
        (_delete(5), ["5 events recorded in history, 4 in the database: the newest 1 was deleted"]),
        (_delete(4, 5), ["5 events recorded in history, 3 in the database: the newest 2 were deleted"]),
        (_delete_all, ["the database has no audit events, but the history recorded 5 (the last on "]),
        (_rewrite_from(3), ["event 3: not the event 3 recorded in history on … the log was rewritten from event 3 on"]),
        (_rewrite_from(1), ["event 1: not the event 1 recorded in history on … rewritten from event 1 on"]),
        (
            _rewrite_from(4, keep=4),
            [
                "5 events recorded in history, 4 in the database: the newest 1 was deleted",
                "event 4: not the event 4 recorded in history on ",
            ],
        ),
        (_edit(2), ["event 2: contents do not match its hash (the row was edited)"]),
        (_delete(2), ["event 3: previous-hash link broken (a row before it was removed or edited)"]),
        (
            _history_reset_to_match,
            [
                "5 events recorded in history, 4 in the database: the newest 1 was deleted",
                "the config history was rewritten: main moved by 'reset' on ",
            ],
        ),
        (
            _history_amended,
            [
                "5 events recorded in history, 4 in the database: the newest 1 was deleted",
                "the config history was rewritten: main moved by 'commit (amend)' on ",
            ],
        ),
        (_history_broken, ["the heads kept in var/history cannot be read: git rev-parse"]),
    ],
    ids=[
        "newest-row",
        "newest-two",
        "every-row",
        "rewrite-from-3",
        "rewrite-all",
        "rewrite-and-cut",
        "edit-row",
        "middle-row",
        "history-reset",
        "history-amended",
        "history-unreadable",
    ],
)
def test_audit_verify_names_what_was_cut_or_rewritten(
    workspace: Path, tamper: Callable[[Path, store.Store], None], said: list[str]
) -> None:
    db = store.open_store()
    for n in range(EVENTS):
        db.audit("config.push", f"core{n}", "ok", {"lines": n})
    tamper(workspace, db)
    result = run("audit", "verify", cwd=workspace)
    assert result.returncode == 1, result.stdout
    lines = result.stdout.splitlines()
    assert len(lines) == len(said), result.stdout
    assert all(line.startswith("broken: ") for line in lines), result.stdout
    for expected in said:  # each on a line of its own, in any order; "…" stands for what varies (dates)
        parts = expected.split(" … ")
        assert sum(all(part in line for part in parts) for line in lines) == 1, (expected, result.stdout)
    assert "Traceback" not in result.stderr


def test_an_intact_log_agrees_with_its_kept_head(workspace: Path) -> None:
    db = store.open_store()
    for n in range(EVENTS):
        db.audit("config.push", f"core{n}", "ok")
    result = run("audit", "verify", cwd=workspace)
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith(f"audit chain intact: {EVENTS} events; the head kept in var/history agrees (")


def test_a_log_without_a_kept_head_says_so_and_is_intact(workspace: Path) -> None:
    db = store.open_store(store.database_url())  # a database named by URL keeps no head unless told where
    db.audit("config.push", "core1", "ok")
    result = run("audit", "verify", cwd=workspace)
    assert result.returncode == 0
    assert "audit chain intact: 1 events (no head kept in var/history yet" in result.stdout


def test_every_event_commits_its_head_to_the_config_history(workspace: Path) -> None:
    db = store.open_store()
    last = [db.audit("plan.apply", "netplan/allocations.yml", "ok") for _ in range(3)][-1]
    head = (workspace / "var" / "history" / "audit-head").read_text(encoding="utf-8")
    assert f"events: 3\nlast_id: {last.id}\nlast_hash: {last.hash}\n" in head
    log = subprocess.run(["git", "-C", str(workspace / "var" / "history"), "log", "--format=%s"],
                         capture_output=True, text=True, check=True).stdout.split("\n")  # fmt: skip
    assert log[:3] == ["audit: 3 events", "audit: 2 events", "audit: 1 events"]


def test_a_workspace_that_moves_to_another_database_compares_each_with_its_own_heads(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite first, the team's database later: the old chain's heads are named, not taken for a truncation of
    the new one — and the old database, cut, is still caught."""
    first, second = f"sqlite:///{workspace / 'test.db'}", f"sqlite:///{workspace / 'team.db'}"
    old = store.open_store()
    for n in range(3):
        old.audit("config.push", f"core{n}", "ok")
    monkeypatch.setenv("EXTRANET_DB_URL", second)
    store.open_store().audit("plan.apply", "netplan/allocations.yml", "ok")
    moved = run("audit", "verify", cwd=workspace)
    assert moved.returncode == 0, moved.stdout
    assert moved.stdout.startswith("audit chain intact: 1 events; the head kept in var/history agrees (1 recorded")
    assert f"also keeps the heads of {first} (3 events" in " ".join(moved.stdout.split())
    monkeypatch.setenv("EXTRANET_DB_URL", first)
    _delete(3)(workspace, old)
    cut = run("audit", "verify", cwd=workspace)
    assert cut.returncode == 1
    assert "3 events recorded in history, 2 in the database: the newest 1 was deleted" in cut.stdout


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///", "sqlite:///:memory:"])
def test_an_in_memory_database_is_refused(workspace: Path, monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("EXTRANET_DB_URL", url)
    result = run("db", "upgrade", cwd=workspace)
    assert result.returncode == 2
    assert f"EXTRANET_DB_URL '{url}' is an in-memory database" in " ".join(result.stderr.split())
    assert not (workspace / "var" / "history").exists()  # nothing recorded anywhere
