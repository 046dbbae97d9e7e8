"""SQLite through sqlite3, sync and async (a worker thread per connection), on one database.

Connections are in autocommit mode (``isolation_level=None``): Heron issues ``BEGIN``
itself in ``atomic()``. Every connection gets ``PRAGMA foreign_keys=ON``; file databases
use WAL. An in-memory database (``sqlite://``) is a named ``memdb`` database shared by
every connection of the ``Database`` (sync and async), kept alive by one extra
connection for as long as the ``Database`` lives (or until ``drop_memory()``).
"""

from __future__ import annotations

import functools
import itertools
import os
import re
import sqlite3
import threading
import time
from collections.abc import AsyncGenerator, Awaitable, Generator, Sequence
from typing import Any

from sqlalchemy.engine import URL

from heron.db.backends.base import Database, Params, Row
from heron.db.backends.settings import is_memory_sqlite, parse_url
from heron.db.backends.sqlite_async import AsyncSQLiteConnection
from heron.db.backends.sqlite_functions import register_functions
from heron.db.errors import (
    DatabaseError,
    DataError,
    ImproperlyConfigured,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
)

_ERRORS: dict[type[BaseException], type[DatabaseError]] = {
    sqlite3.IntegrityError: IntegrityError,
    sqlite3.DataError: DataError,
    sqlite3.OperationalError: OperationalError,
    sqlite3.ProgrammingError: ProgrammingError,
    sqlite3.InterfaceError: InterfaceError,
    sqlite3.InternalError: InternalError,
    sqlite3.NotSupportedError: NotSupportedError,
    OverflowError: DataError,  # sqlite3 binding an int beyond 64 bits
}
_TRANSACTION_MODES = frozenset({"DEFERRED", "IMMEDIATE", "EXCLUSIVE"})
_memory_names = itertools.count(1)


@functools.lru_cache(maxsize=256)
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _regexp(pattern: str | None, value: Any) -> bool | None:
    """SQLite's ``regexp(pattern, value)`` function: what ``value REGEXP pattern`` calls."""
    if pattern is None or value is None:
        return None
    return _pattern(pattern).search(str(value)) is not None


class SQLiteDatabase(Database):
    """SQLite: sqlite3 connections in a thread-safe pool; async ones run in worker threads."""

    vendor = "sqlite"
    paramstyles = ("qmark", "qmark")
    _sync_errors = (sqlite3.Error, OverflowError)
    _async_errors = (sqlite3.Error, OverflowError)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        url = parse_url(self.url)
        options = self.options
        mode = str(options.get("transaction_mode", "IMMEDIATE")).upper()
        if mode not in _TRANSACTION_MODES:
            raise ImproperlyConfigured(
                f"database {self.alias!r}: OPTIONS['transaction_mode'] must be one of "
                f"{', '.join(sorted(_TRANSACTION_MODES))}, not {mode!r}"
            )
        self.begin_sql = f"BEGIN {mode}"
        self._connect_args: dict[str, Any] = {
            "timeout": float(options.get("timeout", 5.0)),
            **options.get("connect_args", {}),
            "isolation_level": None,
            "check_same_thread": False,
        }
        self._keeper: sqlite3.Connection | None = None
        self._keeper_lock = threading.Lock()
        self.memory = is_memory_sqlite(url)
        if self.memory:
            # A memdb name starting with "/" is shared by the process's connections.
            self.path = f"/heron-{os.getpid()}-{next(_memory_names)}-{self.alias}"
            self._target = f"file:{self.path}?vfs=memdb"
            self._connect_args["uri"] = True
            self._pragmas = {"foreign_keys": "ON"}
        else:
            self.path = url.database or ""
            self._target = self.path
            self._pragmas = {"foreign_keys": "ON"}
            journal = options.get("journal_mode", "WAL")
            if journal:
                self._pragmas["journal_mode"] = str(journal)
        self._pragmas.update({k: str(v) for k, v in options.get("pragmas", {}).items()})
        self.engine_options = {"connect_args": {"timeout": self._connect_args["timeout"]}}

    def sqlalchemy_url(self, *, asynchronous: bool = False) -> URL:
        """``sqlite+pysqlite:///path`` (or ``+aiosqlite``); the shared memdb name when in memory."""
        driver = "sqlite+aiosqlite" if asynchronous else "sqlite+pysqlite"
        if self.memory:
            query = {"vfs": "memdb", "uri": "true"}
            return URL.create(driver, database=f"file:{self.path}", query=query)
        return URL.create(driver, database=self.path)

    def setup_dbapi_connection(self, conn: Any) -> None:
        """Apply Heron's pragmas to a new connection (also used by the SQLAlchemy engines)."""
        self._keep_alive()
        cursor = conn.cursor()
        try:
            for name, value in self._pragmas.items():
                if name == "journal_mode":
                    _set_journal_mode(cursor, value, self._connect_args["timeout"])
                else:
                    cursor.execute(f"PRAGMA {name}={value}")
        finally:
            cursor.close()
        # "x REGEXP pattern" (the regex/iregex lookups) calls regexp(pattern, x).
        conn.create_function("REGEXP", 2, _regexp, deterministic=True)
        register_functions(conn)  # math, text and statistics functions SQLite lacks

    def _keep_alive(self) -> None:
        if self.memory and self._keeper is None:
            with self._keeper_lock:
                if self._keeper is None:
                    self._keeper = sqlite3.connect(self._target, uri=True, check_same_thread=False)

    def drop_memory(self) -> None:
        """Close every connection, discarding an in-memory database's content.

        ``close()`` keeps an in-memory database alive (for as long as this object lives),
        so an app's shutdown does not wipe what a test wants to look at afterwards.
        """
        self.close()
        with self._keeper_lock:
            if self._keeper is not None:
                self._keeper.close()
                self._keeper = None

    # -- sqlite3 -------------------------------------------------------------------------------

    def _translate(self, exc: BaseException) -> DatabaseError:
        for cls in type(exc).__mro__:
            target = _ERRORS.get(cls)
            if target is not None:
                break
        else:
            target = DatabaseError
        return target(str(exc), getattr(exc, "sqlite_errorname", None))

    def _connect(self) -> sqlite3.Connection:
        conn: sqlite3.Connection = self._set_up(sqlite3.connect(self._target, **self._connect_args))
        return conn

    def _close(self, conn: sqlite3.Connection) -> None:
        conn.close()

    def _usable(self, conn: sqlite3.Connection) -> bool:
        try:
            conn.total_changes  # noqa: B018 - raises ProgrammingError once closed
        except sqlite3.Error:
            return False
        return True

    def _fetchall(self, conn: sqlite3.Connection, sql: str, params: Params) -> list[Row]:
        return conn.execute(sql, params).fetchall()

    # A cursor that is not kept is freed (and its statement reset) as soon as it is unused.
    def _fetchone(self, conn: sqlite3.Connection, sql: str, params: Params) -> Row | None:
        row: Row | None = conn.execute(sql, params).fetchone()
        return row

    def _execute(self, conn: sqlite3.Connection, sql: str, params: Params) -> int:
        return conn.execute(sql, params).rowcount

    def _executemany(
        self, conn: sqlite3.Connection, sql: str, seq_of_params: Sequence[Params]
    ) -> None:
        conn.executemany(sql, seq_of_params).close()

    def _chunks(
        self, conn: sqlite3.Connection, sql: str, params: Params, chunk: int, in_transaction: bool
    ) -> Generator[list[Row], None, None]:
        cursor = conn.execute(sql, params)
        try:
            while rows := cursor.fetchmany(chunk):
                yield rows
        finally:
            cursor.close()

    def _control(self, conn: sqlite3.Connection, sql: str) -> None:
        conn.execute(sql).close()

    # -- async: one worker thread per connection, one hop per operation ---------------------

    async def _aconnect(self) -> AsyncSQLiteConnection:
        return await AsyncSQLiteConnection.connect(self._connect)

    async def _aclose_conn(self, conn: AsyncSQLiteConnection) -> None:
        await conn.close()

    def _abandon(self, conn: AsyncSQLiteConnection) -> None:
        conn.abandon()

    def _ausable(self, conn: AsyncSQLiteConnection) -> bool:
        # Busy: a statement its caller stopped waiting for (cancelled) still runs on it.
        return not conn.closed and not conn.busy

    def _afetchall(
        self, conn: AsyncSQLiteConnection, sql: str, params: Params
    ) -> Awaitable[list[Row]]:
        return conn.run(self._fetchall, conn.raw, sql, params)

    def _afetchone(
        self, conn: AsyncSQLiteConnection, sql: str, params: Params
    ) -> Awaitable[Row | None]:
        return conn.run(self._fetchone, conn.raw, sql, params)

    def _aexecute(self, conn: AsyncSQLiteConnection, sql: str, params: Params) -> Awaitable[int]:
        return conn.run(self._execute, conn.raw, sql, params)

    async def _aexecutemany(
        self, conn: AsyncSQLiteConnection, sql: str, seq_of_params: Sequence[Params]
    ) -> None:
        await conn.run(self._executemany, conn.raw, sql, seq_of_params)

    async def _achunks(
        self,
        conn: AsyncSQLiteConnection,
        sql: str,
        params: Params,
        chunk: int,
        in_transaction: bool,
    ) -> AsyncGenerator[list[Row], None]:
        raw = conn.raw
        assert raw is not None
        cursor = await conn.run(raw.execute, sql, params)
        try:
            while rows := await conn.run(cursor.fetchmany, chunk):
                yield rows
        finally:
            await conn.run(cursor.close)

    async def _acontrol(self, conn: AsyncSQLiteConnection, sql: str) -> None:
        await conn.run(self._control, conn.raw, sql)


def _set_journal_mode(cursor: Any, mode: str, timeout: float) -> None:
    """Switch the file to ``mode`` unless it is in it already (WAL persists in the file).

    Switching needs the database to itself and SQLite answers "database is locked" at once,
    without waiting, when connections opened together race for it: retry until ``timeout``.
    """
    if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() == mode.lower():
        return
    deadline = time.monotonic() + timeout
    while True:
        try:
            cursor.execute(f"PRAGMA journal_mode={mode}")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.005)
