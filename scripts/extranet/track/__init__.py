"""Tracking the moves the policy documents order (private networks, systems, Internet exits, connections)."""

from .items import DISPOSITIONS, KINDS, Item, items, zombie_facts
from .rules import RULES, Rule

__all__ = ["DISPOSITIONS", "KINDS", "RULES", "Item", "Rule", "items", "zombie_facts"]
