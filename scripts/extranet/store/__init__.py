"""The database of what happened: SQLite in var/ by default, PostgreSQL by EXTRANET_DB_URL.

The schema is managed by Alembic; ``open_store`` upgrades an older database before use.
"""

import getpass
import hashlib
import json
import logging
import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, func, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from .schema import AuditEvent, DepartmentStatus, DeviceResult, ProbeResult, Run

if TYPE_CHECKING:
    from alembic.config import Config

DEFAULT_PATH = Path("var") / "extranet.db"
HISTORY_DIR = Path("var") / "history"  # the workspace's config history (history.repo.DEFAULT_DIR)
GENESIS = "0" * 64
MIGRATIONS = Path(__file__).parent / "migrations"
# The newest migration's revision. Kept here so that a current database is recognised without importing
# Alembic (half a second at every start); tests pin it to Alembic's own head.
SCHEMA_HEAD = "0003"
APPEND_ATTEMPTS = 50
AUDIT_LOCK_KEY = 0x657874726E6574  # "extrnet": the advisory lock that serialises audit appends on PostgreSQL


def database_url() -> str:
    """$EXTRANET_DB_URL, else SQLite at var/extranet.db under the working directory."""
    url = os.environ.get("EXTRANET_DB_URL")
    if url:
        return url
    DEFAULT_PATH.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_PATH}"


def operator_name() -> str:
    """Who acts: $EXTRANET_OPERATOR (set it on shared accounts), else the login name; one line either way
    (it becomes a git trailer and an audit field): InputError otherwise."""
    from ..inputs import OPERATOR, checked, operator_from_environment

    return operator_from_environment() or checked("the login name (set EXTRANET_OPERATOR)", getpass.getuser(), OPERATOR)


def _alembic_config() -> "Config":
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))  # env.py takes the connection, never a URL
    return cfg


def schema_revisions(engine: Engine) -> tuple[str | None, str]:
    """(the database's revision, the code's head revision)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None, SCHEMA_HEAD
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar(), SCHEMA_HEAD


def migration_head() -> str | None:
    """The head revision as Alembic sees the migration scripts."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()


def upgrade(engine: Engine) -> str | None:
    """Bring the schema to the newest revision; return the revision reached."""
    from alembic import command

    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return schema_revisions(engine)[0]


def _create_private(path: str | None) -> None:
    """Create a new SQLite database file with mode 0600 (readable by its owner only: it holds who changed
    what, and why), before SQLite would create it with the umask's mode; SQLite gives the -wal and -shm files
    the database file's mode. An existing file is left as it is; a path that cannot be created is left for
    SQLite to report."""
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError:
        return


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers (reports) never block the writer (a rollout)
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


@dataclass
class Store:
    engine: Engine
    sessions: sessionmaker[Session]
    history: Path | None = None  # the config history that also keeps the audit chain's head (None: not kept)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed whole or not at all."""
        with self.sessions.begin() as session:
            yield session

    def start_run(
        self, kind: str, ticket: str | None = None, digest: str | None = None, summary: dict[str, Any] | None = None
    ) -> int:
        with self.transaction() as s:
            run = Run(
                kind=kind,
                operator=operator_name(),
                ticket=ticket,
                started_at=_now(),
                status="running",
                inventory_digest=digest,
                summary=summary or {},
            )
            s.add(run)
            s.flush()
            return run.id

    def finish_run(self, run_id: int, status: str, summary: dict[str, Any]) -> None:
        with self.transaction() as s:
            run = s.get_one(Run, run_id)
            run.status, run.summary, run.finished_at = status, summary, _now()

    def save_device_result(self, run_id: int, device: str, wave: int, status: str, **fields: Any) -> None:
        """Insert or update this run's row for ``device`` (one transaction)."""
        with self.transaction() as s:
            row = s.scalars(
                select(DeviceResult).where(DeviceResult.run_id == run_id, DeviceResult.device == device)
            ).first()
            if row is None:
                row = DeviceResult(run_id=run_id, device=device, wave=wave, status=status, changed_lines=0, detail={})
                s.add(row)
            row.wave, row.status = wave, status
            for name, value in fields.items():
                setattr(row, name, value)

    def device_results(self, run_id: int) -> list[DeviceResult]:
        with self.sessions() as s:
            rows = list(s.scalars(select(DeviceResult).where(DeviceResult.run_id == run_id).order_by(DeviceResult.id)))
            s.expunge_all()
        return rows

    def save_probe(self, run_id: int, results: list[ProbeResult], statuses: list[DepartmentStatus]) -> None:
        """Store a batch of a probe run's check results and classifications in one transaction."""
        with self.transaction() as s:
            for result in results:
                result.run_id = run_id
            for status in statuses:
                status.run_id = run_id
            s.add_all([*results, *statuses])

    def runs(self, kind: str, since: datetime | None = None, statuses: tuple[str, ...] = ()) -> list[Run]:
        """Runs of ``kind``, oldest first; only those started at or after ``since`` and with a status in
        ``statuses`` when given."""
        query = select(Run).where(Run.kind == kind)
        if since is not None:
            query = query.where(Run.started_at >= since)
        if statuses:
            query = query.where(Run.status.in_(statuses))
        with self.sessions() as s:
            rows = list(s.scalars(query.order_by(Run.id)))
            s.expunge_all()
        return rows

    def probe_results(self, run_id: int) -> list[ProbeResult]:
        with self.sessions() as s:
            rows = list(s.scalars(select(ProbeResult).where(ProbeResult.run_id == run_id).order_by(ProbeResult.id)))
            s.expunge_all()
        return rows

    def department_statuses(self, run_ids: list[int]) -> list[DepartmentStatus]:
        """Classifications of the given runs, in run order then department order."""
        with self.sessions() as s:
            query = select(DepartmentStatus).where(DepartmentStatus.run_id.in_(run_ids))
            rows = list(s.scalars(query.order_by(DepartmentStatus.run_id, DepartmentStatus.id)))
            s.expunge_all()
        return rows

    def last_run(self, kind: str) -> Run | None:
        with self.sessions() as s:
            run = s.scalars(select(Run).where(Run.kind == kind).order_by(Run.id.desc()).limit(1)).first()
            if run is not None:
                s.expunge(run)
            return run

    def audit(
        self,
        action: str,
        target: str,
        outcome: str,
        detail: dict[str, Any] | None = None,
        run_id: int | None = None,
        reason: str | None = None,
    ) -> AuditEvent:
        """Append one event to the chain, in its own transaction, and keep the chain's head in the config
        history (``history.head``).

        ``prev_hash`` is unique, so two writers racing for the same chain head cannot fork it: the loser's
        insert fails and it retries on the new head.
        """
        for attempt in range(APPEND_ATTEMPTS):
            try:
                with self.transaction() as s:
                    record, count = self._append(s, action, target, outcome, detail, run_id, reason)
                    s.expunge(record)
                break
            except IntegrityError:  # another writer took the head first (SQLite): try again on the new head
                if attempt == APPEND_ATTEMPTS - 1:
                    raise
                time.sleep(random.uniform(0, 0.01 * (attempt + 1)))
        self._keep_head(count, record)
        return record

    @contextmanager
    def recorded_run(self, kind: str, target: str, detail: dict[str, Any], reason: str | None) -> Iterator[AuditEvent]:
        """A finished run of ``kind`` and its audit event, committed when the block ends without an error —
        the block does the change they record: an error in it, or in the commit, leaves neither.

        The run is inserted first, which takes SQLite's write lock (PostgreSQL: the appenders' advisory lock),
        so the chain's head cannot move before the commit: no retry, and nothing for the block to undo but
        its own change.
        """
        session = self.sessions()
        try:
            session.begin()
            now = _now()
            run = Run(kind=kind, operator=operator_name(), ticket=reason, started_at=now, finished_at=now,
                      status="ok", summary=detail)  # fmt: skip
            session.add(run)
            session.flush()
            record, count = self._append(session, kind, target, "ok", detail, run.id, reason)
            yield record
            session.commit()
        finally:
            session.close()  # rolls back what was not committed
        self._keep_head(count, record)

    def _append(
        self,
        s: Session,
        action: str,
        target: str,
        outcome: str,
        detail: dict[str, Any] | None,
        run_id: int | None,
        reason: str | None,
    ) -> tuple[AuditEvent, int]:
        """Insert the next event on the chain in session ``s``; the event and the number of events with it."""
        if s.get_bind().dialect.name == "postgresql":  # one appender at a time, across processes
            s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})
        last = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).first()
        record = AuditEvent(
            at=_now(),
            run_id=run_id,
            operator=operator_name(),
            action=action,
            target=target,
            outcome=outcome,
            detail=detail or {},
            reason=reason,
            prev_hash=last.hash if last else GENESIS,
        )
        record.hash = event_hash(record)
        s.add(record)
        s.flush()
        return record, s.scalar(select(func.count()).select_from(AuditEvent)) or 0

    def _keep_head(self, count: int, record: AuditEvent) -> None:
        """The chain's head, also in the config history (see ``history.head``); a failure there is told, not
        raised: the event is recorded, and ``audit verify`` still checks against the heads kept before it."""
        if self.history is None:
            return
        from ..history.head import keep_head

        try:
            keep_head(self.history, count, record.id, record.hash)
        except (OSError, RuntimeError) as exc:
            logging.getLogger(__name__).warning("audit head not kept in %s: %s", self.history, exc)

    def audit_events(self, limit: int | None = None) -> list[AuditEvent]:
        with self.sessions() as s:
            query = select(AuditEvent).order_by(AuditEvent.id)
            if limit:
                query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
            events = list(s.scalars(query))
            s.expunge_all()
        return sorted(events, key=lambda e: e.id)

    def verify_audit_chain(self) -> list[str]:
        """Every break in the chain: an edited, deleted or reordered row; with a config history, also rows
        missing at the end or rewritten since their head was kept there. Empty when intact."""
        heads = None
        breaks: list[str] = []
        if self.history is not None:  # read before the table: every head read is of a row already committed
            from ..history import HistoryError
            from ..history.head import recorded_heads

            try:
                heads = recorded_heads(self.history)
            except HistoryError as exc:
                breaks.append(f"the heads kept in {self.history} cannot be read: {exc}")
        previous = GENESIS
        events = self.audit_events()
        first_break = None
        for position, record in enumerate(events, 1):
            linked, whole = record.prev_hash == previous, event_hash(record) == record.hash
            if not linked:
                breaks.append(f"event {record.id}: previous-hash link broken (a row before it was removed or edited)")
            if not whole:
                breaks.append(f"event {record.id}: contents do not match its hash (the row was edited)")
            if not (linked and whole) and first_break is None:
                first_break = position
            previous = record.hash
        if heads is not None:
            from ..history.head import compare_heads

            breaks += compare_heads(heads, [(e.id, e.hash) for e in events], first_break)
        return breaks


def event_hash(record: AuditEvent) -> str:
    at = record.at if record.at.tzinfo else record.at.replace(tzinfo=UTC)  # SQLite drops the zone
    body = {
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "run_id": record.run_id,
        "operator": record.operator,
        "action": record.action,
        "target": record.target,
        "outcome": record.outcome,
        "detail": record.detail,
        "reason": record.reason,
        "prev_hash": record.prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def open_store(url: str | None = None, auto_upgrade: bool = True, history: Path | None = None) -> Store:
    """Connect, and upgrade the schema when it is older than the code.

    The workspace's database (no ``url``) keeps its audit head in the workspace's config history (var/history),
    another one only in ``history`` when given.
    """
    engine = create_engine(url or database_url())
    if engine.dialect.name == "sqlite":
        _create_private(engine.url.database)
        event.listen(engine, "connect", _sqlite_pragmas)
    if auto_upgrade:
        current, head = schema_revisions(engine)
        if current != head:
            upgrade(engine)
    if url is None and history is None:
        history = HISTORY_DIR
    return Store(engine, sessionmaker(engine, expire_on_commit=False), history)
