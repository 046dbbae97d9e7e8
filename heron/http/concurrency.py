"""Running blocking iteration off the event loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterable
from typing import Final, TypeVar

__all__ = ["iterate_in_threadpool"]

T = TypeVar("T")
_DONE: Final = object()


async def iterate_in_threadpool(iterable: Iterable[T]) -> AsyncIterator[T]:
    """Advance a sync iterable in worker threads, one item per thread hop.

    When iteration stops early (the consumer is cancelled, e.g. because the
    client went away), the iterator's ``close()`` runs as soon as no ``next()``
    is in flight, so generator cleanup is deterministic.
    """
    iterator = iter(iterable)
    lock = threading.Lock()
    running = False
    stopped = False

    def close() -> None:
        closer = getattr(iterator, "close", None)
        if closer is not None:
            closer()

    def step() -> object:
        nonlocal running
        try:
            return next(iterator, _DONE)
        finally:
            with lock:
                running = False
                if stopped:
                    close()

    try:
        while True:
            with lock:
                running = True
            item = await asyncio.to_thread(step)
            if item is _DONE:
                return
            yield item  # type: ignore[misc]
    finally:
        with lock:
            stopped = True
            if not running:
                close()
