"""Work a command leaves for its end: what it can only do once the rest of the command has run (a cache kept
only where the command made the workspace's ``var/`` meanwhile)."""

import contextlib
from collections.abc import Callable, Iterator

_ENDS: list[dict[str, Callable[[], None]]] = []  # per command running in this process, innermost last


@contextlib.contextmanager
def command() -> Iterator[None]:
    """Around one command: runs what ``at_the_end`` was given, once, in the order given, when it ends (also with
    an error: what is left must not depend on the command's outcome)."""
    ends: dict[str, Callable[[], None]] = {}
    _ENDS.append(ends)
    try:
        yield
    finally:
        _ENDS.remove(ends)
        for work in ends.values():
            work()


def at_the_end(name: str, work: Callable[[], None]) -> bool:
    """Run ``work`` when the command ends, in place of what was given under the same ``name``; ``False`` (and
    nothing kept) outside a command: in a library call there is no end to wait for.

    >>> at_the_end("x", lambda: print("ran"))
    False
    >>> with command():
    ...     at_the_end("x", lambda: print("first"))
    ...     at_the_end("x", lambda: print("second"))
    True
    True
    second
    """
    if not _ENDS:
        return False
    _ENDS[-1][name] = work
    return True
