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

import re
from dataclasses import dataclass
from typing import Any

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
