"""``Database.hold()`` / ``Database.ahold()``: one pooled connection for a block's statements.

Written as classes rather than generator-based context managers: an async generator
costs a registration with the event loop's generator hooks on every entry, several
microseconds of a request that holds a connection for its queries.
"""

from __future__ import annotations

import threading
from asyncio import _get_running_loop
from contextvars import ContextVar, Token
from types import TracebackType
from typing import TYPE_CHECKING

from heron.db.backends.state import TransactionState, open_state
from heron.db.backends.turns import Turns
from heron.db.errors import AsyncContextError

if TYPE_CHECKING:
    from heron.db.backends.base import Database
    from heron.db.backends.pool import AsyncPool

__all__ = ["AsyncHold", "Hold"]


class Hold:
    """``with db.hold():`` (see ``Database.hold``)."""

    __slots__ = ("_db", "_state", "_token")

    def __init__(self, db: Database) -> None:
        self._db = db
        self._state: TransactionState | None = None
        self._token: Token[TransactionState | None] | None = None

    def __enter__(self) -> None:
        db = self._db
        if _get_running_loop() is not None:
            raise AsyncContextError("Database.hold()", "Database.ahold()")
        _check_not_entered(self._token)
        if open_state(db._sync_held.get()):
            return  # nested: the outer block's connection serves
        self._state = TransactionState(db._pool.acquire(), threading.Lock())
        self._token = db._sync_held.set(self._state)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        token, state = self._token, self._state
        if token is None or state is None:
            return
        self._token = self._state = None
        state.ended = True  # threads that inherited the context stop using it
        db = self._db
        _reset(db._sync_held, token)
        conn = state.conn
        if db._usable(conn):
            db._pool.release(conn)
        else:
            db._pool.discard(conn)


class AsyncHold:
    """``async with db.ahold():`` (see ``Database.ahold``)."""

    __slots__ = ("_db", "_pool", "_state", "_token")

    def __init__(self, db: Database) -> None:
        self._db = db
        self._state: TransactionState | None = None
        self._pool: AsyncPool | None = None
        self._token: Token[TransactionState | None] | None = None

    async def __aenter__(self) -> None:
        db = self._db
        _check_not_entered(self._token)
        if open_state(db._async_held.get()):
            return  # nested: the outer block's connection serves
        pool = self._pool = db._apools.current()
        conn = pool.take()
        if conn is None:
            conn = await pool.acquire_slow()
        self._state = TransactionState(conn, Turns())
        self._token = db._async_held.set(self._state)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        token, state, pool = self._token, self._state, self._pool
        if token is None or state is None or pool is None:
            return
        self._token = self._state = self._pool = None
        state.ended = True  # tasks that inherited the context stop using it
        db = self._db
        _reset(db._async_held, token)
        conn = state.conn
        if db._ausable(conn):
            pool.release(conn)
        else:
            pool.discard(conn)


def _check_not_entered(token: object) -> None:
    if token is not None:
        raise RuntimeError("this hold() is already entered; call hold() again for a new block")


def _reset(var: ContextVar[TransactionState | None], token: Token[TransactionState | None]) -> None:
    try:
        var.reset(token)
    except ValueError:  # left in another context than it was entered in
        var.set(None)
