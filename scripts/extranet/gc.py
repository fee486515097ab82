"""Bulk work without the cyclic garbage collector.

Loading or planning a province builds millions of small objects and no reference cycles; CPython's
generational collector would rescan the growing heap again and again (a third of the run time).
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def without_gc() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
