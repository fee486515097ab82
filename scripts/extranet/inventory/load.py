"""Load the inventory from the YAML files of a directory, validating each object and then the whole."""

import contextlib
import gc
import hashlib
import heapq
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from ipaddress import IPv4Network
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from pydantic import BaseModel, ValidationError

from ..gc import without_gc
from .errors import translate
from .fields import SECRET_KEY, read_ipv4
from .layout import item_text
from .models import Department, Device, Link, PrivateNetwork, Region, Site, System, Zone
from .problems import ORDER, InventoryError, Problem, display_path
from .source import PathKey, SourceDocument, format_path, parse_yaml_text, read_yaml_file

LIST_KINDS: dict[str, type[BaseModel]] = {
    "sites": Site,
    "departments": Department,
    "devices": Device,
    "links": Link,
    "private_networks": PrivateNetwork,
    "systems": System,
}
ALLOWED_KEYS = ("region", *LIST_KINDS)
DEFAULT_DIR = "inventory"
YAML_SUFFIXES = (".yml", ".yaml")

M = TypeVar("M", bound=BaseModel)

if TYPE_CHECKING:
    from .memo import Memo
_ORDER = attrgetter(*ORDER)


class Origin(NamedTuple):
    """Where an object was defined: its document and its path in it (``devices[3]``). A named tuple: one is
    made per object of a province (150,000), and a frozen dataclass's ``__init__`` took ten times as long."""

    doc: SourceDocument
    path: PathKey

    def problem(
        self, message: str, *fields: str | int, severity: str = "error", ref: tuple[str, str] | None = None
    ) -> Problem:
        return self.doc.problem((*self.path, *fields), message, severity, ref)

    def warning(self, message: str, *fields: str | int) -> "Unlocated":
        return Unlocated(self, fields, message)

    def __str__(self) -> str:
        return f"{self.doc.file}:{self.doc.line_of(self.path)}"


class Unlocated(NamedTuple):
    """A warning not yet located by line: most commands never show the inventory's warnings, and a province
    has one per department not yet connected (locating 100,000 of them by line took seconds). A named tuple:
    the cheapest object to make 100,000 of."""

    origin: Origin
    fields: tuple[str | int, ...]
    message: str

    def located(self) -> Problem:
        path = (*self.origin.path, *self.fields)
        doc = self.origin.doc
        return Problem(doc.file, doc.line_of(path), format_path(path), self.message, "warning")


@dataclass
class Inventory:
    """The validated inventory: objects by their stable id, and where each was defined."""

    root: Path
    region: Region
    sites: dict[str, Site] = field(default_factory=dict)
    departments: dict[str, Department] = field(default_factory=dict)
    devices: dict[str, Device] = field(default_factory=dict)
    links: dict[str, Link] = field(default_factory=dict)
    private_networks: dict[str, PrivateNetwork] = field(default_factory=dict)
    systems: dict[str, System] = field(default_factory=dict)
    origins: dict[tuple[str, str], Origin] = field(default_factory=dict)
    unlocated: list[Unlocated] = field(default_factory=list)  # the warnings, located when first asked for
    broken: set[tuple[str, str]] = field(default_factory=set)  # (kind, id) of objects that failed validation
    digest: str = ""  # SHA-256 over each file's path and bytes: which inventory this is
    _warnings: list[Problem] | None = field(default=None, init=False, repr=False)
    # what a load that took a memo's verdict left to make when first used (``memo``; ``_load_known``)
    _known: "Known | None" = field(default=None, init=False, repr=False)
    _singles: dict[tuple[str, str], BaseModel] = field(default_factory=dict, init=False, repr=False)
    _where: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict, init=False, repr=False)

    def __getattr__(self, name: str) -> Any:
        """What a load from a memo left for later (a kind's objects, the origins, the warnings), made when first
        used."""
        known = self.__dict__.get("_known")
        if known is None or name not in LATER:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        value = self._made(known, name)
        setattr(self, name, value)
        return value

    def later(self, known: "Known", names: Iterable[str]) -> None:
        """Leave ``names`` (of ``LATER``) to be made from ``known`` when first used."""
        self._known = known
        for name in names:
            del self.__dict__[name]

    def _made(self, known: "Known", name: str) -> Any:
        from .checks import check_inventory
        from .memo import warnings_of

        if name == "unlocated":
            found = warnings_of(known.memo, len(known.docs))
            if found is None:  # not as kept: found again
                return [f for f in check_inventory(self) if isinstance(f, Unlocated)]
            return [Unlocated(Origin(known.docs[n], path), fields, message) for n, path, fields, message in found]
        if name == "origins":
            assert known.memo.region is not None
            origins = {("region", self.region.id): Origin(known.docs[known.memo.region[0]], ("region",))}
            for kind, keys, runs in known.kinds():
                at = iter(keys)
                for number, starts in runs:
                    doc = known.docs[number]
                    origins.update(((kind, next(at)), Origin(doc, (kind, index))) for index in range(len(starts)))
            return origins
        keys = known.memo.keys.get(name, [])
        model = LIST_KINDS[name]
        collection = {}
        with without_gc():
            try:
                data = known.data(name)
                for key, raw in zip(keys, data, strict=True):
                    obj = self._singles.get((name, key)) or model.model_validate(raw)
                    if object_key(name, obj) != key:
                        raise ValueError(key)
                    collection[key] = obj
            except ValueError:  # ValidationError too
                raise self._untrue(name) from None
            gc.freeze()  # kept for the rest of the command, as load_inventory's
        return collection

    def _untrue(self, kind: str) -> InventoryError:
        from .memo import memo_path

        path = memo_path(self.root)
        with contextlib.suppress(OSError):
            path.unlink()
        return InventoryError(
            [Problem(display_path(path), 0, "", f"the inventory's memo does not match its files ({kind}): it was "
                     "removed; run the command again")]
        )  # fmt: skip

    def kinds(self) -> tuple[str, ...]:
        return tuple(LIST_KINDS)

    def count(self, kind: str) -> int:
        """How many objects of ``kind`` there are (without validating a kind left for later)."""
        if self._known is None or kind in self.__dict__:  # made (or never left for later)
            return len(self.collection(kind))
        return len(self._known.memo.keys.get(kind, ()))

    def fields(self, kind: str, *names: str) -> list[tuple[Any, ...]]:
        """The values of ``names`` of every object of ``kind``, in order. Of a kind left for later the fields of
        ``AS_WRITTEN`` are read from the objects' JSON, valid as written, without making the objects (the
        connections report needs a province's 100,000 departments' ids, names and sites, not their LANs)."""
        if self._known is None or kind in self.__dict__ or not set(names) <= AS_WRITTEN.get(kind, set()):
            return [tuple(getattr(obj, name) for name in names) for obj in self.collection(kind).values()]
        try:
            data = self._known.data(kind)
            return [tuple(item[name] for name in names) for item in data]
        except (ValueError, KeyError, TypeError):
            raise self._untrue(kind) from None

    def department_facts(self) -> "Mapping[str, Department | DepartmentFacts]":
        """Each department's id, name, site and LANs (name, zone, ``ipv4``, pinned ``ipv6``, ``vlan``, ``gateway``):
        what the address planner and the plan's pairs (exports, DNS, device contexts) read of it, with the
        validated values. Of departments left for later (a memo's verdict), read from their JSON where it is
        written as validation gives it, without making the objects (a province's 100,000 departments and 400,000
        LANs: a second and 400 MB as pydantic models); a department written any other way (a pinned prefix, a
        VLAN as text) is validated alone, as ``item``."""
        if self._known is None or "departments" in self.__dict__:
            return self.departments
        keys = self._known.memo.keys.get("departments", [])
        try:
            found: dict[str, Department | DepartmentFacts] = {}
            for key, raw in zip(keys, self._known.data("departments"), strict=True):
                facts = _department_facts(raw)
                if facts is not None and facts.id != key:
                    raise ValueError(key)
                found[key] = facts if facts is not None else self.item("departments", key)
        except (ValueError, TypeError, KeyError, AttributeError):
            raise self._untrue("departments") from None
        return found

    def item(self, kind: str, key: str) -> Any:
        """One object of ``kind``, or None. Of a kind left for later, only that one is validated (``plan show
        --site`` shows one site's departments of a province's 100,000)."""
        if self._known is None or kind in self.__dict__:
            return self.collection(kind).get(key)
        found = self._singles.get((kind, key))
        if found is None:
            if kind not in self._where:
                self._where[kind] = self._known.where(kind)
            place = self._where[kind].get(key)
            if place is None:
                return None
            try:
                found = LIST_KINDS[kind].model_validate(json.loads(item_text(self._known.texts[place[0]], place[1])))
            except ValueError:  # ValidationError too
                raise self._untrue(kind) from None
            if object_key(kind, found) != key:
                raise self._untrue(kind)
            self._singles[(kind, key)] = found
        return found

    @property
    def warnings(self) -> list[Problem]:
        """The warnings by file and line."""
        if self._warnings is None:
            self._warnings = sorted([warning.located() for warning in self.unlocated], key=_ORDER)
        return self._warnings

    def first_warnings(self, count: int) -> list[Problem]:
        """The first ``count`` of ``warnings``, locating only those that can be among them (a check shows 30 of a
        province's 100,000)."""
        if self._warnings is not None or len(self.unlocated) <= count:
            return self.warnings[:count]
        candidates = _on_first_items(self.unlocated, count)
        placed = [((w.origin.doc.file, w.origin.doc.line_of((*w.origin.path, *w.fields))), w) for w in candidates]
        last = heapq.nsmallest(count, (place for place, _ in placed))[-1]
        return sorted([w.located() for place, w in placed if place <= last], key=_ORDER)[:count]

    def origin(self, kind: str, key: str) -> Origin:
        return self.origins[(kind, key)]

    def collection(self, kind: str) -> dict[str, Any]:
        collection: dict[str, Any] = getattr(self, kind)
        return collection


class GatewayFacts(NamedTuple):
    device: str
    interface: str


class LanFacts(NamedTuple):
    """What the planner and the pairs read of a LAN (``Lan``'s fields of the same names)."""

    name: str
    zone: Zone
    ipv4: IPv4Network | None
    ipv6: None  # a pinned prefix: its department is validated (``Inventory.department_facts``)
    vlan: int | None
    gateway: GatewayFacts | None


class DepartmentFacts(NamedTuple):
    """What the planner and the pairs read of a department (``Department``'s fields of the same names)."""

    id: str
    name: str
    site: str
    lans: list[LanFacts]


_ZONES = {zone.value: zone for zone in Zone}
_READ_IPV4_NETWORK = read_ipv4(IPv4Network)  # what ``Lan.ipv4``'s validation runs first


def _department_facts(raw: dict[str, Any]) -> DepartmentFacts | None:
    """The facts of a department's JSON (found valid before) when each is written as validation gives it: ids
    and names as text, a zone by its name, a VLAN as a number, an IPv4 prefix as the model's own reader takes it,
    a gateway of device and interface, no pinned prefix; else ``None``."""
    lans = []
    for lan in raw.get("lans", ()):
        name, zone, vlan = lan["name"], _ZONES.get(lan.get("zone", "public")), lan.get("vlan")
        ipv4: IPv4Network | None = None
        gateway = None
        if type(name) is not str or zone is None or lan.get("ipv6") is not None:
            return None
        if vlan is not None and type(vlan) is not int:
            return None
        if lan.get("ipv4") is not None:
            read = _READ_IPV4_NETWORK(lan["ipv4"])
            if type(read) is not IPv4Network:  # another form: pydantic decides
                return None
            ipv4 = read
        written = lan.get("gateway")
        if written is not None:
            if type(written) is not dict or len(written) != 2:
                return None
            gateway = GatewayFacts(written["device"], written["interface"])
            if type(gateway.device) is not str or type(gateway.interface) is not str:
                return None
        lans.append(LanFacts(name, zone, ipv4, None, vlan, gateway))
    dept_id, name, site = raw["id"], raw["name"], raw["site"]
    if type(dept_id) is not str or type(name) is not str or type(site) is not str:
        return None
    return DepartmentFacts(dept_id, name, site, lans)


LATER = frozenset({*LIST_KINDS, "origins", "unlocated"})  # what a load from a memo can leave for later
# Required fields whose validated value is their JSON text as written (ids and names: constrained, never changed)
AS_WRITTEN = {"departments": {"id", "name", "site"}}


@dataclass
class Known:
    """A memo (``memo.Memo``) on the files it was kept for: their documents and texts, in the files' order."""

    memo: "Memo"
    docs: list[SourceDocument]
    texts: list[str]

    def runs(self, kind: str) -> list[tuple[int, list[int]]]:
        return (self.memo.runs or {}).get(kind, [])

    def items(self, kind: str) -> list[str]:
        """The JSON text of each object of ``kind``, in order."""
        return [item_text(self.texts[number], start) for number, starts in self.runs(kind) for start in starts]

    def data(self, kind: str) -> list[Any]:
        """The objects of ``kind`` as read from their JSON (found valid before), in order."""
        data: list[Any] = json.loads(f"[{','.join(self.items(kind))}]")
        return data

    def kinds(self) -> Iterator[tuple[str, list[str], list[tuple[int, list[int]]]]]:
        for kind in LIST_KINDS:
            yield kind, self.memo.keys.get(kind, []), self.runs(kind)

    def where(self, kind: str) -> dict[str, tuple[int, int]]:
        """Each object of ``kind``: its file's ordinal and where its item starts."""
        places = ((number, start) for number, starts in self.runs(kind) for start in starts)
        return dict(zip(self.memo.keys.get(kind, []), places, strict=True))


def _item_of(warning: Unlocated) -> tuple[tuple[int, Any], int] | None:
    """The list (by file) and index of the item a warning is about, in a file written one item per line."""
    origin = warning.origin
    path = origin.path
    if origin.doc.flat is None or len(path) < 2 or type(path[1]) is not int:
        return None
    return (id(origin.doc), path[0]), path[1]


def _on_first_items(warnings: list[Unlocated], count: int) -> list[Unlocated]:
    """Those of ``warnings`` that can be among the first ``count`` by line. In a file written one item per line
    each item's warnings lie on its line, below those of the items before it: of a list's warned items, only the
    first ``count`` can hold them (a province's check shows 30 warnings of 100,000; locating each by line took
    half a second). Any other warning can be among them."""
    items = [_item_of(warning) for warning in warnings]
    indices: dict[tuple[int, Any], list[int]] = {}
    for item in items:
        if item is not None:
            indices.setdefault(item[0], []).append(item[1])
    bound = {key: heapq.nsmallest(count, found)[-1] for key, found in indices.items()}
    return [w for w, item in zip(warnings, items, strict=True) if item is None or item[1] <= bound[item[0]]]


def inventory_dir(path: Path | str | None = None) -> Path:
    """The inventory directory: the one given, else $EXTRANET_INVENTORY, else ./inventory."""
    return Path(path or os.environ.get("EXTRANET_INVENTORY") or DEFAULT_DIR)


def object_key(kind: str, obj: BaseModel) -> str:
    if isinstance(obj, Device):
        return obj.name
    if isinstance(obj, Link):
        return obj.key
    key: str = getattr(obj, "id")  # noqa: B009 - every other kind has an id
    return key


def inventory_files(root: Path) -> list[Path]:
    """Every ``*.yml``/``*.yaml`` below ``root`` outside hidden folders, whatever it is: a dangling link, a link
    loop or a FIFO is refused when read (``load_yaml``), never skipped in silence. Links to folders are not
    followed; a folder that cannot be listed is an error."""

    def unlisted(exc: OSError) -> None:
        shown = display_path(Path(exc.filename or root))
        raise InventoryError([Problem(shown, 0, "", f"cannot list the inventory folder: {exc.strerror}")])

    found: list[Path] = []
    for folder, subfolders, names in os.walk(root, onerror=unlisted):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        found += (Path(folder, name) for name in names if not name.startswith(".") and name.endswith(YAML_SUFFIXES))
    return sorted(found)


def load_inventory(root: Path | str | None = None) -> Inventory:
    """Load and validate; raise InventoryError listing every problem found (not just the first)."""
    with without_gc():
        inventory = _load(inventory_dir(root))
        # Kept for the rest of the command and holding no cycles: out of the collector's sight, or its first runs
        # after the load would walk these millions of objects again and again (seconds at province scale).
        gc.freeze()
    return inventory


def _load(root: Path) -> Inventory:
    from . import memo
    from .checks import check_inventory  # the cross-file rules need the loaded objects

    if not root.is_dir():
        raise InventoryError([Problem(display_path(root), 0, "", "no such inventory directory")])
    problems: list[Problem] = []
    texts: list[tuple[str, str]] = []
    digest = hashlib.sha256()
    for path in inventory_files(root):
        raw, text, found = read_yaml_file(path)
        problems += found
        digest.update(inventory_entry(root, path, raw))
        if text is not None:
            texts.append((display_path(path), text))
    known = memo.recall(root, digest.hexdigest()) if not problems else None
    if known is not None and known.runs is not None:
        inventory = _load_known(root, texts, known, digest.hexdigest())
        if inventory is not None:
            return inventory
        known = None  # a memo that does not fit the files it names is not trusted for anything
    docs: list[SourceDocument] = []
    for shown, text in texts:
        doc, found = parse_yaml_text(shown, text)
        problems += found
        if doc is not None:
            docs.append(doc)
    region, objects, broken = _collect(docs, problems)
    for doc in docs:
        doc.release()
    if region is None:
        if not any(p.path.startswith("region") for p in problems):
            problems.append(Problem(display_path(root), 0, "", "no `region:` found in any inventory file"))
        raise InventoryError(problems)
    inventory = Inventory(root=root, region=region[0], broken=broken, digest=digest.hexdigest())
    inventory.origins[("region", region[0].id)] = region[1]
    for kind, obj, origin in objects:
        key = object_key(kind, obj)
        collection = inventory.collection(kind)
        if key in collection:
            first = inventory.origins[(kind, key)]
            problems.append(origin.problem(f"duplicate id {key!r} (first defined at {first})"))
            continue
        collection[key] = obj
        inventory.origins[(kind, key)] = origin
    if known is not None and not problems and len(docs) == len(texts):  # found valid before by the same code
        inventory.later(Known(known, docs, [text for _, text in texts]), ["unlocated"])  # so the same findings
        return inventory
    for finding in check_inventory(inventory):
        if isinstance(finding, Unlocated):
            inventory.unlocated.append(finding)
        elif finding.ref is None or finding.ref not in broken:  # a broken object is reported once, not per reference
            problems.append(finding)
    if problems:
        raise InventoryError(problems)
    memo.keep(inventory, docs)
    return inventory


def inventory_entry(root: Path, path: Path, raw: bytes | None) -> bytes:
    """What one file adds to the inventory's digest: its path in the folder and its bytes."""
    return str(path.relative_to(root)).encode() + b"\0" + (raw if raw is not None else b"unreadable") + b"\0"


def _load_known(root: Path, texts: list[tuple[str, str]], known: "Memo", digest: str) -> Inventory | None:
    """The inventory of files a load found valid before, written one JSON object per item (``known`` says where
    each starts): nothing is parsed but the region until a command uses it. ``None`` when the memo does not fit
    the files (then they are read and checked in full)."""
    if known.outlines is None or known.region is None or len(known.outlines) != len(texts):
        return None
    if any(not 0 <= number < len(texts) for runs in (known.runs or {}).values() for number, _ in runs):
        return None
    docs = []
    for (shown, text), shape in zip(texts, known.outlines, strict=True):
        doc = SourceDocument(shown, None, text=text, may_hold_secrets=False)
        doc.set_outline(shape)
        docs.append(doc)
    number, start = known.region
    try:
        region = Region.model_validate(json.loads(item_text(texts[number][1], start)))
    except (ValueError, IndexError):  # ValidationError too: not the text the memo was kept for
        return None
    inventory = Inventory(root=root, region=region, digest=digest)
    inventory.later(Known(known, docs, [text for _, text in texts]), LATER)
    return inventory


def _collect(
    docs: list[SourceDocument], problems: list[Problem]
) -> tuple[tuple[Region, Origin] | None, list[tuple[str, BaseModel, Origin]], set[tuple[str, str]]]:
    region: tuple[Region, Origin] | None = None
    objects: list[tuple[str, BaseModel, Origin]] = []
    broken: set[tuple[str, str]] = set()
    for doc in docs:
        if doc.data is None:
            continue
        if not isinstance(doc.data, dict):
            problems.append(doc.problem((), f"expected a mapping with any of: {', '.join(ALLOWED_KEYS)}"))
            continue
        for key, value in doc.data.items():
            if key == "region":
                parsed = _validate(Region, value, Origin(doc, ("region",)), problems)
                if parsed is None:
                    continue
                if region is not None:
                    problems.append(doc.problem(("region",), f"a second region (first at {region[1]})"))
                    continue
                region = (parsed, Origin(doc, ("region",)))
            elif key in LIST_KINDS:
                if value is None:
                    continue
                if not isinstance(value, list):
                    problems.append(doc.problem((key,), "expected a list (items start with '- ')"))
                    continue
                for index, item in enumerate(value):
                    origin = Origin(doc, (key, index))
                    item_model = _validate(LIST_KINDS[key], item, origin, problems)
                    if item_model is not None:
                        objects.append((key, item_model, origin))
                    elif isinstance(item, dict):
                        broken.add((key, str(item.get("name" if key == "devices" else "id"))))
                    value[index] = None  # the raw item is done with: freed now, not with its file (peak memory)
            else:
                problems.append(doc.problem((str(key),), f"unknown section; allowed: {', '.join(ALLOWED_KEYS)}"))
    return region, objects, broken


def _validate(model: type[M], raw: Any, origin: Origin, problems: list[Problem]) -> M | None:
    secrets = list(_secret_paths(raw, ())) if origin.doc.may_hold_secrets else []
    for path in secrets:
        problems.append(
            origin.problem(
                "plaintext secret in the inventory: remove it; credentials come from the environment "
                "(EXTRANET_<PROFILE>_PASSWORD, …) or an ansible-vault file, named by `credentials:`",
                *path,
            )
        )
    if secrets:  # reported above; the rest of the object is still checked
        raw = _without_secrets(raw)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        for loc, message in translate(exc, model):
            problems.append(origin.problem(message, *loc))
        return None


def _without_secrets(raw: Any) -> Any:
    if isinstance(raw, dict):
        return {k: _without_secrets(v) for k, v in raw.items() if not SECRET_KEY.search(str(k))}
    if isinstance(raw, list):
        return [_without_secrets(item) for item in raw]
    return raw


def _secret_paths(raw: Any, path: PathKey) -> Iterator[PathKey]:
    if isinstance(raw, dict):
        for key, value in raw.items():
            if SECRET_KEY.search(str(key)) and value not in (None, "", [], {}):
                yield (*path, str(key))
            else:
                yield from _secret_paths(value, (*path, str(key)))
    elif isinstance(raw, list):
        for index, item in enumerate(raw):
            yield from _secret_paths(item, (*path, index))
