"""The audit chain's head, kept outside the database: in the config history, one commit per audit event.

A hash chain shows an edited or removed row, but not rows cut off at the end, nor a chain rewritten from some
row on with its hashes recomputed. So every audit event also commits ``audit-head`` — the number of events,
the newest one's id and hash — to the config-history git repository (var/history), the facts repeated as
trailers (``Audit-Events``, ``Audit-Id``, ``Audit-Hash``) so that one ``git log`` reads them all back.
``audit verify`` compares every head ever committed — also those a reset or an amend left only in the reflog —
with the table: the event at that position must still carry that hash, and none may be missing at the end.
A branch moved by anything other than a commit (reset, amend, rebase) is reported as a rewrite.

The head is committed right after the event's database transaction, one git commit per event: measured
35 ms on an idle machine, 65 ms on a loaded one (5 ms for the event alone), so a rollout of 1,000 devices
spends about a minute on it, beside the minutes its SSH sessions take; no batching, so no window of a whole command. The
window that remains: an event whose head commit failed (told as a warning on stderr) or was cut off by
``kill -9`` is checked only through the heads after it. Events newer than the newest head are not missing
rows (another workspace sharing the database appends too), so rows added at the end, bypassing extranet,
are not caught here — the audit issue's signed checkpoints are for that. A reflog deleted along with a
rewritten history cannot be seen either.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

from .repo import FIELD, RECORD, ConfigHistory

HEAD_FILE = "audit-head"
HASH = re.compile(r"[0-9a-f]{64}")
COMMITTED = ("commit:", "commit (initial):")  # how the branch moves when extranet records; anything else rewrites
HEADER = """\
# The audit log's head, kept outside the database by every audit event: `extranet audit verify` compares
# each committed version of this file with the audit table. Do not edit.
"""


@dataclass(frozen=True)
class Head:
    """One committed head: after ``events`` events the newest was ``event_id`` with ``hash``."""

    events: int
    event_id: int
    hash: str
    commit: str
    date: str
    database: str | None = None  # the database the chain lives in (its URL, password hidden)


@dataclass
class Heads:
    heads: list[Head] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # unreadable heads, a rewritten branch
    elsewhere: dict[str, Head] = field(default_factory=dict)  # the newest head of each other database

    @property
    def newest(self) -> Head | None:
        return max(self.heads, key=lambda h: h.events, default=None)


def keep_head(history: Path, events: int, event_id: int, event_hash: str, database: str) -> None:
    """Commit the chain's head after an append: ``events`` events, the newest ``event_id`` with ``event_hash``, in
    ``database`` (a workspace that moves to another database — SQLite to the team's PostgreSQL — starts a chain
    there: its heads are compared with that database only)."""
    text = f"{HEADER}database: {database}\nevents: {events}\nlast_id: {event_id}\nlast_hash: {event_hash}\n"
    message = (
        f"audit: {events} events\n\nAudit-Database: {database}\nAudit-Events: {events}\nAudit-Id: {event_id}\n"
        f"Audit-Hash: {event_hash}\n"
    )
    ConfigHistory(history).commit_file(HEAD_FILE, text, message)


def recorded_heads(history: Path, database: str | None = None) -> Heads:
    """Every head committed to ``history`` (reachable or only in the reflog), and how its branch moved; with
    ``database``, the heads of other databases only as the newest of each (``elsewhere``)."""
    repo = ConfigHistory(history)
    found = Heads()
    if not repo.git_dir.is_dir() or repo._git("rev-parse", "--verify", "-q", "HEAD", ok=(0, 1)).returncode:
        return found
    text = repo._git(
        "log", "--all", "--reflog", f"--format=%H{FIELD}%aI{FIELD}%(trailers:only,unfold){RECORD}", "--", HEAD_FILE
    ).stdout
    for record in filter(None, (r.strip("\n") for r in text.split(RECORD))):
        sha, date, trailers = record.split(FIELD, 2)
        values = dict(line.partition(": ")[::2] for line in trailers.splitlines())
        try:
            events, event_id, event_hash = int(values["Audit-Events"]), int(values["Audit-Id"]), values["Audit-Hash"]
            if events < 1 or not HASH.fullmatch(event_hash):
                raise ValueError(event_hash)
        except (KeyError, ValueError):
            found.problems.append(f"history commit {sha[:12]} ({date}): its audit head cannot be read (edited?)")
            continue
        head = Head(events, event_id, event_hash, sha, date, values.get("Audit-Database"))
        if database is None or head.database in (None, database):
            found.heads.append(head)
        elif head.database not in found.elsewhere or found.elsewhere[head.database].events < events:
            found.elsewhere[head.database] = head
    for branch in repo._git("for-each-ref", "--format=%(refname)", "refs/heads").stdout.split():
        moves = repo._git("log", "--walk-reflogs", "--date=iso-strict", f"--format=%gd{FIELD}%gs", branch).stdout
        for line in moves.splitlines():
            selector, _, how = line.partition(FIELD)
            if not how.startswith(COMMITTED):
                when = selector.partition("@{")[2].rstrip("}")
                found.problems.append(
                    f"the config history was rewritten: {branch.removeprefix('refs/heads/')} moved by "
                    f"{how.partition(':')[0]!r} on {when} (heads from before it are still compared)"
                )
    return found


def compare_heads(heads: Heads, events: list[tuple[int, str]], first_break: int | None) -> list[str]:
    """What the table ``events`` (id, hash in chain order) lacks or changed against the kept ``heads``;
    head mismatches at or after ``first_break`` (the chain's first broken position) are that break's."""
    found = list(heads.problems)
    newest = heads.newest
    if newest is None:
        return found
    hashes = {event_hash for _, event_hash in events}
    if not events:
        found.append(
            f"the database has no audit events, but the history recorded {newest.events} (the last on "
            f"{newest.date}): every event was deleted"
        )
        return found
    if newest.events > len(events) and newest.hash not in hashes:
        missing = newest.events - len(events)
        found.append(
            f"{newest.events} events recorded in history, {len(events)} in the database: the newest {missing} "
            f"{'was' if missing == 1 else 'were'} deleted (the last recorded on {newest.date})"
        )
    comparable = sorted(
        (h for h in heads.heads if h.events <= len(events) and (first_break is None or h.events < first_break)),
        key=lambda h: h.events,
    )
    agreeing = {h.events for h in comparable if events[h.events - 1][1] == h.hash}
    for head in comparable:
        event_id, event_hash = events[head.events - 1]
        if event_hash == head.hash or head.hash in hashes:
            continue  # as recorded, or still there at another position: the chain shows the removed row
        matched = max((n for n in agreeing if n < head.events), default=0)  # the last position known intact
        start = events[matched][0]
        since = f"from event {start} on" if matched == head.events - 1 else f"from one of events {start}-{event_id} on"
        found.append(
            f"event {event_id}: not the event {head.events} recorded in history on {head.date} (commit "
            f"{head.commit[:12]}): the log was rewritten {since}"
        )
        break
    return found
