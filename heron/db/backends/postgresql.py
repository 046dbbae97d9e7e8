"""PostgreSQL through psycopg 3 (sync) and asyncpg (async).

Both drivers get the same session: autocommit outside ``atomic()``, ``TimeZone=UTC``
(``OPTIONS["timezone"]``), and json/jsonb returned as ``str`` (asyncpg's default; psycopg
is told so), so a field's ``from_db`` sees the same Python types from either driver.
Each asyncpg connection keeps Heron's statements prepared (``pg_prepared``); psycopg
prepares a query after it has run a few times.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncGenerator, Awaitable, Generator, Sequence
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import psycopg
from psycopg.pq import TransactionStatus
from psycopg.types.string import TextLoader
from sqlalchemy.engine import URL

from heron.db.backends import pg_prepared
from heron.db.backends.base import Database, NativeSQL, Params, Row
from heron.db.backends.pool import socket_quiet
from heron.db.backends.settings import parse_url
from heron.db.errors import (
    DatabaseError,
    DataError,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    TransactionManagementError,
)

# SQLSTATE class (first two characters, else the first one) -> error class.
_SQLSTATE_CLASSES: dict[str, type[DatabaseError]] = {
    "08": OperationalError,
    "0A": NotSupportedError,
    "22": DataError,
    "23": IntegrityError,
    "24": InternalError,
    "25": InternalError,
    "2B": InternalError,
    "2D": InternalError,
    "27": OperationalError,
    "28": OperationalError,
    "2F": OperationalError,
    "38": OperationalError,
    "39": OperationalError,
    "3B": OperationalError,
    "40": OperationalError,
    "53": OperationalError,
    "54": OperationalError,
    "55": OperationalError,
    "57": OperationalError,
    "58": OperationalError,
    "F": OperationalError,
    "H": OperationalError,
    "X": InternalError,
}
_PSYCOPG_CLASSES: dict[type[BaseException], type[DatabaseError]] = {
    psycopg.IntegrityError: IntegrityError,
    psycopg.DataError: DataError,
    psycopg.OperationalError: OperationalError,
    psycopg.ProgrammingError: ProgrammingError,
    psycopg.InterfaceError: InterfaceError,
    psycopg.InternalError: InternalError,
    psycopg.NotSupportedError: NotSupportedError,
}
_ROLLED_BACK = (
    "the transaction was rolled back by the server instead of committed, because a statement "
    "in it failed; wrap statements whose errors you catch in a nested atomic() block"
)
_cursor_names = itertools.count(1)


def _sqlstate_class(sqlstate: str | None) -> type[DatabaseError]:
    if not sqlstate:
        return DatabaseError
    return (
        _SQLSTATE_CLASSES.get(sqlstate[:2])
        or _SQLSTATE_CLASSES.get(sqlstate[:1])
        or (ProgrammingError if sqlstate[:1] in "0123456789" else DatabaseError)
    )


def _rowcount(status: str) -> int:
    last = status.rpartition(" ")[2]
    return int(last) if last.isdigit() else -1


class PostgreSQLDatabase(Database):
    """PostgreSQL: psycopg connections in a thread-safe pool, asyncpg ones per event loop."""

    vendor = "postgresql"
    paramstyles = ("format", "numeric_dollar")
    native_placeholders = True
    _sync_errors = (psycopg.Error,)
    _async_errors = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        url = parse_url(self.url).set(drivername="postgresql")
        self._dsn = url.render_as_string(hide_password=False)
        options = self.options
        timezone = options.get("timezone", "UTC")
        self._connect_args: dict[str, Any] = dict(options.get("connect_args", {}))
        self._async_connect_args: dict[str, Any] = dict(options.get("async_connect_args", {}))
        # asyncpg prepares statements longer than 15 KB again on every call; a bulk insert
        # batch is ~35 KB of SQL, re-prepared ten times per 10,000 rows without this.
        self._async_connect_args.setdefault("max_cacheable_statement_size", 128 * 1024)
        # Heron's prepared statements per connection (pg_prepared), unless asyncpg's own
        # cache is turned off (PgBouncer in transaction mode cannot keep them).
        self._prepared = self._async_connect_args.get("statement_cache_size", 100) != 0
        if self._prepared:
            self._async_connect_args["connection_class"] = pg_prepared.connection_class(
                self._async_connect_args.get("connection_class", asyncpg.Connection),
                self._async_connect_args["max_cacheable_statement_size"],
            )
            # The driver calls themselves: no frame of Heron's between _arun and asyncpg.
            self._afetchall = pg_prepared.fetch  # type: ignore[method-assign]
            self._afetchone = pg_prepared.fetchrow  # type: ignore[method-assign]
        if timezone:
            startup = str(self._connect_args.get("options", url.query.get("options", "")))
            self._connect_args["options"] = f"{startup} -c TimeZone={timezone}".strip()
            settings = dict(self._async_connect_args.get("server_settings", {}))
            settings.setdefault("TimeZone", timezone)
            self._async_connect_args["server_settings"] = settings
        self.engine_options = {"paramstyle": "format", "connect_args": dict(self._connect_args)}

    def sqlalchemy_url(self, *, asynchronous: bool = False) -> URL:
        """``postgresql+psycopg://…`` (or ``+asyncpg``)."""
        driver = "postgresql+asyncpg" if asynchronous else "postgresql+psycopg"
        return parse_url(self._dsn).set(drivername=driver)

    def _translate(self, exc: BaseException) -> DatabaseError:
        if isinstance(exc, psycopg.Error):
            for cls in type(exc).__mro__:
                target = _PSYCOPG_CLASSES.get(cls)
                if target is not None:
                    return target(str(exc), exc.sqlstate)
            return DatabaseError(str(exc), exc.sqlstate)
        if isinstance(exc, asyncpg.PostgresError):
            return _sqlstate_class(exc.sqlstate)(str(exc), exc.sqlstate)
        if isinstance(exc, asyncpg.exceptions._base.DataError):
            return DataError(str(exc))
        if isinstance(exc, asyncpg.ConnectionDoesNotExistError | OSError):
            return OperationalError(f"connection to PostgreSQL failed or was lost: {exc}")
        return InterfaceError(str(exc))

    # -- psycopg ---------------------------------------------------------------------------------

    def _connect(self) -> psycopg.Connection[Any]:
        conn = psycopg.connect(self._dsn, autocommit=True, **self._connect_args)
        conn.adapters.register_loader("json", TextLoader)
        conn.adapters.register_loader("jsonb", TextLoader)
        return conn

    def _close(self, conn: psycopg.Connection[Any]) -> None:
        conn.close()

    def _usable(self, conn: psycopg.Connection[Any]) -> bool:
        return (
            not conn.closed
            and not conn.broken
            and conn.info.transaction_status == TransactionStatus.IDLE
        )

    def _alive(self, conn: psycopg.Connection[Any]) -> bool:
        return self._usable(conn) and socket_quiet(conn.fileno())

    def _fetchall(self, conn: psycopg.Connection[Any], sql: str, params: Params) -> list[Row]:
        if type(sql) is NativeSQL:
            return psycopg.RawCursor(conn).execute(sql, params).fetchall()
        return conn.execute(sql, params).fetchall()

    def _fetchone(self, conn: psycopg.Connection[Any], sql: str, params: Params) -> Row | None:
        row: Row | None = conn.execute(sql, params).fetchone()
        return row

    def _execute(self, conn: psycopg.Connection[Any], sql: str, params: Params) -> int:
        if type(sql) is NativeSQL:
            return psycopg.RawCursor(conn).execute(sql, params).rowcount
        return conn.execute(sql, params).rowcount

    def _executemany(
        self, conn: psycopg.Connection[Any], sql: str, seq_of_params: Sequence[Params]
    ) -> None:
        with conn.cursor() as cursor:
            cursor.executemany(sql, seq_of_params)

    def _chunks(
        self,
        conn: psycopg.Connection[Any],
        sql: str,
        params: Params,
        chunk: int,
        in_transaction: bool,
    ) -> Generator[list[Row], None, None]:
        # A named (server-side) cursor lives in a transaction: open one around it if needed.
        if not in_transaction:
            conn.execute("BEGIN")
        done = False
        try:
            with conn.cursor(name=f"heron_iter_{next(_cursor_names)}") as cursor:
                cursor.execute(sql, params)
                while rows := cursor.fetchmany(chunk):
                    yield rows
            done = True
        finally:
            if not in_transaction and not conn.closed:
                conn.execute("COMMIT" if done else "ROLLBACK")

    def _control(self, conn: psycopg.Connection[Any], sql: str) -> None:
        conn.execute(sql)

    def _commit(self, conn: psycopg.Connection[Any]) -> None:
        if conn.execute("COMMIT").statusmessage == "ROLLBACK":
            raise TransactionManagementError(_ROLLED_BACK)

    # -- asyncpg ---------------------------------------------------------------------------------

    async def _aconnect(self) -> Any:
        return await asyncpg.connect(self._dsn, **self._async_connect_args)

    async def _aclose_conn(self, conn: Any) -> None:
        await conn.close(timeout=5)

    def _abandon(self, conn: Any) -> None:
        conn.terminate()

    def _ausable(self, conn: Any) -> bool:
        return not conn.is_closed() and not conn.is_in_transaction()

    # _afetchall and _afetchone are replaced by pg_prepared's in __init__ when statements
    # are kept.

    def _afetchall(self, conn: Any, sql: str, params: Params) -> Awaitable[list[Row]]:
        return conn.fetch(sql, *params)  # type: ignore[no-any-return]

    def _afetchone(self, conn: Any, sql: str, params: Params) -> Awaitable[Row | None]:
        return conn.fetchrow(sql, *params)  # type: ignore[no-any-return]

    def _recoverable(self, exc: BaseException, conn: Any, sql: str) -> bool:
        return (
            self._prepared
            and isinstance(exc, pg_prepared.STALE)
            and pg_prepared.can_retry(conn, sql)
        )

    async def _aexecute(self, conn: Any, sql: str, params: Params) -> int:
        if self._prepared:
            return _rowcount(await pg_prepared.execute(conn, sql, params))
        return _rowcount(await conn.execute(sql, *params))

    def _aexecutemany(
        self, conn: Any, sql: str, seq_of_params: Sequence[Params]
    ) -> Awaitable[None]:
        return conn.executemany(sql, seq_of_params)  # type: ignore[no-any-return]

    async def _achunks(
        self, conn: Any, sql: str, params: Params, chunk: int, in_transaction: bool
    ) -> AsyncGenerator[list[Row], None]:
        if not in_transaction:
            await conn.execute("BEGIN")
        done = False
        try:
            cursor = await conn.cursor(sql, *params)
            while rows := await cursor.fetch(chunk):
                yield rows
            done = True
        finally:
            if not in_transaction and not conn.is_closed():
                await conn.execute("COMMIT" if done else "ROLLBACK")

    async def _acontrol(self, conn: Any, sql: str) -> None:
        await conn.execute(sql)

    async def _acommit(self, conn: Any) -> None:
        if await conn.execute("COMMIT") == "ROLLBACK":
            raise TransactionManagementError(_ROLLED_BACK)
