"""Prepared statements kept on each asyncpg connection, run through asyncpg's public API.

``conn.fetch(sql, *args)`` looks the statement up in asyncpg's cache on every call,
through four coroutine frames; a ``PreparedStatement`` runs its bind-and-execute
directly. Heron's statements come from a small set of shapes, so each connection
prepares each one once and keeps it (``heron_statements``), which saves about 1 µs of
CPU per query (measured in docs/architecture.md). Once prepared, ``fetch``/``fetchrow``
hand back asyncpg's own coroutine, adding no coroutine frame of their own (every frame
costs again each time the query suspends for the server's answer).

A statement the server no longer accepts as prepared (a schema change, say) raises one of
``STALE``: the database runner calls ``can_retry``, which drops it, and runs the query
again outside a transaction, as asyncpg's own path does. Statements beyond
``MAX_STATEMENTS`` per connection evict the oldest (asyncpg closes it on the server), and
none is kept when the connection settings turn asyncpg's own cache off
(``statement_cache_size=0``, for PgBouncer's transaction mode).
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Any

import asyncpg  # type: ignore[import-untyped]

__all__ = [
    "MAX_STATEMENTS",
    "STALE",
    "can_retry",
    "connection_class",
    "execute",
    "fetch",
    "fetchrow",
]

#: Prepared statements kept per connection.
MAX_STATEMENTS = 256
#: The server no longer runs the prepared statement: a schema change altered its result,
#: or ``DEALLOCATE``/``DISCARD ALL`` removed it.
STALE = (
    asyncpg.exceptions.InvalidCachedStatementError,
    asyncpg.exceptions.OutdatedSchemaCacheError,
    asyncpg.exceptions.InvalidSQLStatementNameError,
)

Params = Sequence[Any]


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


async def _prepared(conn: Any, sql: str) -> Any:
    """``sql`` prepared on ``conn`` and kept there, or None when too long to keep."""
    if len(sql) > conn.heron_max_size:
        return None
    statement = await conn.prepare(sql)
    statements: dict[str, Any] = conn.heron_statements
    if len(statements) >= MAX_STATEMENTS:
        del statements[next(iter(statements))]  # the oldest; asyncpg closes it
    statements[sql] = statement
    return statement


def can_retry(conn: Any, sql: str) -> bool:
    """After a ``STALE`` error: drop the statement; whether to run the query again (not
    inside a transaction, which the error has aborted, as asyncpg decides too)."""
    conn.heron_statements.pop(sql, None)
    return not conn.is_in_transaction()


async def _first(conn: Any, sql: str, params: Params, method: str) -> Any:
    """``method`` (``fetch``/``fetchrow``) of a statement not kept yet: prepared now, or
    run through asyncpg's own path when too long to keep."""
    statement = await _prepared(conn, sql)
    if statement is None:
        return await getattr(conn, method)(sql, *params)
    return await getattr(statement, method)(*params)


def fetch(conn: Any, sql: str, params: Params) -> Awaitable[list[Any]]:
    """Every row of ``sql`` (``conn.fetch``) through the connection's prepared statement."""
    statement = conn.heron_statements.get(sql)
    if statement is None:
        return _first(conn, sql, params, "fetch")
    return statement.fetch(*params)  # type: ignore[no-any-return]


def fetchrow(conn: Any, sql: str, params: Params) -> Awaitable[Any]:
    """The first row of ``sql``, or None (``conn.fetchrow``), prepared."""
    statement = conn.heron_statements.get(sql)
    if statement is None:
        return _first(conn, sql, params, "fetchrow")
    return statement.fetchrow(*params)  # type: ignore[no-any-return]


async def execute(conn: Any, sql: str, params: Params) -> str:
    """Run ``sql`` and return its status (``"UPDATE 3"``, as ``conn.execute``), prepared
    when it has parameters (without, asyncpg sends it as a simple query, which may hold
    several statements)."""
    if params:
        statement = conn.heron_statements.get(sql) or await _prepared(conn, sql)
        if statement is not None:
            await statement.fetch(*params)
            return statement.get_statusmsg()  # type: ignore[no-any-return]
    return await conn.execute(sql, *params)  # type: ignore[no-any-return]
