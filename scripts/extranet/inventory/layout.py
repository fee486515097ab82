"""The line of every value of a YAML file written one list item per line, found from the text alone.

Generated inventories (a CMDB export, ``extranet inventory synth``) write each object on one line under a
top-level key::

    departments:
      - {"id": "d000001", "name": "部门1", "site": "c000", "access_class": "A"}

There every value of item ``i`` lies on that item's line, so the lines come from one pass over the text, some
hundred times faster than composing the file with PyYAML for its marks. The layout is only trusted when the text
cannot be read another way: each line a ``key:`` header at column 0, a ``- `` item under it, or blank (comments
only above the first header, where nothing can be open), and the headers and item counts those lines give equal
the parsed data's. Anything else (block mappings, multi-line items, comments between items) is ``None``: the
caller composes the file as before.
"""

import json
import re
from dataclasses import dataclass
from typing import Any, NamedTuple

PathKey = tuple[str | int, ...]

_HEADER = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?:[ \t]+(.*))?")
_OTHER_BREAKS = ("\r", "\x85", "\u2028", "\u2029")  # line breaks for PyYAML too: its line numbers would differ


@dataclass(frozen=True)
class Section:
    line: int  # of its `key:` header
    inline: bool  # its value is written on the header line (``region: {"id": …}``)
    items: list[int]  # the line of each of its list items


@dataclass(frozen=True)
class FlatLayout:
    """A top-level mapping whose sections are lists of one-line items (or a value on the header line)."""

    sections: dict[str, Section]

    def line_of(self, path: PathKey) -> int:
        """What composing the file would give: the line of ``path``, or of its nearest ancestor, else 1.

        >>> layout = flat_layout('a:\\n  - {b: 1}\\n  - {b: 2}\\n', [("a", 2)])
        >>> layout.line_of(("a", 1, "b")), layout.line_of(("a", 5)), layout.line_of(("z",))
        (3, 1, 1)
        """
        section = self.sections.get(path[0]) if path and isinstance(path[0], str) else None
        if section is None:
            return 1
        index = path[1] if len(path) > 1 else None
        if isinstance(index, int) and 0 <= index < len(section.items):
            return section.items[index]
        return section.line


Outline = list[tuple[str, int]]


def outline(data: Any) -> Outline | None:
    """What the layout is checked against: each top-level key and how many items its value has (a list's length,
    0 for an empty value, -1 for anything else); ``None`` when the data is not a mapping.

    >>> outline({"region": {"id": "x"}, "sites": [{}, {}], "links": None})
    [('region', -1), ('sites', 2), ('links', 0)]
    """
    if not isinstance(data, dict):
        return None
    return [(str(key), _count(value)) for key, value in data.items()]


def _count(value: Any) -> int:
    if isinstance(value, list):
        return len(value)
    return 0 if value is None else -1


def flat_layout(text: str, shape: Outline | None) -> FlatLayout | None:
    """The layout of ``text`` (its data outlined as ``shape``) when it is written one item per line, else ``None``."""
    if shape is None or any(mark in text for mark in _OTHER_BREAKS):
        return None
    sections: dict[str, Section] = {}
    current: Section | None = None
    indent = -1  # the column of the current section's `- `
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.lstrip(" ")
        if not stripped:
            continue
        if stripped[0] == "#" and current is None:
            continue
        if stripped == "-" or stripped.startswith("- "):
            column = len(line) - len(stripped)
            if current is None or current.inline or (indent >= 0 and column != indent):
                return None
            indent = column
            current.items.append(number)
            continue
        header = _HEADER.fullmatch(line)
        if header is None or header.group(1) in sections:
            return None
        value = header.group(2) or ""
        current, indent = Section(number, bool(value) and not value.startswith("#"), []), -1
        sections[header.group(1)] = current
    if list(sections) != [key for key, _ in shape]:
        return None
    if any(not sections[key].inline and len(sections[key].items) != count for key, count in shape):
        return None
    return FlatLayout(sections)


class FlatSection(NamedTuple):
    """One top-level key of a flat text: the JSON text on its header line and where it starts, or where each of
    its items starts."""

    inline: str | None
    starts: list[int]

    def items(self, text: str) -> list[str]:
        return [item_text(text, start) for start in self.starts]

    def outline_count(self) -> int:
        """Its count as ``outline`` counts the data it reads as (a header with nothing under it: 0)."""
        if self.inline is None:
            return len(self.starts)
        return 0 if self.inline == "[]" else -1

    def json(self, text: str) -> str:
        """Its value as one JSON text (a header with nothing under it is null, as in YAML)."""
        if self.inline is not None:
            return self.inline
        return f"[{','.join(self.items(text))}]" if self.starts else "null"


def item_text(text: str, start: int) -> str:
    """The item of a flat text starting at ``start``: the rest of its line."""
    end = text.find("\n", start)
    return text[start:] if end < 0 else text[start:end]


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise ValueError("duplicate key")  # the YAML reader says where
    return found


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN, Infinity: YAML reads them as text


def flat_json(text: str) -> dict[str, Any] | None:
    """The data of a text written one JSON object per list item, read by the ``json`` module (C; a third of
    yaml-rs's time on a province's inventory), or ``None`` for any other text: its YAML reader reads it.

    The lines are those ``flat_sections`` takes. JSON is YAML 1.2, and the data is the same as a YAML parser's:
    wherever the two could differ the text is left to YAML (a duplicate key, ``NaN``/``Infinity``, nesting the
    ``json`` module cannot follow).

    >>> flat_json('# made by a CMDB\\nregion: {"id": "r"}\\nsites:\\n  - {"id": "a"}\\n  - {"id": "b"}\\nlinks:\\n')
    {'region': {'id': 'r'}, 'sites': [{'id': 'a'}, {'id': 'b'}], 'links': None}
    >>> flat_json('sites:\\n  - {"id": "a", "id": "b"}\\n') is None, flat_json('sites:\\n  - id: a\\n') is None
    (True, True)
    """
    found = flat_read(text)
    return found[0] if found is not None else None


def flat_read(text: str) -> tuple[dict[str, Any], dict[str, FlatSection]] | None:
    """``flat_json``, with where each item of the text starts (``flat_scan``)."""
    scan = flat_scan(text)
    if scan is None:
        return None
    # one JSON document, one call into the C parser; a key of _HEADER's letters needs no escaping
    document = ",".join(f'"{key}":{section.json(text)}' for key, section in scan.items())
    data = json_value(f"{{{document}}}")
    return (data, scan) if isinstance(data, dict) else None


def json_value(text: str) -> Any:
    """``text`` read as JSON where YAML reads it the same (no duplicate key, no ``NaN``/``Infinity``), else None.

    >>> json_value('{"a": [1, {"b": null}]}'), json_value('{"a": 1, "a": 2}'), json_value('[NaN]')
    ({'a': [1, {'b': None}]}, None, None)
    """
    try:
        return json.loads(text, object_pairs_hook=_unique, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        return None


def flat_sections(text: str) -> dict[str, list[str] | str] | None:
    """Each top-level key of a text written one JSON object per list item, with its items' texts (or the JSON
    text written on its header line; an empty list for a header with nothing under it); ``None`` for any other
    text. The lines are those ``flat_layout`` trusts, every item ``- {…}`` on one line at one indent, every
    value on a header line a JSON object (``{…}``) or ``[]``; a ``\\u`` escape, a tab or a line break other
    than ``\\n`` leave the text to YAML.

    >>> flat_sections('region: {"id": "r"}\\nsites:\\n  - {"id": "a"}\\nlinks:\\n')
    {'region': '{"id": "r"}', 'sites': ['{"id": "a"}'], 'links': []}
    """
    scan = flat_scan(text)
    if scan is None:
        return None
    return {key: section.inline if section.inline is not None else section.items(text) for key, section in scan.items()}


def flat_scan(text: str) -> dict[str, FlatSection] | None:
    """``flat_sections`` as offsets into ``text``: where each item starts (kept to find one item again)."""
    if "\\u" in text or "\t" in text or any(mark in text for mark in _OTHER_BREAKS):
        return None
    sections: dict[str, FlatSection] = {}
    starts: list[int] | None = None  # the current section's items, while it is a list
    indent = -1
    offset = 0  # of the line in the text
    for line in text.split("\n"):
        at, offset = offset, offset + len(line) + 1
        stripped = line.lstrip(" ")
        if not stripped:
            continue
        if stripped[0] == "#" and not sections:
            continue
        if stripped.startswith("- {") and starts is not None:
            column = len(line) - len(stripped)
            if indent >= 0 and column != indent:
                return None
            indent = column
            starts.append(at + column + 2)
            continue
        header = _HEADER.fullmatch(line)
        if header is None or header.group(1) in sections:
            return None
        value = (header.group(2) or "").rstrip(" ")
        if value and not (value.startswith("{") or value == "[]"):
            return None
        starts, indent = ([] if not value else None), -1
        sections[header.group(1)] = FlatSection(value or None, starts if starts is not None else [at + header.start(2)])
    return sections or None
