"""The ``command-log`` getter every platform that logs configuration commands shares: the output of the command
that prints the device's own log (a log buffer, a log file) read into ``history.cmdlog.Command`` records.

A platform gives the line its output starts with (the buffer's header, or the first log line where the command
prints no header); text without it is another command's output and is refused. The lines from there on are read
by ``history.cmdlog.parse``, which finds the vendor's message anywhere in a line, keeping the platform's own
messages only (another vendor's message text inside a logged command is not a record).
"""

from re import Pattern

from ..history.cmdlog import Command, parse
from .results import ParseError


def command_log(output: str, platform: str, start: Pattern[str], what: str, year: int | None = None) -> list[Command]:
    """The commands ``output`` records, oldest or newest first as the device prints them.

    ``year`` is for stamps without one (IOS, Junos): unset, the current year (last year for a line that would
    otherwise lie in the future), as the device's clock would have it.
    """
    lines = output.split("\n")
    first = next((number for number, line in enumerate(lines) if start.search(line)), None)
    if first is None:
        raise ParseError(1, f"expected {what}")
    return [c for c in parse("\n".join(lines[first:]), year=year) if c.platform == platform]
