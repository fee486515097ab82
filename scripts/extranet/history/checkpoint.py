"""Signed checkpoints of the audit log: C2SP's tlog-checkpoint body in a C2SP signed note, Ed25519.

A checkpoint commits to the Merkle tree head (``history.merkle``) of the first N audit events:

    extranet.yunling/audit            origin: the region's log
    1234                              tree size: events covered
    q1Ue…=                            the root hash, base64
    time 2026-11-27T23:59:01Z         extension lines (ours): when it was taken,
    chain 1234 5f1c…                  the last event's id and chain hash,
    range 0+1024 Xy…=                 and the perfect subtrees of the tree (where a rewrite first differs)

    — extranet.yunling/audit AbCd…=   key ID (4 bytes) || Ed25519 signature over the text above, base64

A second party keeps the file (a file share, syslog, the monthly report prints it). `audit verify --checkpoint`
checks the signature with the verifier key, then that today's log begins with exactly those N events.

Keys: `audit keygen` writes the signing key (PKCS#8 PEM, mode 0600) and the verifier key (Go's note format,
``name+keyid+base64(0x01||pubkey)``, safe to publish). The signing key comes from a file (``--key``) or the
environment (``EXTRANET_AUDIT_PRIV_KEY``, the PEM text: scrubbed from everything extranet stores), never the
workspace: a key file inside the repository is refused.
"""

import base64
import hashlib
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..files import read_limited
from .merkle import compact_range, tree_hash

if TYPE_CHECKING:  # cryptography loads when a key is used: `audit verify` without --checkpoint needs none
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KEY_VARIABLE = "EXTRANET_AUDIT_PRIV_KEY"  # the PEM text; *_PRIV_KEY values are scrubbed (history.scrub)
VERIFIER_VARIABLE = "EXTRANET_AUDIT_VERIFIER_KEY"
ED25519 = b"\x01"  # the signed-note signature type
DASH = "\u2014"
NAME = re.compile(r"^[^\s+]+$")


class CheckpointError(ValueError):
    """A key or checkpoint that cannot be used: say which and why (exit 2)."""


CHECKPOINT_ACTION = "audit.checkpoint"  # the audit event that says a signed tree head was given out

def key_id(name: str, public: bytes) -> bytes:
    """SHA-256(key name || 0x0A || 0x01 || public key)[:4] (c2sp.org/signed-note)."""
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + public).digest()[:4]


def raw_public(key: "Ed25519PublicKey") -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def verifier_key(name: str, key: "Ed25519PublicKey") -> str:
    """``name+hex(key ID)+base64(0x01 || public key)``: Go's note verifier key, safe to publish."""
    public = raw_public(key)
    return f"{name}+{key_id(name, public).hex()}+{base64.b64encode(ED25519 + public).decode()}"


def parse_verifier(text: str) -> tuple[str, bytes, "Ed25519PublicKey"]:
    """(name, key ID, public key) of a verifier key; CheckpointError when it is not one."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    name, _, rest = text.strip().partition("+")
    hint, _, data = rest.partition("+")  # the key's base64 may hold '+' itself
    if not (name and hint and data) or not NAME.match(name):
        raise CheckpointError("a verifier key reads NAME+KEYID+KEY (what `extranet audit keygen` wrote to KEY.pub)")
    try:
        raw = base64.b64decode(data, validate=True)
        wanted = bytes.fromhex(hint)
    except ValueError:
        raise CheckpointError("the verifier key's ID or key is not hex / base64") from None
    if len(raw) != 33 or raw[:1] != ED25519:
        raise CheckpointError("the verifier key is not an Ed25519 key (type byte 0x01 and 32 bytes)")
    if key_id(name, raw[1:]) != wanted:
        raise CheckpointError("the verifier key's ID does not match its name and key")
    return name, wanted, Ed25519PublicKey.from_public_bytes(raw[1:])


def generate(name: str) -> tuple[bytes, str]:
    """A new signing key (PKCS#8 PEM) and its verifier key."""
    if not NAME.match(name):
        raise CheckpointError(f"key name {name!r}: one word without spaces or '+', e.g. extranet.yunling/audit")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())  # fmt: skip
    return pem, verifier_key(name, key.public_key())


def signing_key(path: Path | None, workspace: Path) -> "Ed25519PrivateKey":
    """The signing key from ``path`` or $EXTRANET_AUDIT_PRIV_KEY; a file inside the workspace is refused."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if path is not None:
        resolved = path.resolve()
        if resolved.is_relative_to(workspace.resolve()):
            raise CheckpointError(f"{path}: the signing key lives outside the workspace (it would end up beside the "
                                  "repository); keep it e.g. in /etc/extranet/ with mode 0600")  # fmt: skip
        try:
            pem = read_limited(path)
        except OSError as exc:
            raise CheckpointError(f"{path}: cannot read the signing key: {exc.strerror or exc}") from None
    elif os.environ.get(KEY_VARIABLE):
        pem = os.environ[KEY_VARIABLE].encode()
    else:
        raise CheckpointError(f"no signing key: give --key FILE (outside the workspace) or set {KEY_VARIABLE} "
                              "(`extranet audit keygen -o FILE` makes one)")  # fmt: skip
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError):
        raise CheckpointError("the signing key is not an unencrypted PKCS#8 PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError("the signing key is not an Ed25519 key")
    return key


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: list[str] = field(default_factory=list)

    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode(), *self.extensions]
        return "\n".join(lines) + "\n"

    def ranges(self) -> list[tuple[int, int, bytes]]:
        """The ``range START+SIZE HASH`` extension lines."""
        found = []
        for line in self.extensions:
            words = line.split()
            if len(words) == 3 and words[0] == "range" and "+" in words[1]:
                start, size = (int(x) for x in words[1].split("+"))
                found.append((start, size, base64.b64decode(words[2])))
        return found


def make(origin: str, leaves: list[bytes], last_id: int | None, last_hash: str | None,
         now: datetime | None = None) -> Checkpoint:  # fmt: skip
    when = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    extensions = [f"time {when}"]
    if last_id is not None and last_hash:
        extensions.append(f"chain {last_id} {last_hash}")
    extensions += [f"range {start}+{size} {base64.b64encode(h).decode()}" for start, size, h in compact_range(leaves)]
    return Checkpoint(origin, len(leaves), tree_hash(leaves), extensions)


def sign(checkpoint: Checkpoint, key: "Ed25519PrivateKey", name: str) -> str:
    """The signed note: the checkpoint's text, a blank line, one signature line."""
    text = checkpoint.text()
    signature = key.sign(text.encode())
    blob = key_id(name, raw_public(key.public_key())) + signature
    return f"{text}\n{DASH} {name} {base64.b64encode(blob).decode()}\n"


def open_note(note: str, verifier: str) -> Checkpoint:
    """The checkpoint in a signed note, once its signature by ``verifier`` is checked; CheckpointError names
    what does not hold (not a note, no signature by that key, a signature that does not verify, a bad body)."""
    from cryptography.exceptions import InvalidSignature

    name, wanted, public = parse_verifier(verifier)
    if "\n\n" not in note or not note.endswith("\n"):
        raise CheckpointError("not a signed note: a text, a blank line, then signature lines")
    if any(ord(c) < 0x20 and c != "\n" for c in note):
        raise CheckpointError("not a signed note: it holds control characters")
    text, _, signatures = note.rpartition("\n\n")
    text += "\n"
    found = False
    for line in signatures.splitlines():
        words = line.split(" ")
        if len(words) != 3 or words[0] != DASH:
            raise CheckpointError(f"not a signature line: {line[:60]!r}")
        if words[1] != name:
            continue
        try:
            blob = base64.b64decode(words[2], validate=True)
        except ValueError:
            raise CheckpointError("a signature line is not base64") from None
        if len(blob) != 68 or blob[:4] != wanted:
            continue
        try:
            public.verify(blob[4:], text.encode())
        except InvalidSignature:
            raise CheckpointError(f"the signature by {name} does not verify: the checkpoint was changed") from None
        found = True
    if not found:
        raise CheckpointError(f"the checkpoint carries no signature by {name} (key ID {wanted.hex()})")
    lines = text.splitlines()
    try:
        origin, size, root = lines[0], int(lines[1]), base64.b64decode(lines[2], validate=True)
    except (IndexError, ValueError):
        raise CheckpointError("the checkpoint's body is not ORIGIN, SIZE, ROOT (base64)") from None
    if size < 0 or len(root) != 32:
        raise CheckpointError("the checkpoint's size or root hash is not valid")
    return Checkpoint(origin, size, root, lines[3:])


@dataclass(frozen=True)
class Judgement:
    ok: bool
    lines: list[str]


def judge(cp: Checkpoint, events: list[tuple[int, str, str]], heads: dict[int, str] | None = None) -> Judgement:
    """Does today's log — ``events`` as (id, chain hash, what: "action target at") in id order — begin with the
    checkpoint's events? Yes: with the RFC 9162 consistency proof checked. No: which event first differs (exactly,
    from the chain heads kept in the config history, ``heads`` id → hash; else the checkpoint's subtree that
    holds it)."""
    from .merkle import consistency_proof, leaf_hash, verify_consistency

    leaves = [leaf_hash(bytes.fromhex(h)) for _, h, _ in events]
    taken = next((line.split(" ", 1)[1] for line in cp.extensions if line.startswith("time ")), "?")
    if len(leaves) >= cp.size and tree_hash(leaves[: cp.size]) == cp.root:
        if cp.size == 0:
            return Judgement(True, [f"today's log ({len(leaves)} events) extends the empty checkpoint of {taken}"])
        proof = consistency_proof(cp.size, leaves)
        assert verify_consistency(cp.size, len(leaves), cp.root, tree_hash(leaves), proof)
        said = (f"today's log ({len(leaves)} events) extends the checkpoint of {cp.size} events taken {taken} "
                f"(RFC 9162 consistency proof of {len(proof)} hashes verified)")  # fmt: skip
        return Judgement(True, [said])
    lines = []
    if len(leaves) < cp.size:
        lines.append(f"today's log holds {len(leaves)} events, fewer than the {cp.size} the checkpoint of {taken} "
                     "covers: events were removed")  # fmt: skip
    first = _first_changed(cp, events, leaves, heads or {})
    lines.append(f"today's log does not begin with the {cp.size} events the checkpoint of {taken} signed: {first}")
    return Judgement(False, lines)


def _first_changed(cp: Checkpoint, events: list[tuple[int, str, str]], leaves: list[bytes],
                   heads: dict[int, str]) -> str:  # fmt: skip
    for event_id, chain, what in events[: cp.size]:
        kept = heads.get(event_id)
        if kept is not None and kept != chain:
            return (f"the first event that differs is #{event_id} ({what}; its hash is not the one the config "
                    "history kept)")  # fmt: skip
    for start, size, digest in cp.ranges():
        if start + size > len(leaves) or tree_hash(leaves[start : start + size]) != digest:
            if start >= len(events):
                return f"events from the {start + 1}th on are missing"
            last = events[min(start + size, len(events)) - 1][0]
            return (f"the first event that differs is among #{events[start][0]}–#{last} (the checkpoint's subtree "
                    f"{start}+{size}; no chain heads to name it exactly)")  # fmt: skip
    return "the root differs (the checkpoint keeps no subtrees to say where)"
