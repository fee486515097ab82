"""The fast paths a province's commands take (issue 16) give what the slow ones give, and step aside otherwise.

- An inventory file written one JSON object per item is read by the ``json`` module: the same data yaml-rs gives,
  and any text where the two could differ goes to YAML (a duplicate key is still reported at its line).
- The address lock read once is kept beside it as JSON, keyed by its text: the next read does not parse it, and
  a changed lock, a damaged lock or a damaged cache is read (and refused) from the text as before.
"""

import json
import os
from pathlib import Path

import pytest
import yaml_rs

from extranet.inventory.layout import flat_json
from extranet.inventory.synth import synth_workspace
from extranet.plan import lock as lock_module
from extranet.plan.lock import cache_path, read_lock

from .test_cli import run


def _synth(root: Path, departments: int) -> Path:
    for name, text in synth_workspace(departments):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_a_synthetic_province_reads_the_same_by_json_as_by_yaml(tmp_path: Path) -> None:
    workspace = _synth(tmp_path, 300)
    files = sorted((workspace / "inventory").glob("*.yml"))
    assert len(files) >= 5
    for path in files:
        text = path.read_text(encoding="utf-8")
        fast = flat_json(text)
        assert fast is not None, f"{path.name}: the one-item-per-line layout was not recognised"
        assert fast == yaml_rs.loads(text), path.name


@pytest.mark.parametrize(
    "text",
    [
        'sites:\n  - {"id": "a", "id": "b"}\n',  # a duplicate key: JSON would keep the last in silence
        'sites:\n  - {"id": "a", "n": NaN}\n',  # NaN is text to YAML
        'sites:\n  - {"id": "\\u0041"}\n',  # escapes: left to YAML
        'sites:\n  - {"id": "a"}  # a comment\n',
        'sites:\n  - {"id": "a",\n     "name": "b"}\n',  # an item over two lines
        "sites:\n  - id: a\n",  # block style
        'sites:\n  - {"id": "a"}\n    - {"id": "b"}\n',  # items at two indents
        'version: 1\nsites:\n  - {"id": "a"}\n',  # a scalar on a header line
        'sites:\n  - {"id": "a"}\nsites:\n  - {"id": "b"}\n',  # a section twice
        'sites:\r\n  - {"id": "a"}\r\n',
    ],
)
def test_text_that_json_could_read_differently_is_left_to_yaml(text: str) -> None:
    assert flat_json(text) is None


def test_a_duplicate_key_in_a_json_item_is_still_reported_at_its_line(tmp_path: Path) -> None:
    workspace = _synth(tmp_path, 50)
    departments = workspace / "inventory" / "departments.yml"
    lines = departments.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].replace('{"id": ', '{"site": "c000", "id": ', 1)  # item 2 (line 4): `site` twice
    departments.write_text("".join(lines), encoding="utf-8")
    result = run("inventory", "check", cwd=workspace)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "inventory/departments.yml:4: departments[2].site: duplicate key" in " ".join(result.stderr.split())


def _applied(tmp_path: Path) -> Path:
    workspace = _synth(tmp_path, 60)
    result = run("plan", "--apply", cwd=workspace)
    assert result.returncode == 0, result.stderr
    return workspace


def test_the_lock_written_by_apply_is_read_back_without_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = _applied(tmp_path)
    lock_file = workspace / "netplan" / "allocations.yml"
    assert cache_path(lock_file).is_file()
    monkeypatch.chdir(workspace)

    def no_parse(text: str) -> object:
        raise AssertionError("the lock was parsed although its cache matches it")

    from_text = read_lock(lock_file)  # before the patch: the cache was written by `plan --apply`, not by this read
    monkeypatch.setattr(lock_module, "parse_fast", no_parse)
    monkeypatch.setattr(lock_module, "_read_written", no_parse)  # the reader of the text `plan --apply` writes
    cached = read_lock(lock_file)
    assert cached == from_text
    assert list(cached.subnets) == list(from_text.subnets)  # in the lock's own (sorted) order
    assert len(cached) == sum(1 for line in lock_file.read_text().splitlines() if line.startswith('  "'))


def test_a_lock_changed_by_hand_is_read_from_its_text_and_refused(tmp_path: Path) -> None:
    workspace = _applied(tmp_path)
    lock_file = workspace / "netplan" / "allocations.yml"
    text = lock_file.read_text()
    first, second = [line for line in text.splitlines() if line.startswith('  "') and "::/64" in line][:2]
    edited = text.replace(second, second.split(": ")[0] + ": " + first.split(": ")[1])  # one /64 given twice
    lock_file.write_text(edited)
    result = run("plan", cwd=workspace)
    assert result.returncode == 2, result.stdout
    assert "is also given to" in result.stderr
    assert lock_file.read_text() == edited


@pytest.mark.parametrize(
    "damage",
    [
        b"\x00garbage",
        b'{"sha256": "not this lock"}',
        b"[1, 2]",
        json.dumps({"sha256": "x", "sites": []}).encode(),
    ],
    ids=["binary", "another-lock", "not-a-mapping", "wrong-shape"],
)
def test_a_damaged_cache_is_never_trusted(tmp_path: Path, damage: bytes) -> None:
    workspace = _applied(tmp_path)
    lock_file = workspace / "netplan" / "allocations.yml"
    cache = cache_path(lock_file)
    expected = run("plan", "--json", cwd=workspace)
    cache.write_bytes(damage)
    result = run("plan", "--json", cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json.loads(expected.stdout)
    assert json.loads(cache.read_text())["sha256"] != "not this lock"  # read from the text, and kept again


@pytest.mark.parametrize("lie", [["not", "a", "mapping"], {"county/c000": "0x0"}, {"county/c000": True}])
def test_a_cache_whose_shape_lies_is_not_trusted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lie: object) -> None:
    """The right key on a cache of the wrong shape (entries that are no numbers) is not trusted either."""
    workspace = _applied(tmp_path)
    lock_file = workspace / "netplan" / "allocations.yml"
    cache = cache_path(lock_file)
    document = json.loads(cache.read_text())
    document["sites"] = lie
    cache.write_text(json.dumps(document))
    monkeypatch.chdir(workspace)
    lock = read_lock(lock_file)
    assert lock.sites and all(type(v) is int for v in lock.sites.values())


def test_zone_files_are_written_whole_with_one_sync_and_none_when_one_is_refused(tmp_path: Path) -> None:
    workspace = _applied(tmp_path)
    out = workspace / "zones"
    result = run("plan", "dns", "-o", str(out), cwd=workspace)
    assert result.returncode == 0, result.stderr
    zones = sorted(out.iterdir())
    assert len(zones) > 3 and all(z.name.endswith(".zone") for z in zones)
    assert all(z.read_text().startswith("$TTL") or "SOA" in z.read_text() for z in zones)
    assert all(z.stat().st_mode & 0o777 == 0o666 & ~_umask() for z in zones)  # exports others read
    before = {z.name: z.read_bytes() for z in zones}
    blocked = zones[len(zones) // 2]
    blocked.unlink()
    blocked.mkdir()  # a directory where a zone file goes: refused, and nothing is renamed
    for zone in zones:
        if zone != blocked:
            zone.write_text("old\n")
    result = run("plan", "dns", "-o", str(out), cwd=workspace)
    assert result.returncode == 2, result.stdout + result.stderr
    assert blocked.name in result.stderr and "Traceback" not in result.stderr
    assert all(z.read_text() == "old\n" for z in zones if z != blocked)  # the old texts, whole
    assert sorted(p.name for p in out.iterdir()) == sorted(before)  # no temporary file left behind


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_cache_others_may_write_is_not_trusted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    workspace = _applied(tmp_path)
    lock_file = workspace / "netplan" / "allocations.yml"
    cache = cache_path(lock_file)
    cache.chmod(0o666)
    monkeypatch.chdir(workspace)

    def parsed(text: str) -> object:
        calls.append(text)
        return real(text)

    calls: list[str] = []
    real = lock_module._read_written  # the text as `plan --apply` writes it: read by its own reader
    monkeypatch.setattr(lock_module, "_read_written", parsed)
    read_lock(lock_file)
    assert calls, "a world-writable cache was trusted"
    assert cache.stat().st_mode & 0o777 == 0o600  # written again, private
