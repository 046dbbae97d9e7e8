"""MariaDB and MySQL through pymysql (sync) and asyncmy (async).

Both drivers get the same session: autocommit outside ``atomic()``, ``utf8mb4``, the
session time zone ``+00:00`` (``OPTIONS["timezone"]``), the ``READ COMMITTED``
isolation level (``OPTIONS["isolation_level"]``, Django's default too) and the
``FOUND_ROWS`` flag, so an ``UPDATE`` reports the rows it matched, as on PostgreSQL and
SQLite, not only those whose values changed.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator, Sequence
from typing import Any

import asyncmy
import asyncmy.cursors
import asyncmy.errors
import pymysql
import pymysql.cursors
from pymysql.constants import CLIENT, SERVER_STATUS
from sqlalchemy.engine import URL

from heron.db.backends.base import Database, Params, Row
from heron.db.backends.pool import socket_quiet
from heron.db.backends.settings import parse_url
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

_BY_NAME: dict[str, type[DatabaseError]] = {
    "IntegrityError": IntegrityError,
    "DataError": DataError,
    "OperationalError": OperationalError,
    "ProgrammingError": ProgrammingError,
    "InterfaceError": InterfaceError,
    "InternalError": InternalError,
    "NotSupportedError": NotSupportedError,
}
# Constraint violations the drivers classify as something else: 4025 is MariaDB's
# "CONSTRAINT ... failed" for CHECK constraints (SQLSTATE 23000), 3819 MySQL's.
_ISOLATION_LEVELS = frozenset(
    {"read uncommitted", "read committed", "repeatable read", "serializable"}
)
_INTEGRITY_CODES = frozenset({4025, 3819})
_IN_TRANSACTION = SERVER_STATUS.SERVER_STATUS_IN_TRANS
# Errors after which the connection is gone even if the driver has not noticed yet:
# server gone away, lost connection, connection killed, server shutdown, idle timeout.
_DISCONNECTS = frozenset({2006, 2013, 2055, 1053, 1927, 4031})


class MySQLDatabase(Database):
    """MariaDB/MySQL: pymysql connections in a thread-safe pool, asyncmy ones per event loop."""

    vendor = "mysql"
    paramstyles = ("format", "format")
    _sync_errors = (pymysql.err.MySQLError,)
    _async_errors = (asyncmy.errors.MySQLError,)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        url = parse_url(self.url)
        options = self.options
        common: dict[str, Any] = {
            "host": url.host or "localhost",
            "port": url.port or 3306,
            "user": url.username or "root",
            "password": url.password or "",
            "database": url.database or None,
            "charset": str(url.query.get("charset", options.get("charset", "utf8mb4"))),
            "autocommit": True,
            "client_flag": CLIENT.FOUND_ROWS,
        }
        common["init_command"] = _session_settings(options)
        self._session_sql = _isolation_sql(options.get("isolation_level", "read committed"))
        self._connect_args = {**common, **options.get("connect_args", {})}
        self._async_connect_args = {**common, **options.get("async_connect_args", {})}
        engine_args = {k: v for k, v in self._connect_args.items() if k not in _URL_PARTS}
        self.engine_options = {"paramstyle": "format", "connect_args": engine_args}
        self._url = url

    def sqlalchemy_url(self, *, asynchronous: bool = False) -> URL:
        """``mysql+pymysql://…`` (or ``+asyncmy``)."""
        driver = "mysql+asyncmy" if asynchronous else "mysql+pymysql"
        return self._url.set(drivername=driver)

    def _translate(self, exc: BaseException) -> DatabaseError:
        target: type[DatabaseError] = DatabaseError
        for cls in type(exc).__mro__:
            found = _BY_NAME.get(cls.__name__)
            if found is not None:
                target = found
                break
        args = exc.args
        if len(args) == 2 and isinstance(args[0], int):
            if args[0] in _INTEGRITY_CODES:
                target = IntegrityError
            return target(str(args[1]), args[0])
        return target(str(exc))

    # -- pymysql ---------------------------------------------------------------------------------

    def _connect(self) -> pymysql.Connection[Any]:
        conn: pymysql.Connection[Any] = self._set_up(pymysql.connect(**self._connect_args))
        return conn

    def setup_dbapi_connection(self, conn: Any) -> None:
        """Set the session's isolation level (a pymysql connection, Heron's or an engine's)."""
        if self._session_sql:
            cursor = conn.cursor()
            try:
                cursor.execute(self._session_sql)
            finally:
                cursor.close()

    def _close(self, conn: pymysql.Connection[Any]) -> None:
        conn.close()

    def _usable(self, conn: pymysql.Connection[Any]) -> bool:
        return bool(conn.open) and not conn.server_status & _IN_TRANSACTION

    def _alive(self, conn: pymysql.Connection[Any]) -> bool:
        sock = getattr(conn, "_sock", None)
        return self._usable(conn) and sock is not None and socket_quiet(sock.fileno())

    def _is_disconnect(self, exc: BaseException) -> bool:
        return bool(exc.args) and exc.args[0] in _DISCONNECTS

    def _fetchall(self, conn: pymysql.Connection[Any], sql: str, params: Params) -> list[Row]:
        cursor = conn.cursor()
        cursor.execute(sql, params)
        return list(cursor.fetchall())

    def _fetchone(self, conn: pymysql.Connection[Any], sql: str, params: Params) -> Row | None:
        cursor = conn.cursor()
        cursor.execute(sql, params)
        row: Row | None = cursor.fetchone()
        return row

    def _execute(self, conn: pymysql.Connection[Any], sql: str, params: Params) -> int:
        cursor = conn.cursor()
        count: int = cursor.execute(sql, params)
        return count

    def _executemany(
        self, conn: pymysql.Connection[Any], sql: str, seq_of_params: Sequence[Params]
    ) -> None:
        conn.cursor().executemany(sql, seq_of_params)

    def _chunks(
        self,
        conn: pymysql.Connection[Any],
        sql: str,
        params: Params,
        chunk: int,
        in_transaction: bool,
    ) -> Generator[list[Row], None, None]:
        # Unbuffered outside a transaction; inside one the connection must stay free for
        # other statements, so the result is read whole and handed out in chunks.
        cursor_class = pymysql.cursors.Cursor if in_transaction else pymysql.cursors.SSCursor
        cursor = conn.cursor(cursor_class)
        try:
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(chunk):
                yield list(rows)
        finally:
            cursor.close()

    def _control(self, conn: pymysql.Connection[Any], sql: str) -> None:
        conn.cursor().execute(sql)

    # -- asyncmy -----------------------------------------------------------------------------------

    async def _aconnect(self) -> Any:
        conn = await asyncmy.connect(**self._async_connect_args)
        if self._session_sql:
            try:
                async with conn.cursor() as cursor:
                    await cursor.execute(self._session_sql)
            except BaseException:
                conn.close()
                raise
        return conn

    async def _aclose_conn(self, conn: Any) -> None:
        await conn.ensure_closed()

    def _abandon(self, conn: Any) -> None:
        conn.close()

    def _ausable(self, conn: Any) -> bool:
        return (
            bool(conn.connected)
            and not getattr(conn, "_stream_broken", False)
            and not conn.server_status & _IN_TRANSACTION
        )

    async def _afetchall(self, conn: Any, sql: str, params: Params) -> list[Row]:
        async with conn.cursor() as cursor:
            await cursor.execute(sql, params)
            return list(await cursor.fetchall())

    async def _afetchone(self, conn: Any, sql: str, params: Params) -> Row | None:
        async with conn.cursor() as cursor:
            await cursor.execute(sql, params)
            row: Row | None = await cursor.fetchone()
            return row

    async def _aexecute(self, conn: Any, sql: str, params: Params) -> int:
        async with conn.cursor() as cursor:
            count: int = await cursor.execute(sql, params)
            return count

    async def _aexecutemany(self, conn: Any, sql: str, seq_of_params: Sequence[Params]) -> None:
        async with conn.cursor() as cursor:
            await cursor.executemany(sql, seq_of_params)

    async def _achunks(
        self, conn: Any, sql: str, params: Params, chunk: int, in_transaction: bool
    ) -> AsyncGenerator[list[Row], None]:
        cursor_class = asyncmy.cursors.Cursor if in_transaction else asyncmy.cursors.SSCursor
        cursor = conn.cursor(cursor_class)
        try:
            await cursor.execute(sql, params)
            while rows := await cursor.fetchmany(chunk):
                yield list(rows)
        finally:
            await cursor.close()

    async def _acontrol(self, conn: Any, sql: str) -> None:
        async with conn.cursor() as cursor:
            await cursor.execute(sql)


# Given to SQLAlchemy by the URL, or managed by SQLAlchemy itself (transactions).
_URL_PARTS = frozenset({"host", "port", "user", "password", "database", "autocommit"})


#: ``group_concat_max_len`` of every session: MariaDB's 1 MB default would silently cut
#: ``StringAgg``/``ArrayAgg`` results short; 1 GiB is the largest packet a server sends.
GROUP_CONCAT_MAX_LEN = 1 << 30


def _session_settings(options: dict[str, Any]) -> str:
    """The ``init_command`` of each connection: the session's time zone (``timezone``,
    ``+00:00`` unless set; empty: the server's) and ``group_concat_max_len``."""
    settings = [
        f"group_concat_max_len = {int(options.get('group_concat_max_len', GROUP_CONCAT_MAX_LEN))}"
    ]
    timezone = options.get("timezone", "+00:00")
    if timezone:
        settings.insert(0, f"time_zone = '{timezone}'")
    return "SET " + ", ".join(settings)


def _isolation_sql(level: str | None) -> str | None:
    """``SET SESSION TRANSACTION ISOLATION LEVEL ...`` for ``level`` (None: the server's)."""
    if not level:
        return None
    if level.lower() not in _ISOLATION_LEVELS:
        raise ImproperlyConfigured(
            f"OPTIONS['isolation_level'] {level!r} is not one of "
            f"{', '.join(sorted(_ISOLATION_LEVELS))} (or None for the server's default)"
        )
    return f"SET SESSION TRANSACTION ISOLATION LEVEL {level.upper()}"
