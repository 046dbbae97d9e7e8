"""Building many objects at once without the cyclic garbage collector running meanwhile.

Loading 1,000 rows allocates 2,000-3,000 container objects (rows, instances, their
dicts) that all stay alive until the list is returned. With the collector on, each 700
allocations start a young collection that finds nothing to free and promotes the
survivors, and the promotions soon trigger full collections over the whole heap: 40 %
of the time of a 1,000-row asyncpg fetch (measured in docs/architecture.md). The
objects built here hold no reference cycles, so pausing the collector for the loop loses
nothing; reference counting frees them as usual.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

#: Below this many rows a load triggers at most a couple of young collections.
MIN_ROWS = 256


def build_many(build: Callable[[Sequence[Any]], T], rows: Sequence[Any]) -> T:
    """``build(rows)``, with the collector paused when there are many rows.

    The collector's switch is process-wide: a load that finds it off (paused by another
    thread's load, or by the application) leaves it as it is.
    """
    if len(rows) < MIN_ROWS or not gc.isenabled():
        return build(rows)
    gc.disable()
    try:
        return build(rows)
    finally:
        gc.enable()
