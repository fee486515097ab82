"""The database of what happened: SQLite in var/ by default, PostgreSQL by EXTRANET_DB_URL.

The schema is managed by Alembic; ``open_store`` upgrades an older database before use.
"""

import getpass
import json
import logging
import os
import random
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from hashlib import sha256
from json.encoder import encode_basestring as _quote  # what json.dumps quotes text with (ensure_ascii=False)
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, func, inspect, make_url, select, text
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    IntegrityError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session, object_session, sessionmaker

from ..actor import actor
from .schema import AuditEvent, DepartmentStatus, DeviceResult, ProbeResult, Run, TrackEvent

if TYPE_CHECKING:
    from alembic.config import Config

DEFAULT_PATH = Path("var") / "extranet.db"
HISTORY_DIR = Path("var") / "history"  # the workspace's config history (history.repo.DEFAULT_DIR)
GENESIS = "0" * 64
MIGRATIONS = Path(__file__).parent / "migrations"
# The newest migration's revision. Kept here so that a current database is recognised without importing
# Alembic (half a second at every start); tests pin it to Alembic's own head.
SCHEMA_HEAD = "0007"
APPEND_ATTEMPTS = 50
AUDIT_LOCK_KEY = 0x657874726E6574  # "extrnet": the advisory lock that serialises audit appends on PostgreSQL
CONNECT_TIMEOUT = 10  # seconds
Processor = Callable[[Any], Any]  # a column type's conversion of what the driver returns
URL_HELP = "set EXTRANET_DB_URL to sqlite:///PATH or postgresql+psycopg://USER@HOST/DB, or unset it for var/extranet.db"


class StoreError(Exception):
    """The database cannot be used: one line saying what and what to do. ``exit_code`` 2 when the input is wrong
    (the URL, another application's or a newer extranet's database, a file that is no database), 1 when the work
    failed (a server that does not answer, a write refused half way)."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.message, self.exit_code = message, exit_code


def _shown(url: str) -> str:
    """The URL as typed, with any password masked."""
    return re.sub(r"(//[^:/@]*:)[^@/]*@", r"\1***@", url)


def database_error(exc: SQLAlchemyError, where: str) -> StoreError:
    """What a driver's error means for the operator, in one line."""
    where = _shown(where)
    reason = " ".join(str(getattr(exc, "orig", None) or exc).split("\n")[0].split())
    lowered = reason.lower()
    if "readonly" in lowered or "read-only" in lowered:
        return StoreError(f"database {where} is read-only ({reason}): make the file and its directory writable", 1)
    if "disk" in lowered and "full" in lowered:
        return StoreError(f"database {where}: the disk is full ({reason}): free space, then run again", 1)
    if "not a database" in lowered or "malformed" in lowered:
        return StoreError(
            f"database {where} is not a usable SQLite database ({reason}): restore it from a backup, or {URL_HELP}",
            2,
        )
    if "unable to open database file" in lowered:
        return StoreError(f"database {where} cannot be opened ({reason}): check that its directory exists and "
                          "is writable, or " + URL_HELP, 1)  # fmt: skip
    if isinstance(exc, OperationalError) and where.startswith("sqlite"):
        return StoreError(f"database {where} cannot be used ({reason}): check the file, or {URL_HELP}", 1)
    if isinstance(exc, OperationalError):
        return StoreError(f"database {where} cannot be used ({reason}): check that the server is up and "
                          "reachable and that EXTRANET_DB_URL is right", 1)  # fmt: skip
    return StoreError(f"database {where}: {reason}", 1 if isinstance(exc, DatabaseError) else 2)


def _where(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


@contextmanager
def guarded(engine: Engine) -> Iterator[None]:
    """Turn a driver's error into a StoreError naming the database (not a lost race: the audit retries those)."""
    try:
        yield
    except IntegrityError:
        raise
    except SQLAlchemyError as exc:
        raise database_error(exc, _where(engine)) from None


def database_url() -> str:
    """$EXTRANET_DB_URL, else SQLite at var/extranet.db under the working directory."""
    return os.environ.get("EXTRANET_DB_URL") or f"sqlite:///{DEFAULT_PATH}"


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
    with guarded(engine), engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None, SCHEMA_HEAD
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar(), SCHEMA_HEAD


def known_revisions() -> set[str]:
    """Every revision the migration scripts know."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return {script.revision for script in ScriptDirectory.from_config(cfg).walk_revisions()}


def check_schema(engine: Engine) -> str | None:
    """The database's revision, once it is sure this code may use (and upgrade) it: another application's
    database and one a newer extranet migrated are refused (exit 2) and left as they are."""
    with guarded(engine), engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        current = None
        if "alembic_version" in tables:
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if current is None and tables:
        raise StoreError(
            f"database {_where(engine)} is not extranet's: it holds other tables ({', '.join(sorted(tables)[:5])}) "
            f"and no extranet schema; left as it is: {URL_HELP} (a new or extranet database)",
            2,
        )
    if current is not None and current != SCHEMA_HEAD and not {"runs", "audit_events"} <= tables:
        raise StoreError(
            f"database {_where(engine)} is not extranet's: it holds another application's tables "
            f"({', '.join(sorted(tables - {'alembic_version'})[:5]) or 'none'}) at its revision {current!r}; left as "
            f"it is: {URL_HELP} (a new or extranet database)",
            2,
        )
    if current is not None and current != SCHEMA_HEAD and current not in known_revisions():
        raise StoreError(
            f"database {_where(engine)} has schema revision {current!r}, which this extranet does not know (its "
            f"newest is {SCHEMA_HEAD}): a newer extranet migrated it; left as it is: run that newer extranet, "
            "or use another database",
            2,
        )
    return current


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
    with guarded(engine), engine.begin() as conn:
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
    cursor.execute("PRAGMA foreign_keys=ON")  # neither writes: a database refused stays byte for byte as it was
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
        with guarded(self.engine), self.sessions.begin() as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with guarded(self.engine), self.sessions() as session:
            yield session

    def start_run(
        self,
        kind: str,
        ticket: str | None = None,
        digest: str | None = None,
        summary: dict[str, Any] | None = None,
        vantage: str | None = None,
    ) -> int:
        """A new run (its own transaction: runs of several processes, a probe per vantage, start side by side)."""
        with self.transaction() as s:
            run = Run(
                kind=kind,
                operator=operator_name(),
                ticket=ticket,
                started_at=_now(),
                status="running",
                inventory_digest=digest,
                summary=summary or {},
                vantage=vantage,
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
        with self.reading() as s:
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
        with self.reading() as s:
            rows = list(s.scalars(query.order_by(Run.id)))
            s.expunge_all()
        return rows

    def probe_results(self, run_id: int, kind: str | None = None) -> list[ProbeResult]:
        """A run's check results in the order saved; only those of ``kind`` (icmp, tcp, dns, snmp) when given."""
        query = select(ProbeResult).where(ProbeResult.run_id == run_id)
        if kind is not None:
            query = query.where(ProbeResult.kind == kind)
        with self.reading() as s:
            rows = list(s.scalars(query.order_by(ProbeResult.id)))
            s.expunge_all()
        return rows

    def probe_checks(self, run_ids: list[int], kinds: tuple[str, ...]) -> list[ProbeResult]:
        """The results of some kinds of check (e.g. the tracked moves' ``reach``, ``legacy``, ``path``) in the
        given runs, in run order."""
        with self.reading() as s:
            query = select(ProbeResult).where(ProbeResult.run_id.in_(run_ids), ProbeResult.kind.in_(kinds))
            rows = list(s.scalars(query.order_by(ProbeResult.run_id, ProbeResult.id)))
            s.expunge_all()
        return rows

    def department_statuses(self, run_ids: list[int]) -> list[DepartmentStatus]:
        """Classifications of the given runs, in run order then department order."""
        with self.reading() as s:
            query = select(DepartmentStatus).where(DepartmentStatus.run_id.in_(run_ids))
            rows = list(s.scalars(query.order_by(DepartmentStatus.run_id, DepartmentStatus.id)))
            s.expunge_all()
        return rows

    def get_run(self, run_id: int) -> Run | None:
        with self.reading() as s:
            run = s.get(Run, run_id)
            if run is not None:
                s.expunge(run)
            return run

    def last_run(self, kind: str) -> Run | None:
        with self.reading() as s:
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
    def recorded_run(
        self, kind: str, target: str, detail: dict[str, Any], reason: str | None, outcome: str = "ok"
    ) -> Iterator[AuditEvent]:
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
            record, count = self._append(session, kind, target, outcome, detail, run.id, reason)
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
        login, client = actor()  # who is at the keyboard, beside the declared operator
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
            os_user=login,
            ssh_client=client,
        )
        record.hash = event_hash(record)
        s.add(record)
        s.flush()
        return record, s.scalar(select(func.count()).select_from(AuditEvent)) or 0

    def track_events(self, item: str | None = None) -> list[TrackEvent]:
        """State changes of migration items, oldest first: all, or one item's."""
        query = select(TrackEvent).order_by(TrackEvent.id)
        if item is not None:
            query = query.where(TrackEvent.item == item)
        with self.reading() as s:
            rows = list(s.scalars(query))
            s.expunge_all()
        return rows

    def record_track_event(self, event: TrackEvent, audit_action: str, outcome: str) -> TrackEvent:
        """The state change and its audit event (and a run), committed together or not at all."""
        detail = {"item": event.item, "previous": event.previous, "state": event.state, "status": event.status,
                  "evidence": event.evidence, **({"approves": event.approves} if event.approves else {})}  # fmt: skip
        with self.recorded_run(audit_action, event.item, detail, event.reason, outcome) as record:
            event.at, event.operator, event.audit_id = record.at, record.operator, record.id
            session = object_session(record)
            assert session is not None
            session.add(event)
            session.flush()
            session.expunge(event)
        return event

    @property
    def database(self) -> str:
        """Which database this is, for people and for the heads kept in the history: its URL, password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    def _keep_head(self, count: int, record: AuditEvent) -> None:
        """The chain's head, also in the config history (see ``history.head``); a failure there is told, not
        raised: the event is recorded, and ``audit verify`` still checks against the heads kept before it."""
        if self.history is None:
            return
        from ..history.head import keep_head

        try:
            keep_head(self.history, count, record.id, record.hash, self.database)
        except (OSError, RuntimeError) as exc:
            logging.getLogger(__name__).warning("audit head not kept in %s: %s", self.history, exc)

    def audit_events(self, limit: int | None = None) -> list[AuditEvent]:
        with self.reading() as s:
            query = select(AuditEvent).order_by(AuditEvent.id)
            if limit:
                query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
            events = list(s.scalars(query))
            s.expunge_all()
        return sorted(events, key=lambda e: e.id)

    def last_audit_event(self, action: str, before: datetime | None = None) -> AuditEvent | None:
        """The newest event of ``action`` (recorded before ``before`` when given), None when there is none."""
        query = select(AuditEvent).where(AuditEvent.action == action)
        if before is not None:
            query = query.where(AuditEvent.at < before.astimezone(UTC))
        with self.reading() as s:
            found = s.scalars(query.order_by(AuditEvent.id.desc()).limit(1)).first()
            s.expunge_all()
        return found

    def verify_audit_chain(self) -> list[str]:
        """Every break in the chain: an edited, deleted or reordered row; with a config history, also rows
        missing at the end or rewritten since their head was kept there. Empty when intact."""
        return self.checked_audit_chain()[0]

    def checked_audit_chain(self) -> tuple[list[str], "AuditChain"]:
        """The breaks in the chain (``verify_audit_chain``) and the events checked, in chain order.

        The table is read once with the DB-API cursor, each value converted by its column type's own result
        processor (what an ORM query returns), and each row hashed as it comes: 10^5 ORM rows and a
        ``json.dumps`` of each took seconds."""
        heads = None
        breaks: list[str] = []
        if self.history is not None:  # read before the table: every head read is of a row already committed
            from ..history import HistoryError
            from ..history.head import recorded_heads

            try:
                heads = recorded_heads(self.history, self.database)
            except HistoryError as exc:
                breaks.append(f"the heads kept in {self.history} cannot be read: {exc}")
        chain = AuditChain()
        links, actions, targets, times = chain.links, chain.actions, chain.targets, chain.times
        previous, first_break = GENESIS, None
        rows, to_time, to_detail = self._chained_rows()
        for position, row in enumerate(rows, 1):
            event_id, raw_at, run_id, operator, action, target, outcome, detail, reason, prev_hash, hashed, os_user, \
                ssh_client = row
            at = raw_at if to_time is None else to_time(raw_at)
            text = canonical_event(_stored_utc_text(raw_at) or utc_text(at), run_id, operator, action, target, outcome,
                                   detail if to_detail is None else to_detail(detail), reason, prev_hash, os_user,
                                   ssh_client)  # fmt: skip
            linked, whole = prev_hash == previous, sha256(text.encode()).hexdigest() == hashed
            if not linked:
                breaks.append(f"event {event_id}: previous-hash link broken (a row before it was removed or edited)")
            if not whole:
                breaks.append(f"event {event_id}: contents do not match its hash (the row was edited)")
            if not (linked and whole) and first_break is None:
                first_break = position
            previous = hashed
            links.append((event_id, hashed))
            actions.append(action)
            targets.append(target)
            times.append(at)
        if heads is not None:
            from ..history.head import compare_heads

            breaks += compare_heads(heads, links, first_break)
        return breaks, chain

    def _chained_rows(self) -> tuple[Sequence[Any], Processor | None, Processor | None]:
        """The audit table's rows (``CHAINED``) in id order as the DB-API gives them, and what converts ``at`` and
        ``detail`` as an ORM query would (their column types' result processors; None: nothing to convert)."""
        with guarded(self.engine), self.engine.connect() as conn:
            dialect = conn.dialect
            columns = AuditEvent.__table__.c
            query = select(*(columns[name] for name in CHAINED)).order_by(columns.id)
            processors: list[Processor | None] = [
                columns[name].type.dialect_impl(dialect).result_processor(dialect, None) for name in ("at", "detail")
            ]
            to_time, to_detail = processors
            if dialect.name == "sqlite" and to_detail is not None:
                to_detail = _json_text_reader(to_detail)
            cursor = conn.connection.cursor()
            try:
                cursor.execute(str(query.compile(dialect=dialect)))
                return cursor.fetchall(), to_time, to_detail
            finally:
                cursor.close()


CHAINED = ("id", "at", "run_id", "operator", "action", "target", "outcome", "detail", "reason", "prev_hash", "hash",
           "os_user", "ssh_client")  # fmt: skip


@dataclass
class AuditChain:
    """The audit events `audit verify` checked, in chain order, as columns (not an object per event)."""

    links: list[tuple[int, str]] = field(default_factory=list)  # (id, chain hash)
    actions: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    times: list[datetime] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.links)

    def described(self) -> list[tuple[int, str, str]]:
        """(id, chain hash, "action target at YYYY-MM-DD HH:MM") of each event."""
        return [(event_id, hashed, f"{action} {target} at {at:%Y-%m-%d %H:%M}")
                for (event_id, hashed), action, target, at in zip(self.links, self.actions, self.targets, self.times,
                                                                  strict=True)]  # fmt: skip


# The hashed form of an event: its fields as one JSON object, keys sorted, no spaces, text as it is (not \u-escaped).
CANONICAL: dict[str, Any] = {"sort_keys": True, "ensure_ascii": False, "separators": (",", ":"), "default": str}
_encode = json.JSONEncoder(**CANONICAL).encode
_DOCUMENT = json.JSONDecoder()  # what json.loads decodes with
# SQLAlchemy's SQLite text of a datetime (zone dropped: it was UTC), in its one unambiguous form
_SQLITE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}")


def event_hash(record: AuditEvent) -> str:
    """The chain hash of an event: SHA-256 of ``canonical_event`` of its fields."""
    text = canonical_event(utc_text(record.at), record.run_id, record.operator, record.action, record.target,
                           record.outcome, record.detail, record.reason, record.prev_hash, record.os_user,
                           record.ssh_client)  # fmt: skip
    return sha256(text.encode()).hexdigest()


def utc_text(at: datetime) -> str:
    """The time as the hash covers it: UTC, to the microsecond, with its offset."""
    at = at if at.tzinfo else at.replace(tzinfo=UTC)  # SQLite drops the zone
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _json_text_reader(processor: Processor) -> Processor:
    """SQLite's JSON column read as ``processor`` reads it (``json.loads``: the engines ``_engine`` makes have no
    other deserializer), the common case without ``json.loads``'s own per-call steps (a tenth of `audit verify`):
    a text that begins with ``{`` and is one whole document is what ``raw_decode`` makes of it; anything else
    goes to ``processor`` (a number, trailing space, an error: raised as ``json.loads`` raises it)."""

    def read(raw: object) -> object:
        if type(raw) is str and raw[:1] == "{":
            try:
                value, end = _DOCUMENT.raw_decode(raw)
            except ValueError:
                return processor(raw)
            if end == len(raw):
                return value
        return processor(raw)

    return read


def _stored_utc_text(raw: object) -> str | None:
    """``utc_text`` of the datetime SQLite stored as ``raw`` (once read as one: a date that is none raised there),
    by rearranging the text (parsing it and printing it again took a third of `audit verify`); None when ``raw``
    is not in that form (a server's datetime, an edit)."""
    if type(raw) is str and _SQLITE_TIME.fullmatch(raw):
        return f"{raw[:10]}T{raw[11:]}+00:00"
    return None


def canonical_event(at: str, run_id: object, operator: object, action: object, target: object, outcome: object,
                    detail: object, reason: object, prev_hash: object, os_user: object,
                    ssh_client: object) -> str:  # fmt: skip
    """The text an event's hash covers: ``json.dumps`` of its fields with ``CANONICAL``; ``os_user`` and
    ``ssh_client`` (migration 0005) only when recorded, so older events keep their hashes.

    Written out for the values the table holds (text, a whole number or None, a JSON document): the same text,
    without building a dict per event (tests/unit/test_audit_canonical.py holds the two equal); ``json.dumps``
    itself for anything else."""
    if (
        type(operator) is type(action) is type(target) is type(outcome) is type(prev_hash) is str
        and (run_id is None or type(run_id) is int)
        and (reason is None or type(reason) is str)
        and (os_user is None or type(os_user) is str)
        and (ssh_client is None or type(ssh_client) is str)
    ):
        who = "" if os_user is None else f',"os_user":{_quote(os_user)}'
        where = "" if ssh_client is None else f',"ssh_client":{_quote(ssh_client)}'
        why = "null" if reason is None else _quote(reason)
        return (
            f'{{"action":{_quote(action)},"at":{_quote(at)},"detail":{_encode(detail)},"operator":{_quote(operator)}'
            f'{who},"outcome":{_quote(outcome)},"prev_hash":{_quote(prev_hash)},"reason":{why}'
            f',"run_id":{"null" if run_id is None else int.__repr__(run_id)}{where},"target":{_quote(target)}}}'
        )
    body = {"at": at, "run_id": run_id, "operator": operator, "action": action, "target": target,
            "outcome": outcome, "detail": detail, "reason": reason, "prev_hash": prev_hash}  # fmt: skip
    body |= {k: v for k, v in (("os_user", os_user), ("ssh_client", ssh_client)) if v is not None}
    return json.dumps(body, **CANONICAL)


def _now() -> datetime:
    return datetime.now(UTC)


def _engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
        # a server that drops packets is said within seconds, not after the system's TCP timeout
        waits = parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query
        return create_engine(parsed, connect_args={"connect_timeout": CONNECT_TIMEOUT} if waits else {})
    except NoSuchModuleError:
        kind = url.split(":", 1)[0]
        raise StoreError(f"database URL {_shown(url)!r}: unknown kind of database {kind!r}: {URL_HELP}", 2) from None
    except (ArgumentError, ValueError):
        raise StoreError(f"database URL {_shown(url)!r} is not a database URL: {URL_HELP}", 2) from None
    except ImportError as exc:
        raise StoreError(
            f"database URL {_shown(url)!r}: its driver is not installed ({exc}): {URL_HELP} (psycopg is installed)", 2
        ) from None


class MissingDatabase(StoreError):
    """A command that only reads found no database: nothing was recorded here (or it is not the workspace)."""


def open_store(
    url: str | None = None, auto_upgrade: bool = True, history: Path | None = None, create: bool = True
) -> Store:
    """Connect, make sure the database is extranet's and not newer than the code, and upgrade an older schema.

    Every failure is a StoreError with one line for the operator. The workspace's database (no ``url``) keeps
    its audit head in the workspace's config history (var/history), another one only in ``history`` when given.
    Commands that only read pass ``create=False``: a missing SQLite file is a MissingDatabase, never created
    (a report or `audit verify` run outside the workspace must not leave an empty database behind).
    """
    if create and not url and not os.environ.get("EXTRANET_DB_URL"):
        DEFAULT_PATH.parent.mkdir(parents=True, exist_ok=True)
    engine = _engine(url or database_url())
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    named = bool(url or os.environ.get("EXTRANET_DB_URL"))  # given, not the workspace's default
    if not url and engine.dialect.name == "sqlite" and path in (None, "", ":memory:"):
        raise StoreError(
            f"EXTRANET_DB_URL {_shown(database_url())!r} is an in-memory database: what a command records would be "
            f"gone when it ends; {URL_HELP}",
            2,
        )
    on_disk = bool(path) and path != ":memory:" and not str(path).startswith("file:")
    if on_disk and (named or create) and not Path(str(path)).parent.is_dir():
        raise StoreError(f"database {_where(engine)}: directory {Path(str(path)).parent} does not exist: {URL_HELP}", 2)
    if on_disk and not create and not os.path.lexists(str(path)):
        raise MissingDatabase(
            f"no database at {path}: nothing has been recorded here yet; run extranet from the workspace root "
            "(where var/ is) or set EXTRANET_DB_URL"
        )
    if path and Path(path).exists() and not Path(path).is_file():  # a directory, a device, a FIFO (open would block)
        kind = "a directory" if Path(path).is_dir() else "not a regular file"
        raise StoreError(f"database {_where(engine)}: {path} is {kind}, not a database file: {URL_HELP}", 2)
    if engine.dialect.name == "sqlite":
        _create_private(engine.url.database)
        event.listen(engine, "connect", _sqlite_pragmas)
    current = check_schema(engine)
    if engine.dialect.name == "sqlite":
        with guarded(engine), engine.connect() as conn:  # kept in the file: set once, after the checks
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")  # readers (reports) never block the writer (a rollout)
    if auto_upgrade and current != SCHEMA_HEAD:
        upgrade(engine)
    if url is None and history is None:
        history = HISTORY_DIR
    return Store(engine, sessionmaker(engine, expire_on_commit=False), history)
