"""Values from outside the inventory — the environment and command-line options — checked as the inventory
checks its own before they reach a config line, a zone file, a git trailer, the database or a terminal.

A refusal names the variable or option, says what is wrong and what is allowed, and never repeats the value:
it may be a secret, or hold escape sequences meant for the terminal.
"""

import ipaddress
import os
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass

from .printable import no_control_characters


class InputError(ValueError):
    """A value from the environment or an option that cannot be used (exit 2)."""


@dataclass(frozen=True)
class Kind:
    """What a value may be: ``allowed`` is said to the operator; ``pattern`` (when given) must match whole."""

    allowed: str
    max_length: int
    min_length: int = 1
    pattern: str | None = None
    ascii_only: bool = True
    parse: Callable[[str], object] | None = None  # raises ValueError when the value is not what it names
    forbidden: tuple[str, ...] = ()  # substrings another program would act on

    def problem(self, value: str) -> str | None:
        """What is wrong with ``value`` (never the value itself), or None."""
        try:
            no_control_characters(value)
        except ValueError as exc:
            return str(exc).split(";")[0]
        if self.ascii_only and not value.isascii():
            return "has a character outside ASCII"
        if not self.min_length <= len(value) <= self.max_length:
            return f"is {len(value)} characters long"
        found = next((part for part in self.forbidden if part in value), None)
        if found is not None:
            return f"contains {found!r}, which Ansible would evaluate as a template"
        if self.pattern is not None and not re.fullmatch(self.pattern, value):
            return "has a character or form that is not allowed"
        if self.parse is not None:
            try:
                self.parse(value)
            except ValueError:
                return "is not well formed"
        return None


# SNMPv3 user and group names: one word the vendors' CLIs all take (VRP and Comware: at most 32).
SNMP_NAME = Kind("1 to 32 letters, digits, '.', '-' and '_'", 32, pattern=r"[A-Za-z0-9][A-Za-z0-9._-]*")
# SNMPv3 keys: RFC 3414 wants at least 8 characters; one word without quotes or '\\' (Junos quotes it, the
# others end it at a blank) and without '?' (it asks IOS-family CLIs for help), so every platform's scrub rule
# finds all of it.
SNMP_KEY = Kind(
    "8 to 64 printable ASCII characters without blanks, quotes, '\\' or '?'", 64, 8, pattern=r"[^\s\"'\\?]+"
)
MANAGER = Kind("an IPv4 network such as 198.51.100.0/24", 18, pattern=r"[0-9./]+", parse=ipaddress.IPv4Network)
# Who acts and why: one line each (they become git trailers and audit fields); Chinese names are welcome.
OPERATOR = Kind("one line of at most 64 characters, no control characters", 64, ascii_only=False)
# The ticket is also an extra variable of `extranet run`: Ansible templates what it is given ("{{ 7*6 }}" → 42,
# a lookup('pipe', …) runs a command), so Jinja's delimiters are refused.
TICKET = Kind(
    "one line of at most 128 characters, no control characters, no '{{', '{%' or '{#'",
    128,
    ascii_only=False,
    forbidden=("{{", "{%", "{#"),
)
# A probe run's vantage: the probing host's name (or "lab"), one word as hostnames are.
VANTAGE = Kind("1 to 64 letters, digits, '.', '-' and '_', starting with a letter or digit", 64,
               pattern=r"[A-Za-z0-9][A-Za-z0-9._-]*")  # fmt: skip
DNS_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
DNS_NAME = Kind(
    "a DNS name of two or more labels (letters, digits and '-', at most 63 each, not starting or ending with "
    "'-'), at most 253 characters, such as ns1.example.org.",
    254,
    pattern=rf"(?=.{{1,253}}\.?\Z)(?:{DNS_LABEL}\.)+{DNS_LABEL}\.?",  # 253 without the root's dot
)


def checked(source: str, value: str, kind: Kind) -> str:
    """``value`` when ``kind`` allows it; else InputError naming ``source`` (the variable or option).

    >>> checked("--ticket", "CHG-7", TICKET)
    'CHG-7'
    >>> checked("EXTRANET_SNMP_GROUP", "nms\\nsnmp-agent x", SNMP_NAME)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    extranet.inputs.InputError: EXTRANET_SNMP_GROUP: contains control character U+000A; allowed: 1 to 32 letters...
    """
    problem = kind.problem(value)
    if problem is not None:
        raise InputError(f"{source}: {problem}; allowed: {kind.allowed}")
    return value


def operator_from_environment() -> str | None:
    """$EXTRANET_OPERATOR, checked; None when it is not set."""
    given = os.environ.get("EXTRANET_OPERATOR")
    return checked("EXTRANET_OPERATOR", given, OPERATOR) if given else None


def check_ticket(value: str | None) -> str | None:
    """``--ticket`` (a typer callback): it becomes a git trailer, an audit reason and a database field."""
    return None if value is None else checked("--ticket", value, TICKET)


def check_name_servers(values: list[str] | None) -> list[str] | None:
    """``--ns`` (a typer callback): each a DNS name, as written into the zone files' NS records."""
    return [checked("--ns", value, DNS_NAME) for value in values] if values else values


def vantage_name(given: str | None, lab: bool) -> str:
    """A probe run's vantage: ``--vantage`` (or $EXTRANET_VANTAGE) when given, else ``lab`` for the lab, else
    this host's name — the name under which the reports say which probing host saw what.

    >>> vantage_name("probe-east", lab=False), vantage_name(None, lab=True)
    ('probe-east', 'lab')
    """
    if given is not None:
        return checked("--vantage", given, VANTAGE)
    if lab:
        return "lab"
    return checked("the host name (give --vantage NAME)", socket.gethostname(), VANTAGE)
