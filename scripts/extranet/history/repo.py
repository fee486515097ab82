"""The config history: one scrubbed file per device in a git repository, one commit per change.

Auditors read it with plain git (``git log -p -- core1.cfg``); the commit trailers say who acted, under
which ticket, in which run, and how it ended. git runs with a fixed environment, so a fresh CI machine
without a git identity records the same way an operator's laptop does.
"""

import fcntl
import os
import re
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..actor import actor
from ..files import write_atomically
from .scrub import scrub

DEFAULT_DIR = Path("var") / "history"
ACTIONS = ("backup", "change", "rollback")
DEVICE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")
LOCK_FILE = "extranet.lock"
IDENTITY = {
    "GIT_AUTHOR_NAME": "extranet",
    "GIT_AUTHOR_EMAIL": "extranet@localhost",
    "GIT_COMMITTER_NAME": "extranet",
    "GIT_COMMITTER_EMAIL": "extranet@localhost",
}
# Every git call: no quoting of paths in output, gc in the foreground (inside our lock, never racing the next
# commit), objects and refs fsynced (an audit trail must survive a power cut), no signing prompts, and the
# reflog kept for good (it shows a rewritten history: history.head).
GIT_OPTIONS = (
    *("-c", "core.quotepath=off"),
    *("-c", "gc.autoDetach=false"),
    *("-c", "core.logAllRefUpdates=true"),
    *("-c", "gc.reflogExpire=never"),
    *("-c", "gc.reflogExpireUnreachable=never"),
    *("-c", "core.fsync=committed"),
    *("-c", "commit.gpgSign=false"),
)
RECORD, FIELD = "\x1e", "\x1f"
LOG_FORMAT = f"--format=%H{FIELD}%aI{FIELD}%s{FIELD}%(trailers:only,unfold){RECORD}"


SIGNING_VARIABLE = "EXTRANET_HISTORY_SIGNING_KEY"  # an SSH private key file: commits are signed with it (git's ssh)


def signing() -> tuple[str, ...]:
    """git options that sign every commit with the SSH key $EXTRANET_HISTORY_SIGNING_KEY names, when it is set."""
    key = os.environ.get(SIGNING_VARIABLE, "")
    if not key:
        return ()
    if not Path(key).is_file():
        raise HistoryError(f"${SIGNING_VARIABLE}: {key} is not a file (an SSH private key, e.g. ssh-keygen -t ed25519)")
    return ("-c", "gpg.format=ssh", "-c", f"user.signingKey={Path(key).absolute()}", "-c", "commit.gpgSign=true")


class HistoryError(RuntimeError):
    """git failed on the config history; the message carries git's own words (its stderr)."""

    def __init__(self, message: str, stderr: str = "") -> None:
        super().__init__(message)
        self.stderr = stderr


@dataclass(frozen=True)
class HistoryEntry:
    """One commit of the history, as its subject and trailers tell it."""

    sha: str
    date: str  # ISO 8601 with offset, the commit's author date
    device: str
    operator: str
    ticket: str | None
    run: str | None
    action: str  # backup | change | rollback
    result: str
    subject: str
    platform: str = ""
    attribution: str = ""  # what a backup found: out-of-band:USER (Attribution trailer), "" when not said
    os_user: str = ""  # the operating-system login behind the operator (Os-User trailer)
    ssh_client: str = ""  # the SSH client's address it came from (Ssh-Client trailer)


def config_file(device: str) -> str:
    """The file that holds a device's configuration; the name must be an inventory hostname.

    >>> config_file("core1")
    'core1.cfg'
    """
    if not DEVICE_NAME.fullmatch(device):
        raise ValueError(
            f"invalid device name {device!r}: an inventory hostname is 1-63 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return f"{device}.cfg"


def _check_line(field: str, value: str) -> str:
    # A newline in a trailer value would forge further trailers (an "Operator:" of someone else).
    if not value or value != value.strip() or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError(f"{field} must be one line of printable text without surrounding blanks, got {value!r}")
    return value


def commit_message(
    device: str, platform: str, *, operator: str, ticket: str | None, run_id: str | None, action: str, result: str,
    attribution: str | None = None,
) -> str:
    """Subject ``<device>: <action> <result>`` and one trailer per fact; absent ticket or run, no trailer."""
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {', '.join(ACTIONS)}, got {action!r}")
    login, client = actor()
    trailers = {
        "Device": device,
        "Operator": operator,
        "Os-User": login,
        "Ssh-Client": client,
        "Ticket": ticket,
        "Run": run_id,
        "Action": action,
        "Result": result,
        "Platform": platform,
        "Attribution": attribution,
    }
    body = [f"{key}: {_check_line(key, value)}" for key, value in trailers.items() if value is not None]
    return f"{device}: {action} {result}\n\n" + "\n".join(body) + "\n"


def _check_revision(rev: str) -> str:
    # Refuse what git would read as an option or a path ("-p", "HEAD:other.cfg").
    if not rev or rev.startswith("-") or any(c.isspace() or c == ":" or ord(c) < 32 for c in rev):
        raise ValueError(f"invalid revision {rev!r}: give a commit sha, HEAD, HEAD~N or a tag")
    return rev


def _parse_trailers(text: str) -> dict[str, str]:
    trailers: dict[str, str] = {}
    for line in text.splitlines():
        key, colon, value = line.partition(":")
        if colon:
            trailers[key.strip()] = value.strip()
    return trailers


def _parse_entry(record: str) -> HistoryEntry:
    sha, date, subject, trailer_text = record.split(FIELD, 3)
    trailers = _parse_trailers(trailer_text)
    return HistoryEntry(
        sha=sha,
        date=date,
        device=trailers.get("Device") or subject.partition(":")[0],
        operator=trailers.get("Operator", ""),
        ticket=trailers.get("Ticket"),
        run=trailers.get("Run"),
        action=trailers.get("Action", ""),
        result=trailers.get("Result", ""),
        subject=subject,
        platform=trailers.get("Platform", ""),
        attribution=trailers.get("Attribution", ""),
        os_user=trailers.get("Os-User", ""),
        ssh_client=trailers.get("Ssh-Client", ""),
    )


@contextmanager
def _exclusive(path: Path, flags: int) -> Iterator[None]:
    """Hold an flock on ``path`` (a file or a directory): serialises processes, not only threads."""
    fd = os.open(path, flags, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


class ConfigHistory:
    """A git repository of device configurations (default ``var/history/`` of the workspace)."""

    def __init__(self, path: Path | str = DEFAULT_DIR) -> None:
        self.path = Path(path).absolute()
        self._lock = threading.Lock()

    @property
    def git_dir(self) -> Path:
        return self.path / ".git"

    def init(self) -> None:
        """Create the repository unless it exists; safe to call any number of times, from any process."""
        if self.git_dir.is_dir():
            return
        self.path.mkdir(parents=True, exist_ok=True)
        with _exclusive(self.path, os.O_RDONLY):  # .git/extranet.lock does not exist yet: lock the directory
            if not self.git_dir.is_dir():
                self._run(["-c", "init.defaultBranch=main", "init", "-q", str(self.path)], repo=False)

    def record(
        self,
        device: str,
        platform: str,
        config: str,
        *,
        operator: str,
        ticket: str | None,
        run_id: str | None,
        action: str,
        result: str,
        attribution: str | None = None,
    ) -> str | None:
        """Store the device's configuration, scrubbed, and commit it alone; the new commit's sha.

        None when the stored configuration is already this one: no empty commits.
        """
        name = config_file(device)
        message = commit_message(
            device, platform, operator=operator, ticket=ticket, run_id=run_id, action=action, result=result,
            attribution=attribution,
        )
        text = scrub(config, platform)
        with self._serialised():
            return self._commit_file(name, text, message)

    def commit_file(self, name: str, text: str, message: str) -> str | None:
        """Write ``name`` (a file at the repository's top) and commit it alone; the new commit's sha, or None
        when it already holds ``text``."""
        with self._serialised():
            return self._commit_file(name, text, message)

    def _commit_file(self, name: str, text: str, message: str) -> str | None:
        tracked = (self.path / name).exists()
        write_atomically(self.path / name, [text], scratch=self.git_dir)
        if not tracked:
            self._git("add", "--", name)
        # A pathspec commits this file only (as it is in the work tree), even if an interrupted record left
        # another one staged; git says "no changes" (exit 1) when it is already the committed one. Two git
        # runs instead of add/diff/commit: a rollout records every device twice.
        done = self._git("commit", "-q", "--file=-", "--", name, stdin=message, ok=(0, 1))
        if done.returncode == 1 and "did not match any file" in done.stderr:  # written, never added (killed)
            self._git("add", "--", name)
            done = self._git("commit", "-q", "--file=-", "--", name, stdin=message, ok=(0, 1))
        if done.returncode == 1:
            if "no changes" in done.stdout + done.stderr or "nothing to commit" in done.stdout + done.stderr:
                return None
            raise HistoryError(f"git commit of {name} failed: {(done.stderr or done.stdout).strip()}")
        return self._git("rev-parse", "HEAD").stdout.strip()

    def log(self, device: str | None = None, limit: int | None = None) -> list[HistoryEntry]:
        """Commits, newest first: all, or those of one device; at most ``limit``."""
        args = ["log", LOG_FORMAT]
        if limit is not None:
            if limit < 1:
                raise ValueError(f"limit must be a positive number of commits, got {limit}")
            args.append(f"--max-count={limit}")
        if device is not None:
            args += ["--", config_file(device)]
        if not self._has_commits():
            return []
        records = self._git(*args).stdout.split(RECORD)
        return [_parse_entry(record.strip("\n")) for record in records if record.strip()]

    def show(self, device: str, rev: str = "HEAD") -> str:
        """The device's stored configuration at a revision."""
        name = config_file(device)
        return self._git("show", f"{_check_revision(rev)}:{name}").stdout

    def diff(self, device: str, rev_a: str, rev_b: str) -> str:
        """The unified diff of the device's configuration between two revisions ("" when equal)."""
        name = config_file(device)
        revisions = _check_revision(rev_a), _check_revision(rev_b)
        return self._git("diff", "--no-color", "--no-ext-diff", *revisions, "--", name).stdout

    def at(self, device: str, moment: str) -> HistoryEntry | None:
        """The device's last commit at or before ``moment`` (ISO 8601 with its zone), None if none was yet."""
        name = config_file(device)
        if not self._has_commits():
            return None
        if moment.startswith("-") or any(c.isspace() or ord(c) < 32 for c in moment):
            raise ValueError(f"invalid moment {moment!r}")
        sha = self._git("rev-list", "-1", f"--before={moment}", "HEAD", "--", name).stdout.strip()
        if not sha:
            return None
        record = self._git("log", "-1", LOG_FORMAT, sha).stdout.strip("\n").rstrip(RECORD)
        return _parse_entry(record.strip("\n"))

    def blame(self, device: str) -> list[tuple[str, str]]:
        """Each line of the device's stored configuration with the commit that brought it: (sha, line)."""
        name = config_file(device)
        out = self._git("blame", "--porcelain", "HEAD", "--", name).stdout
        found: list[tuple[str, str]] = []
        sha = ""
        for line in out.splitlines():
            if line.startswith("\t"):
                found.append((sha, line[1:]))
            else:
                first = line.split(" ", 1)[0]
                if len(first) == 40 and all(c in "0123456789abcdef" for c in first):
                    sha = first
        return found

    @contextmanager
    def _serialised(self) -> Iterator[None]:
        # The thread lock orders this process's pool; the flock orders processes, which would otherwise
        # collide on git's index.lock.
        with self._lock:
            self.init()
            with _exclusive(self.git_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT):
                yield

    def _has_commits(self) -> bool:
        if not self.git_dir.is_dir():
            return False
        return self._git("rev-parse", "--verify", "-q", "HEAD", ok=(0, 1)).returncode == 0

    def _git(
        self, *args: str, stdin: str | None = None, ok: tuple[int, ...] = (0,)
    ) -> subprocess.CompletedProcess[str]:
        if not self.git_dir.is_dir():
            raise HistoryError(f"no config history at {self.path}: nothing has been recorded there yet")
        return self._run(list(args), stdin=stdin, ok=ok)

    def _run(
        self, args: list[str], *, repo: bool = True, stdin: str | None = None, ok: tuple[int, ...] = (0,)
    ) -> subprocess.CompletedProcess[str]:
        location = [f"--git-dir={self.git_dir}", f"--work-tree={self.path}"] if repo else []
        command = ["git", *GIT_OPTIONS, *signing(), *location, *args]
        try:
            done = subprocess.run(
                command,
                input=stdin,
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                env=self._environment(),
                cwd=self.path,
                check=False,
            )
        except FileNotFoundError:
            raise HistoryError(f"git is not installed; the config history at {self.path} needs it") from None
        if done.returncode not in ok:
            stderr = done.stderr.strip()
            raise HistoryError(f"git {' '.join(args)} failed in {self.path}: {stderr}", stderr)
        return done

    def _environment(self) -> dict[str, str]:
        # Built from scratch: no GIT_DIR or GIT_INDEX_FILE inherited from a hook, no user or system config.
        environment = {
            "PATH": os.environ.get("PATH", os.defpath),
            "HOME": str(self.git_dir),
            "XDG_CONFIG_HOME": str(self.git_dir),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_TERMINAL_PROMPT": "0",
            "LC_ALL": "C",
            **IDENTITY,
        }
        if "TZ" in os.environ:  # commit dates in the operator's time zone
            environment["TZ"] = os.environ["TZ"]
        return environment
