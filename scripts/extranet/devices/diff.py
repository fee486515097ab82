"""The change is the difference between the running and the intended config, computed by hier_config with
the platform's own driver (its sections, negation and sectional exits).

The intended config of a rollout is a *fragment* (the dual-stack lines), so the change is what the fragment
has that the running config lacks, in the fragment's order (the template's push order). A rollback is the
full remediation from the current running config back to the backup.
"""

import re
from ipaddress import ip_address

from hier_config import HConfig, WorkflowRemediation, get_hconfig
from hier_config.child import HConfigChild

from ..platforms.base import Platform


def normalize(platform: Platform, config: str) -> str:
    """The config lines only: no headers, banners, section ends or blank lines; a section that appears twice
    (a saved config assembled from parts, a fragment built from several templates) is one section."""
    noise = [re.compile(pattern) for pattern in platform.noise]
    if platform.indented_globals:
        config = "\n".join(_dedent_globals(config.splitlines()))
    blocks: dict[str, list[str]] = {}
    current: list[str] = []
    again = False  # the current section appeared before: its lines join the first one's
    for line in config.splitlines():
        stripped = line.strip()
        if not stripped or any(p.search(stripped) for p in noise):
            continue
        if line[0] in " \t" and current:
            if not (again and line.rstrip() in current):
                current.append(line.rstrip())
            continue
        again = line.rstrip() in blocks
        current = blocks.setdefault(line.rstrip(), [line.rstrip()])
    return "\n".join(line for block in blocks.values() for line in block)


def _dedent_globals(lines: list[str]) -> list[str]:
    """Comware prints a global command one blank in (`` sysname X``) in a block of its own between ``#`` lines,
    and a section at the margin (``interface X``): a block that starts one blank in is global.

    >>> _dedent_globals(["#", " sysname r1", "#", "interface GigabitEthernet1/0/1", " ip address 198.51.100.1 30"])
    ['#', 'sysname r1', '#', 'interface GigabitEthernet1/0/1', ' ip address 198.51.100.1 30']
    """
    out, dedent, first = [], False, True
    for line in lines:
        if line.strip() == "#":
            out.append(line)
            dedent, first = False, True
            continue
        if first and line.strip():
            dedent, first = line.startswith(" ") and not line.startswith("  "), False
        out.append(line[1:] if dedent and line.startswith(" ") else line)
    return out


def parse(platform: Platform, config: str) -> HConfig:
    return get_hconfig(platform.hier_driver(), normalize(platform, config))


def _implicit_lines(platform: Platform, running: str) -> str:
    """The lines the platform does not print while in effect (FRR: ``ipv6 forwarding``)."""
    present = set(normalize(platform, running).splitlines())
    return "\n".join(line for line, negation in platform.implicit.items() if negation not in present)


def change(platform: Platform, running: str, fragment: str) -> list[str]:
    """The lines to send: the fragment's lines missing from the running config, with their parent sections,
    then the removal of stale owned lines (see ``stale``).

    A negation (``no ipv6 nd suppress-ra``) is missing unless the running config prints it: the default it
    undoes is not printed, so its absence says nothing.
    """
    current = parse(platform, running + "\n" + _implicit_lines(platform, running))
    wanted = parse(platform, fragment)
    return _missing(wanted, current) + stale(platform, current, wanted)


def stale(platform: Platform, current: HConfig, wanted: HConfig) -> list[str]:
    """Negations of the owned lines (``Platform.owned``: a global IPv6 address, an OSPFv3 area) that a section
    of the fragment has in the running config but not in the fragment — an old plan's address would otherwise
    stay beside the new one. Compared case- and zero-insensitively (``2001:DB8::1`` is ``2001:db8::1``)."""
    owned = [re.compile(pattern) for pattern in platform.owned]
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
    return differences_of(platform, current, pruned) if found else []


def _canonical(line: str) -> str:
    words = []
    for word in line.lower().split():
        address, slash, length = word.partition("/")
        try:
            words.append(str(ip_address(address)) + slash + length if ":" in address else word)
        except ValueError:
            words.append(word)
    return " ".join(words)


def _missing(wanted: HConfig | HConfigChild, have: HConfig | HConfigChild | None) -> list[str]:
    lines: list[str] = []
    for child in wanted.children:
        match = have.get_child(equals=child.text) if have is not None else None
        below = _missing(child, match)
        if match is None or below:
            lines.append(" " * (child.depth() - 1) + child.text)
            lines += below + _exit(child) if below else []
    return lines


def _exit(section: HConfigChild) -> list[str]:
    """Leave a section explicitly, as the platform's driver says (``quit`` on VRP/Comware, ``exit`` on IOS,
    ``exit-address-family``): vtysh reads ``interface lo`` inside ``router ospf6`` as its own command."""
    text = section.sectional_exit
    return [" " * (section.depth() - 1) + text] if text else []


def restore(platform: Platform, current: str, backup: str) -> list[str]:
    """The lines that take the running config back to ``backup`` (negations of what was added)."""
    remediation = WorkflowRemediation(parse(platform, current), parse(platform, backup)).remediation_config
    driver = platform.hier_driver()
    skip = {driver.negation_prefix + line for line in platform.never_negated}
    return [line for line in _lines(remediation) if line.strip() not in skip]


def differences(platform: Platform, a: str, b: str) -> list[str]:
    """What it takes to turn config ``a`` into ``b``; empty when they are the same config."""
    return differences_of(platform, parse(platform, a), parse(platform, b))


def differences_of(platform: Platform, a: HConfig, b: HConfig) -> list[str]:
    return _lines(WorkflowRemediation(a, b).remediation_config)


def _lines(config: HConfig | HConfigChild) -> list[str]:
    """Indented lines in hier_config's order (negations first), each section left explicitly."""
    lines: list[str] = []
    for child in sorted(config.children):
        lines.append(" " * (child.depth() - 1) + child.text)
        if child.children:
            lines += _lines(child) + _exit(child)
    return lines
