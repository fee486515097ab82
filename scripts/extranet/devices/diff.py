"""The change is the difference between the running and the intended config, computed by hier_config.

The intended config of a rollout is a *fragment* (the dual-stack lines), so the change is what the fragment
has that the running config lacks, in the fragment's order (the template's push order). A rollback is the
full remediation from the current running config back to the backup.
"""

import re
from ipaddress import ip_address

from hier_config import HConfig, Platform, WorkflowRemediation, get_hconfig
from hier_config.child import HConfigChild

from .quirks import Quirks


def normalize(quirks: Quirks, config: str) -> str:
    """The config lines only: no headers, banners, section ends or blank lines."""
    noise = [re.compile(pattern) for pattern in quirks.noise]
    lines = []
    for line in config.splitlines():
        stripped = line.strip()
        if stripped and not any(p.search(stripped) for p in noise):
            lines.append(line.rstrip())
    return "\n".join(lines)


def parse(quirks: Quirks, config: str) -> HConfig:
    return get_hconfig(Platform[quirks.hier_config], normalize(quirks, config))


def _implicit_lines(quirks: Quirks, running: str) -> str:
    """The lines the platform does not print while in effect (FRR: ``ipv6 forwarding``)."""
    present = set(normalize(quirks, running).splitlines())
    return "\n".join(line for line, negation in quirks.implicit.items() if negation not in present)


def change(quirks: Quirks, running: str, fragment: str) -> list[str]:
    """The lines to send: the fragment's lines missing from the running config, with their parent sections,
    then the removal of stale owned lines (see ``stale``).

    A negation (``no ipv6 nd suppress-ra``) is missing unless the running config prints it: the default it
    undoes is not printed, so its absence says nothing.
    """
    current = parse(quirks, running + "\n" + _implicit_lines(quirks, running))
    wanted = parse(quirks, fragment)
    return _missing(quirks, wanted, current) + stale(quirks, current, wanted)


def stale(quirks: Quirks, current: HConfig, wanted: HConfig) -> list[str]:
    """Negations of the owned lines (``Quirks.owned``: a global IPv6 address, an OSPFv3 area) that a section of
    the fragment has in the running config but not in the fragment — an old plan's address would otherwise stay
    beside the new one. Compared case- and zero-insensitively (``2001:DB8::1`` is ``2001:db8::1``)."""
    owned = [re.compile(pattern) for pattern in quirks.owned]
    pruned = current.deep_copy()
    found = False
    for section in wanted.children:
        have = pruned.get_child(equals=section.text)
        if have is None:
            continue
        keep = {_canonical(child.text) for child in section.children}
        for child in list(have.children):
            if any(p.search(child.text) for p in owned) and _canonical(child.text) not in keep:
                child.delete()
                found = True
    return differences_of(quirks, current, pruned) if found else []


def _canonical(line: str) -> str:
    words = []
    for word in line.lower().split():
        address, slash, length = word.partition("/")
        try:
            words.append(str(ip_address(address)) + slash + length if ":" in address else word)
        except ValueError:
            words.append(word)
    return " ".join(words)


def _missing(quirks: Quirks, wanted: HConfig | HConfigChild, have: HConfig | HConfigChild | None) -> list[str]:
    lines: list[str] = []
    for child in wanted.children:
        match = have.get_child(equals=child.text) if have is not None else None
        below = _missing(quirks, child, match)
        if match is None or below:
            lines.append(" " * (child.depth() - 1) + child.text)
            lines += below + _exit(quirks, child) if below else []
    return lines


def _exit(quirks: Quirks, section: HConfigChild) -> list[str]:
    """Leave a section explicitly: FRR's vtysh reads ``interface X`` inside ``router ospf6`` as its own command."""
    if not quirks.section_exit:
        return []
    exit_text = next((e for start, e in quirks.nested_exits if section.text.startswith(start)), quirks.section_exit)
    return [" " * (section.depth() - 1) + exit_text]


def restore(quirks: Quirks, current: str, backup: str) -> list[str]:
    """The lines that take the running config back to ``backup`` (negations of what was added)."""
    remediation = WorkflowRemediation(parse(quirks, current), parse(quirks, backup)).remediation_config
    skip = {f"no {line}" for line in quirks.no_negation}
    return [line for line in _lines(quirks, remediation) if line.strip() not in skip]


def differences(quirks: Quirks, a: str, b: str) -> list[str]:
    """What it takes to turn config ``a`` into ``b``; empty when they are the same config."""
    return differences_of(quirks, parse(quirks, a), parse(quirks, b))


def differences_of(quirks: Quirks, a: HConfig, b: HConfig) -> list[str]:
    return _lines(quirks, WorkflowRemediation(a, b).remediation_config)


def _lines(quirks: Quirks, config: HConfig | HConfigChild) -> list[str]:
    """Indented lines in hier_config's order (negations first), each section left explicitly."""
    lines: list[str] = []
    for child in sorted(config.children):
        lines.append(" " * (child.depth() - 1) + child.text)
        if child.children:
            lines += _lines(quirks, child) + _exit(quirks, child)
    return lines
