"""Pydantic validation errors turned into operator language: what is wrong and what is allowed."""

import ipaddress
import types
import typing
from collections.abc import Iterator
from enum import Enum
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .fields import HOSTNAME, IFNAME, SLUG
from .source import PathKey

PATTERN_MEANING = {
    SLUG: "an id of lower-case letters, digits, '-' and '_' (starting with a letter or digit)",
    HOSTNAME: "a host name of letters, digits, '.', '-' and '_'",
    IFNAME: "an interface name such as GigabitEthernet0/0/1, ge-0/0/1.0, Vlanif100 or eth1",
}


def shown(value: Any, limit: int = 60) -> str:
    """A value as an operator would recognise it, shortened."""
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types inside Optional/Union/list/Annotated."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin is dict:
        return _unwrap(typing.get_args(annotation)[1])
    if origin in (typing.Union, types.UnionType, list, tuple, set, frozenset):
        return [t for arg in typing.get_args(annotation) for t in _unwrap(arg)]
    return [annotation]


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> tuple[type[BaseModel] | None, int]:
    """Walk ``loc`` through the model's fields; return the deepest model reached and how many parts matched."""
    current: type[BaseModel] | None = model
    depth = 0
    mapping_key = False  # the previous field was a dict: this part is one of its keys
    for part in loc:
        if isinstance(part, int) or mapping_key:
            depth += 1
            mapping_key = False
            continue
        if current is None or part not in current.model_fields:
            break
        depth += 1
        annotation = current.model_fields[part].annotation
        mapping_key = typing.get_origin(annotation) is dict
        inner = [t for t in _unwrap(annotation) if isinstance(t, type)]
        models = [t for t in inner if issubclass(t, BaseModel)]
        current = models[0] if models else None
    return current, depth


def _allowed_values(model: type[BaseModel], field: str) -> list[str]:
    values: list[str] = []
    for t in _unwrap(model.model_fields[field].annotation):
        if typing.get_origin(t) is typing.Literal:
            values += [str(v) for v in typing.get_args(t)]
        elif isinstance(t, type) and issubclass(t, Enum):
            values += [str(m.value) for m in t]
    return values


# Fields that name a secret rather than hold one: an operator may type the secret there by mistake, so a
# refused value is not repeated.
NAMES_A_SECRET = {"credentials": "a credentials profile name"}


def _message(error: ErrorDetails, model: type[BaseModel] | None, field: str | None) -> str:
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    if field in NAMES_A_SECRET and kind not in ("missing", "extra_forbidden"):
        return (
            f"is not {NAMES_A_SECRET[field]} (value not shown: it may be a secret); allowed: "
            f"{PATTERN_MEANING[SLUG]}, at most 31 characters"
        )
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        allowed = ", ".join(model.model_fields) if model else ""
        return f"unknown field; allowed here: {allowed}"
    if kind in ("literal_error", "enum") and model is not None and field:
        return f"{shown(value)} is not one of {', '.join(_allowed_values(model, field))}"
    if kind == "string_pattern_mismatch":
        meaning = PATTERN_MEANING.get(str(ctx.get("pattern")), f"text matching {ctx.get('pattern')}")
        return f"{shown(value)} is not {meaning}"
    if kind == "string_too_long":
        return f"is {len(value)} characters long; at most {ctx['max_length']} allowed"
    if kind in ("ip_v4_network", "ip_v6_network", "ip_v4_interface", "ip_v6_interface"):
        return _address_message(kind, value)
    if kind in ("ip_v4_address", "ip_v6_address"):
        family = "IPv4" if "v4" in kind else "IPv6"
        return f"{shown(value)} is not an {family} address"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping of fields, got {shown(value)}"
    if kind == "list_type":
        return f"expected a list, got {shown(value)}"
    if kind == "date_from_datetime_parsing" or kind.startswith("date"):
        return f"{shown(value)} is not a date (write YYYY-MM-DD)"
    text = error["msg"]
    return f"{shown(value)}: {text[0].lower()}{text[1:]}"


def _address_message(kind: str, value: Any) -> str:
    family = "IPv4" if "v4" in kind else "IPv6"
    what = "network (prefix/length)" if "network" in kind else "interface address (address/length)"
    if "network" in kind and isinstance(value, str):
        try:
            network = ipaddress.ip_network(value, strict=False)
        except ValueError:
            pass
        else:
            if f"v{network.version}" in kind and str(network) != value:
                return f"{shown(value)} has host bits set; did you mean {network}?"
    return f"{shown(value)} is not an {family} {what}"


def translate(exc: ValidationError, model: type[BaseModel]) -> Iterator[tuple[PathKey, str]]:
    """(path inside the item, message) for each distinct problem of one failed item."""
    grouped: dict[PathKey, list[str]] = {}
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        owner, depth = _model_at(model, loc[:-1]) if loc else (model, 0)
        if depth < len(loc) - 1:  # union member tags and the like: cut back to the field
            owner, depth = _model_at(model, loc)
            loc = loc[:depth]
        field = loc[-1] if loc and isinstance(loc[-1], str) else None
        if error["type"] == "extra_forbidden":
            owner, _ = _model_at(model, loc[:-1])
        grouped.setdefault(loc, []).append(_message(error, owner, field))
    for loc, messages in grouped.items():
        unique = list(dict.fromkeys(messages))
        yield loc, unique[0] if len(unique) == 1 else " or ".join(unique)
