"""One writer at a time on the address lock, and the lock written in the same step as its audit record
(issue 12, class 2): two applies at once get different prefixes and both are kept; a plan held by another
process is waited for, then refused naming the holder; a database failure, Ctrl-C or `kill -9` leaves the lock
and the audit log as they were (or both changed), and no temporary file behind."""

import fcntl
import hashlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from extranet import store
from extranet.plan import guard
from extranet.plan.lock import read_lock

from ..conftest import BASE_INVENTORY, REPO, write_inventory
from .test_cli import EXTRANET, run

POLICY = (REPO / "netplan" / "policy.yml").read_text(encoding="utf-8")
ADDED = re.compile(r"^\+ subnets\s+(\S+)\s+(\S+)$", re.MULTILINE)


def _department(dept_id: str, octet: int) -> str:
    return (
        f"  - id: {dept_id}\n    name: 新增{dept_id}\n    site: county\n    access_class: D\n"
        f"    lans:\n      - {{name: office, ipv4: 198.19.{octet}.0/24}}\n"
    )


@pytest.fixture
def planned(workspace: Path) -> Path:
    (workspace / "netplan").mkdir()
    (workspace / "netplan" / "policy.yml").write_text(POLICY, encoding="utf-8")
    assert run("plan", "--apply", cwd=workspace).returncode == 0
    return workspace


def _grown(root: Path, name: str, dept_id: str, octet: int) -> Path:
    """A copy of the inventory with one more county department: ``root/name``."""
    return write_inventory(
        root / name,
        {**BASE_INVENTORY, "departments.yml": BASE_INVENTORY["departments.yml"] + _department(dept_id, octet)},
    )


def _audit(workspace: Path) -> list[dict[str, object]]:
    events: list[dict[str, object]] = json.loads(run("audit", "log", "--json", cwd=workspace).stdout)
    return events


def _rows(database: Path, table: str) -> int:
    with sqlite3.connect(database) as conn:
        count: int = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    return count


def _temporaries(workspace: Path) -> list[str]:
    return sorted(p.name for p in (workspace / "netplan").glob(".allocations.yml.*.tmp"))


def test_two_applies_at_once_get_different_prefixes_and_the_lock_keeps_both(planned: Path) -> None:
    lock = planned / "netplan" / "allocations.yml"
    inventories = {"aaa": _grown(planned, "a", "aaa", 3), "bbb": _grown(planned, "b", "bbb", 4)}
    # Both start while the plan is held, so they really race for it when it is let go.
    with guard.hold(lock, shared=False, doing="plan --apply"):
        procs = {
            dept: subprocess.Popen(
                [EXTRANET, "plan", "--apply", "--inventory", str(inventory)],
                cwd=planned,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for dept, inventory in inventories.items()
        }
        for proc in procs.values():
            assert proc.stderr is not None
            assert f"another extranet process (pid {os.getpid()}, started " in proc.stderr.readline()
    results = {dept: proc.communicate(timeout=60) for dept, proc in procs.items()}
    assert [proc.returncode for proc in procs.values()] == [0, 0], results
    told = {dept: dict(ADDED.findall(out))[f"{dept}/office"] for dept, (out, _) in results.items()}
    assert told["aaa"] != told["bbb"]
    final = read_lock(lock)
    kept = {**final.subnets, **{k.partition(":")[2]: h.value for k, h in final.held.items()}}
    assert {key for key in kept if key in ("aaa/office", "bbb/office")} == {"aaa/office", "bbb/office"}
    applies = [e for e in _audit(planned) if e["action"] == "plan.apply"]
    assert len(applies) == 3  # the fixture's and the two
    assert applies[-1]["detail"]["lock_sha256"] == hashlib.sha256(lock.read_bytes()).hexdigest()  # type: ignore[index]
    assert run("audit", "verify", cwd=planned).returncode == 0


@pytest.mark.parametrize(
    ("holder", "args", "said"),
    [
        (("push dual-stack", True), ["plan", "--apply"], "extranet push dual-stack) holds the plan"),
        (("run dual_stack.yml", True), ["plan", "release", "subnets:gaj/office"], "extranet run dual_stack.yml)"),
        (("plan --apply", False), ["plan", "--apply"], "extranet plan --apply) holds the plan"),
        (("plan --apply", False), ["push", "dual-stack", "--lab"], "holds the plan netplan/allocations.yml; try"),
        (("plan release", False), ["run", str(REPO / "playbooks" / "dual_stack.yml")], "extranet plan release)"),
    ],
)
def test_a_held_plan_is_waited_for_then_refused_naming_the_holder_and_nothing_changes(
    planned: Path, monkeypatch: pytest.MonkeyPatch, holder: tuple[str, bool], args: list[str], said: str
) -> None:
    write_inventory(planned, {"departments.yml": BASE_INVENTORY["departments.yml"] + _department("aaa", 3)})
    lock = planned / "netplan" / "allocations.yml"
    before, events = lock.read_bytes(), _rows(planned / "test.db", "audit_events")
    monkeypatch.setenv("EXTRANET_LOCK_WAIT", "0.3")
    doing, shared = holder
    with guard.hold(lock, shared=shared, doing=doing):
        result = run(*args, cwd=planned)
    assert result.returncode == 1, result.stdout + result.stderr
    said_all = " ".join(result.stderr.split())
    assert f"error: another extranet process (pid {os.getpid()}, started " in said_all
    assert said in said_all and "(waited 0.3 s; $EXTRANET_LOCK_WAIT sets how long)" in said_all
    assert "Traceback" not in result.stderr
    assert lock.read_bytes() == before
    assert _rows(planned / "test.db", "audit_events") == events


def test_a_bad_lock_wait_is_refused(planned: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXTRANET_LOCK_WAIT", "soon")
    result = run("plan", "--apply", cwd=planned)
    assert result.returncode == 2
    assert "EXTRANET_LOCK_WAIT='soon': give the seconds to wait for the plan, 0 to 86400" in result.stderr


def _corrupt(workspace: Path) -> str:
    (workspace / "corrupt.db").write_bytes(b"this is not a database\n" * 100)
    return f"sqlite:///{workspace / 'corrupt.db'}"


def _refusing_audit(workspace: Path) -> str:
    with sqlite3.connect(workspace / "test.db") as conn:
        conn.execute(
            "CREATE TRIGGER no_audit BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'audit refused'); END"
        )
    return f"sqlite:///{workspace / 'test.db'}"


@pytest.mark.parametrize("database", [_corrupt, _refusing_audit], ids=["corrupt-file", "insert-refused"])
def test_a_database_failure_during_apply_leaves_the_lock_and_the_log_as_they_were(
    planned: Path, monkeypatch: pytest.MonkeyPatch, database: object
) -> None:
    write_inventory(planned, {"departments.yml": BASE_INVENTORY["departments.yml"] + _department("aaa", 3)})
    lock = planned / "netplan" / "allocations.yml"
    before = lock.read_bytes()
    events, runs = _rows(planned / "test.db", "audit_events"), _rows(planned / "test.db", "runs")
    monkeypatch.setenv("EXTRANET_DB_URL", database(planned))  # type: ignore[operator]
    result = run("plan", "--apply", cwd=planned)
    assert result.returncode != 0
    assert "wrote" not in result.stdout
    assert lock.read_bytes() == before
    assert (_rows(planned / "test.db", "audit_events"), _rows(planned / "test.db", "runs")) == (events, runs)
    assert _temporaries(planned) == []


def _commit_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(self: Session) -> None:
        raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(Session, "commit", fail)


def _interrupted_while_writing(monkeypatch: pytest.MonkeyPatch) -> None:
    write = guard.write_atomically

    def interrupted(path: Path, lines: list[str]) -> None:
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C right between the lock and the commit
        write(path, lines)

    monkeypatch.setattr(guard, "write_atomically", interrupted)


@pytest.mark.parametrize(
    ("fault", "raised", "changed"),
    [(_commit_fails, OperationalError, False), (_interrupted_while_writing, KeyboardInterrupt, True)],
    ids=["commit-fails", "ctrl-c"],
)
def test_the_lock_and_its_audit_record_are_written_together_or_not_at_all(
    planned: Path, monkeypatch: pytest.MonkeyPatch, fault: object, raised: type[BaseException], changed: bool
) -> None:
    lock = planned / "netplan" / "allocations.yml"
    before = lock.read_bytes()
    events, runs = _rows(planned / "test.db", "audit_events"), _rows(planned / "test.db", "runs")
    db = store.open_store()
    with monkeypatch.context() as patched, pytest.raises(raised):
        fault(patched)  # type: ignore[operator]
        with guard.hold(lock, shared=False, doing="plan --apply"):
            guard.change_lock(db, lock, "version: 1\n# new\n", "plan.apply", {"added": 1}, None)
    after = (lock.read_bytes(), _rows(planned / "test.db", "audit_events"), _rows(planned / "test.db", "runs"))
    if changed:
        assert after == (b"version: 1\n# new\n", events + 1, runs + 1)
    else:
        assert after == (before, events, runs)
    assert _temporaries(planned) == []


@pytest.mark.parametrize("next_command", [["plan"], ["plan", "--apply"], ["plan", "release", "--all"]])
def test_a_temporary_left_by_a_killed_apply_is_gone_after_the_next_command(
    planned: Path, next_command: list[str]
) -> None:
    stray = planned / "netplan" / ".allocations.yml.k9x2ab.tmp"
    stray.write_text("# cut short by kill -9\nversion: 1\nsub", encoding="utf-8")
    os.utime(stray, (time.time() - 5, time.time() - 5))
    run(*next_command, cwd=planned)
    assert _temporaries(planned) == []


def test_kill_9_during_apply_leaves_the_lock_whole_and_the_plan_free(planned: Path) -> None:
    write_inventory(planned, {"departments.yml": BASE_INVENTORY["departments.yml"] + _department("aaa", 3)})
    lock = planned / "netplan" / "allocations.yml"
    before, events = lock.read_bytes(), _rows(planned / "test.db", "audit_events")
    with sqlite3.connect(planned / "test.db", isolation_level=None) as busy:
        busy.execute("BEGIN IMMEDIATE")  # the apply plans, then waits on the database holding the plan
        proc = subprocess.Popen([EXTRANET, "plan", "--apply"], cwd=planned, stdout=subprocess.PIPE, text=True,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})  # fmt: skip
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("+ ")  # it has read the lock and planned: it holds the plan
        with open(guard.sidecar(lock), "rb") as sidecar, pytest.raises(BlockingIOError):
            fcntl.flock(sidecar, fcntl.LOCK_EX | fcntl.LOCK_NB)
        proc.kill()
        proc.wait(timeout=10)
        busy.execute("ROLLBACK")
    assert lock.read_bytes() == before and _rows(planned / "test.db", "audit_events") == events
    again = run("plan", "--apply", cwd=planned)  # not locked out by the dead one
    assert again.returncode == 0, again.stderr
    assert "aaa/office" in again.stdout and _temporaries(planned) == []


def _link_to_victim(sidecar: Path) -> None:
    sidecar.symlink_to(sidecar.parent.parent / "victim.txt")


@pytest.mark.parametrize("plant", [_link_to_victim, os.mkfifo], ids=["symlink", "fifo"])
def test_a_planted_sidecar_is_refused_and_what_it_points_at_is_untouched(planned: Path, plant: object) -> None:
    victim = planned / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    lock = planned / "netplan" / "allocations.yml"
    guard.sidecar(lock).unlink()
    plant(guard.sidecar(lock))  # type: ignore[operator]
    write_inventory(planned, {"departments.yml": BASE_INVENTORY["departments.yml"] + _department("aaa", 3)})
    before = lock.read_bytes()
    result = run("plan", "--apply", cwd=planned)
    assert result.returncode == 2
    expected = "error: netplan/.allocations.yml.lock: not a regular file; it only guards the plan: remove it"
    assert expected in result.stderr
    assert victim.read_text(encoding="utf-8") == "precious\n" and lock.read_bytes() == before
