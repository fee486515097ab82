"""Issue 15 item 6: who acted — the operating-system login and the SSH client beside the declared operator, in
every audit event and history commit — and history commits signed with an SSH key when one is configured."""

import getpass
import subprocess
from pathlib import Path

import pytest

from extranet.actor import actor
from extranet.history import ConfigHistory
from extranet.history.repo import SIGNING_VARIABLE, HistoryError
from extranet.store import event_hash, open_store


@pytest.mark.parametrize(
    ("variable", "value", "client"),
    [("SSH_CLIENT", "198.51.100.7 52114 22", "198.51.100.7"), ("SSH_CONNECTION", "2001:db8::7 52114 2001:db8::1 22",
      "2001:db8::7"), ("SSH_CLIENT", "$(reboot) 1 2", None), ("SSH_CLIENT", "", None)],
)
def test_the_ssh_client_is_an_address_or_nothing(monkeypatch: pytest.MonkeyPatch, variable: str, value: str,
                                                 client: str | None) -> None:  # fmt: skip
    monkeypatch.delenv("SSH_CLIENT", raising=False)
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    monkeypatch.setenv(variable, value)
    assert actor() == (getpass.getuser(), client)


def test_audit_events_and_commits_record_who_was_at_the_keyboard(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EXTRANET_OPERATOR", "alice")
    monkeypatch.setenv("SSH_CLIENT", "198.51.100.7 52114 22")
    db = open_store()
    event = db.audit("push dual-stack", "core1", "ok", {"wave": 1})
    assert (event.operator, event.os_user, event.ssh_client) == ("alice", getpass.getuser(), "198.51.100.7")
    assert event.hash == event_hash(event)  # the actor is covered by the chain
    event.ssh_client = "203.0.113.9"
    assert event_hash(event) != event.hash  # so changing it shows
    history = ConfigHistory(tmp_path / "history")
    history.record("core1", "frr", "hostname core1\n", operator="alice", ticket="T-1", run_id="1", action="change",
                   result="ok")  # fmt: skip
    [entry] = history.log("core1")
    assert (entry.operator, entry.os_user, entry.ssh_client) == ("alice", getpass.getuser(), "198.51.100.7")
    assert db.verify_audit_chain() == []


def test_history_commits_are_signed_when_a_key_is_configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = tmp_path / "history_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "history", "-f", str(key)], check=True)
    monkeypatch.setenv(SIGNING_VARIABLE, str(key))
    history = ConfigHistory(tmp_path / "history")
    history.record("core1", "frr", "hostname core1\n", operator="alice", ticket=None, run_id="1", action="backup",
                   result="ok")  # fmt: skip
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f"extranet {key.with_suffix('.pub').read_text().strip()}\n")
    git = ["git", "-C", str(history.path), "-c", "gpg.format=ssh", "-c", f"gpg.ssh.allowedSignersFile={allowed}"]
    verified = subprocess.run([*git, "verify-commit", "HEAD"], capture_output=True, text=True)
    assert verified.returncode == 0, verified.stderr
    assert 'Good "git" signature for extranet' in verified.stderr
    monkeypatch.setenv(SIGNING_VARIABLE, str(tmp_path / "missing"))
    with pytest.raises(HistoryError, match="is not a file"):
        history.record("core1", "frr", "hostname core2\n", operator="alice", ticket=None, run_id="2",
                       action="backup", result="ok")  # fmt: skip
