"""The address lock (netplan/allocations.yml): every allocation given, keyed by stable inventory ids.

Reviewed in git like code. Written atomically; a lock that cannot be read is reported, never overwritten.
One writer at a time, and each write recorded in the audit log in the same step: ``plan.guard``.
"""

import contextlib
import hashlib
import itertools
import json
import os
import re
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from json.encoder import encode_basestring  # json.dumps(text, ensure_ascii=False) without its per-call set-up
from pathlib import Path
from typing import Any

from .. import __version__
from ..files import read_own_json, write_atomically
from ..inventory.problems import InventoryError, Problem, display_path
from ..inventory.source import load_yaml, parse_fast, read_yaml_text
from .slots import parse_prefix, prefix_text

DEFAULT_LOCK = Path("netplan") / "allocations.yml"
VERSION = 1
SLOT_SECTIONS = ("sites", "departments")
PREFIX_SECTIONS = {"subnets": 64, "loopbacks": 128, "links": 64, "handoffs": 64}
SECTIONS = (*SLOT_SECTIONS, *PREFIX_SECTIONS)
HEADER = """\
# The IPv6 address lock: every allocation extranet has given, keyed by stable inventory ids.
# Written by `extranet plan --apply`; review its diff in git like code. Do not edit by hand:
#   sites/departments: the slot (hex) each holds in its class — the same nibbles in every zone;
#   subnets (department/LAN → /64), loopbacks (device → /128), links (link → its /64; the /127 used is ::2/127),
#   handoffs (device/interface → /64);
#   held: allocations of objects no longer in the inventory, kept out of reuse until `extranet plan release`.
"""


class PlanError(InventoryError):
    """The policy, the lock or the pins cannot be planned with (exit code 2)."""

    subject = "address plan"


@dataclass
class Held:
    value: int
    since: str


@dataclass
class Lock:
    layout: dict[str, Any] | None = None
    sites: dict[str, int] = field(default_factory=dict)
    departments: dict[str, int] = field(default_factory=dict)
    subnets: dict[str, int] = field(default_factory=dict)
    loopbacks: dict[str, int] = field(default_factory=dict)
    links: dict[str, int] = field(default_factory=dict)
    handoffs: dict[str, int] = field(default_factory=dict)
    held: dict[str, Held] = field(default_factory=dict)  # "section:key" → value held back

    def section(self, name: str) -> dict[str, int]:
        entries: dict[str, int] = getattr(self, name)
        return entries

    def entries(self) -> Iterator[tuple[str, str, int]]:
        for name in SECTIONS:
            for key, value in self.section(name).items():
                yield name, key, value

    def __len__(self) -> int:
        return sum(len(self.section(name)) for name in SECTIONS)


def format_value(section: str, value: int) -> str:
    if section in SLOT_SECTIONS:
        return hex(value)
    return prefix_text(value, PREFIX_SECTIONS[section])


def write_lock(lock: Lock, path: Path | str = DEFAULT_LOCK) -> None:
    """Write atomically: a temporary file in the same directory, fsync, rename over the old lock."""
    write_atomically(Path(path), [lock_text(lock)])


def lock_text(lock: Lock) -> str:
    """The lock file's text."""
    lines = [HEADER, f"version: {VERSION}\n", f"layout: {json.dumps(lock.layout, sort_keys=True)}\n"]
    for name in SECTIONS:
        entries = lock.section(name)
        lines.append(f"{name}:{'' if entries else ' {}'}\n")
        lines.extend(
            f"  {encode_basestring(key)}: {format_value(name, value)}\n" for key, value in sorted(entries.items())
        )
    lines.append(f"held:{'' if lock.held else ' {}'}\n")
    for key, held in sorted(lock.held.items()):
        section = key.partition(":")[0]
        lines.append(
            f"  {json.dumps(key, ensure_ascii=False)}: "
            f"{{value: {format_value(section, held.value)}, since: {held.since}}}\n"
        )
    return "".join(lines)


def read_lock(path: Path | str = DEFAULT_LOCK) -> Lock:
    """The lock, or an empty one if the file does not exist. Anything unreadable is a PlanError."""
    path = Path(path)
    if not os.path.lexists(path):  # a dangling link is no missing lock: read_yaml_text says where it points
        return Lock()
    text, problems = read_yaml_text(path)
    if text is None:  # not a regular file, too large, not UTF-8 or a control character in it
        raise PlanError(problems)
    digest = _digest(text)
    cached = _cached(path, digest)
    if cached is not None:
        return cached
    try:
        lock, data = _read_written(text), WRITTEN
        if lock is None:  # not as `plan --apply` writes it: YAML reads it (no line map)
            data = parse_fast(text)
            lock = _parse(data)
        else:
            _refuse_shared_prefixes(lock)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:  # YAMLDecodeError too
        raise PlanError(_locate(path, exc)) from None
    damage = _damage(lock, data, text)
    if damage:
        raise PlanError(_place(path, damage, text))
    _keep(path, digest, lock)
    return lock


def cache_path(lock: Path) -> Path:
    """Where the last lock read is kept as JSON, beside the lock (git-ignored).

    >>> cache_path(Path("netplan/allocations.yml"))
    PosixPath('netplan/.allocations.yml.json')
    """
    return lock.parent / f".{lock.name}.json"


def _digest(text: str) -> str:
    return hashlib.sha256(f"{__version__}\0{text}".encode()).hexdigest()


def _cached(path: Path, digest: str) -> Lock | None:
    """The lock read before from the same text by the same extranet (``digest``), as JSON: a province's lock
    is half a million entries, parsed and checked in ~3 s, read back from JSON in a tenth of that. Anything
    else (no cache, another text, a cache that cannot be read or is not what ``_keep`` writes, a cache another
    user owns or others may write) is no cache."""
    found = read_own_json(cache_path(path))  # only a cache no one else could have written
    try:
        if found["sha256"] != digest or found.get("format") != CACHE_FORMAT:
            return None
        sections = {name: _columns(found[name]) for name in SECTIONS}
        held = {key: Held(value, since) for key, (value, since) in _columns(found["held"]).items()}
        layout = found["layout"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    whole = all(type(v) is dict and all(type(n) is int for n in v.values()) for v in sections.values())
    held_whole = all(type(h.value) is int and type(h.since) is str for h in held.values())
    if not whole or not held_whole or not (layout is None or type(layout) is dict):
        return None
    return Lock(layout=layout, held=held, **sections)


CACHE_FORMAT = 2  # each section as [keys, values]: JSON reads two lists of half a million in half a dict's time


def _columns(found: Any) -> dict[str, Any]:
    """A section kept as [keys, values] (``_keep``), as the dict it was; ValueError when it is not that."""
    keys, values = found
    if type(keys) is not list or type(values) is not list or len(keys) != len(values):
        raise ValueError("not a section")
    if not all(type(key) is str for key in keys):
        raise ValueError("not a section's keys")
    return dict(zip(keys, values, strict=True))


def remember(path: Path, text: str, lock: Lock) -> None:
    """Keep ``lock``, just written to ``path`` as ``text`` (``lock_text``), for the next read: in the order its
    text lists it, as a read of that text gives it."""
    digest = _digest(text)
    ordered = Lock(
        layout=lock.layout,
        held={key: lock.held[key] for key in sorted(lock.held)},
        **{name: {key: lock.section(name)[key] for key in sorted(lock.section(name))} for name in SECTIONS},
    )
    _keep(path, digest, ordered)


def _keep(path: Path, digest: str, lock: Lock) -> None:
    """Keep ``lock`` (read from the text of ``digest`` and found whole) for the next read; a lock that cannot
    be kept (a read-only folder) is read from its text next time, nothing more."""
    held = [list(lock.held), [[h.value, h.since] for h in lock.held.values()]]
    sections = {name: [list(lock.section(name)), list(lock.section(name).values())] for name in SECTIONS}
    document = {"sha256": digest, "format": CACHE_FORMAT, "layout": lock.layout, **sections, "held": held}
    with contextlib.suppress(OSError):
        write_atomically(cache_path(path), [json.dumps(document, separators=(",", ":"))])


WRITTEN = ("version", "layout", *SECTIONS, "held")  # what a lock as ``lock_text`` writes it holds
_SINCE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# an entry line: a key that json.dumps quotes without an escape (no quote, backslash or control character)
_KEY = r'  "([^"\\\x00-\x1f]*)": '
_ENTRY = re.compile(_KEY + r"([^\n]*)\n")
_SLOT_ENTRY = re.compile(_KEY + r"(0x[0-9a-f]+)\n")
_PREFIX_ENTRY = {length: re.compile(_KEY + rf"([0-9a-f:.]+)/{length}\n") for length in set(PREFIX_SECTIONS.values())}


def _read_written(text: str) -> Lock | None:
    """The lock in ``text`` when it is in the form ``lock_text`` writes, read entry by entry; None when it is in
    any other (YAML then reads it). The same lock as ``_parse`` of the YAML: an entry is taken only when YAML reads
    it as its plain text (a key in quotes that needs no escape, a hex slot as ``hex`` writes it, a prefix's
    address with no host bits). The YAML document of a province's lock took 180 MB: more than the lock, at the
    moment a push holds the whole inventory (issue 16)."""
    start = f"{HEADER}version: {VERSION}\nlayout: "
    if not text.startswith(start):
        return None
    pos = text.find("\n", len(start)) + 1
    layout_text = text[len(start) : pos - 1]
    try:
        layout = json.loads(layout_text)
    except ValueError:
        return None
    if "\\" in layout_text or json.dumps(layout, sort_keys=True) != layout_text or not _json_as_yaml(layout):
        return None
    lock = Lock(layout=layout)
    for name in (*SECTIONS, "held"):
        if text.startswith(f"{name}: {{}}\n", pos):
            pos += len(name) + 5
            continue
        if not text.startswith(f"{name}:\n", pos):
            return None
        pos += len(name) + 2
        if name == "held":
            while (entry := _ENTRY.match(text, pos)) is not None:
                key, value_text = entry.groups()
                held = _written_held(key, value_text)
                if held is None or key in lock.held:
                    return None
                lock.held[key] = held
                pos = entry.end()
            continue
        target, host_bits = lock.section(name), (1 << (128 - PREFIX_SECTIONS.get(name, 128))) - 1
        pattern = _SLOT_ENTRY if name in SLOT_SECTIONS else _PREFIX_ENTRY[PREFIX_SECTIONS[name]]
        while (entry := pattern.match(text, pos)) is not None:
            key, value_text = entry.groups()
            if name in SLOT_SECTIONS:
                value = int(value_text, 16)
                if hex(value) != value_text:  # leading zeros: YAML reads them as hex writes them
                    return None
            else:
                try:
                    value = int.from_bytes(socket.inet_pton(socket.AF_INET6, value_text), "big")
                except OSError:
                    return None
                if value & host_bits:
                    return None
            if key in target:
                return None
            target[key] = value
            pos = entry.end()
    return lock if pos == len(text) else None


def _json_as_yaml(value: Any) -> bool:
    """Whether YAML reads this JSON document's text as JSON does: objects, arrays, text, whole numbers, booleans
    and null (YAML has no NaN spelled as JSON's, and reads some floats otherwise)."""
    if isinstance(value, dict):
        return all(_json_as_yaml(item) for item in value.values())
    if isinstance(value, list):
        return all(_json_as_yaml(item) for item in value)
    return value is None or isinstance(value, str | int)


def _written_value(section: str, text: str) -> int | None:
    """A slot as ``hex`` writes it, or a prefix of the section's length with no host bits; None otherwise."""
    if section in SLOT_SECTIONS:
        try:
            value = int(text, 16)
        except ValueError:
            return None
        return value if hex(value) == text else None
    suffix = f"/{PREFIX_SECTIONS[section]}"
    if not text.endswith(suffix):
        return None
    try:
        value = int.from_bytes(socket.inet_pton(socket.AF_INET6, text[: -len(suffix)]), "big")
    except OSError:
        return None
    return None if value & ((1 << (128 - PREFIX_SECTIONS[section])) - 1) else value


def _written_held(key: str, text: str) -> Held | None:
    """``{value: V, since: YYYY-MM-DD}`` of a held entry as ``lock_text`` writes it; None otherwise."""
    section = key.partition(":")[0]
    inner = text.removeprefix("{value: ").removesuffix("}")
    value_text, _, since = inner.partition(", since: ")
    if section not in SECTIONS or not text.startswith("{value: ") or not _SINCE.fullmatch(since):
        return None
    value = _written_value(section, value_text)
    return None if value is None else Held(value, since)


def _parse(data: Any) -> Lock:
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise ValueError(f"not an allocation lock of version {VERSION}")
    unknown = set(data) - {"version", "layout", "held", *SECTIONS}
    if unknown:
        raise KeyError(f"unknown section {sorted(unknown)[0]!r}")
    lock = Lock(layout=data.get("layout"))
    for name in SECTIONS:
        entries = data.get(name) or {}
        target = lock.section(name)
        if name in PREFIX_SECTIONS:
            _read_prefixes(entries, target, name)
            continue
        for key, value in entries.items():
            target[str(key)] = _value(name, value, key)
    for key, held in (data.get("held") or {}).items():
        section = str(key).partition(":")[0]
        if section not in SECTIONS:
            raise ValueError(f"held entry {key!r} does not start with a section name")
        lock.held[str(key)] = Held(_value(section, held["value"], key), str(held["since"]))
    _refuse_shared_prefixes(lock)
    return lock


def _read_prefixes(entries: dict[Any, Any], target: dict[str, int], section: str) -> None:
    """A prefix section's entries as ints: the text ``plan --apply`` writes is read inline (half a million
    entries in a province), anything else through ``_value``, which accepts or refuses it the same way."""
    length = PREFIX_SECTIONS[section]
    suffix, host_bits = f"/{length}", (1 << (128 - length)) - 1
    for key, value in entries.items():
        if type(value) is str and value.endswith(suffix):
            try:
                number = int.from_bytes(socket.inet_pton(socket.AF_INET6, value[: -len(suffix)]), "big")
            except OSError:
                number = -1
            if number >= 0 and not number & host_bits:
                target[str(key)] = number
                continue
        target[str(key)] = _value(section, value, key)


def _refuse_shared_prefixes(lock: Lock) -> None:
    """Two keys with one prefix means the lock was edited by hand: planning on it would double-assign."""
    values = sorted(itertools.chain.from_iterable(lock.section(s).values() for s in PREFIX_SECTIONS))
    if all(a != b for a, b in itertools.pairwise(values)) and not lock.held:
        return  # no value twice (a sorted list of ints, not a dict of 5 x 10^5 owners): nothing to name
    owners: dict[int, dict[int, str]] = {length: {} for length in PREFIX_SECTIONS.values()}  # length → value → key
    held = ((k.partition(":")[0], k, h.value) for k, h in lock.held.items())
    entries = ((s, k, v) for s in PREFIX_SECTIONS for k, v in lock.section(s).items())
    for section, key, value in itertools.chain(entries, held):  # not a tuple of 5 x 10^5 entries (issue 16)
        if section not in PREFIX_SECTIONS:
            continue
        length = PREFIX_SECTIONS[section]
        holder = owners[length].get(value)
        if holder is not None and holder != key.partition(":")[2]:
            raise ValueError(f"{section}: {key!r}: {prefix_text(value, length)} is also given to {holder!r}")
        owners[length][value] = key.partition(":")[2] if ":" in key else key


Damage = tuple[str, str, str]  # (section, key, what is wrong)


def _damage(lock: Lock, data: Any, text: str) -> list[Damage]:
    """What a lock written by ``plan --apply`` never holds: a file cut short, a slot given twice or too wide for
    its field, a prefix outside the region, a /128 inside an allocated /64."""
    missing = [name for name in ("layout", *SECTIONS, "held") if name not in data]
    if not text.endswith("\n") or missing:
        what = f"section {missing[0]!r} is missing" if missing else "the last line has no end"
        return [("", "", f"{what}: the lock was cut short")]
    layout: dict[str, Any] = lock.layout if isinstance(lock.layout, dict) else {}
    return [*_slot_damage(lambda: _all_entries(lock), layout), *_prefix_damage(lambda: _all_entries(lock), layout)]


Entries = Callable[[], Iterator[tuple[str, str, int]]]  # each call: every entry again (not a list of 5 x 10^5)


def _all_entries(lock: Lock) -> Iterator[tuple[str, str, int]]:
    """(section, key, value) of every entry, the held ones last (their key is ``section:key``)."""
    yield from lock.entries()
    yield from ((key.partition(":")[0], key, h.value) for key, h in lock.held.items())


def _slot_damage(entries: Entries, layout: dict[str, Any]) -> Iterator[Damage]:
    classes = layout.get("classes")
    owners: dict[tuple[str, str, int], str] = {}
    for section, key, value in entries():
        if section not in SLOT_SECTIONS:
            continue
        name = key.partition(":")[2] if ":" in key else key
        lan_class = name.partition("/")[0]
        fields = classes.get(lan_class) if isinstance(classes, dict) else None
        bits = fields.get(section[:-1]) if isinstance(fields, dict) else None
        if isinstance(bits, int) and value >= 1 << bits:
            top = (1 << bits) - 1
            yield (
                section,
                key,
                f"slot {value:#x} does not fit the {bits}-bit {section[:-1]} field of {lan_class} (0x0–{top:#x})",
            )
        holder = owners.setdefault((section, name.rpartition("/")[0], value), name)
        if holder != name:
            yield section, key, f"slot {value:#x} is also given to {holder!r}"


def _prefix_damage(entries: Entries, layout: dict[str, Any]) -> Iterator[Damage]:
    try:
        region: tuple[int, int] | None = parse_prefix(str(layout["prefix"]))
    except (KeyError, ValueError):
        region = None
    loopbacks: dict[int, list[tuple[str, int]]] = {}
    for section, key, value in entries():
        if section not in PREFIX_SECTIONS:
            continue
        if region is not None and value >> (128 - region[1]) != region[0] >> (128 - region[1]):
            shown = prefix_text(value, PREFIX_SECTIONS[section])
            yield section, key, f"{shown} is outside the region's {prefix_text(*region)}"
        if section == "loopbacks":
            loopbacks.setdefault(value >> 64, []).append((key, value))
    for section, key, value in entries():
        inside = loopbacks.get(value >> 64, []) if section in ("subnets", "links", "handoffs") else []
        if inside:
            first = f"{prefix_text(inside[0][1], 128)} of {inside[0][0]!r}"
            more = f" (and {len(inside) - 1} more)" if len(inside) > 1 else ""
            yield (
                section,
                key,
                f"{prefix_text(value, 64)} holds the loopback {first}{more}: a /128 is never inside an allocated /64",
            )


def _place(path: Path, damage: list[Damage], text: str) -> list[Problem]:
    """The damage with its line: the entry's own, or the last line for a lock cut short."""
    shown = display_path(path)
    doc, _ = load_yaml(path)
    lines = doc.lines if doc is not None else {}
    last = text.count("\n") + (not text.endswith("\n"))
    advice = f"the lock was not changed; restore it (git checkout -- {shown})"
    problems = []
    for section, key, message in damage:
        place = ("held", key) if ":" in key else (section, key)
        path_text = f"{place[0]}.{place[1]}" if section else ""
        problems.append(Problem(shown, lines.get(place, last) if section else last, path_text, f"{message}; {advice}"))
    return problems


def _value(section: str, value: Any, key: Any) -> int:
    if section in SLOT_SECTIONS:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{section}: {key!r}: {value!r} is not a slot number")
        return value
    try:
        return parse_prefix(str(value), PREFIX_SECTIONS[section])[0]
    except ValueError as exc:
        raise ValueError(f"{section}: {key!r}: {exc}") from None


def _locate(path: Path, exc: Exception) -> list[Problem]:
    """Re-read with line numbers to say where the lock is damaged."""
    shown = display_path(path)
    advice = (
        f"the lock is damaged and was not changed; restore it (git checkout -- {shown}) or, to plan "
        "from scratch, move it away"
    )
    doc, problems = load_yaml(path)
    if problems:
        return [Problem(p.file, p.line, p.path, f"{p.message}; {advice}") for p in problems]
    message = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    line = 0
    if doc is not None:
        for (section, *rest), number in doc.lines.items():
            if rest and f"{rest[0]!r}" in message and str(section) in message:
                line = number
                break
    return [Problem(shown, line, "", f"{message}; {advice}")]


def today() -> str:
    return date.today().isoformat()
