"""The plan exported for other tools: CSV and JSON of the dual-stack pairs, NetBox's CSV import formats."""

import csv
import io
import json
from collections.abc import Iterable, Iterator
from itertools import repeat
from typing import Any

from .. import platforms
from ..inventory import Inventory
from ..spreadsheet import FORMULA_START, text_cell
from .lock import Lock
from .pairs import Pair, pairs
from .slots import prefix_text

PAIR_COLUMNS = ["kind", "owner", "name", "site", "ipv4", "ipv6", "device", "interface", "description"]
# NetBox 4.2+ bulk import (ipam/forms/bulk_import.py: PrefixImportForm, IPAddressImportForm). Only columns
# every 4.x release accepts, plus scope_type/scope_name (4.5.5+) when sites are named.
NETBOX_PREFIX_COLUMNS = ["prefix", "status", "description"]
NETBOX_PREFIX_SCOPED_COLUMNS = ["prefix", "status", "scope_type", "scope_name", "description"]
NETBOX_ADDRESS_COLUMNS = ["address", "status", "role", "device", "interface", "description"]


def _csv(columns: list[str], rows: Iterable[dict[str, Any]]) -> str:
    """A header and the rows; text a spreadsheet would take for a formula (a description from the inventory)
    gets a leading quote."""
    return _table(columns, ([row.get(column, "") for column in columns] for row in rows))


def _table(columns: list[str], rows: Iterable[Iterable[Any]]) -> str:
    """The CSV text of rows given as cells in ``columns``' order, each cell through the formula guard."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(map(text_cell, row) for row in rows)
    return out.getvalue()


def pairs_csv(inv: Inventory, lock: Lock) -> str:
    """The pairs as CSV (a Pair's fields are PAIR_COLUMNS, in that order, all text)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(PAIR_COLUMNS)
    start = repeat(FORMULA_START)
    # a row none of whose cells starts like a formula is written as it is (the guard per cell: 4 million calls)
    writer.writerows(map(text_cell, row) if any(map(str.startswith, row, start)) else row for row in pairs(inv, lock))
    return out.getvalue()


def pairs_json(inv: Inventory, lock: Lock) -> str:
    document = {
        "region": inv.region.id,
        "prefix": str(inv.region.ipv6),
        "pairs": [p.as_dict() for p in pairs(inv, lock)],
    }
    return json.dumps(document, ensure_ascii=False, indent=1)


def netbox_prefixes(inv: Inventory, lock: Lock, scoped: bool = False, rows_of: list[Pair] | None = None) -> str:
    """Prefixes: the region as a container, every LAN, link and hand-off /64 as active (``rows_of``: the pairs,
    when the caller has them already). Rows are made as the CSV is written, never held as a list (a province's
    400,000)."""
    return _csv(NETBOX_PREFIX_SCOPED_COLUMNS if scoped else NETBOX_PREFIX_COLUMNS, _prefix_rows(inv, lock, rows_of))


def _prefix_rows(inv: Inventory, lock: Lock, rows_of: list[Pair] | None) -> Iterator[dict[str, Any]]:
    yield {"prefix": str(inv.region.ipv6), "status": "container", "description": f"{inv.region.name} IPv6"}
    for row in pairs(inv, lock) if rows_of is None else rows_of:
        if row.kind == "lan":
            yield {
                "prefix": row.ipv6,
                "status": "active",
                "scope_type": "dcim.site",
                "scope_name": inv.sites[row.site].name,
                "description": row.description,
            }
    for section, description in (("links", "link {}"), ("handoffs", "hand-off {}")):
        for key, value in sorted(lock.section(section).items()):
            yield {"prefix": prefix_text(value, 64), "status": "active", "description": description.format(key)}


def netbox_addresses(inv: Inventory, lock: Lock, rows_of: list[Pair] | None = None) -> str:
    """IP addresses on device interfaces (loopbacks with role loopback), ready to import."""
    return _csv(NETBOX_ADDRESS_COLUMNS, _address_rows(inv, lock, rows_of))


def _address_rows(inv: Inventory, lock: Lock, rows_of: list[Pair] | None) -> Iterator[dict[str, Any]]:
    for row in pairs(inv, lock) if rows_of is None else rows_of:
        if row.kind == "lan":
            continue
        interface = row.interface
        role = ""
        if row.kind == "loopback":
            interface, role = platforms.get(inv.devices[row.device].platform).loopback_interface, "loopback"
        yield {
            "address": row.ipv6,
            "status": "active",
            "role": role,
            "device": row.device,
            "interface": interface,
            "description": row.description,
        }
