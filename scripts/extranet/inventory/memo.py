"""What the last load of an inventory found, kept for the next load of the same files.

Validating a province's inventory (some 150,000 objects) and checking it across files takes seconds, and most
commands then use a part of it. When the files are byte for byte those of a load that found the inventory valid,
judged by the same code, the next load takes that load's verdict (as mypy's cache and Ansible's fact cache do):
it skips the rules across files, takes the warnings as they were found, and validates each kind of object only
when the command first uses it (``Inventory.item`` validates a single one).

The memo is the inventory's SHA-256 (each file's path and bytes, as ``Inventory.digest``) with a digest of the
code that judges it (this package's sources), each kind's ids in the order they were defined, and the warnings.
It lives beside the inventory folder in the workspace's ``var/cache/`` (``<inventory>/../var/cache/<name>.json``,
0600), only where that ``var/`` exists (a command that only reads leaves no folder behind; one that makes ``var/``
as it goes, such as the first ``inventory check`` or ``plan --apply`` of a workspace, keeps it at its end:
``ending.at_the_end``). It is never trusted
when it cannot be read, is not what ``keep`` writes, belongs to another user or others may write it: then the
inventory is loaded and checked in full, as without one.
"""

import contextlib
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..ending import at_the_end
from ..files import read_own_json, write_atomically

if TYPE_CHECKING:
    from .load import Inventory

FORMAT = 1  # of the memo's document; a new format is a new key


def memo_path(root: Path) -> Path:
    """Where the memo of the inventory folder ``root`` is kept.

    >>> memo_path(Path("inventory"))
    PosixPath('var/cache/inventory.json')
    >>> memo_path(Path("/srv/county/inventory"))
    PosixPath('/srv/county/var/cache/inventory.json')
    """
    return root.parent / "var" / "cache" / f"{root.name or 'inventory'}.json"


@cache
def _code() -> str:
    """The digest of the code that decides what is valid and what is warned about: this package and what its
    models take from outside it (the platforms' names, the printable characters)."""
    package = Path(__file__).parents[1]
    sources = [*sorted(Path(__file__).parent.glob("*.py")), package / "platforms" / "__init__.py",
               package / "printable.py"]  # fmt: skip
    digest = hashlib.sha256(f"{__version__}\0{FORMAT}\0".encode())
    for source in sources:
        digest.update(str(source.relative_to(package)).encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()


def memo_key(inventory_digest: str) -> str:
    return hashlib.sha256(f"{_code()}\0{inventory_digest}".encode()).hexdigest()


Run = tuple[int, list[int]]  # a file's ordinal among the inventory's files and where its items of a kind start
Path_ = tuple[str | int, ...]
Warning_ = tuple[int, Path_, Path_, str]  # the file's ordinal, the object's path in it, the fields, the message


@dataclass(frozen=True)
class Memo:
    """What a load found valid: each kind's ids in the order the files define them and its warnings; when every
    file is written one JSON object per item, also each file's outline, where the region's text starts and
    where each object's item starts (``runs``), so that nothing is parsed until a command uses it."""

    keys: dict[str, list[str]]
    warnings: Any  # as kept (``keep``); read by ``warnings_of`` only when a command asks for them
    outlines: list[list[tuple[str, int]]] | None = None
    region: tuple[int, int] | None = None
    runs: dict[str, list[Run]] | None = None


def recall(root: Path, inventory_digest: str) -> Memo | None:
    """The memo of the inventory whose digest is ``inventory_digest``, if one was kept and can be trusted."""
    found = read_own_json(memo_path(root))  # only a memo no one else could have written
    try:
        if type(found) is not dict or found.get("key") != memo_key(inventory_digest):
            return None
        keys = found["keys"]
        if type(keys) is not dict or not all(_strings(ids) for ids in keys.values()):
            return None
        flat = found.get("flat")
        if flat is None:
            return Memo(keys, found["warnings"])
        outlines = [[(str(key), int(count)) for key, count in shape] for shape in flat["outlines"]]
        ordinal, start = flat["region"]
        runs = {kind: [(int(n), starts) for n, starts in kind_runs] for kind, kind_runs in flat["runs"].items()}
        if not all(_ints(starts) for kind_runs in runs.values() for _, starts in kind_runs):
            return None
        placed = {kind: sum(len(starts) for _, starts in kind_runs) for kind, kind_runs in runs.items()}
        if any(placed.get(kind, 0) != len(keys.get(kind, ())) for kind in {*keys, *runs}):
            return None
        return Memo(keys, found["warnings"], outlines, (int(ordinal), int(start)), runs)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _strings(values: Any) -> bool:
    return type(values) is list and all(type(value) is str for value in values)


def _ints(values: Any) -> bool:
    return type(values) is list and all(type(value) is int for value in values)


def warnings_of(memo: Memo, files: int) -> list[Warning_] | None:
    """The memo's warnings, or ``None`` if they are not as ``keep`` writes them or name a file there is not."""
    try:
        messages, groups = memo.warnings
        found: list[Warning_] = []
        for ordinal, head, fields, message, tails in groups:
            if type(ordinal) is not int or not 0 <= ordinal < files:
                return None
            if not all(tail is None or type(tail) is int for tail in tails):
                return None
            path, extra, text = tuple(head), tuple(fields), messages[message]
            if not all(type(part) in (str, int) for part in (*path, *extra)) or type(text) is not str:
                return None
            found += ((ordinal, path if tail is None else (*path, tail), extra, text) for tail in tails)
        return found
    except (ValueError, TypeError, IndexError, KeyError):
        return None


def keep(inv: "Inventory", documents: list[Any]) -> None:
    """Keep what the load of ``inv`` (valid, read from ``documents`` in the order of its files) found. A memo
    that cannot be written (a read-only workspace) is no error: the next load checks the inventory in full."""
    kept = memo_path(inv.root)
    if not kept.parent.parent.is_dir():  # no var/: no workspace state here, and a reader does not make one
        at_the_end("inventory memo", lambda: keep(inv, documents) if kept.parent.parent.is_dir() else None)
        return  # kept when the command ends if it made var/ meanwhile (its database, its history): its next run
    ordinal = {id(doc): number for number, doc in enumerate(documents)}
    groups: dict[tuple[Any, ...], list[int | None]] = {}  # by file, object's path less its index, fields, message
    for warning in inv.unlocated:
        origin, path = warning.origin, warning.origin.path
        tail = path[-1] if path and type(path[-1]) is int else None
        group = (id(origin.doc), path[:-1] if tail is not None else path, warning.fields, warning.message)
        found = groups.get(group)
        if found is None:
            found = groups[group] = []
        found.append(tail)
    if any(doc not in ordinal for doc, _, _, _ in groups):  # a warning not from these files: nothing to keep it by
        return
    messages = list(dict.fromkeys(message for _, _, _, message in groups))
    number = {message: index for index, message in enumerate(messages)}
    kept_groups = [[ordinal[doc], list(head), list(fields), number[message], tails]
                   for (doc, head, fields, message), tails in groups.items()]  # fmt: skip
    document: dict[str, Any] = {
        "key": memo_key(inv.digest),
        "keys": {kind: list(inv.collection(kind)) for kind in inv.kinds()},
        "warnings": [messages, kept_groups],
    }
    if all(doc.flat is not None for doc in documents):
        flat = _flat(inv, documents, ordinal)
        if flat is not None:
            document["flat"] = flat
    with contextlib.suppress(OSError):
        kept.parent.mkdir(mode=0o700, exist_ok=True)
        write_atomically(kept, [json.dumps(document, ensure_ascii=False, separators=(",", ":"))])


def _flat(inv: "Inventory", documents: list[Any], ordinal: dict[int, int]) -> dict[str, Any] | None:
    """Where the region and each object start in files written one JSON object per item: each kind's items in
    the order of the files, as the load defined them (``None`` if a kind's objects are not all its items)."""
    region = inv.origins[("region", inv.region.id)]
    runs: dict[str, list[list[Any]]] = {kind: [] for kind in inv.kinds()}
    for number, doc in enumerate(documents):
        for kind, section in doc.flat.items():
            if kind in runs and section.starts:
                runs[kind].append([number, section.starts])
    if any(sum(len(starts) for _, starts in runs[kind]) != len(inv.collection(kind)) for kind in runs):
        return None
    assert region.doc.flat is not None
    return {
        "outlines": [[[key, flat.outline_count()] for key, flat in (doc.flat or {}).items()] for doc in documents],
        "region": [ordinal[id(region.doc)], region.doc.flat["region"].starts[0]],
        "runs": runs,
    }
