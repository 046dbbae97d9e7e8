"""``Database``: one configured database, executing compiled SQL on pooled driver connections.

The public methods are written once here; each vendor module (``sqlite``, ``postgresql``,
``mysql``) supplies the driver primitives (``_fetchone(conn, sql, params)`` …) and the
error translation. Outside ``atomic()`` a call takes an autocommit connection from the
pool and gives it back on every path; inside, it uses the transaction's connection,
found in a ``ContextVar`` of this database (one for sync, one for async code).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import threading
from asyncio import _get_running_loop
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Iterator,
    Mapping,
    Sequence,
)
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy.engine import URL

from heron.db.backends.hold import AsyncHold, Hold
from heron.db.backends.pool import AsyncPool, AsyncPools, SyncPool
from heron.db.backends.settings import normalize_settings, parse_url, vendor_of
from heron.db.backends.state import TransactionState, live_state, open_state
from heron.db.errors import (
    AsyncContextError,
    DatabaseError,
    ImproperlyConfigured,
    TransactionManagementError,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect, Engine
    from sqlalchemy.ext.asyncio import AsyncEngine

Row = Sequence[Any]
Params = Sequence[Any]


def _doomed() -> TransactionManagementError:
    return TransactionManagementError(
        "This transaction will be rolled back (an error inside atomic(savepoint=False), or "
        "set_rollback(True)), so no more queries run in it: let the error leave the outer "
        "atomic block, or give the inner block a savepoint (the default) to carry on."
    )


class NativeSQL(str):
    """SQL whose placeholders are already the server's own (``$1``, ``$2``... on PostgreSQL).

    A driver that parses ``%s`` placeholders on every call (psycopg does for statements of
    more than 50 parameters) sends it as it is; ``Database.native_placeholders`` says
    whether a backend takes it.
    """

    __slots__ = ()


QueryListener = Callable[[str, Any], None]
Op = Callable[[Any, str, Any], Any]

DEFAULT_CHUNK = 2000

_VENDOR_CLASSES = {
    "sqlite": ("heron.db.backends.sqlite", "SQLiteDatabase", "sqlite3 and aiosqlite", "heron"),
    "postgresql": (
        "heron.db.backends.postgresql",
        "PostgreSQLDatabase",
        "psycopg and asyncpg",
        "heron[postgresql]",
    ),
    "mysql": ("heron.db.backends.mysql", "MySQLDatabase", "pymysql and asyncmy", "heron[mysql]"),
}


class Database:
    """A database alias: pools of sync and async driver connections, dialects and engines.

    ``Database("postgresql://user@host/db")`` picks the vendor from the URL; settings may
    also be a dict (``{"URL": ..., "POOL_SIZE": 10, "POOL_TIMEOUT": 30, "OPTIONS": {}}``).
    Nothing connects until the first query (or the first use of a dialect).
    """

    vendor: ClassVar[str] = ""
    #: paramstyles of the sync and async drivers (what the dialects compile)
    paramstyles: ClassVar[tuple[str, str]] = ("", "")
    #: statement opening a transaction
    begin_sql: str = "BEGIN"
    #: whether the sync driver runs ``NativeSQL`` unparsed
    native_placeholders: ClassVar[bool] = False
    _sync_errors: ClassVar[tuple[type[BaseException], ...]] = ()
    _async_errors: ClassVar[tuple[type[BaseException], ...]] = ()

    def __new__(
        cls,
        settings: str | URL | Mapping[str, Any],
        *,
        alias: str = "default",
        root_path: str | os.PathLike[str] | None = None,
    ) -> Database:
        if cls is Database:
            url = settings.get("URL", "") if isinstance(settings, Mapping) else settings
            cls = vendor_class(vendor_of(parse_url(url or "")))
        return object.__new__(cls)

    def __init__(
        self,
        settings: str | URL | Mapping[str, Any],
        *,
        alias: str = "default",
        root_path: str | os.PathLike[str] | None = None,
    ) -> None:
        self.alias = alias
        self.settings = normalize_settings(alias, settings, root_path)
        self.url: str = self.settings["URL"]
        self.options: dict[str, Any] = self.settings["OPTIONS"]
        #: listeners called as ``fn(sql, params)`` before each statement runs (tests)
        self.queries: list[QueryListener] = []
        self._sync_tx: ContextVar[TransactionState | None] = ContextVar(
            f"heron.db.{alias}.sync_transaction", default=None
        )
        self._async_tx: ContextVar[TransactionState | None] = ContextVar(
            f"heron.db.{alias}.async_transaction", default=None
        )
        # A connection held by ``hold()``/``ahold()``: queries outside a transaction use it.
        self._sync_held: ContextVar[TransactionState | None] = ContextVar(
            f"heron.db.{alias}.sync_held", default=None
        )
        self._async_held: ContextVar[TransactionState | None] = ContextVar(
            f"heron.db.{alias}.async_held", default=None
        )
        size, timeout = self.settings["POOL_SIZE"], self.settings["POOL_TIMEOUT"]
        self._pool = SyncPool(alias, self._open_sync, self._close, self._alive, size, timeout)
        self._apools = AsyncPools(self._new_async_pool)
        self._init_lock = threading.RLock()
        self._engine: Engine | None = None
        self._async_engine: AsyncEngine | None = None
        self._dialects: tuple[Dialect, Dialect] | None = None
        #: extra keyword arguments of ``sqlalchemy.create_engine`` (set by vendors)
        self.engine_options: dict[str, Any] = {}

    def __repr__(self) -> str:
        shown = parse_url(self.url).render_as_string(hide_password=True)
        return f"<{type(self).__name__} {self.alias!r} {shown}>"

    # -- dialects and SQLAlchemy engines -------------------------------------------------------

    @property
    def sync_dialect(self) -> Dialect:
        """The SQLAlchemy dialect to compile SQL for the sync driver, initialised for the server."""
        dialects = self._dialects
        if dialects is None:
            dialects = self._initialise_dialects()
        return dialects[0]

    @property
    def async_dialect(self) -> Dialect:
        """The SQLAlchemy dialect to compile SQL for the async driver, initialised for the server.

        The first use connects once with the sync driver (blocking, a few milliseconds).
        """
        dialects = self._dialects
        if dialects is None:
            dialects = self._initialise_dialects()
        return dialects[1]

    def _once(self, attr: str, make: Callable[[Database], Any]) -> Any:
        """``self.<attr>``, set to ``make(self)`` by the first caller (thread-safe)."""
        value = getattr(self, attr)
        if value is None:
            with self._init_lock:
                value = getattr(self, attr)
                if value is None:
                    value = make(self)
                    setattr(self, attr, value)
        return value

    def _initialise_dialects(self) -> tuple[Dialect, Dialect]:
        from heron.db.backends.engines import initialise_dialects

        dialects: tuple[Dialect, Dialect] = self._once("_dialects", initialise_dialects)
        return dialects

    def sqlalchemy_engine(self) -> Engine:
        """A real SQLAlchemy ``Engine`` (sync driver) for DDL, Alembic and tests; cached."""
        from heron.db.backends.engines import create_engine

        engine: Engine = self._once("_engine", create_engine)
        return engine

    def sqlalchemy_async_engine(self) -> AsyncEngine:
        """A SQLAlchemy ``AsyncEngine`` (async driver); needs ``greenlet``; cached."""
        from heron.db.backends.engines import create_async_engine

        engine: AsyncEngine = self._once("_async_engine", create_async_engine)
        return engine

    def sqlalchemy_url(self, *, asynchronous: bool = False) -> URL:
        """The SQLAlchemy URL naming Heron's sync (or async) driver for this database."""
        raise NotImplementedError

    def setup_dbapi_connection(self, conn: Any) -> None:
        """Prepare a new DB-API connection of a SQLAlchemy engine as Heron prepares its own."""

    def _set_up(self, conn: Any) -> Any:
        """``conn``, a new DB-API connection, after ``setup_dbapi_connection`` (closed if
        that fails)."""
        try:
            self.setup_dbapi_connection(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    # -- query listeners ---------------------------------------------------------------------

    def _report(self, sql: str, params: Any) -> None:
        for listener in list(self.queries):
            listener(sql, params)

    @contextlib.contextmanager
    def capture_queries(self) -> Iterator[list[tuple[str, Any]]]:
        """Record ``(sql, params)`` of every statement run while the block is open."""
        captured: list[tuple[str, Any]] = []

        def listener(sql: str, params: Any) -> None:
            captured.append((sql, params))

        self.queries.append(listener)
        try:
            yield captured
        finally:
            self.queries.remove(listener)

    # -- sync execution --------------------------------------------------------------------------

    def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Run ``sql`` and return every row (sequences indexable by position)."""
        return self._run(self._fetchall, sql, params, "fetchall")  # type: ignore[no-any-return]

    def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """Run ``sql`` and return its first row, or ``None``."""
        return self._run(self._fetchone, sql, params, "fetchone")  # type: ignore[no-any-return]

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run ``sql`` and return the number of rows it changed (-1 when unknown)."""
        return self._run(self._execute, sql, params, "execute")  # type: ignore[no-any-return]

    def executemany(self, sql: str, seq_of_params: Sequence[Params]) -> None:
        """Run ``sql`` once per parameter tuple (batched where the driver can)."""
        self._run(self._executemany, sql, seq_of_params, "executemany")

    def _run(self, op: Op, sql: str, params: Any, method: str) -> Any:
        if _get_running_loop() is not None:
            raise AsyncContextError(f"Database.{method}()", f"await Database.a{method}()")
        if self.queries:
            self._report(sql, params)
        state = self._sync_tx.get() or self._sync_held.get()
        if state is not None and state.ended:  # a block this thread outlived
            state = live_state(self._sync_tx.get(), self._sync_held.get())
        if state is not None:
            if state.rollback_only:
                raise _doomed()
            with state.lock:
                try:
                    return op(state.conn, sql, params)
                except self._sync_errors as exc:
                    raise self._translate(exc) from exc
        pool = self._pool
        conn = pool.acquire()
        try:
            result = op(conn, sql, params)
        except self._sync_errors as exc:
            self._give_back(conn, exc)
            raise self._translate(exc) from exc
        except BaseException:
            pool.discard(conn)
            raise
        pool.release(conn)
        return result

    def iterate(self, sql: str, params: Params = (), chunk: int = DEFAULT_CHUNK) -> Iterator[Row]:
        """Yield the rows of ``sql``, fetched ``chunk`` at a time (server-side where possible).

        Outside ``atomic()`` the iteration holds a pooled connection until it ends or the
        iterator is closed.
        """
        if _get_running_loop() is not None:
            raise AsyncContextError("Database.iterate()", "Database.aiterate()")
        if self.queries:
            self._report(sql, params)
        state = open_state(self._sync_tx.get())  # not one of a block this thread outlived
        if state is not None:
            return self._iterate_in(state, sql, params, chunk)
        return self._iterate_pooled(sql, params, chunk)

    def _iterate_in(
        self, state: TransactionState, sql: str, params: Params, chunk: int
    ) -> Iterator[Row]:
        chunks = self._chunks(state.conn, sql, params, chunk, True)
        try:
            while True:
                with state.lock:
                    try:
                        rows = next(chunks)
                    except StopIteration:
                        return
                    except self._sync_errors as exc:
                        raise self._translate(exc) from exc
                yield from rows
        finally:
            with state.lock:
                chunks.close()

    def _iterate_pooled(self, sql: str, params: Params, chunk: int) -> Iterator[Row]:
        pool = self._pool
        conn = pool.acquire()
        try:
            chunks = self._chunks(conn, sql, params, chunk, False)
            try:
                for rows in chunks:
                    yield from rows
            finally:
                chunks.close()
        except self._sync_errors as exc:
            self._give_back(conn, exc)
            raise self._translate(exc) from exc
        except GeneratorExit:
            pool.release(conn)  # closed early; the cursor was closed above
            raise
        except BaseException:
            pool.discard(conn)
            raise
        pool.release(conn)

    def _give_back(self, conn: Any, exc: BaseException) -> None:
        if self._usable(conn) and not self._is_disconnect(exc):
            self._pool.release(conn)
        else:
            self._pool.discard(conn)

    def _open_sync(self) -> Any:
        try:
            return self._connect()
        except self._sync_errors as exc:
            raise self._translate(exc) from exc

    # -- async execution -------------------------------------------------------------------------

    # The a-methods return ``_arun``'s coroutine rather than awaiting it in one of their
    # own: one coroutine less per query (they are awaited exactly the same way).

    def afetchall(
        self, sql: str, params: Params = (), into: Callable[[list[Row]], Any] | None = None
    ) -> Awaitable[Any]:
        """Run ``sql`` and return every row (sequences indexable by position), or what
        ``into(rows)`` makes of them: the ORM builds its result there rather than in a
        coroutine of its own, which every suspension of the query would pass through."""
        return self._arun(self._afetchall, sql, params, into)

    def afetchone(self, sql: str, params: Params = ()) -> Awaitable[Row | None]:
        """Run ``sql`` and return its first row, or ``None``."""
        return self._arun(self._afetchone, sql, params)

    def aexecute(self, sql: str, params: Params = ()) -> Awaitable[int]:
        """Run ``sql`` and return the number of rows it changed (-1 when unknown)."""
        return self._arun(self._aexecute, sql, params)

    def aexecutemany(self, sql: str, seq_of_params: Sequence[Params]) -> Awaitable[None]:
        """Run ``sql`` once per parameter tuple (batched where the driver can)."""
        return self._arun(self._aexecutemany, sql, seq_of_params)

    async def _arun(
        self, op: Op, sql: str, params: Any, into: Callable[[Any], Any] | None = None
    ) -> Any:
        if self.queries:
            self._report(sql, params)
        state = self._async_tx.get() or self._async_held.get()
        if state is not None and state.ended:  # a block this task outlived
            state = live_state(self._async_tx.get(), self._async_held.get())
        if state is not None:
            if state.rollback_only:
                raise _doomed()
            turns = state.lock  # tasks sharing the connection take turns (Turns, inline)
            if turns.busy:
                await turns.take()
            else:
                turns.busy = True
            try:
                result = await op(state.conn, sql, params)
            except self._async_errors as exc:
                result = await self._aafter_error(exc, op, state.conn, sql, params, None)
            finally:
                if turns.waiters:
                    turns.give_back()
                else:
                    turns.busy = False
            return result if into is None else into(result)
        pool = self._apools.current()
        conn = pool.take()
        if conn is None:
            conn = await pool.acquire_slow()
        try:
            result = await op(conn, sql, params)
        except self._async_errors as exc:
            result = await self._aafter_error(exc, op, conn, sql, params, pool)
        except BaseException:
            pool.discard(conn)
            raise
        pool.release(conn)
        return result if into is None else into(result)

    async def _aafter_error(
        self, exc: BaseException, op: Op, conn: Any, sql: str, params: Any, pool: Any
    ) -> Any:
        """Run ``op`` once more when the backend can recover from the driver error ``exc``
        (``_recoverable``); otherwise give a pooled connection back and raise ``exc``
        translated. The retry lives here, out of the hot path, rather than in a coroutine
        around every statement."""
        if self._recoverable(exc, conn, sql):
            try:
                return await op(conn, sql, params)
            except self._async_errors as again:
                exc = again
            except BaseException:
                if pool is not None:
                    pool.discard(conn)
                raise
        if pool is not None:
            self._agive_back(pool, conn, exc)
        raise self._translate(exc) from exc

    def _recoverable(self, exc: BaseException, conn: Any, sql: str) -> bool:
        """Whether running the statement again may succeed after the driver error ``exc``
        (PostgreSQL: a prepared statement gone stale). Not by default."""
        return False

    def aiterate(
        self, sql: str, params: Params = (), chunk: int = DEFAULT_CHUNK
    ) -> AsyncIterator[Row]:
        """Yield the rows of ``sql``, fetched ``chunk`` at a time (server-side where possible).

        Close the iterator when leaving early (``async with contextlib.aclosing(...)``) so
        the pooled connection it holds goes back at once rather than when it is collected.
        """
        if self.queries:
            self._report(sql, params)
        state = open_state(self._async_tx.get())  # not one of a block this task outlived
        if state is not None:
            return self._aiterate_in(state, sql, params, chunk)
        return self._aiterate_pooled(sql, params, chunk)

    async def _aiterate_in(
        self, state: TransactionState, sql: str, params: Params, chunk: int
    ) -> AsyncIterator[Row]:
        chunks = self._achunks(state.conn, sql, params, chunk, True)
        try:
            while True:
                async with state.lock:
                    try:
                        rows = await anext(chunks)
                    except StopAsyncIteration:
                        return
                    except self._async_errors as exc:
                        raise self._translate(exc) from exc
                for row in rows:
                    yield row
        finally:
            async with state.lock:
                await chunks.aclose()

    async def _aiterate_pooled(self, sql: str, params: Params, chunk: int) -> AsyncIterator[Row]:
        pool = self._apools.current()
        conn = await pool.acquire()
        try:
            chunks = self._achunks(conn, sql, params, chunk, False)
            try:
                async for rows in chunks:
                    for row in rows:
                        yield row
            finally:
                await chunks.aclose()
        except self._async_errors as exc:
            self._agive_back(pool, conn, exc)
            raise self._translate(exc) from exc
        except GeneratorExit:
            pool.release(conn)
            raise
        except BaseException:
            pool.discard(conn)
            raise
        pool.release(conn)

    def _agive_back(self, pool: AsyncPool, conn: Any, exc: BaseException) -> None:
        if self._ausable(conn) and not self._is_disconnect(exc):
            pool.release(conn)
        else:
            pool.discard(conn)

    def _new_async_pool(self, loop: asyncio.AbstractEventLoop) -> AsyncPool:
        size, timeout = self.settings["POOL_SIZE"], self.settings["POOL_TIMEOUT"]
        return AsyncPool(
            self.alias,
            loop,
            self._open_async,
            self._aclose_conn,
            self._abandon,
            self._ausable,
            size,
            timeout,
        )

    async def _open_async(self) -> Any:
        try:
            return await self._aconnect()
        except self._async_errors as exc:
            raise self._translate(exc) from exc

    # -- transactions (used by heron.db.transaction) -------------------------------------------

    def _tx_begin(self) -> Any:
        """A pooled connection with a transaction begun on it."""
        conn = self._pool.acquire()
        try:
            self._control(conn, self.begin_sql)
        except self._sync_errors as exc:
            self._give_back(conn, exc)
            raise self._translate(exc) from exc
        except BaseException:
            self._pool.discard(conn)
            raise
        return conn

    def _tx_statement(self, conn: Any, sql: str) -> None:
        try:
            self._control(conn, sql)
        except self._sync_errors as exc:
            raise self._translate(exc) from exc

    def _tx_commit(self, conn: Any) -> None:
        try:
            self._commit(conn)
        except self._sync_errors as exc:
            raise self._translate(exc) from exc

    def _tx_end(self, conn: Any, broken: bool) -> None:
        if broken or not self._usable(conn):
            self._pool.discard(conn)
        else:
            self._pool.release(conn)

    async def _atx_begin(self) -> Any:
        pool = self._apools.current()
        conn = await pool.acquire()
        try:
            await self._acontrol(conn, self.begin_sql)
        except self._async_errors as exc:
            self._agive_back(pool, conn, exc)
            raise self._translate(exc) from exc
        except BaseException:
            pool.discard(conn)
            raise
        return conn

    async def _atx_statement(self, conn: Any, sql: str) -> None:
        try:
            await self._acontrol(conn, sql)
        except self._async_errors as exc:
            raise self._translate(exc) from exc

    async def _atx_commit(self, conn: Any) -> None:
        try:
            await self._acommit(conn)
        except self._async_errors as exc:
            raise self._translate(exc) from exc

    def _atx_end(self, conn: Any, broken: bool) -> None:
        pool = self._apools.current()
        if broken or not self._ausable(conn):
            pool.discard(conn)
        else:
            pool.release(conn)

    def in_transaction(self) -> bool:
        """True inside ``atomic()`` on this database, in the current sync or async context."""
        var = self._async_tx if _get_running_loop() is not None else self._sync_tx
        return open_state(var.get()) is not None  # not a block this task or thread outlived

    # -- closing -----------------------------------------------------------------------------

    # -- one connection for a block ---------------------------------------------------------------

    def hold(self) -> Hold:
        """Run this context's statements on one pooled connection until the block ends.

        Outside ``atomic()`` each statement otherwise takes a connection and gives it back;
        a handler running many queries saves those hand-offs (and, under load, the waits
        for a free connection). Statements stay in autocommit; ``atomic()`` inside the
        block still takes a connection of its own. Nested holds reuse the outer one.
        """
        return Hold(self)

    def ahold(self) -> AsyncHold:
        """``hold()`` for async code: ``async with db.ahold(): ...``."""
        return AsyncHold(self)

    def close(self) -> None:
        """Close pooled connections (async ones without waiting) and the SQLAlchemy engine.

        The database stays usable: the next query connects again.
        """
        self._pool.close()
        self._apools.close()
        if self._engine is not None:
            self._engine.dispose()

    async def aclose(self) -> None:
        """Close the running loop's async pool gracefully, then everything ``close()`` does."""
        await self._apools.aclose()
        if self._async_engine is not None:
            await self._async_engine.dispose()
        self.close()

    # -- driver primitives, supplied by the vendor modules --------------------------------------

    def _translate(self, exc: BaseException) -> DatabaseError:
        raise NotImplementedError

    def _connect(self) -> Any:
        raise NotImplementedError

    def _close(self, conn: Any) -> None:
        raise NotImplementedError

    def _usable(self, conn: Any) -> bool:
        raise NotImplementedError

    def _alive(self, conn: Any) -> bool:
        """Whether an idle connection is still open (a cheap check, no round trip)."""
        return self._usable(conn)

    def _is_disconnect(self, exc: BaseException) -> bool:
        """Whether a driver error means the connection is gone though it looks open."""
        return False

    def _fetchall(self, conn: Any, sql: str, params: Params) -> list[Row]:
        raise NotImplementedError

    def _fetchone(self, conn: Any, sql: str, params: Params) -> Row | None:
        raise NotImplementedError

    def _execute(self, conn: Any, sql: str, params: Params) -> int:
        raise NotImplementedError

    def _executemany(self, conn: Any, sql: str, seq_of_params: Sequence[Params]) -> None:
        raise NotImplementedError

    def _chunks(
        self, conn: Any, sql: str, params: Params, chunk: int, in_transaction: bool
    ) -> Generator[list[Row], None, None]:
        raise NotImplementedError

    def _control(self, conn: Any, sql: str) -> None:
        raise NotImplementedError

    def _commit(self, conn: Any) -> None:
        self._control(conn, "COMMIT")

    async def _aconnect(self) -> Any:
        raise NotImplementedError

    async def _aclose_conn(self, conn: Any) -> None:
        raise NotImplementedError

    def _abandon(self, conn: Any) -> None:
        raise NotImplementedError

    def _ausable(self, conn: Any) -> bool:
        raise NotImplementedError

    # The async driver calls: each returns the driver's awaitable (a coroutine function of
    # the backend's, or the driver's own call returned as it is).

    def _afetchall(self, conn: Any, sql: str, params: Params) -> Awaitable[list[Row]]:
        raise NotImplementedError

    def _afetchone(self, conn: Any, sql: str, params: Params) -> Awaitable[Row | None]:
        raise NotImplementedError

    def _aexecute(self, conn: Any, sql: str, params: Params) -> Awaitable[int]:
        raise NotImplementedError

    def _aexecutemany(
        self, conn: Any, sql: str, seq_of_params: Sequence[Params]
    ) -> Awaitable[None]:
        raise NotImplementedError

    def _achunks(
        self, conn: Any, sql: str, params: Params, chunk: int, in_transaction: bool
    ) -> AsyncGenerator[list[Row], None]:
        raise NotImplementedError

    async def _acontrol(self, conn: Any, sql: str) -> None:
        raise NotImplementedError

    async def _acommit(self, conn: Any) -> None:
        await self._acontrol(conn, "COMMIT")


def vendor_class(vendor: str) -> type[Database]:
    """The ``Database`` subclass of a vendor, importing its drivers (clear error if missing)."""
    module_name, class_name, drivers, extra = _VENDOR_CLASSES[vendor]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"{vendor} databases need the {drivers} drivers ({exc}); "
            f"install them with: pip install '{extra}'"
        ) from exc
    cls: type[Database] = getattr(module, class_name)
    return cls
