"""Garbage-collector settings for the long-running loops (the worker, the embedded runner).

Each event allocates thousands of short-lived objects (pydantic models, dataclasses, JSON), and the
default generation-0 threshold (700 allocations) runs a collection every event or two, each one
walking the young objects and, now and then, every long-lived one (templates, zone tables, modules).
After start-up, everything alive is frozen out of the collector's sight and the young generation is
collected less often. Reference counting still frees almost everything at once; the collector only
has cycles left to find.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_THRESHOLD = 20_000


def settle_after_startup() -> None:
    """Freeze what start-up allocated and collect the young generation less often."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)


@contextmanager
def settled() -> Iterator[None]:
    """``settle_after_startup`` for a block (an embedded run); the collector is as before afterwards."""
    thresholds = gc.get_threshold()
    settle_after_startup()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
