"""Transactions: ``atomic()`` (sync and async, nested savepoints, decorator) and ``on_commit()``.

Entering the outermost ``atomic()`` takes a pooled connection and begins a transaction
on it; the database's queries in the same context then use that connection. Inner
blocks are savepoints. Sync and async code have separate transactions: ``with atomic()``
holds a sync connection, ``async with atomic()`` an async one. The state lives in a
``ContextVar`` per database, so each asyncio task and each thread has its own (a task
created inside a block inherits, and shares, its transaction).
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import threading
from asyncio import _get_running_loop
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from types import TracebackType
from typing import Any, TypeVar, cast, overload

from heron.db.backends.base import Database
from heron.db.backends.state import Level, TransactionState, open_state
from heron.db.backends.turns import Turns
from heron.db.connections import DEFAULT_DB_ALIAS, connections
from heron.db.errors import AsyncContextError, DatabaseError, TransactionManagementError

F = TypeVar("F", bound=Callable[..., Any])
Callback = tuple[Callable[[], Any], bool]

logger = logging.getLogger("heron.db")

# Callbacks scheduled as tasks outside a transaction, kept alive until they finish.
_background: set[asyncio.Task[Any]] = set()


def _database(using: str | None) -> Database:
    return connections[using or DEFAULT_DB_ALIAS]


def _active_state(db: Database) -> TransactionState | None:
    """The transaction of the current context: the async one in a loop's thread, else sync."""
    if _get_running_loop() is not None:
        return _open(db._async_tx)
    return _open(db._sync_tx)


def _open(var: ContextVar[TransactionState | None]) -> TransactionState | None:
    """The context's transaction, unless its outermost block has ended.

    A task created inside a block inherits the block's state and may outlive it; once the
    block has ended, its connection is back in the pool and the task is in no transaction.
    """
    return open_state(var.get())


def _only_testing(levels: list[Level]) -> bool:
    return all(level.testing for level in levels)


def _inner_plan(state: TransactionState, level: Level, failed: bool) -> tuple[str, ...]:
    """What ends an inner block: release its savepoint, roll back to it, or doom the outer one."""
    if level.sid is None:
        if failed:
            state.rollback_only = True
        return ()
    if not failed and not state.rollback_only:
        return (f"RELEASE SAVEPOINT {level.sid}",)
    state.rollback_only = False
    del state.callbacks[level.mark :]
    return (f"ROLLBACK TO SAVEPOINT {level.sid}", f"RELEASE SAVEPOINT {level.sid}")


def _released(state: TransactionState, level: Level) -> list[Callback]:
    """Callbacks to run now that ``level`` committed into a test's transaction, if it did."""
    if level.sid is None or state.rollback_only or not _only_testing(state.levels):
        return []
    callbacks = state.callbacks[level.mark :]
    del state.callbacks[level.mark :]
    return callbacks


def _doom_out_of_order(state: TransactionState, task: object) -> None:
    """Drop ``task``'s innermost level and doom the transaction to its outermost block.

    The blocks still open cannot be undone alone (their savepoints interleave), so none
    of them may clear the mark; the outer blocks then end normally, rolling back.
    """
    for index in range(len(state.levels) - 1, 0, -1):
        if state.levels[index].owner is task:
            del state.levels[index]
            break
    for level in state.levels[1:]:
        level.sid = None
    state.rollback_only = True


def _reset(var: ContextVar[TransactionState | None], state: TransactionState) -> None:
    try:
        var.reset(state.token)  # type: ignore[arg-type]
    except ValueError:  # exited in another context than it was entered in
        var.set(None)


class Atomic:
    """``atomic()``: a context manager (``with``/``async with``) and a decorator.

    It keeps no per-entry state, so one instance may be entered by many threads and
    tasks at once, and re-entered (as a decorator of a recursive function).
    """

    __slots__ = ("durable", "savepoint", "testing", "using")

    def __init__(
        self,
        using: str | None = None,
        savepoint: bool = True,
        durable: bool = False,
        *,
        testing: bool = False,
    ) -> None:
        self.using = using
        self.savepoint = savepoint
        self.durable = durable
        # A test fixture's block: always rolled back; blocks inside it act as outermost.
        self.testing = testing

    def __call__(self, func: F) -> F:
        """Decorate ``func`` (sync or async) to run inside this block."""
        if inspect.isgeneratorfunction(func) or inspect.isasyncgenfunction(func):
            # The block would end when the generator is created, before any of it runs.
            raise TypeError(
                f"atomic() cannot decorate the generator function {func.__qualname__}: "
                "open the block inside it (`with atomic():` or `async with atomic():`)"
            )
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                async with self:
                    return await func(*args, **kwargs)

            return cast(F, run_async)

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return cast(F, run)

    def _check_durable(self, state: TransactionState) -> None:
        if self.durable and not _only_testing(state.levels):
            raise TransactionManagementError(
                "a durable atomic block cannot be nested within another atomic block; "
                "durable=True is for code that must commit for real when it leaves the block"
            )

    def _sid(self, state: TransactionState) -> str | None:
        # Inside only a test's block, a block acts as the outermost: it always needs one.
        if not self.savepoint and not _only_testing(state.levels):
            return None
        state.counter += 1
        return f"heron_sp{state.counter}"

    # -- sync -----------------------------------------------------------------------------------

    def __enter__(self) -> None:
        if _get_running_loop() is not None:
            raise AsyncContextError("`with atomic()`", "`async with atomic()`")
        db = _database(self.using)
        state = _open(db._sync_tx)
        if state is None:
            state = TransactionState(db._tx_begin(), threading.Lock())
            state.token = db._sync_tx.set(state)
            state.levels.append(Level(None, 0, None, self.testing))
            return
        self._check_durable(state)
        sid = self._sid(state)
        if sid is not None:
            with state.lock:
                db._tx_statement(state.conn, f"SAVEPOINT {sid}")
        state.levels.append(Level(sid, len(state.callbacks), None, self.testing))

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        db = _database(self.using)
        state = db._sync_tx.get()
        if state is None or not state.levels:
            raise TransactionManagementError("an atomic block was exited without being entered")
        level = state.levels.pop()
        failed = exc_type is not None
        if state.levels:
            with state.lock:
                self._exit_inner(db, state, level, failed)
            _run_callbacks(_released(state, level))
            return
        state.ended = True  # from here on, tasks that inherited it use the pool
        committed = False
        broken = False
        try:
            with state.lock:
                if failed or state.rollback_only or level.testing:
                    broken = not _try(db._tx_statement, state.conn, "ROLLBACK")
                else:
                    try:
                        db._tx_commit(state.conn)
                    except DatabaseError:
                        broken = not _try(db._tx_statement, state.conn, "ROLLBACK")
                        raise
                    committed = True
        finally:
            _reset(db._sync_tx, state)
            db._tx_end(state.conn, broken)
        if committed:
            _run_callbacks(state.callbacks)

    def _exit_inner(
        self, db: Database, state: TransactionState, level: Level, failed: bool
    ) -> None:
        statements = _inner_plan(state, level, failed)
        if len(statements) == 1:  # release; if that fails, roll back to the savepoint
            try:
                db._tx_statement(state.conn, statements[0])
            except DatabaseError:
                del state.callbacks[level.mark :]
                if not _try(db._tx_statement, state.conn, f"ROLLBACK TO SAVEPOINT {level.sid}"):
                    state.rollback_only = True
                raise
        elif statements:
            for sql in statements:
                if not _try(db._tx_statement, state.conn, sql):
                    state.rollback_only = True  # cannot undo this block: undo the whole
                    break

    # -- async ----------------------------------------------------------------------------------

    async def __aenter__(self) -> None:
        db = _database(self.using)
        state = _open(db._async_tx)
        owner = asyncio.current_task()
        if state is None:
            state = TransactionState(await db._atx_begin(), Turns())
            state.token = db._async_tx.set(state)
            state.levels.append(Level(None, 0, owner, self.testing))
            return
        self._check_durable(state)
        sid = self._sid(state)
        if sid is not None:
            async with state.lock:
                await db._atx_statement(state.conn, f"SAVEPOINT {sid}")
        state.levels.append(Level(sid, len(state.callbacks), owner, self.testing))

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        db = _database(self.using)
        state = db._async_tx.get()
        if state is None or not state.levels:
            raise TransactionManagementError("an atomic block was exited without being entered")
        if state.levels[-1].owner is not asyncio.current_task():
            _doom_out_of_order(state, asyncio.current_task())
            raise TransactionManagementError(
                "atomic blocks of tasks sharing one transaction were left out of order; "
                "give concurrent tasks their own transaction (start them outside the block)"
            )
        level = state.levels.pop()
        failed = exc_type is not None
        if state.levels:
            async with state.lock:
                await self._aexit_inner(db, state, level, failed)
            await _arun_callbacks(_released(state, level))
            return
        state.ended = True  # from here on, tasks that inherited it use the pool
        committed = False
        broken = False
        try:
            async with state.lock:
                if failed or state.rollback_only or level.testing:
                    broken = not await _atry(db._atx_statement, state.conn, "ROLLBACK")
                else:
                    try:
                        await db._atx_commit(state.conn)
                    except DatabaseError:
                        broken = not await _atry(db._atx_statement, state.conn, "ROLLBACK")
                        raise
                    committed = True
        finally:
            _reset(db._async_tx, state)
            db._atx_end(state.conn, broken)
        if committed:
            await _arun_callbacks(state.callbacks)

    async def _aexit_inner(
        self, db: Database, state: TransactionState, level: Level, failed: bool
    ) -> None:
        statements = _inner_plan(state, level, failed)
        if len(statements) == 1:
            try:
                await db._atx_statement(state.conn, statements[0])
            except DatabaseError:
                del state.callbacks[level.mark :]
                rollback = f"ROLLBACK TO SAVEPOINT {level.sid}"
                if not await _atry(db._atx_statement, state.conn, rollback):
                    state.rollback_only = True
                raise
        elif statements:
            for sql in statements:
                if not await _atry(db._atx_statement, state.conn, sql):
                    state.rollback_only = True
                    break


def _try(run: Callable[[Any, str], None], conn: Any, sql: str) -> bool:
    try:
        run(conn, sql)
    except DatabaseError:
        logger.warning("%s failed while ending a transaction", sql, exc_info=True)
        return False
    return True


async def _atry(run: Callable[[Any, str], Awaitable[None]], conn: Any, sql: str) -> bool:
    try:
        await run(conn, sql)
    except DatabaseError:
        logger.warning("%s failed while ending a transaction", sql, exc_info=True)
        return False
    return True


@overload
def atomic(using: F) -> F: ...


@overload
def atomic(using: str | None = None, savepoint: bool = True, durable: bool = False) -> Atomic: ...


def atomic(
    using: str | Callable[..., Any] | None = None, savepoint: bool = True, durable: bool = False
) -> Atomic | Any:
    """A transaction block: ``with atomic():``, ``async with atomic():``, ``@atomic``.

    The outermost block commits when it ends normally and rolls back on an exception;
    a nested block is a savepoint (``savepoint=False``: an error in it dooms the outer
    block instead). ``durable=True`` refuses to run nested, so the block really commits.
    """
    if callable(using):
        return Atomic(None, savepoint, durable)(using)
    return Atomic(using, savepoint, durable)


# -- callbacks ------------------------------------------------------------------------------


def on_commit(func: Callable[[], Any], using: str | None = None, robust: bool = False) -> None:
    """Call ``func`` after the current transaction commits; never if it rolls back.

    A callback registered in a savepoint that rolls back is dropped. ``func`` may be a
    coroutine function: an async transaction awaits it after committing; a sync one runs
    it with ``asyncio.run()``. Outside a transaction ``func`` runs at once (a coroutine
    function is started as a task of the running loop, if any). With ``robust=True`` an
    exception from ``func`` is logged and the next callbacks still run.
    """
    db = _database(using)
    state = _active_state(db)
    if state is None or _only_testing(state.levels):
        _call_now(func, robust)
        return
    state.callbacks.append((func, robust))


def _call_now(func: Callable[[], Any], robust: bool) -> None:
    loop = _get_running_loop()
    if loop is None:
        _run_callbacks([(func, robust)])
        return
    try:
        result = func()
    except Exception:
        if not robust:
            raise
        logger.exception("on_commit callback %r failed", func)
        return
    if inspect.isawaitable(result):
        task = loop.create_task(_guarded(result, func))
        _background.add(task)
        task.add_done_callback(_background.discard)


async def _guarded(awaitable: Awaitable[Any], func: Callable[[], Any]) -> None:
    try:
        await awaitable
    except Exception:
        logger.exception("on_commit callback %r failed", func)


async def _await(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


def _run_callbacks(callbacks: list[Callback]) -> None:
    for func, robust in callbacks:
        try:
            result = func()
            if inspect.isawaitable(result):
                asyncio.run(_await(result))
        except Exception:
            if not robust:
                raise
            logger.exception("on_commit callback %r failed", func)


async def _arun_callbacks(callbacks: list[Callback]) -> None:
    for func, robust in callbacks:
        try:
            result = func()
            if inspect.isawaitable(result):
                await result
        except Exception:
            if not robust:
                raise
            logger.exception("on_commit callback %r failed", func)


# -- flags ------------------------------------------------------------------------------------


def in_atomic_block(using: str | None = None) -> bool:
    """True inside ``atomic()`` on ``using`` in the current context (sync or async)."""
    return _active_state(_database(using)) is not None


def set_rollback(rollback: bool, using: str | None = None) -> None:
    """Mark the innermost atomic block to roll back (``True``) or not when it ends."""
    state = _active_state(_database(using))
    if state is None:
        raise TransactionManagementError("set_rollback() only works inside an atomic block")
    state.rollback_only = rollback


def get_rollback(using: str | None = None) -> bool:
    """Whether the innermost atomic block is marked to roll back."""
    state = _active_state(_database(using))
    if state is None:
        raise TransactionManagementError("get_rollback() only works inside an atomic block")
    return state.rollback_only


__all__ = [
    "Atomic",
    "atomic",
    "get_rollback",
    "in_atomic_block",
    "on_commit",
    "set_rollback",
]
