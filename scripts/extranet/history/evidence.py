"""Evidence packs: everything that proves one run was checked before and after, in one zip an auditor verifies
offline (issue 15 item 4).

    run.json                       the run: kind, operator, ticket, start, end, status, summary
    devices/DEV/result.json        its outcome: status, the lines sent, the pre- and post-checks, errors, commits
    devices/DEV/before.cfg         its config before the run and after it (config history, scrubbed), and the diff
    devices/DEV/after.cfg
    devices/DEV/diff.patch
    probes/before.json             the last full probe run finished before the run started, the first after it
    probes/after.json              ended: each department's status and reasons
    compliance/after.json          the judgement against the intent recorded after the run's last wave: per device
                                   and feature compliant or not, with the missing and the extra lines
    audit/events.jsonl             the run's audit events
    audit/proofs.json              the Merkle tree head of the whole log when packed, and each event's RFC 9162
                                   inclusion proof against it
    manifest.json                  SHA-256 of every member above, the tree head, what the pack does not hold
    manifest.sig                   a C2SP signed note over the manifest's SHA-256 (Ed25519, the audit key)

The zip is stored (no compression) with fixed times and order, so it is the same bytes wherever it is made from the
same members: `evidence verify` rebuilds it and compares, so a changed byte anywhere — a member, a header, the
directory — is found, then says which member does not match its sum.
"""

import base64
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .checkpoint import CheckpointError, key_id, open_note, raw_public
from .merkle import inclusion_proof, leaf_hash, tree_hash, verify_inclusion
from .repo import ConfigHistory

FORMAT = "extranet-evidence/1"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
MANIFEST, SIGNATURE = "manifest.json", "manifest.sig"


def dump(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2, default=str) + "\n").encode()


def pack_bytes(members: dict[str, bytes]) -> bytes:
    """The zip of ``members``: sorted, stored, fixed times and modes — the same bytes for the same members."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as z:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.create_system = 3
            z.writestr(info, members[name])
    return out.getvalue()


def _note(run_id: int, manifest: bytes) -> str:
    return f"extranet evidence\n{run_id}\n{base64.b64encode(hashlib.sha256(manifest).digest()).decode()}\n"


@dataclass
class Pack:
    """What goes in: built by the caller from the database and the history (``collect``)."""

    run: dict[str, Any]
    devices: dict[str, dict[str, Any]] = field(default_factory=dict)  # device -> result, before, after, diff
    probes: dict[str, Any] = field(default_factory=dict)  # before / after -> probe run summary
    compliance: dict[str, Any] | None = None  # the judgement recorded after the run (compliance with intent)
    events: list[dict[str, Any]] = field(default_factory=list)  # the run's audit events (with their hash)
    leaves: list[str] = field(default_factory=list)  # every event's chain hash, in order (the whole log)
    positions: dict[int, int] = field(default_factory=dict)  # event id -> leaf index
    missing: list[str] = field(default_factory=list)  # what the pack cannot hold, and why


def build(pack: Pack, key: Ed25519PrivateKey, name: str) -> bytes:
    members: dict[str, bytes] = {"run.json": dump(pack.run)}
    for device, found in sorted(pack.devices.items()):
        members[f"devices/{device}/result.json"] = dump(found["result"])
        for part in ("before.cfg", "after.cfg", "diff.patch"):
            if found.get(part) is not None:
                members[f"devices/{device}/{part}"] = str(found[part]).encode()
    for when, probe in sorted(pack.probes.items()):
        members[f"probes/{when}.json"] = dump(probe)
    if pack.compliance is not None:
        members["compliance/after.json"] = dump(pack.compliance)
    members["audit/events.jsonl"] = "".join(json.dumps(e, ensure_ascii=False, sort_keys=True, default=str) + "\n"
                                            for e in pack.events).encode()  # fmt: skip
    leaves = [leaf_hash(bytes.fromhex(h)) for h in pack.leaves]
    root = tree_hash(leaves)
    proofs = {str(e["id"]): {"index": pack.positions[e["id"]],
                             "path": [base64.b64encode(p).decode()
                                      for p in inclusion_proof(pack.positions[e["id"]], leaves)]}
              for e in pack.events}  # fmt: skip
    tree = {"size": len(leaves), "root": base64.b64encode(root).decode()}
    members["audit/proofs.json"] = dump({"tree": tree, "proofs": proofs})
    manifest = dump({"format": FORMAT, "run": pack.run["id"], "tree": tree, "missing": pack.missing,
                     "files": {n: hashlib.sha256(b).hexdigest() for n, b in sorted(members.items())}})  # fmt: skip
    members[MANIFEST] = manifest
    text = _note(pack.run["id"], manifest)
    blob = key_id(name, raw_public(key.public_key())) + key.sign(text.encode())
    members[SIGNATURE] = f"{text}\n\u2014 {name} {base64.b64encode(blob).decode()}\n".encode()
    return pack_bytes(members)


def verify(data: bytes, verifier: str | None) -> tuple[list[str], list[str]]:
    """(problems, facts) of a pack: every member against the manifest, the manifest's signature by ``verifier``,
    the archive's own bytes, each audit event's inclusion proof. No problems: it is the pack that was signed."""
    problems: list[str] = []
    facts: list[str] = []
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        return [f"not a readable zip: {exc}"], facts
    members: dict[str, bytes] = {}
    damaged: set[str] = set()
    for info in infos:
        try:
            members[info.filename] = archive.read(info)
        except Exception as exc:  # a bad CRC-32, a broken header: zipfile raises several kinds
            problems.append(f"{info.filename}: damaged in the archive ({exc}): its bytes were changed")
            damaged.add(info.filename)
    manifest_bytes = members.get(MANIFEST)
    if manifest_bytes is None:
        return [f"no {MANIFEST} in the pack"], facts
    try:
        manifest = json.loads(manifest_bytes)
        files: dict[str, str] = manifest["files"]
    except (ValueError, KeyError, TypeError):
        return [f"{MANIFEST} is not a manifest"], facts
    for name, wanted in sorted(files.items()):
        got = members.get(name)
        if name in damaged:
            continue
        if got is None:
            problems.append(f"{name}: listed in the manifest, missing from the pack")
        elif hashlib.sha256(got).hexdigest() != wanted:
            problems.append(f"{name}: its SHA-256 is not the one the manifest lists (the file was changed)")
    extra = sorted(set(members) - set(files) - {MANIFEST, SIGNATURE})
    problems += [f"{name}: in the pack but not in the manifest" for name in extra]
    if not damaged and pack_bytes(members) != data:
        problems.append("the archive's bytes differ from the pack built from its members: something outside the "
                        "members (a header, the directory, trailing data) was changed")  # fmt: skip
    signature = members.get(SIGNATURE, b"").decode("utf-8", "replace")
    if not signature:
        problems.append(f"no {SIGNATURE}: the manifest is not signed")
    elif verifier is None:
        facts.append("signature not checked: give the verifier key (--verifier) to check who signed it")
    else:
        try:
            open_note(signature, verifier)
            expected = _note(int(manifest.get("run", 0)), manifest_bytes)
            if signature.partition("\n\n")[0] + "\n" != expected:
                problems.append(f"{SIGNATURE} signs another manifest (its SHA-256 differs)")
            else:
                facts.append(f"the manifest is signed by {verifier.partition('+')[0]}")
        except CheckpointError as exc:
            problems.append(f"{SIGNATURE}: {exc}")
    problems += _proofs(members)
    if not problems:
        facts.append(f"{len(files)} files match their SHA-256; run #{manifest.get('run')}; "
                     f"audit tree of {manifest.get('tree', {}).get('size')} events")  # fmt: skip
    return problems, facts


def _proofs(members: dict[str, bytes]) -> list[str]:
    try:
        proofs = json.loads(members.get("audit/proofs.json", b"{}"))
        events = [json.loads(line) for line in members.get("audit/events.jsonl", b"").decode().splitlines() if line]
        size, root = proofs["tree"]["size"], base64.b64decode(proofs["tree"]["root"])
    except (ValueError, KeyError, TypeError):
        return ["audit/proofs.json or audit/events.jsonl cannot be read"]
    problems = []
    for event in events:
        proof = proofs.get("proofs", {}).get(str(event.get("id")))
        if proof is None:
            problems.append(f"audit event #{event.get('id')}: no inclusion proof")
            continue
        path = [base64.b64decode(p) for p in proof["path"]]
        if not verify_inclusion(proof["index"], size, leaf_hash(bytes.fromhex(event["hash"])), path, root):
            problems.append(f"audit event #{event.get('id')}: its inclusion proof does not verify against the tree "
                            f"of {size} events")  # fmt: skip
    return problems


def config_around(history: ConfigHistory, device: str, run_id: int) -> dict[str, str | None]:
    """The device's config before the run (its backup in the run, else the last record before) and after it."""
    entries = [e for e in history.log(device)]  # newest first
    ours = [e for e in entries if e.run == str(run_id)]
    if not ours:
        return {"before.cfg": None, "after.cfg": None, "diff.patch": None}
    first, last = ours[-1], ours[0]
    before_sha = first.sha if first.action == "backup" else next(
        (e.sha for e in entries[entries.index(first) + 1 :]), None)  # fmt: skip
    before = history.show(device, before_sha) if before_sha else None
    after = history.show(device, last.sha)
    diff = history.diff(device, before_sha, last.sha) if before_sha else None
    return {"before.cfg": before, "after.cfg": after, "diff.patch": diff}
