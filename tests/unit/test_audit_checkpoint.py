"""Issue 15 item 5: the audit log as an RFC 9162 Merkle tree, signed checkpoints (C2SP signed note, Ed25519) kept by
a second party, `audit verify --checkpoint` catching a log rewritten consistently, and the SIEM export."""

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extranet.history.merkle import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    split,
    tree_hash,
    verify_consistency,
    verify_inclusion,
)
from extranet.store import event_hash, open_store
from extranet.store.schema import AuditEvent

from ..conftest import REPO

EXTRANET = str(Path(sys.executable).parent / "extranet")


# ---- the tree, against the RFC's recursive definitions -------------------------------------------------------


def mth(d: list[bytes]) -> bytes:
    if len(d) == 1:
        return d[0]
    k = split(len(d))
    return node_hash(mth(d[:k]), mth(d[k:]))


def path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = split(len(d))
    return [*path(m, d[:k]), mth(d[k:])] if m < k else [*path(m - k, d[k:]), mth(d[:k])]


def test_the_tree_hash_of_rfc_9162s_shape() -> None:
    # RFC 9162 2.1.5's example tree of 7 leaves (d0..d6): root = hash(hash(hash(a,b),hash(c,d)),hash(hash(e,f),g))
    d = [leaf_hash(bytes([i])) for i in range(7)]
    a, b, c, e, f, g, h = d
    assert tree_hash(d) == node_hash(node_hash(node_hash(a, b), node_hash(c, e)), node_hash(node_hash(f, g), h))
    assert inclusion_proof(3, d) == [c, node_hash(a, b), node_hash(node_hash(f, g), h)]  # the RFC's path for d3
    assert consistency_proof(3, d) == [c, e, node_hash(a, b), node_hash(node_hash(f, g), h)]  # the RFC's PROOF(3, D[7])


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=130), st.data())
def test_every_proof_verifies_and_a_changed_one_does_not(n: int, data: st.DataObject) -> None:
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]
    root = tree_hash(leaves)
    assert root == mth(leaves)
    m = data.draw(st.integers(min_value=0, max_value=n - 1))
    proof = inclusion_proof(m, leaves)
    assert proof == path(m, leaves)
    assert verify_inclusion(m, n, leaves[m], proof, root)
    assert not verify_inclusion(m, n, leaf_hash(b"other"), proof, root)
    first = data.draw(st.integers(min_value=1, max_value=n))
    cproof = consistency_proof(first, leaves)
    assert verify_consistency(first, n, tree_hash(leaves[:first]), root, cproof)
    if first < n:  # the first tree rewritten: no proof from today's log can show it a prefix
        rewritten = [leaf_hash(b"rewritten"), *leaves[1:first]]
        assert not verify_consistency(first, n, tree_hash(rewritten), root, cproof)


# ---- the commands -----------------------------------------------------------------------------------------------


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    shutil.copytree(REPO / "inventory", root / "inventory")
    shutil.copytree(REPO / "netplan", root / "netplan")
    return root


def cli(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("EXTRANET_")}
    return subprocess.run([EXTRANET, *args], capture_output=True, text=True, timeout=120, cwd=cwd,
                          env={**base, "EXTRANET_OPERATOR": "alice", **env})  # fmt: skip


def events(workspace: Path, n: int) -> None:
    for i in range(n):
        assert cli(workspace, "track", "override", "exit:zjj", "verified", "--reason", f"step {i}").returncode == 0


def rewrite_consistently(workspace: Path, event_id: int) -> None:
    """What someone with write access to the database does: change one event and recompute every hash after it."""
    os.chdir(workspace)
    db = open_store(history=None)
    with db.transaction() as s:
        from sqlalchemy import select

        rows = list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        for r in rows:  # the hashes are unique: move them out of the way first
            r.prev_hash, r.hash = f"p{r.id}", f"h{r.id}"
        s.flush()
        previous = "0" * 64
        for r in rows:
            if r.id == event_id:
                r.reason = "nothing to see here"
            r.prev_hash = previous
            r.hash = previous = event_hash(r)
            s.flush()


def test_a_checkpoint_proves_the_log_grew_and_catches_a_consistent_rewrite(
    workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(workspace)
    keys = tmp_path / "keys"
    keys.mkdir()
    made = cli(workspace, "audit", "keygen", "-o", str(keys / "audit.key"))
    assert made.returncode == 0, made.stderr
    assert (keys / "audit.key").stat().st_mode & 0o777 == 0o600
    verifier = (keys / "audit.key.pub").read_text().strip()
    assert re.fullmatch(r"extranet\.yunling/audit\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}", verifier)
    events(workspace, 5)
    cp = keys / "checkpoint.txt"
    taken = cli(workspace, "audit", "checkpoint", "--key", str(keys / "audit.key"), "-o", str(cp))
    assert taken.returncode == 0, taken.stderr
    lines = cp.read_text().splitlines()
    assert lines[:2] == ["extranet.yunling/audit", "5"] and lines[-1].startswith("\u2014 extranet.yunling/audit ")
    given = open_store(history=None).audit_events()[-1]  # the log says a checkpoint was given out, and where
    assert (given.id, given.action, given.outcome, given.target) == (6, "audit.checkpoint", "signed", "5 events")
    assert given.detail["note"] == cp.read_text() and given.detail["written_to"] == str(cp)
    assert given.detail["root"] == lines[2] and given.detail["last_id"] == 5
    events(workspace, 3)  # the log grows after the checkpoint
    ok = cli(workspace, "audit", "verify", "--checkpoint", str(cp), "--verifier", str(keys / "audit.key.pub"))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "today's log (9 events) extends the checkpoint of 5 events" in ok.stdout

    rewrite_consistently(workspace, 3)
    shutil.rmtree(workspace / "var" / "history")  # the attacker removes the heads too: only the checkpoint is left
    caught = cli(workspace, "audit", "verify", "--checkpoint", str(cp), "--verifier", verifier)
    assert caught.returncode == 1
    assert "does not begin with the 5 events the checkpoint" in caught.stdout
    assert "among #1–#4 (the checkpoint's subtree 0+4" in caught.stdout  # 5 events: subtrees 0+4 and 4+1
    plain = cli(workspace, "audit", "verify")  # without the checkpoint the rewritten chain looks whole
    assert plain.returncode == 0


def test_with_the_heads_kept_the_first_rewritten_event_is_named(
    workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(workspace)
    key = tmp_path / "audit.key"
    assert cli(workspace, "audit", "keygen", "-o", str(key)).returncode == 0
    events(workspace, 6)
    cp = tmp_path / "cp.txt"
    assert cli(workspace, "audit", "checkpoint", "--key", str(key), "-o", str(cp)).returncode == 0
    rewrite_consistently(workspace, 4)
    caught = cli(workspace, "audit", "verify", "--checkpoint", str(cp), "--verifier", str(key) + ".pub")
    assert caught.returncode == 1
    assert "the first event that differs is #4 (track.override exit:zjj" in caught.stdout


def test_a_changed_or_foreign_checkpoint_is_refused(workspace: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.chdir(workspace)
    key, other = tmp_path / "a.key", tmp_path / "b.key"
    for k in (key, other):
        assert cli(workspace, "audit", "keygen", "-o", str(k)).returncode == 0
    events(workspace, 2)
    cp = tmp_path / "cp.txt"
    assert cli(workspace, "audit", "checkpoint", "--key", str(key), "-o", str(cp)).returncode == 0
    text = cp.read_text()
    cp.write_text(text.replace("\n2\n", "\n1\n", 1))  # one byte of the size
    changed = cli(workspace, "audit", "verify", "--checkpoint", str(cp), "--verifier", str(key) + ".pub")
    assert changed.returncode == 2 and "does not verify: the checkpoint was changed" in changed.stderr
    cp.write_text(text)
    foreign = cli(workspace, "audit", "verify", "--checkpoint", str(cp), "--verifier", str(other) + ".pub")
    assert foreign.returncode == 2 and "carries no signature by extranet.yunling/audit (key ID" in foreign.stderr
    none = cli(workspace, "audit", "verify", "--checkpoint", str(cp))
    assert none.returncode == 2 and "needs the verifier key" in none.stderr


def test_the_signing_key_never_lives_in_the_workspace(workspace: Path, tmp_path: Path) -> None:
    inside = cli(workspace, "audit", "keygen", "-o", "keys/audit.key")
    assert inside.returncode == 2 and "lives outside the workspace" in inside.stderr
    assert not (workspace / "keys" / "audit.key").exists()
    events(workspace, 1)
    missing = cli(workspace, "audit", "checkpoint")
    assert missing.returncode == 2 and "EXTRANET_AUDIT_PRIV_KEY" in missing.stderr
    key = tmp_path / "audit.key"
    assert cli(workspace, "audit", "keygen", "-o", str(key)).returncode == 0
    from_env = cli(workspace, "audit", "checkpoint", EXTRANET_AUDIT_PRIV_KEY=key.read_text())
    assert from_env.returncode == 0 and from_env.stdout.startswith("extranet.yunling/audit\n1\n")


SYSLOG = re.compile(r'^<(?P<pri>\d{1,3})>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z \S+ extranet - '
                    r'(?P<msgid>[!-~]{1,32}) \[extranet@32473'
                    r'(?: [a-z_]+="(?:[^"\\\]]|\\["\\\]])*")+\] \ufeff.+$')  # fmt: skip


def test_events_stream_to_a_siem_as_json_lines_and_rfc_5424(workspace: Path) -> None:
    events(workspace, 2)
    quoted = cli(workspace, "track", "override", "exit:jyj", "verified", "--reason", 'a "quoted" ] reason')
    assert quoted.returncode == 0
    lines = cli(workspace, "audit", "export").stdout.splitlines()
    assert [json.loads(line)["id"] for line in lines] == [1, 2, 3]
    assert json.loads(lines[2])["reason"] == 'a "quoted" ] reason'
    syslog = cli(workspace, "audit", "export", "--format", "syslog", "--since-id", "1").stdout.splitlines()
    assert len(syslog) == 2 and all(SYSLOG.match(line) for line in syslog), syslog
    assert int(SYSLOG.match(syslog[0])["pri"]) == 13 * 8 + 6  # type: ignore[index]  # log audit, informational
    assert 'reason="a \\"quoted\\" \\] reason"' in syslog[1]
    bad = cli(workspace, "audit", "export", "--format", "xml")
    assert bad.returncode == 2 and "allowed: jsonl, syslog" in bad.stderr


def test_events_older_than_180_days_are_never_pruned(workspace: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """China's Cybersecurity Law (art. 21) asks for network logs kept six months at least: nothing the tool does
    removes an old event — not appending, upgrading, checkpointing, exporting or verifying."""
    import extranet.store as store_module

    monkeypatch.chdir(workspace)
    today = datetime.now(UTC)
    for days in (400, 181):
        monkeypatch.setattr(store_module, "_now", lambda days=days: today - timedelta(days=days))
        open_store().audit("track.override", "exit:zjj", "ok", {"days_ago": days}, reason="old")
    monkeypatch.undo()
    monkeypatch.chdir(workspace)
    key = tmp_path / "audit.key"
    events(workspace, 2)
    for args in (["db", "upgrade"], ["audit", "keygen", "-o", str(key)], ["audit", "checkpoint", "--key", str(key),
                 "-o", str(tmp_path / "cp.txt")], ["audit", "verify"]):  # fmt: skip
        done = cli(workspace, *args)
        assert done.returncode == 0, done.stdout + done.stderr
    exported = cli(workspace, "audit", "export", "-f", "jsonl")
    kept = [json.loads(line) for line in exported.stdout.splitlines()]
    assert [e["id"] for e in kept] == [1, 2, 3, 4, 5]  # two old, two overrides, the checkpoint
    ages = [(today - datetime.fromisoformat(e["at"]).replace(tzinfo=UTC)).days for e in kept[:2]]
    assert ages == [400, 181]
    assert "audit chain intact: 5 events" in cli(workspace, "audit", "verify").stdout
