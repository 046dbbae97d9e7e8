"""The raw drivers, the ceiling: psycopg 3 / asyncpg on PostgreSQL, sqlite3 / aiosqlite on SQLite.

Hand-written SQL, rows as tuples, one connection held for the whole run (autocommit), and
an asyncpg pool of `pool_size` (without its per-release reset query) for the 64-task case.
Bulk inserts use the driver's `executemany` inside one transaction; aiosqlite calls use
`execute_fetchall` (one hop to its thread per statement).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from dataset import BookRow, Target, sqlite_datetime

_COLUMNS = "b.id, b.title, b.pages, b.price, b.published, b.author_id"
_GET = f"SELECT {_COLUMNS} FROM bench_book b WHERE b.id = $1"
_FETCH = f"SELECT {_COLUMNS} FROM bench_book b LIMIT 1000"
_FETCH_RELATED = (
    f"SELECT {_COLUMNS}, a.id, a.name, a.email FROM bench_book b"
    " JOIN bench_author a ON a.id = b.author_id LIMIT 1000"
)
_INSERT = (
    "INSERT INTO bench_book (title, pages, price, published, author_id) VALUES ($1, $2, $3, $4, $5)"
)
_INSERT_ONE = _INSERT + " RETURNING id"
_UPDATE = "UPDATE bench_book SET price = $1 WHERE id = $2"
_COUNT = "SELECT count(*) FROM bench_book WHERE pages > $1"

_sql: dict[str, str] = {}
_vendor = ""
_conn: Any = None
_pool: Any = None


def title_of(row: Sequence[Any]) -> str:
    """A fetched row's title."""
    return str(row[1])


def author_name_of(row: Sequence[Any]) -> str:
    """A joined row's author name."""
    return str(row[7])


def _prepare_sql(style: str) -> None:
    for name, sql in (
        ("get", _GET),
        ("fetch", _FETCH),
        ("related", _FETCH_RELATED),
        ("insert", _INSERT),
        ("insert_one", _INSERT_ONE),
        ("update", _UPDATE),
        ("count", _COUNT),
    ):
        if style != "$":
            for n in range(5, 0, -1):
                sql = sql.replace(f"${n}", style)
        _sql[name] = sql


def _sqlite_params(row: BookRow) -> tuple[Any, ...]:
    title, pages, price, published, author_id = row
    return (title, pages, str(price), sqlite_datetime(published), author_id)


# --- sync: psycopg 3 / sqlite3 -------------------------------------------------------------


def setup(target: Target) -> None:
    """Open the connection."""
    global _conn, _vendor
    _vendor = target.vendor
    if target.vendor == "sqlite":
        _prepare_sql("?")
        _conn = sqlite3.connect(target.database, isolation_level=None)
    else:
        import psycopg

        _prepare_sql("%s")
        _conn = psycopg.connect(
            host=target.host,
            port=target.port,
            user=target.user,
            dbname=target.database,
            autocommit=True,
        )


def teardown() -> None:
    """Close the connection."""
    _conn.close()


def get_by_pk(pk: int) -> Any:
    """One row by primary key."""
    return _conn.execute(_sql["get"], (pk,)).fetchone()


def fetch_1000() -> list[Any]:
    """1,000 rows."""
    return _conn.execute(_sql["fetch"]).fetchall()


def fetch_1000_related() -> list[Any]:
    """1,000 rows joined with their author."""
    return _conn.execute(_sql["related"]).fetchall()


def bulk_create_10000(rows: Sequence[BookRow]) -> None:
    """executemany in one transaction."""
    if _vendor == "sqlite":
        _conn.execute("BEGIN")
        _conn.executemany(_sql["insert"], [_sqlite_params(r) for r in rows])
        _conn.execute("COMMIT")
    else:
        with _conn.transaction(), _conn.cursor() as cur:
            cur.executemany(_sql["insert"], rows)


def insert_one(row: BookRow) -> int:
    """INSERT ... RETURNING id."""
    params = _sqlite_params(row) if _vendor == "sqlite" else row
    return int(_conn.execute(_sql["insert_one"], params).fetchone()[0])


def update_one(pk: int, price: Decimal) -> None:
    """UPDATE one column by primary key."""
    _conn.execute(_sql["update"], (str(price) if _vendor == "sqlite" else price, pk))


def count_filter(min_pages: int) -> int:
    """SELECT count(*) with a WHERE clause."""
    return int(_conn.execute(_sql["count"], (min_pages,)).fetchone()[0])


# --- async: asyncpg / aiosqlite ------------------------------------------------------------


async def asetup(target: Target) -> None:
    """Open the held connection, and the pool for the concurrent case (asyncpg)."""
    global _conn, _pool, _vendor
    _vendor = target.vendor
    if target.vendor == "sqlite":
        import aiosqlite

        _prepare_sql("?")
        _conn = await aiosqlite.connect(target.database, isolation_level=None)
        _pool = None
    else:
        import asyncpg

        _prepare_sql("$")
        kwargs = {
            "host": target.host,
            "port": target.port,
            "user": target.user,
            "database": target.database,
        }
        _conn = await asyncpg.connect(**kwargs)
        _pool = await asyncpg.create_pool(
            min_size=target.pool_size, max_size=target.pool_size, reset=_keep_session, **kwargs
        )


async def _keep_session(conn: Any) -> None:
    """asyncpg's pool `reset` hook: nothing to reset on an autocommit connection.

    By default the pool sends a reset query (`RESET ALL`, `UNLISTEN *`...) each time a
    connection goes back; the ceiling skips that round trip, as a pool for stateless
    autocommit connections can.
    """


async def ateardown() -> None:
    """Close the connection and the pool."""
    await _conn.close()
    if _pool is not None:
        await _pool.close()


async def aget_by_pk(pk: int) -> Any:
    """One row by primary key."""
    if _vendor == "sqlite":
        rows = await _conn.execute_fetchall(_sql["get"], (pk,))
        return rows[0] if rows else None
    return await _conn.fetchrow(_sql["get"], pk)


async def aget_by_pk_concurrent(pk: int) -> Any:
    """One row by primary key through the pool (asyncpg); aiosqlite queues on its connection."""
    if _pool is None:
        return await aget_by_pk(pk)
    return await _pool.fetchrow(_sql["get"], pk)


async def _afetchall(sql: str) -> list[Any]:
    if _vendor == "sqlite":
        return list(await _conn.execute_fetchall(sql))
    return await _conn.fetch(sql)


async def afetch_1000() -> list[Any]:
    """1,000 rows."""
    return await _afetchall(_sql["fetch"])


async def afetch_1000_related() -> list[Any]:
    """1,000 rows joined with their author."""
    return await _afetchall(_sql["related"])


async def abulk_create_10000(rows: Sequence[BookRow]) -> None:
    """executemany in one transaction."""
    if _vendor == "sqlite":
        await _conn.execute("BEGIN")
        await _conn.executemany(_sql["insert"], [_sqlite_params(r) for r in rows])
        await _conn.execute("COMMIT")
    else:
        async with _conn.transaction():
            await _conn.executemany(_sql["insert"], rows)


async def ainsert_one(row: BookRow) -> int:
    """INSERT ... RETURNING id."""
    if _vendor == "sqlite":
        rows = await _conn.execute_fetchall(_sql["insert_one"], _sqlite_params(row))
        return int(rows[0][0])
    return int(await _conn.fetchval(_sql["insert_one"], *row))


async def aupdate_one(pk: int, price: Decimal) -> None:
    """UPDATE one column by primary key."""
    if _vendor == "sqlite":
        await _conn.execute_fetchall(_sql["update"], (str(price), pk))
    else:
        await _conn.execute(_sql["update"], price, pk)


async def acount_filter(min_pages: int) -> int:
    """SELECT count(*) with a WHERE clause."""
    if _vendor == "sqlite":
        rows = await _conn.execute_fetchall(_sql["count"], (min_pages,))
        return int(rows[0][0])
    return int(await _conn.fetchval(_sql["count"], min_pages))
