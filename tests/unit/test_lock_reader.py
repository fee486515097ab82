"""The lock as `plan --apply` writes it is read entry by entry, without its YAML document (issue 16: 180 MB of
it in a province, while a push holds the whole inventory). It must be the very lock YAML reads, and any other
form must still go to YAML, which accepts or refuses it as before."""

from pathlib import Path

import pytest

from extranet.inventory.source import parse_fast
from extranet.plan import lock as locks
from extranet.plan.lock import Held, Lock, lock_text

REPO = Path(__file__).resolve().parents[2]


def _as_yaml_reads(text: str) -> Lock:
    return locks._parse(parse_fast(text))


def _same(a: Lock, b: Lock) -> None:
    assert a == b
    for name in locks.SECTIONS:  # in the same order too
        assert list(a.section(name).items()) == list(b.section(name).items())


@pytest.fixture(scope="module")
def written() -> str:
    lock = locks.read_lock(REPO / "netplan" / "allocations.yml")
    lock.held["subnets:gone/lan"] = Held(next(iter(lock.subnets.values())) + (1 << 64) * 4099, "2026-11-01")
    lock.subnets["odd: key 中文"] = next(iter(lock.subnets.values())) + (1 << 64) * 4097
    return lock_text(lock)


def test_the_written_lock_is_read_as_yaml_reads_it(written: str) -> None:
    read = locks._read_written(written)
    assert read is not None and read.held and read.subnets
    _same(read, _as_yaml_reads(written))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (": 0x", ": 0x0"),  # leading zeros
        ("/64\n", "/64 # a comment\n"),
        ("/64\n", "/64\n\n"),
        ("\n  ", "\n   "),  # another indentation
        ('"', "'"),  # other quotes
        (": 2001:db8", ": 2001:DB8"),
        ("version: 1\n", "version: 1\n# a note\n"),
        ("held:", "# the end\nheld:"),
    ],
)
def test_any_other_form_goes_to_yaml(written: str, old: str, new: str) -> None:
    text = written.replace(old, new, 1)
    assert text != written
    assert locks._read_written(text) is None


def test_a_key_that_needs_an_escape_is_left_to_yaml(tmp_path: Path, written: str) -> None:
    lock = _as_yaml_reads(written)
    lock.subnets['a "quoted" key'] = lock.subnets.pop("odd: key 中文")
    text = lock_text(lock)
    assert locks._read_written(text) is None
    path = tmp_path / "allocations.yml"
    path.write_text(text, encoding="utf-8")
    _same(locks.read_lock(path), _as_yaml_reads(text))


def test_a_lock_cut_short_or_with_a_shared_prefix_is_still_refused(tmp_path: Path, written: str) -> None:
    path = tmp_path / "allocations.yml"
    path.write_text(written[: written.rindex("held:")], encoding="utf-8")
    with pytest.raises(locks.PlanError, match="cut short"):
        locks.read_lock(path)
    lock = _as_yaml_reads(written)
    first, second = list(lock.subnets)[:2]
    lock.subnets[second] = lock.subnets[first]
    path.write_text(lock_text(lock), encoding="utf-8")
    with pytest.raises(locks.PlanError, match="is also given to"):
        locks.read_lock(path)
