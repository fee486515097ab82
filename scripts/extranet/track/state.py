"""Where each migration item stands: the state the inventory implies until the database records a change.

``planned → scheduled → in-progress → cut-over → verified → closed``, plus ``retired`` and ``exempted``. A change
needs evidence (``advance``) or a manual override that a second, different operator approves: an override
alone changes nothing, it waits as ``pending``.
"""

from dataclasses import dataclass, replace

from ..store.schema import TrackEvent
from .items import Item

STATES = ("planned", "scheduled", "in-progress", "cut-over", "verified", "closed", "retired", "exempted")


@dataclass(frozen=True)
class Standing:
    item: Item
    pending: TrackEvent | None  # an override waiting for its second operator
    changed_by: TrackEvent | None  # the applied event that set the state (None: the inventory's own)


def standings(found: list[Item], events: list[TrackEvent]) -> list[Standing]:
    """Each item with its state after the applied events (oldest first), and any override still pending."""
    applied: dict[str, TrackEvent] = {}
    pending: dict[str, TrackEvent] = {}
    approved = {e.approves for e in events if e.approves is not None}
    for event in events:
        if event.status == "applied":
            applied[event.item] = event
            pending.pop(event.item, None)  # a change supersedes what was waiting before it
        elif event.action == "override" and event.id not in approved:
            pending[event.item] = event
    result = []
    for item in found:
        by = applied.get(item.item)
        result.append(Standing(replace(item, state=by.state) if by else item, pending.get(item.item), by))
    return result
