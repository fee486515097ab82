"""YAML documents that remember where every value came from.

PyYAML (with libyaml when present) composes the node tree; we keep the line of every mapping value and
sequence item, keyed by its path, so that errors found much later can still name ``file:line``.
"""

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
import yaml_rs

from ..files import RefusedPath, read_limited
from .fields import SECRET_KEY
from .layout import FlatLayout, FlatSection, Outline, flat_layout, flat_read, outline
from .layout import PathKey as PathKey  # where paths are told; errors and load take it from here
from .problems import Problem, display_path

_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """Safe loading with YAML 1.2 scalars: ``no``/``on`` stay strings, ``1:20:30`` is no base-60 number, and
    dates stay text until the model parses them (so ``2027-13-01`` is reported, not raised)."""


_DROPPED = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:timestamp"}
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag not in _DROPPED]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?(?:0|[1-9][0-9]*)|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"),
)


def format_path(path: PathKey) -> str:
    """``('devices', 3, 'platform')`` → ``devices[3].platform``.

    >>> format_path(('devices', 3, 'interfaces', 0, 'name'))
    'devices[3].interfaces[0].name'
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass
class SourceDocument:
    """One YAML file: its data and, computed when first needed, the line of each path in it."""

    file: str
    data: Any
    _lines: dict[PathKey, int] | None = None
    text: str | None = None  # kept until the line map is built
    may_hold_secrets: bool = True  # False when no key in the text looks like a secret: no need to walk it
    _layout: FlatLayout | None = field(default=None, repr=False)
    _layout_read: bool = field(default=False, repr=False)
    _outline: Outline | None = field(default=None, repr=False)  # of the data, once released
    flat: dict[str, FlatSection] | None = field(default=None, repr=False)  # a text one JSON object per item

    def set_outline(self, shape: Outline) -> None:
        """The data's outline, for a document whose data was never parsed (``layout.flat_sections`` read it)."""
        self._outline = shape

    def release(self) -> None:
        """Drop the parsed data once the models are built from it (hundreds of MiB at province scale); its
        outline stays, for reading lines from the layout."""
        self._outline, self.data = outline(self.data), None

    @property
    def lines(self) -> dict[PathKey, int]:
        if self._lines is None:
            self._lines = {}
            if self.text:
                node = _Loader(self.text).get_single_node()
                if node is not None:
                    list(_record_lines(self, node, ()))  # its duplicate-key problems: refused by the first parse
            self.text = None
        return self._lines

    def line_of(self, path: PathKey) -> int:
        """The line of ``path``, or of its nearest recorded ancestor."""
        if self._lines is None and self.text:
            if not self._layout_read:  # a file written one item per line needs no parser for its lines
                shape = self._outline if self.data is None else outline(self.data)
                self._layout, self._layout_read = flat_layout(self.text, shape), True
            if self._layout is not None:
                return self._layout.line_of(path)
        lines = self.lines
        while path:
            line = lines.get(path)
            if line is not None:
                return line
            path = path[:-1]
        return 1

    def problem(
        self, path: PathKey, message: str, severity: str = "error", ref: tuple[str, str] | None = None
    ) -> Problem:
        return Problem(self.file, self.line_of(path), format_path(path), message, severity, ref)


MAX_DEPTH = 64  # collections inside collections; the inventory, the policy and the lock need fewer than 8
NO_ALIASES = (
    "YAML anchors and aliases (&name, *name, <<: *name) are not allowed in extranet files (an alias can expand "
    "without bound); write the value out"
)
_NO_REPLAY = yaml_rs.AliasLimits(max_total_replayed_events=0)  # yaml-rs refuses the first alias
# Outside YAML's printable set: a raw control character hides in a value (yaml-rs even cuts a value at NUL).
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
_C0_AND_DEL = {*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F}
_NOT_C0 = bytes(b for b in range(256) if b not in _C0_AND_DEL)  # deleted by translate: what is left is C0/DEL
# The UTF-8 lead bytes of C1 controls (U+0080–U+009F) and of U+FFFE/U+FFFF: the regex runs only if one is there.
_RARE_LEADS = (b"\xc2", b"\xef\xbf")
# A line whose indentation and block indicators (`- `, `? `, `: `) reach column 30 can open more than MAX_DEPTH
# block collections (a level moves at most two columns right of its parent): yaml-rs crashes (SIGSEGV) on
# ~20000 of them, so such a text is first measured by PyYAML's parser.
_DEEP_LINE = re.compile(r"\n[ \t?:-]{30}")


def read_yaml_text(path: Path) -> tuple[str | None, list[Problem]]:
    """The text of one YAML file the operator gave: a regular file (links followed) of at most
    ``files.READ_LIMIT_MIB``, UTF-8 (a BOM at the start is dropped), with no raw control characters."""
    _, text, problems = read_yaml_file(path)
    return text, problems


def read_yaml_file(path: Path) -> tuple[bytes | None, str | None, list[Problem]]:
    """``read_yaml_text``, with the file's bytes as read (``None`` when it could not be read)."""
    shown = display_path(path)
    try:
        raw = read_limited(path)
    except RefusedPath as exc:
        return None, None, [Problem(shown, 0, "", exc.strerror or str(exc))]
    except OSError as exc:
        return None, None, [Problem(shown, 0, "", f"cannot read: {exc.strerror}")]
    text, problems = yaml_text(shown, raw)
    return raw, text, problems


def yaml_text(shown: str, raw: bytes) -> tuple[str | None, list[Problem]]:
    """``raw``, the bytes of the file shown as ``shown``, as ``read_yaml_text`` takes them."""
    body = raw.removeprefix(codecs.BOM_UTF8)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        at = exc.start + len(raw) - len(body)
        return None, [Problem(shown, 0, "", f"not UTF-8 text (byte {at}); save the file as UTF-8")]
    suspect = body.translate(None, _NOT_C0) or any(lead in body for lead in _RARE_LEADS)
    bad = _UNPRINTABLE.search(text) if suspect else None
    if bad is not None:
        start = bad.start()
        line, column = text.count("\n", 0, start) + 1, start - text.rfind("\n", 0, start)
        return None, [
            Problem(
                shown,
                line,
                "",
                f"control character U+{ord(bad.group()):04X} at column {column}: not allowed in a YAML file; "
                "remove it (a value that needs one cannot reach a device anyway)",
            )
        ]
    return text, []


def parse_fast(text: str) -> Any:
    """yaml-rs, refusing aliases: no line map, for files read whole. A ``ValueError`` (``YAMLDecodeError``
    too) for what it refuses; ``load_yaml`` says where and why."""
    if _may_nest_deep(text):
        try:
            found = _unbounded(text)
        except yaml.YAMLError as exc:
            raise ValueError(str(exc)) from None
        if found is not None:
            raise ValueError(found[1])
    return yaml_rs.loads(text, alias_limits=_NO_REPLAY)


def _may_nest_deep(text: str) -> bool:
    return _DEEP_LINE.search("\n" + text.replace("\r", "\n")) is not None  # a literal first: a fast search


def load_yaml(path: Path) -> tuple[SourceDocument | None, list[Problem]]:
    """Parse one YAML file; syntax errors and duplicate keys come back as problems, never raised.

    The data comes from yaml-rs (YAML 1.2, ~20× PyYAML); line numbers only when a problem needs one, from
    PyYAML's composer. A file yaml-rs refuses is parsed again by PyYAML to say where and why. Anchors and
    aliases are refused (``NO_ALIASES``), and so is nesting deeper than ``MAX_DEPTH`` (yaml-rs: 255).
    """
    text, problems = read_yaml_text(path)
    if text is None:
        return None, problems
    return parse_yaml_text(display_path(path), text)


def parse_yaml_text(shown: str, text: str) -> tuple[SourceDocument | None, list[Problem]]:
    """``load_yaml`` for the text of a file already read (``read_yaml_text``)."""
    found = flat_read(text)  # one JSON object per item (a CMDB export, `inventory synth`): the json module's speed
    data, flat = found if found is not None else (None, None)
    if found is None:
        try:
            data = parse_fast(text)
        except (yaml_rs.YAMLDecodeError, ValueError, RecursionError):
            return _load_with_pyyaml(shown, text)
    return SourceDocument(shown, data, text=text, may_hold_secrets=_may_hold_secrets(text), flat=flat), []


_SECRET_WORDS = tuple(word.encode() for word in SECRET_KEY.pattern.split("|"))  # plain words, no regex syntax
# What re.IGNORECASE matches to an ASCII letter of those words and bytes.lower() leaves alone: İ ı ſ and K (Kelvin)
_ODD_FOLDS = ("\u0130", "\u0131", "\u017f", "\u212a")


def _may_hold_secrets(text: str) -> bool:
    """Whether ``SECRET_KEY`` matches anywhere in ``text``: ASCII case folding of the bytes and a substring search
    (the case-insensitive regex took 2.5 s over a province's departments). Only once parsed: pointless on a refused
    file."""
    if any(odd in text for odd in _ODD_FOLDS):
        return SECRET_KEY.search(text) is not None
    lowered = text.encode().lower()
    return any(word in lowered for word in _SECRET_WORDS)


def _load_with_pyyaml(shown: str, text: str) -> tuple[SourceDocument | None, list[Problem]]:
    loader = _Loader(text)
    try:
        unbounded = _unbounded(text)
        if unbounded is not None:
            return None, [Problem(shown, unbounded[0], "", unbounded[1])]
        node = loader.get_single_node()
        if node is None:
            return SourceDocument(shown, None, {}), []
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        return None, [Problem(shown, line, "", f"YAML syntax: {exc.problem or exc.context}")]
    except yaml.YAMLError as exc:
        return None, [Problem(shown, 0, "", f"YAML: {exc}")]
    except (ValueError, TypeError) as exc:  # a tagged value its constructor refuses (e.g. !!binary)
        return None, [Problem(shown, 0, "", f"YAML value cannot be read: {exc}")]
    finally:
        loader.dispose()
    doc = SourceDocument(shown, data, {}, may_hold_secrets=_may_hold_secrets(text))
    problems = list(_record_lines(doc, node, ()))
    return doc, problems


def _unbounded(text: str) -> tuple[int, str] | None:
    """(line, message) of the first anchor, alias or collection nested past ``MAX_DEPTH``, from the
    parser's events alone: composing (and walking) an alias bomb or 100000 ``[`` would not end in bounded
    time and memory."""
    loader = _Loader(text)
    depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            line = event.start_mark.line + 1
            if isinstance(event, yaml.AliasEvent):
                return line, f"alias *{event.anchor}: {NO_ALIASES}"
            if isinstance(event, yaml.NodeEvent) and event.anchor is not None:
                return line, f"anchor &{event.anchor}: {NO_ALIASES}"
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return line, f"nested deeper than {MAX_DEPTH} levels; flatten the data"
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    finally:
        loader.dispose()
    return None


def _record_lines(doc: SourceDocument, node: yaml.Node, path: PathKey) -> Iterator[Problem]:
    # Iterative walk: province-sized files nest deep and wide, recursion depth is not the issue but speed is.
    stack: list[tuple[yaml.Node, PathKey]] = [(node, path)]
    lines = doc._lines if doc._lines is not None else {}
    doc._lines = lines
    while stack:
        node, path = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in node.value:
                key = str(key_node.value)
                line = key_node.start_mark.line + 1
                if key in seen:
                    yield Problem(
                        doc.file,
                        line,
                        format_path((*path, key)),
                        f"duplicate key (first at line {seen[key]}); YAML would silently keep only the last",
                    )
                seen[key] = line
                lines[(*path, key)] = line
                if not isinstance(value_node, yaml.ScalarNode):
                    stack.append((value_node, (*path, key)))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                lines[(*path, index)] = item.start_mark.line + 1
                if not isinstance(item, yaml.ScalarNode):
                    stack.append((item, (*path, index)))
