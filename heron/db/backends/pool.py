"""Small connection pools: a thread-safe one for sync drivers, a per-event-loop one for async.

A pooled connection is a raw driver connection in autocommit mode. Taking one that is
idle is a ``deque.pop()``; giving it back is an ``append``. Nothing is run on the
connection when it is taken or returned: the caller discards a connection an error
left broken instead of returning it.
"""

from __future__ import annotations

import asyncio
import contextlib
import select
import threading
import time
import weakref
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

from heron.db.errors import OperationalError

#: seconds a pooled sync connection may sit idle before it is checked when taken
STALE_AFTER = 1.0


def socket_quiet(fd: int) -> bool:
    """True when an idle connection's socket has nothing to read: no EOF, no stray message.

    A socket the server closed polls readable (EOF), so an idle connection whose socket
    is readable is not trusted.
    """
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
    return not poller.poll(0)


def _exhausted(alias: str, size: int, timeout: float) -> OperationalError:
    return OperationalError(
        f"database {alias!r}: no connection became free within {timeout:g} s "
        f"(all {size} pooled connections are in use); raise POOL_SIZE or POOL_TIMEOUT, "
        "or look for connections held by long transactions"
    )


class SyncPool:
    """Up to ``size`` connections shared by threads; waits ``timeout`` s when all are busy."""

    __slots__ = (
        "_alias",
        "_alive",
        "_available",
        "_close",
        "_connect",
        "_idle",
        "_open",
        "_waiting",
        "size",
        "timeout",
    )

    def __init__(
        self,
        alias: str,
        connect: Callable[[], Any],
        close: Callable[[Any], None],
        alive: Callable[[Any], bool],
        size: int,
        timeout: float,
    ) -> None:
        self._alias = alias
        self._connect = connect
        self._close = close
        self._alive = alive
        # (connection, when it was given back)
        self._idle: deque[tuple[Any, float]] = deque()
        self._open = 0
        self._waiting = 0
        self._available = threading.Condition(threading.Lock())
        self.size = size
        self.timeout = timeout

    @property
    def open_count(self) -> int:
        """Connections open now, idle or in use."""
        return self._open

    @property
    def idle_count(self) -> int:
        """Connections waiting in the pool."""
        return len(self._idle)

    def acquire(self) -> Any:
        """An idle connection, a new one while under ``size``, or one freed within ``timeout``.

        A connection idle for more than ``STALE_AFTER`` seconds is checked first (its
        socket polled, no query), so one the server closed meanwhile is replaced.
        """
        idle = self._idle
        while True:
            try:
                conn, since = idle.pop()
            except IndexError:
                return self._acquire_slow()
            if time.monotonic() - since < STALE_AFTER or self._alive(conn):
                return conn
            self.discard(conn)

    def _acquire_slow(self) -> Any:
        deadline = time.monotonic() + self.timeout
        while True:
            with self._available:
                while True:
                    if self._idle:
                        conn, since = self._idle.pop()
                        break
                    if self._open < self.size:
                        self._open += 1
                        conn = None
                        break
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise _exhausted(self._alias, self.size, self.timeout)
                    # Count as waiting before the last look at ``idle``: ``release`` appends
                    # without the lock, then notifies only if someone is waiting.
                    self._waiting += 1
                    try:
                        if not self._idle:
                            self._available.wait(remaining)
                    finally:
                        self._waiting -= 1
            if conn is None:
                return self._open_new()
            if time.monotonic() - since < STALE_AFTER or self._alive(conn):
                return conn
            self.discard(conn)

    def _open_new(self) -> Any:
        try:
            return self._connect()
        except BaseException:
            self._forget()
            raise

    def release(self, conn: Any) -> None:
        """Give a healthy connection back."""
        self._idle.append((conn, time.monotonic()))
        if self._waiting:
            with self._available:
                self._available.notify()

    def discard(self, conn: Any) -> None:
        """Close a connection that must not be reused and free its slot."""
        with contextlib.suppress(Exception):  # a broken connection may fail to close
            self._close(conn)
        self._forget()

    def _forget(self) -> None:
        with self._available:
            self._open -= 1
            if self._waiting:
                self._available.notify()

    def close(self) -> None:
        """Close the idle connections; the pool stays usable and reconnects when asked."""
        while True:
            try:
                conn, _ = self._idle.pop()
            except IndexError:
                return
            self.discard(conn)


class AsyncPool:
    """Up to ``size`` connections used by the tasks of one event loop."""

    __slots__ = (
        "_abandon",
        "_alias",
        "_close",
        "_connect",
        "_guard",
        "_healthy",
        "_open",
        "_waiters",
        "idle",
        "loop",
        "size",
        "timeout",
    )

    def __init__(
        self,
        alias: str,
        loop: asyncio.AbstractEventLoop,
        connect: Callable[[], Awaitable[Any]],
        close: Callable[[Any], Awaitable[None]],
        abandon: Callable[[Any], None],
        healthy: Callable[[Any], bool],
        size: int,
        timeout: float,
    ) -> None:
        self._alias = alias
        self.loop = loop
        self._connect = connect
        self._close = close
        self._abandon = abandon
        self._healthy = healthy
        self.size = size
        self.timeout = timeout
        self.idle: deque[Any] = deque()
        self._open = 0
        # Futures of tasks waiting for a connection; each gets a connection, or None
        # meaning "a slot is free, connect yourself".
        self._waiters: deque[asyncio.Future[Any]] = deque()
        self._guard: AsyncGenerator[None, None] | None = None

    @property
    def open_count(self) -> int:
        """Connections open now, idle or in use."""
        return self._open

    async def _closer(self) -> AsyncGenerator[None, None]:
        """Parked at ``yield`` while the pool is open, in the loop's set of async generators.

        ``asyncio.run()`` (and every ``asyncio.Runner``) closes those generators before it
        closes the loop, so the pool's connections get closed while the loop still runs.
        """
        try:
            yield
        finally:
            self._guard = None
            await self.aclose()

    def take(self) -> Any:
        """An idle connection that is still open, or ``None``.

        Async drivers notice a connection closed by the server while it is idle (the loop
        reads its socket), so checking it is an attribute lookup.
        """
        idle = self.idle
        while idle:
            conn = idle.pop()
            if self._healthy(conn):
                return conn
            self.discard(conn)
        return None

    async def acquire(self) -> Any:
        """An idle connection, a new one while under ``size``, or one freed within ``timeout``."""
        conn = self.take()
        if conn is None:
            conn = await self.acquire_slow()
        return conn

    async def acquire_slow(self) -> Any:
        """The part of ``acquire`` that connects or waits (callers ``take()`` first)."""
        if self._guard is None:
            self._guard = self._closer()
            await anext(self._guard)
        while True:
            conn = self.take()
            if conn is not None:
                return conn
            if self._open < self.size:
                self._open += 1
                try:
                    return await self._connect()
                except BaseException:
                    self._forget()
                    raise
            conn = await self._wait()
            if conn is not None:
                return conn

    async def _wait(self) -> Any:
        waiter = self.loop.create_future()
        self._waiters.append(waiter)
        expiry = self.loop.call_later(self.timeout, _expire, waiter)
        try:
            return await waiter
        except _PoolTimeout:
            raise _exhausted(self._alias, self.size, self.timeout) from None
        except BaseException:
            if waiter.done() and not waiter.cancelled() and waiter.result() is not None:
                self.release(waiter.result())  # handed a connection while being cancelled
            raise
        finally:
            expiry.cancel()
            served = waiter.done() and not waiter.cancelled() and waiter.exception() is None
            if not served:  # timed out or cancelled: still queued, leave the queue
                waiter.cancel()
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)

    def release(self, conn: Any) -> None:
        """Give a healthy connection back, straight to a waiting task if there is one."""
        waiters = self._waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return
        self.idle.append(conn)

    def discard(self, conn: Any) -> None:
        """Drop a connection that must not be reused (closed without waiting) and free its slot."""
        with contextlib.suppress(Exception):  # a broken connection may fail to close
            self._abandon(conn)
        self._forget()

    def _forget(self) -> None:
        self._open -= 1
        waiters = self._waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    async def aclose(self) -> None:
        """Close the idle connections gracefully (on this pool's loop)."""
        guard, self._guard = self._guard, None
        while self.idle:
            conn = self.idle.pop()
            self._open -= 1
            try:
                await self._close(conn)
            except Exception:
                self._abandon(conn)
        if guard is not None:
            await guard.aclose()

    def abandon_idle(self) -> None:
        """Drop the idle connections without awaiting (their loop may be closed)."""
        while self.idle:
            self.discard(self.idle.pop())
        guard, self._guard = self._guard, None
        if guard is not None:
            # Finish the guard here: with no idle connection left its ``finally`` awaits
            # nothing, and a guard left unfinished would be handed to its loop (maybe
            # closed) when collected.
            closing = guard.aclose()
            try:
                closing.send(None)
            except StopIteration:
                pass
            except BaseException:
                closing.close()


class AsyncPools:
    """One ``AsyncPool`` per event loop: async connections are bound to the loop they use.

    Each ``asyncio.run()``, each test with its own loop and the loop of a test client's
    thread get their own pool; pools of loops that have closed are dropped (their
    connections closed without waiting) the next time another loop asks.
    """

    __slots__ = ("_factory", "_last", "_lock", "_pools")

    def __init__(self, factory: Callable[[asyncio.AbstractEventLoop], AsyncPool]) -> None:
        self._factory = factory
        self._last: AsyncPool | None = None
        self._lock = threading.Lock()  # loops of several threads may switch at once
        self._pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncPool] = (
            weakref.WeakKeyDictionary()
        )

    def current(self) -> AsyncPool:
        """The pool of the running loop."""
        loop = asyncio.get_running_loop()
        pool = self._last
        if pool is not None and pool.loop is loop:
            return pool
        return self._switch(loop)

    def _switch(self, loop: asyncio.AbstractEventLoop) -> AsyncPool:
        closed: list[AsyncPool] = []
        with self._lock:
            pool = self._pools.get(loop)
            if pool is None:
                for other, old in list(self._pools.items()):
                    if other.is_closed():
                        closed.append(old)
                        self._pools.pop(other, None)
                pool = self._pools[loop] = self._factory(loop)
            self._last = pool
        for old in closed:
            old.abandon_idle()
        return pool

    def _take_all(self) -> list[AsyncPool]:
        with self._lock:
            pools = list(self._pools.values())
            self._pools = weakref.WeakKeyDictionary()
            self._last = None
        return pools

    async def aclose(self) -> None:
        """Close the running loop's pool gracefully and drop those of other loops."""
        loop = asyncio.get_running_loop()
        for pool in self._take_all():
            if pool.loop is loop:
                await pool.aclose()
            else:
                pool.abandon_idle()

    def close(self) -> None:
        """Drop every pool's idle connections without awaiting."""
        for pool in self._take_all():
            pool.abandon_idle()


class _PoolTimeout(Exception):
    """A waiter's time ran out before a connection came back."""


def _expire(waiter: asyncio.Future[Any]) -> None:
    if not waiter.done():
        waiter.set_exception(_PoolTimeout())
