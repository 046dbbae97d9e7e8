"""Prepared statements kept on each asyncpg connection, run through asyncpg's public API.

``conn.fetch(sql, *args)`` looks the statement up in asyncpg's cache on every call,
through four coroutine frames; a ``PreparedStatement`` runs its bind-and-execute
directly. Heron's statements come from a small set of shapes, so each connection
prepares each one once and keeps it (``heron_statements``), which saves about 1 µs of
CPU per query (measured in docs/architecture.md). A statement the server no longer
accepts as prepared (a schema change, say) is dropped and the query runs through
asyncpg's own path, which prepares it again and retries outside a transaction as it
always does. Statements beyond ``MAX_STATEMENTS`` per connection evict the oldest
(asyncpg closes it on the server), and none is kept when the connection settings turn
asyncpg's own cache off (``statement_cache_size=0``, for PgBouncer's transaction mode).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import asyncpg  # type: ignore[import-untyped]

__all__ = ["MAX_STATEMENTS", "connection_class", "execute", "fetch", "fetchrow"]

#: Prepared statements kept per connection.
MAX_STATEMENTS = 256
# The server no longer runs the prepared statement: a schema change altered its result,
# or ``DEALLOCATE``/``DISCARD ALL`` removed it.
_STALE = (
    asyncpg.exceptions.InvalidCachedStatementError,
    asyncpg.exceptions.OutdatedSchemaCacheError,
    asyncpg.exceptions.InvalidSQLStatementNameError,
)

Params = Sequence[Any]
Plain = Callable[[Any, str, Params], Awaitable[Any]]


def connection_class(base: type[Any], max_size: int) -> type[Any]:
    """A subclass of ``base`` (an asyncpg connection class) that keeps Heron's prepared
    statements of SQL up to ``max_size`` characters."""

    class HeronConnection(base):  # type: ignore[misc]
        __slots__ = ("heron_max_size", "heron_statements")

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.heron_statements: dict[str, Any] = {}
            self.heron_max_size = max_size

    return HeronConnection


async def _run(
    conn: Any, sql: str, params: Params, op: Callable[[Any, Params], Awaitable[Any]], plain: Plain
) -> Any:
    statements: dict[str, Any] = conn.heron_statements
    statement = statements.get(sql)
    if statement is None:
        if len(sql) > conn.heron_max_size:
            return await plain(conn, sql, params)
        statement = await conn.prepare(sql)
        if len(statements) >= MAX_STATEMENTS:
            del statements[next(iter(statements))]  # the oldest; asyncpg closes it
        statements[sql] = statement
    try:
        return await op(statement, params)
    except _STALE:
        statements.pop(sql, None)
        if conn.is_in_transaction():
            raise
        return await plain(conn, sql, params)


def _fetch(statement: Any, params: Params) -> Awaitable[Any]:
    return statement.fetch(*params)  # type: ignore[no-any-return]


def _fetchrow(statement: Any, params: Params) -> Awaitable[Any]:
    return statement.fetchrow(*params)  # type: ignore[no-any-return]


async def _execute(statement: Any, params: Params) -> str:
    await statement.fetch(*params)
    return statement.get_statusmsg()  # type: ignore[no-any-return]


def _plain_fetch(conn: Any, sql: str, params: Params) -> Awaitable[Any]:
    return conn.fetch(sql, *params)  # type: ignore[no-any-return]


def _plain_fetchrow(conn: Any, sql: str, params: Params) -> Awaitable[Any]:
    return conn.fetchrow(sql, *params)  # type: ignore[no-any-return]


def _plain_execute(conn: Any, sql: str, params: Params) -> Awaitable[Any]:
    return conn.execute(sql, *params)  # type: ignore[no-any-return]


def fetch(conn: Any, sql: str, params: Params) -> Awaitable[list[Any]]:
    """Every row of ``sql`` (``conn.fetch``) through the connection's prepared statement."""
    return _run(conn, sql, params, _fetch, _plain_fetch)


def fetchrow(conn: Any, sql: str, params: Params) -> Awaitable[Any]:
    """The first row of ``sql``, or None (``conn.fetchrow``), prepared."""
    return _run(conn, sql, params, _fetchrow, _plain_fetchrow)


def execute(conn: Any, sql: str, params: Params) -> Awaitable[str]:
    """Run ``sql`` and return its status (``"UPDATE 3"``, as ``conn.execute``), prepared
    when it has parameters (without, asyncpg sends it as a simple query, which may hold
    several statements)."""
    if not params:
        return _plain_execute(conn, sql, params)
    return _run(conn, sql, params, _execute, _plain_execute)
