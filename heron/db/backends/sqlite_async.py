"""Async SQLite: a sqlite3 connection owned by a worker thread, one thread hop per operation.

This is aiosqlite's model (sqlite3 has no async API, so each connection gets a thread)
cut down to what ``Database`` needs: a whole operation (execute and fetch) runs in one
hop, where aiosqlite's public API takes one per cursor call; the thread is a daemon, so
a pool nobody closed never keeps the interpreter from exiting; and a result for an
event loop that has closed meanwhile is dropped instead of crashing the thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import Callable
from queue import SimpleQueue
from typing import Any

_Job = tuple[asyncio.AbstractEventLoop, "asyncio.Future[Any]", Callable[..., Any], tuple[Any, ...]]


def _settle(future: asyncio.Future[Any], ok: bool, result: Any) -> None:
    if not future.done():
        if ok:
            future.set_result(result)
        else:
            future.set_exception(result)


class AsyncSQLiteConnection:
    """``await conn.run(func, *args)`` runs ``func(*args)`` in the connection's thread."""

    __slots__ = ("_finished", "_jobs", "_queued", "_thread", "closed", "raw")

    def __init__(self) -> None:
        self.raw: sqlite3.Connection | None = None
        self.closed = False
        self._jobs: SimpleQueue[_Job | None] = SimpleQueue()
        # Jobs queued (counted by the loop's thread) and finished (by the worker thread).
        self._queued = 0
        self._finished = 0
        self._thread = threading.Thread(target=self._work, name="heron-sqlite", daemon=True)
        self._thread.start()

    @classmethod
    async def connect(cls, connector: Callable[[], sqlite3.Connection]) -> AsyncSQLiteConnection:
        """Open a connection with ``connector``, called in the new connection's thread."""
        conn = cls()
        try:
            conn.raw = await conn.run(connector)
        except BaseException:
            conn.abandon()
            raise
        return conn

    def run(self, func: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        """Queue ``func(*args)`` for the connection's thread; await the result."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._queued += 1
        self._jobs.put((loop, future, func, args))
        return future

    @property
    def busy(self) -> bool:
        """Whether a job is still queued or running, e.g. one its caller was cancelled from."""
        return self._queued != self._finished

    def _work(self) -> None:
        jobs = self._jobs
        while (job := jobs.get()) is not None:
            loop, future, func, args = job
            try:
                result, ok = func(*args), True
            except BaseException as exc:
                result, ok = exc, False
            self._finished += 1  # before the result is handed over: its waiter sees it idle
            # RuntimeError: the loop closed while the job ran; nobody waits for it.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_settle, future, ok, result)
        if self.raw is not None:
            self.raw.close()

    def abandon(self) -> None:
        """Close the connection once queued work is done, without waiting (any thread)."""
        if not self.closed:
            self.closed = True
            self._jobs.put(None)

    async def close(self) -> None:
        """Close the connection and wait for its thread to end."""
        self.abandon()
        await asyncio.to_thread(self._thread.join)
