"""The change is the difference between the running and the intended config, computed by hier_config.

The intended config of a rollout is a *fragment* (the dual-stack lines), so the change is what the fragment
has that the running config lacks, in the fragment's order (the template's push order). A rollback is the
full remediation from the current running config back to the backup.
"""

import re

from hier_config import HConfig, Platform, WorkflowRemediation, get_hconfig

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
    """The lines to send: the fragment's lines missing from the running config, with their parent sections."""
    current = parse(quirks, running + "\n" + _implicit_lines(quirks, running))
    missing = parse(quirks, fragment).difference(current)
    return _lines(missing, ordered=False)


def restore(quirks: Quirks, current: str, backup: str) -> list[str]:
    """The lines that take the running config back to ``backup`` (negations of what was added)."""
    remediation = WorkflowRemediation(parse(quirks, current), parse(quirks, backup)).remediation_config
    skip = {f"no {line}" for line in quirks.no_negation}
    return [line for line in _lines(remediation) if line.strip() not in skip]


def differences(quirks: Quirks, a: str, b: str) -> list[str]:
    """What it takes to turn config ``a`` into ``b``; empty when they are the same config."""
    return _lines(WorkflowRemediation(parse(quirks, a), parse(quirks, b)).remediation_config)


def _lines(config: HConfig, ordered: bool = True) -> list[str]:
    """Indented lines; ``ordered``: hier_config's order (negations first), else the config's own order."""
    children = config.all_children_sorted() if ordered else config.all_children()
    return [" " * (child.depth() - 1) + child.text for child in children]
