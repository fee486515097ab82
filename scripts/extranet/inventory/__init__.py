"""The inventory: the source of truth of what exists, loaded from YAML and validated across files."""

from .load import Inventory, Origin, inventory_dir, load_inventory
from .problems import InventoryError, Problem

__all__ = ["Inventory", "InventoryError", "Origin", "Problem", "inventory_dir", "load_inventory"]
