"""A census return applied to ``inventory/systems.yml``: each cell checked, the changed fields replaced in place
with ruamel.yaml's round trip (comments, order and flow style kept), new systems appended after their
department's last one, and the result loaded as the inventory before anything is written.

The rules are the inventory's own: the updated file is loaded with the rest of the inventory (``load_inventory``,
its cross-field checks, the address plan) in a scratch copy, and each problem found is mapped back to the cell
that caused it. Systems are never deleted by a return: a row left out changes nothing, and a system shut down is
recorded as ``target: retire`` (its tracking and audit trail stay); removing one is an edit of systems.yml.
"""

import io
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.scalarstring import DoubleQuotedScalarString
from ruamel.yaml.tokens import CommentToken

from ..files import RefusedPath, read_limited
from ..inventory import Inventory, InventoryError, Problem, load_inventory
from ..inventory.load import inventory_files
from ..inventory.models import System
from ..inventory.problems import display_path
from ..plan.lock import read_lock
from ..plan.systems import system_addresses
from .columns import BY_KEY, CellError, Column, cell_value, parse_cell, shown_value
from .returns import CellProblem, CensusReturn, ReturnRow

SYSTEMS_FILE = "systems.yml"
FIELD_ORDER = list(System.model_fields)


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


@dataclass
class SystemChange:
    id: str
    department: str
    sheet: str
    row: int
    added: bool
    changes: list[Change] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "department": self.department,
            "cell": f"{self.sheet}!A{self.row}",
            "action": "added" if self.added else "changed",
            "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in self.changes],
        }


@dataclass
class ImportPlan:
    """What a return would do: the systems it changes, or the problems that stop it; ``text`` is the new
    systems.yml (None when nothing changes)."""

    systems_file: Path
    original: bytes
    changes: list[SystemChange] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    text: str | None = None


def round_trip() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long line
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def plan_import(inv: Inventory, census: CensusReturn, lock: Path) -> ImportPlan:
    path = inv.root / SYSTEMS_FILE
    original = read_limited(path)
    plan = ImportPlan(path, original)
    doc, seq = _load(path, original)
    items = {str(item.get("id")): item for item in seq if isinstance(item, CommentedMap)}
    problems: list[CellProblem] = list(census.problems)
    edits: list[tuple[ReturnRow, dict[str, Any]]] = []
    seen: dict[str, ReturnRow] = {}
    for row in census.rows:
        values, refused = _row_values(census, row, problems)
        if values is None:
            continue
        system_id = values["id"]
        trouble = _identity(inv, row, system_id, items, seen)
        if trouble:
            problems.append(CellProblem(census.file, row.sheet, row.cell("id"), "id", trouble))
            continue
        seen[system_id] = row
        if not refused or system_id in inv.systems:  # a new system with a refused cell would only repeat it
            edits.append((row, values))
    for row, values in edits:  # the cells accepted, so that the inventory's rules judge them too
        change = _apply(inv, seq, items, row, values)
        if change is not None:
            plan.changes.append(change)
    found = [str(p) for p in sorted(problems)]
    if plan.changes:
        out = io.StringIO()
        round_trip().dump(doc, out)
        plan.text = out.getvalue()
        found += [p for p in _verify(inv, plan.text, lock, census.file, seen, seq) if p not in found]
    if found:
        plan.problems, plan.text = found, None
    return plan


def _load(path: Path, original: bytes) -> tuple[Any, CommentedSeq]:
    """The round-trip document and its ``systems:`` list (edited in place)."""
    try:
        doc = round_trip().load(original.decode("utf-8"))
    except Exception as exc:  # the inventory loaded, so this is ruamel disagreeing: say so, no traceback
        raise RefusedPath(path, f"cannot be read for a round trip ({type(exc).__name__}): {exc}") from None
    seq = doc.get("systems") if isinstance(doc, CommentedMap) else None
    if not isinstance(seq, CommentedSeq):
        raise RefusedPath(path, "has no `systems:` list to update")
    return doc, seq


def _row_values(
    census: CensusReturn, row: ReturnRow, problems: list[CellProblem]
) -> tuple[dict[str, Any] | None, bool]:
    """Each accepted cell's value, canonical, and whether a cell was refused (noted in ``problems``); no values
    when the row names no system."""
    values: dict[str, Any] = {}
    refused = False
    for key in row.cells:
        try:
            values[key] = parse_cell(BY_KEY[key], row.values.get(key))
        except CellError as exc:
            problems.append(CellProblem(census.file, row.sheet, row.cell(key), key, str(exc)))
            refused = True
    if values.get("id") is None:
        if "id" not in row.cells or not refused:
            message = "required: every row names its system (a new system: a new id)"
            problems.append(CellProblem(census.file, row.sheet, row.cell("id"), "id", message))
        return None, True
    if "owner" in row.cells and values.get("owner") is None:
        values["owner"] = row.department  # a blank owner is the sheet's department
    owner = values.get("owner")
    if owner is not None and owner != row.department:
        problems.append(
            CellProblem(census.file, row.sheet, row.cell("owner"), "owner", f"{owner!r} is not this sheet's "
                        f"department (a department returns its own systems); allowed: {row.department}")
        )  # fmt: skip
        del values["owner"]
        refused = True
    return values, refused


def _identity(
    inv: Inventory, row: ReturnRow, system_id: str, items: dict[str, CommentedMap], seen: dict[str, ReturnRow]
) -> str | None:
    """Why the row's id cannot be this department's system, or None."""
    existing = inv.systems.get(system_id)
    if existing is not None and existing.owner != row.department:
        ours = sorted(s.id for s in inv.systems.values() if s.owner == row.department)
        owner = inv.item("departments", existing.owner)
        return (
            f"{system_id!r} is a system of {owner.name if owner else existing.owner} ({existing.owner}), not of "
            f"this sheet's department; allowed: {', '.join(ours) or 'no system yet'} or a new id"
        )
    first = seen.get(system_id)
    if first is not None:
        return f"{system_id!r} is a second row for the same system (first at {first.sheet}!A{first.row})"
    if existing is not None and system_id not in items:
        where = inv.origin("systems", system_id)
        return f"{system_id!r} is defined in {where}, not in {SYSTEMS_FILE}: change it there"
    return None


def _apply(
    inv: Inventory, seq: CommentedSeq, items: dict[str, CommentedMap], row: ReturnRow, values: dict[str, Any]
) -> SystemChange | None:
    system_id = values["id"]
    existing = inv.systems.get(system_id)
    if existing is None:
        item = _new_item({"owner": row.department, **values})
        _insert_after_department(seq, item, row.department)
        items[system_id] = item
        return SystemChange(system_id, row.department, row.sheet, row.row, added=True)
    item = items[system_id]
    change = SystemChange(system_id, row.department, row.sheet, row.row, added=False)
    for key, new in values.items():
        old = _current(existing, BY_KEY[key])
        if old != new:
            _set(item, key, new)
            change.changes.append(Change(key, shown_value(old), shown_value(new)))
    return change if change.changes else None


def _current(system: System, column: Column) -> Any:
    """The inventory's value, read as the return's cell would be: equal meanings compare equal."""
    return parse_cell(column, cell_value(system, column))


# ---- editing the round-trip document ---------------------------------------------------------------------


def _yaml_value(key: str, value: Any) -> Any:
    if key in ("addresses", "target_addresses"):
        return _flow_seq(DoubleQuotedScalarString(a) if ":" in a else a for a in value)
    if key == "services":
        return _flow_seq(_flow_map(service) for service in value)
    if key == "dns":
        return _flow_seq(value)
    return value


def _flow_seq(values: Any) -> CommentedSeq:
    seq = CommentedSeq(list(values))
    seq.fa.set_flow_style()
    return seq


def _flow_map(values: dict[str, Any]) -> CommentedMap:
    mapping = CommentedMap(values)
    mapping.fa.set_flow_style()
    return mapping


def _new_item(values: dict[str, Any]) -> CommentedMap:
    item = CommentedMap()
    for name in FIELD_ORDER:
        if name == "runs_at":
            hosting = {k: values[f"runs_at.{k}"] for k in ("kind", "ref") if values.get(f"runs_at.{k}") is not None}
            if hosting:
                item["runs_at"] = _flow_map(hosting)
        elif values.get(name) is not None and not (name == "maintained" and values[name] is True):
            item[name] = _yaml_value(name, values[name])
    return item


def _set(item: CommentedMap, key: str, value: Any) -> None:
    tail = _take_tail(item)
    if key.startswith("runs_at."):
        hosting = item.get("runs_at")
        if not isinstance(hosting, CommentedMap):
            hosting = _flow_map({})
            _put(item, "runs_at", hosting)
        part = key.split(".")[1]
        if value is None:
            hosting.pop(part, None)
        else:
            hosting[part] = value
    elif value is None or (key == "maintained" and value is True and key not in item):
        item.pop(key, None)
    elif isinstance(item.get(key), CommentedSeq) and isinstance(value, list):
        old = item[key]  # edited in place: its flow style and its comment stay
        del old[:]
        old.extend(_yaml_value(key, value))
    else:
        _put(item, key, _yaml_value(key, value))
    _give_tail(item, tail)


def _put(item: CommentedMap, key: str, value: Any) -> None:
    """Replace ``key``'s value in place, or insert it where the model's field order puts it."""
    if key in item:
        item[key] = value
        return
    rank = FIELD_ORDER.index(key)
    position = sum(1 for k in item if k in FIELD_ORDER and FIELD_ORDER.index(k) < rank)
    item.insert(position, key, value)


def _take_tail(item: CommentedMap) -> Any:
    """The comment after the item's last value (the blank line and the next section's heading), detached: it
    belongs after whatever ends up last."""
    if not item:
        return None
    entry = item.ca.items.get(list(item)[-1])
    if not entry or len(entry) < 3 or entry[2] is None:
        return None
    token = entry[2]
    entry[2] = None
    return token


def _give_tail(item: CommentedMap, token: Any) -> None:
    if token is None or not item:
        return
    entry = item.ca.items.setdefault(list(item)[-1], [None, None, None, None])
    entry[2] = token


def _blank_line() -> CommentToken:
    return CommentToken("\n\n", CommentMark(0), None)


def _insert_after_department(seq: CommentedSeq, item: CommentedMap, department: str) -> None:
    owned = [i for i, other in enumerate(seq) if isinstance(other, CommentedMap) and other.get("owner") == department]
    at = owned[-1] if owned else len(seq) - 1
    if at < 0:
        seq.append(item)
        return
    previous = seq[at]
    tail = _take_tail(previous)
    _give_tail(previous, _blank_line())
    _give_tail(item, tail)
    seq.insert(at + 1, item)


# ---- the inventory's own verdict -------------------------------------------------------------------------

SYSTEM_PATH = re.compile(r"^systems\[(\d+)\]\.?([a-z_]*)(?:\[\d+\])?\.?([a-z_]*)")


def _verify(
    inv: Inventory, text: str, lock: Path, file: str, rows: dict[str, ReturnRow], seq: CommentedSeq
) -> list[str]:
    """Load the inventory with the new systems.yml in a scratch copy (the loader, its rules and the address
    plan, as `extranet inventory check` does); each problem is named by the return's cell that caused it."""
    with tempfile.TemporaryDirectory(prefix="census-") as scratch:
        copy = Path(scratch)
        for source in inventory_files(inv.root):
            target = copy / source.relative_to(inv.root)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(read_limited(source))
        (copy / SYSTEMS_FILE).write_text(text, encoding="utf-8")
        try:
            system_addresses(load_inventory(copy), read_lock(lock))
        except InventoryError as exc:
            scratch_file = display_path(copy / SYSTEMS_FILE)
            return sorted(_located(p, scratch_file, file, rows, seq, inv.root, copy) for p in exc.problems)
    return []


def _located(
    problem: Problem, scratch_file: str, file: str, rows: dict[str, ReturnRow], seq: CommentedSeq, root: Path,
    copy: Path,
) -> str:  # fmt: skip
    match = SYSTEM_PATH.match(problem.path) if problem.file == scratch_file else None
    if match is not None and int(match.group(1)) < len(seq):
        row = rows.get(str(seq[int(match.group(1))].get("id")))
        if row is not None:
            name, part = match.group(2), match.group(3)
            key = f"runs_at.{part or 'kind'}" if name == "runs_at" else name or "id"
            key = key if key in BY_KEY else "id"
            return str(CellProblem(file, row.sheet, row.cell(key), key, problem.message))
    return str(problem).replace(str(copy), str(root))
