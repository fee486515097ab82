"""IF-MIB arithmetic, free of SNMP I/O: which ifIndex is an interface, and what changed between two readings.

Kept apart from `snmp.py` so the counter arithmetic (wrap-around, HC counters missing on old devices, rates)
is pure and tested on its own.
"""

from collections.abc import Mapping
from dataclasses import dataclass

IF_DESCR = "1.3.6.1.2.1.2.2.1.2"
IF_NAME = "1.3.6.1.2.1.31.1.1.1.1"
# Read at every reading, per interface: ifOperStatus, the error counters, the 64-bit octet counters, and the
# 32-bit ones for devices without IF-MIB's ifXTable counters.
COUNTERS = {
    "oper": "1.3.6.1.2.1.2.2.1.8",
    "in_errors": "1.3.6.1.2.1.2.2.1.14",
    "out_errors": "1.3.6.1.2.1.2.2.1.20",
    "hc_in": "1.3.6.1.2.1.31.1.1.1.6",
    "hc_out": "1.3.6.1.2.1.31.1.1.1.10",
    "in": "1.3.6.1.2.1.2.2.1.10",
    "out": "1.3.6.1.2.1.2.2.1.16",
}
OPER_STATUS = {1: "up", 2: "down", 3: "testing", 4: "unknown", 5: "dormant", 6: "notPresent", 7: "lowerLayerDown"}


@dataclass(frozen=True, slots=True)
class Reading:
    """The COUNTERS of one interface at monotonic time `at`; None where the agent has no such object."""

    at: float
    values: Mapping[str, int | None]


@dataclass(frozen=True, slots=True)
class Change:
    """Between two readings: the status at the second, bits per second, errors counted in between."""

    oper_status: str | None
    in_bps: float | None
    out_bps: float | None
    in_errors: int | None
    out_errors: int | None


def find_index(names: Mapping[int, str], interface: str) -> int | None:
    """The lowest ifIndex named `interface`, exactly, else ignoring case; None if there is none.

    >>> find_index({1: "lo", 2: "GigabitEthernet0/0/1", 3: "Vlanif100"}, "gigabitethernet0/0/1")
    2
    >>> find_index({1: "lo"}, "eth0") is None
    True
    """
    for wanted in (interface, interface.casefold()):
        for index in sorted(names):
            name = names[index]
            if (name if wanted is interface else name.casefold()) == wanted:
                return index
    return None


def change(first: Reading, second: Reading) -> Change:
    """Rates and error counts between two readings, across counter wrap-around.

    >>> a = Reading(10.0, {"oper": 1, "in_errors": 4, "out_errors": 0, "hc_in": 1000, "hc_out": 0, "in": 0, "out": 0})
    >>> b = Reading(12.0, {"oper": 1, "in_errors": 6, "out_errors": 0, "hc_in": 3000, "hc_out": 0, "in": 0, "out": 0})
    >>> change(a, b)
    Change(oper_status='up', in_bps=8000.0, out_bps=0.0, in_errors=2, out_errors=0)
    >>> old = Reading(0.0, {"hc_in": None, "in": 2**32 - 100, "oper": 2})
    >>> change(old, Reading(1.0, {"hc_in": None, "in": 100, "oper": 2})).in_bps  # 32-bit counter wrapped
    1600.0
    """
    elapsed = max(second.at - first.at, 1e-6)

    def delta(name: str, bits: int) -> int | None:
        a, b = first.values.get(name), second.values.get(name)
        return None if a is None or b is None else (b - a) % (1 << bits)

    def rate(hc: str, legacy: str) -> float | None:
        octets = delta(hc, 64)
        if octets is None:
            octets = delta(legacy, 32)
        return None if octets is None else octets * 8 / elapsed

    oper = second.values.get("oper")
    status = None if oper is None else OPER_STATUS.get(oper, str(oper))
    return Change(status, rate("hc_in", "in"), rate("hc_out", "out"), delta("in_errors", 32), delta("out_errors", 32))
