"""Reports from what the database recorded, in Chinese or English: the connections report (probe runs)."""

from .connections import ConnectionsReport, NoProbeRun, build, parse_since
from .formats import BOM, Format, render
from .labels import Lang

__all__ = ["BOM", "ConnectionsReport", "Format", "Lang", "NoProbeRun", "build", "parse_since", "render"]
