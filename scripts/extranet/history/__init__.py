"""Config history: device configurations in a git repository, secrets scrubbed, one commit per change.

``ConfigHistory(path).record(...)`` after every backup, change and rollback; auditors read the repository with
plain git, or through ``log``, ``show`` and ``diff``.
"""

from .repo import ConfigHistory, HistoryEntry, HistoryError
from .scrub import scrub

__all__ = ["ConfigHistory", "HistoryEntry", "HistoryError", "scrub"]
