"""Issue 15 item 4: an evidence pack of a run verifies offline, and any changed byte of it is found."""

import json
import os
import random
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from extranet.compliance import DeviceCompliance, Feature, record
from extranet.history import ConfigHistory
from extranet.store import open_store

from ..conftest import REPO

EXTRANET = str(Path(sys.executable).parent / "extranet")
BEFORE = "hostname core1\ninterface lo\n ip address 198.18.1.1/32\n!\n"
AFTER = "hostname core1\ninterface lo\n ip address 198.18.1.1/32\n ipv6 address 2001:db8:ab00::1/128\n!\n"


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXTRANET_")}
    return subprocess.run([EXTRANET, *args], capture_output=True, text=True, timeout=120, cwd=cwd,
                          env={**env, "EXTRANET_OPERATOR": "alice"})  # fmt: skip


@pytest.fixture
def pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, int]:
    """A workspace with one recorded change run (backup, change, results, audit) and probe runs around it."""
    ws = tmp_path / "ws"
    ws.mkdir()
    shutil.copytree(REPO / "inventory", ws / "inventory")
    monkeypatch.chdir(ws)
    monkeypatch.setenv("EXTRANET_OPERATOR", "alice")
    db = open_store()
    probe_before = db.start_run("probe")
    db.finish_run(probe_before, "ok", {})
    run = db.start_run("push dual-stack", "CHG-7")
    history = ConfigHistory(ws / "var" / "history")
    history.record("core1", "frr", BEFORE, operator="alice", ticket="CHG-7", run_id=str(run), action="backup",
                   result="ok")  # fmt: skip
    history.record("core1", "frr", AFTER, operator="alice", ticket="CHG-7", run_id=str(run), action="change",
                   result="ok")  # fmt: skip
    db.save_device_result(run, "core1", 1, "ok", detail={"lines": [" ipv6 address 2001:db8:ab00::1/128"],
                                                         "checks": ["OSPFv3 Full with 1 neighbour(s)"]})  # fmt: skip
    db.audit("push dual-stack", "core1", "ok", {"wave": 1}, run_id=run, reason="CHG-7")
    judged = [DeviceCompliance("core1", "0" * 40, "2026-11-28", [Feature("interfaces", True),
                               Feature("ospfv3", False, ["interface lo", " ipv6 ospf6 area 0"], [])])]  # fmt: skip
    record(db, judged, after_run=run, wave=1, ticket="CHG-7")
    db.finish_run(run, "ok", {})
    probe_after = db.start_run("probe")
    db.finish_run(probe_after, "ok", {})
    keys = tmp_path / "keys"
    keys.mkdir()
    assert cli(ws, "audit", "keygen", "-o", str(keys / "audit.key")).returncode == 0
    out = tmp_path / "run.zip"
    made = cli(ws, "evidence", str(run), "-o", str(out), "--key", str(keys / "audit.key"))
    assert made.returncode == 0, made.stderr
    return out, keys / "audit.key.pub", run


def test_a_pack_holds_the_run_and_verifies_offline(pack: tuple[Path, Path, int], tmp_path: Path) -> None:
    out, verifier, run = pack
    with zipfile.ZipFile(out) as z:
        assert json.loads(z.read("manifest.json"))["run"] == run
        names = set(z.namelist())
        assert {"run.json", "devices/core1/before.cfg", "devices/core1/after.cfg", "devices/core1/diff.patch",
                "devices/core1/result.json", "probes/before.json", "probes/after.json", "audit/events.jsonl",
                "audit/proofs.json", "manifest.json", "manifest.sig"} <= names  # fmt: skip
        assert z.read("devices/core1/before.cfg").decode() == BEFORE
        assert "+ ipv6 address 2001:db8:ab00::1/128" in z.read("devices/core1/diff.patch").decode()
        assert json.loads(z.read("run.json"))["ticket"] == "CHG-7"
        manifest = json.loads(z.read("manifest.json"))
        assert not any(m.startswith("compliance") for m in manifest["missing"])
        after = json.loads(z.read("compliance/after.json"))
        assert (after["trigger"], after["compliant"], after["devices"]) == (f"rollout #{run} wave 1", 0, 1)
        assert after["features"] == {"interfaces": {"compliant": 1, "judged": 1},
                                     "ospfv3": {"compliant": 0, "judged": 1}}
        [device] = after["results"]
        assert device["features"][1]["missing"] == ["interface lo", " ipv6 ospf6 area 0"]
        events = [json.loads(line) for line in z.read("audit/events.jsonl").decode().splitlines()]
        assert [e["action"] for e in events] == ["push dual-stack", "compliance"]  # both under the run, with proofs
    elsewhere = tmp_path / "auditor"  # offline: no workspace, no database
    elsewhere.mkdir()
    proc = cli(elsewhere, "evidence", "verify", str(out), "--verifier", str(verifier))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "the manifest is signed by extranet.yunling/audit" in proc.stdout and "verified" in proc.stdout


def test_any_changed_byte_fails_verification(pack: tuple[Path, Path, int], tmp_path: Path) -> None:
    out, verifier, _ = pack
    data = out.read_bytes()
    rng = random.Random(15)
    offsets = sorted({0, len(data) - 1, *(rng.randrange(len(data)) for _ in range(24))})
    for offset in offsets:
        changed = bytearray(data)
        changed[offset] ^= 0x01
        bad = tmp_path / f"bad-{offset}.zip"
        bad.write_bytes(bytes(changed))
        proc = cli(tmp_path, "evidence", "verify", str(bad), "--verifier", str(verifier))
        assert proc.returncode == 1, (offset, proc.stdout)
        assert "does not match" in proc.stdout and "Traceback" not in proc.stderr


def test_a_member_changed_and_the_zip_rebuilt_is_named(pack: tuple[Path, Path, int], tmp_path: Path) -> None:
    out, verifier, _ = pack
    with zipfile.ZipFile(out) as z:
        members = {n: z.read(n) for n in z.namelist()}
    members["devices/core1/after.cfg"] = members["devices/core1/after.cfg"].replace(b"ipv6", b"ipv4")
    rebuilt = tmp_path / "rebuilt.zip"
    with zipfile.ZipFile(rebuilt, "w") as z:
        for name, body in members.items():
            z.writestr(name, body)
    proc = cli(tmp_path, "evidence", "verify", str(rebuilt), "--verifier", str(verifier))
    assert proc.returncode == 1
    assert "devices/core1/after.cfg: its SHA-256 is not the one the manifest lists" in proc.stdout


def test_a_pack_signed_by_another_key_is_refused(pack: tuple[Path, Path, int], tmp_path: Path) -> None:
    out, _, _ = pack
    other = tmp_path / "other.key"
    assert cli(tmp_path / "ws", "audit", "keygen", "-o", str(other)).returncode == 0
    proc = cli(tmp_path, "evidence", "verify", str(out), "--verifier", str(other) + ".pub")
    assert proc.returncode == 1 and "carries no signature by extranet.yunling/audit" in proc.stdout


@pytest.mark.parametrize(
    ("args", "said"),
    [(["evidence", "latest", "-o", "x.zip"], "give a run id"), (["evidence", "99", "-o", "x.zip"], "no run #99"),
     (["evidence", "verify"], "give the pack"), (["evidence", "verify", "nope.zip"], "nope.zip")],
)
def test_bad_input_exits_2(pack: tuple[Path, Path, int], args: list[str], said: str) -> None:
    out, verifier, _ = pack
    ws = out.parent / "ws"
    env_key = ["--key", str(verifier)[: -len(".pub")]] if args[1] != "verify" else []
    proc = cli(ws, *args, *env_key)
    assert proc.returncode == 2 and said in proc.stderr, proc.stderr
