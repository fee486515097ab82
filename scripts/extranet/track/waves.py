"""Waves: the items grouped by the calendar quarter their deadline falls in, in date order.

A wave is named after its quarter (``2027-Q1``) because the plans set month-end deadlines ("2018年10月底前") and
departments report monthly: a quarter gathers a few such dates into one push an engineer can schedule. Its date is
the latest deadline in it (``due``). Items without a deadline (the inventory gives none and the rule's clause sets
none) wait in the last wave, ``unscheduled``, which has no date. A wave is overdue while any item in it is open
past its own deadline.

>>> wave_of(date(2027, 3, 31)), wave_of(date(2027, 4, 1)), wave_of(None)
('2027-Q1', '2027-Q2', 'unscheduled')
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # items.py names each item's wave with wave_of: a run-time import would be circular
    from .items import Item

UNSCHEDULED = "unscheduled"


def wave_of(deadline: date | None) -> str:
    """The wave an item with this deadline belongs to."""
    if deadline is None:
        return UNSCHEDULED
    return f"{deadline.year}-Q{(deadline.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class Wave:
    name: str
    items: tuple["Item", ...]

    @property
    def due(self) -> date | None:
        """The latest deadline in the wave (None: unscheduled)."""
        return max((i.deadline for i in self.items if i.deadline), default=None)

    @property
    def first(self) -> date | None:
        return min((i.deadline for i in self.items if i.deadline), default=None)

    def late(self, today: date) -> list["Item"]:
        """The items open past their deadline on ``today``."""
        return [i for i in self.items if i.overdue_days(today)]

    def as_json(self, today: date) -> dict[str, object]:
        late = self.late(today)
        return {
            "wave": self.name, "first": self.first, "due": self.due, "items": len(self.items),
            "done": sum(1 for i in self.items if not i.open), "open": sum(1 for i in self.items if i.open),
            "overdue": len(late), "overdue_days": max((i.overdue_days(today) for i in late), default=0),
            "members": [i.item for i in self.items],
        }  # fmt: skip


def waves(found: Iterable["Item"]) -> list[Wave]:
    """The waves of ``found``, by date, ``unscheduled`` last; each wave's items by deadline, then item name."""
    grouped: dict[str, list[Item]] = {}
    for item in found:
        grouped.setdefault(item.wave, []).append(item)
    ordered = sorted(grouped, key=lambda name: (name == UNSCHEDULED, name))
    return [Wave(name, tuple(sorted(grouped[name], key=lambda i: (i.deadline or date.max, i.item))))
            for name in ordered]  # fmt: skip
