"""Waves: the order devices are changed in (from the core outwards) and the batch sizes (Ansible's ``serial``)."""

from collections import deque

from ..inventory import Inventory
from ..inventory.models import DeviceRole


class WaveError(ValueError):
    """A --waves value that is not a list of counts and percentages, or a timer out of its range."""


# Every platform's confirm timer takes 60 s – 2 h: IOS `configure terminal revert timer` 1–120 min, VRP8 `commit
# trial` 60–65535 s, Comware `configuration commit delay` and Junos `commit confirmed` 1–65535 min.
CONFIRM_SECONDS = (60, 7200)
CONVERGE_SECONDS = (0.0, 3600.0)  # 0: check once, do not wait


def check_timers(confirm_seconds: int, converge_timeout: float) -> None:
    """``--confirm-timer`` and ``--converge-timeout`` within what the devices and a rollout can honour.

    >>> check_timers(300, float("nan"))
    Traceback (most recent call last):
    extranet.rollout.waves.WaveError: --converge-timeout nan: give seconds from 0 to 3600
    """
    low, high = CONFIRM_SECONDS
    if not low <= confirm_seconds <= high:
        raise WaveError(
            f"--confirm-timer {confirm_seconds}: give seconds from {low} to {high} (what every platform's "
            "confirm timer takes; the change is rolled back by the device if not confirmed in time)"
        )
    if not CONVERGE_SECONDS[0] <= converge_timeout <= CONVERGE_SECONDS[1]:  # also false for nan
        raise WaveError(f"--converge-timeout {converge_timeout}: give seconds from 0 to 3600")


def neighbours(inv: Inventory) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in inv.devices}
    for link in inv.links.values():
        graph[link.a.device].add(link.b.device)
        graph[link.b.device].add(link.a.device)
    return graph


def core_device(inv: Inventory) -> str:
    """The router whose loopback every device must reach over IPv6: the first backbone router."""
    backbone = sorted(n for n, d in inv.devices.items() if d.role == DeviceRole.BACKBONE)
    return backbone[0] if backbone else sorted(inv.devices)[0]


def core_outwards(inv: Inventory, devices: list[str]) -> list[str]:
    """Breadth-first from the core, so every device's way to the core is dual-stack before it is checked.

    Ties are broken by name; devices not connected to the core come last, by name.
    """
    graph = neighbours(inv)
    start = core_device(inv)
    seen, order, queue = {start}, [start], deque([start])
    while queue:
        for nxt in sorted(graph[queue.popleft()] - seen):
            seen.add(nxt)
            order.append(nxt)
            queue.append(nxt)
    order += sorted(set(inv.devices) - seen)
    wanted = set(devices)
    return [name for name in order if name in wanted]


def parse_sizes(spec: str) -> list[str]:
    """``1,10%,100%`` → the batch sizes; each a count or a percentage, as Ansible's ``serial`` takes them.

    >>> parse_sizes("1, 10%,100%")
    ['1', '10%', '100%']
    >>> parse_sizes("1,,100%")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    extranet.rollout.waves.WaveError: --waves '1,,100%': an empty size between commas; give batch sizes such as ...%
    """
    parts = [part.strip() for part in spec.split(",")]
    sizes = [part for part in parts if part]
    if sizes and len(sizes) != len(parts):  # `1,,2` is a typo, not two sizes
        raise WaveError(f"--waves {spec!r}: an empty size between commas; give batch sizes such as 1,10%,100%")
    for size in sizes:
        number = size[:-1] if size.endswith("%") else size
        if not number.isdigit() or int(number) == 0 or (size.endswith("%") and int(number) > 100):
            raise WaveError(f"--waves {spec!r}: {size!r} is not a count (1, 2, …) or a percentage (1%–100%)")
    if not sizes:
        raise WaveError("--waves is empty: give batch sizes such as 1,10%,100%")
    return sizes


def batches(order: list[str], sizes: list[str]) -> list[list[str]]:
    """Cut ``order`` into waves; the last size repeats until every device has a wave (Ansible semantics).

    >>> batches(list("abcdefghij"), ["1", "20%", "100%"])
    [['a'], ['b', 'c'], ['d', 'e', 'f', 'g', 'h', 'i', 'j']]
    """
    waves: list[list[str]] = []
    rest, index = list(order), 0
    while rest:
        size = sizes[min(index, len(sizes) - 1)]
        count = max(1, len(order) * int(size[:-1]) // 100) if size.endswith("%") else int(size)
        waves.append(rest[:count])
        rest, index = rest[count:], index + 1
    return waves


def failure_budget(spec: str, total: int) -> int:
    """How many devices may fail before later waves are stopped: a count or a percentage of the devices.

    >>> failure_budget("10%", 30), failure_budget("0", 30)
    (3, 0)
    """
    number = spec[:-1] if spec.endswith("%") else spec
    if not number.isdigit() or (spec.endswith("%") and int(number) > 100):
        raise WaveError(f"--failure-budget {spec!r}: give a count (0, 1, …) or a percentage (0%–100%)")
    return total * int(number) // 100 if spec.endswith("%") else int(number)
