"""When each department will finish, at the rate it has finished items so far.

The work of a department is its items the inventory alone does not already close (``Item.open``: an exempted
item or one already in place is not work). An item is done when the last applied event recorded for it
(``track_events``: an advance, or an approved override) moved it into a done state; it is done on that event's
day (UTC). The rate is the done items over the days since the first of them, both days counted (a department
that finished two items today did two a day); the forecast is today plus the remaining items at that rate,
rounded up to a whole day. No item done yet: no rate, no forecast. Everything done: the day of the last one.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from ..store.schema import TrackEvent
from .items import DONE, Item


@dataclass(frozen=True)
class Forecast:
    owner: str
    total: int  # items that are work
    done: int
    first_done: date | None
    last_done: date | None
    rate: float | None  # items a day; None: nothing done yet
    finish: date | None  # the forecast finish date; None: no rate yet
    due: date | None  # the latest deadline among its items

    @property
    def remaining(self) -> int:
        return self.total - self.done

    @property
    def late_days(self) -> int:
        """Days the forecast falls after the latest deadline (0 when on time or unknown)."""
        if self.finish is None or self.due is None:
            return 0
        return max(0, (self.finish - self.due).days)

    def as_json(self) -> dict[str, object]:
        return {
            "owner": self.owner, "items": self.total, "done": self.done, "remaining": self.remaining,
            "first_done": self.first_done, "last_done": self.last_done,
            "rate_per_day": round(self.rate, 3) if self.rate is not None else None, "forecast": self.finish,
            "due": self.due, "late_days": self.late_days,
        }  # fmt: skip


def done_on(events: Iterable[TrackEvent], today: date) -> dict[str, date | None]:
    """Per item with applied events up to ``today``: the day its last one moved it into a done state, else None
    (events after ``today`` have not happened yet when a plan is judged ``--on`` an earlier day)."""
    last: dict[str, TrackEvent] = {}
    applied = (e for e in events if e.status == "applied" and e.at.date() <= today)
    for event in sorted(applied, key=lambda e: (e.at, e.id or 0)):
        last[event.item] = event
    return {item: (e.at.date() if e.state in DONE else None) for item, e in last.items()}


def forecasts(found: Iterable[Item], events: Iterable[TrackEvent], today: date) -> list[Forecast]:
    """Per department (item owner) with work, by owner: done so far, the rate and the forecast finish date.

    ``found`` are the items as the inventory gives them (``track.items``), before recorded events change states.
    """
    finished = done_on(events, today)
    work: dict[str, list[Item]] = {}
    for item in found:
        if item.open:
            work.setdefault(item.owner, []).append(item)
    return [_forecast(owner, work[owner], finished, today) for owner in sorted(work)]


def _forecast(owner: str, work: list[Item], finished: dict[str, date | None], today: date) -> Forecast:
    days = sorted(d for i in work if (d := finished.get(i.item)) is not None)
    due = max((i.deadline for i in work if i.deadline), default=None)
    if not days:
        return Forecast(owner, len(work), 0, None, None, None, None, due)
    first, last = days[0], days[-1]
    span = (today - first).days + 1
    remaining = len(work) - len(days)
    finish = last if remaining == 0 else today + timedelta(days=-(-remaining * span // len(days)))  # rounded up
    return Forecast(owner, len(work), len(days), first, last, len(days) / span, finish, due)
