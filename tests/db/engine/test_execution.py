"""Running SQL: fetch, execute, executemany, iterate, sync and async, on every backend."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import pytest

from heron.db.backends import Database


def _fill(database: Database, sql: Callable[..., str], table: str, count: int) -> None:
    database.executemany(
        sql(f"INSERT INTO {table} (id, name, n) VALUES (?, ?, ?)"),
        [(i, f"row{i}", i * 10) for i in range(1, count + 1)],
    )


async def _afill(database: Database, sql: Callable[..., str], table: str, count: int) -> None:
    await database.aexecutemany(
        sql(f"INSERT INTO {table} (id, name, n) VALUES (?, ?, ?)", True),
        [(i, f"row{i}", i * 10) for i in range(1, count + 1)],
    )


def test_fetch_and_execute(database: Database, table: str, sql: Callable[..., str]) -> None:
    insert = sql(f"INSERT INTO {table} (id, name, n) VALUES (?, ?, ?)")
    assert database.execute(insert, (1, "a", 10)) == 1
    database.executemany(insert, [(2, "b", 20), (3, "c", 30)])

    rows = database.fetchall(f"SELECT id, name, n FROM {table} ORDER BY id")
    assert [tuple(row) for row in rows] == [(1, "a", 10), (2, "b", 20), (3, "c", 30)]
    row = database.fetchone(sql(f"SELECT name, n FROM {table} WHERE id = ?"), (2,))
    assert row is not None and (row[0], row[1]) == ("b", 20)
    assert database.fetchone(sql(f"SELECT name FROM {table} WHERE id = ?"), [99]) is None

    assert database.execute(sql(f"UPDATE {table} SET n = n + 1 WHERE id > ?"), (1,)) == 2
    # Rows matched, not only rows changed (MariaDB counts the latter unless told otherwise).
    assert database.execute(sql(f"UPDATE {table} SET n = n WHERE id = ?"), (1,)) == 1
    assert database.execute(sql(f"DELETE FROM {table} WHERE id = ?"), (3,)) == 1
    assert database.fetchall(f"SELECT n FROM {table} ORDER BY id") == [(10,), (21,)]


@pytest.mark.anyio
async def test_fetch_and_execute_async(
    adatabase: Database, table: str, sql: Callable[..., str]
) -> None:
    insert = sql(f"INSERT INTO {table} (id, name, n) VALUES (?, ?, ?)", True)
    assert await adatabase.aexecute(insert, (1, "a", 10)) == 1
    await adatabase.aexecutemany(insert, [(2, "b", 20), (3, "c", 30)])

    rows = await adatabase.afetchall(f"SELECT id, name, n FROM {table} ORDER BY id")
    assert [tuple(row) for row in rows] == [(1, "a", 10), (2, "b", 20), (3, "c", 30)]
    select = sql(f"SELECT name, n FROM {table} WHERE id = ?", True)
    row = await adatabase.afetchone(select, (2,))
    assert row is not None and (row[0], row[1]) == ("b", 20)
    assert await adatabase.afetchone(select, (99,)) is None

    update = sql(f"UPDATE {table} SET n = n + 1 WHERE id > ?", True)
    assert await adatabase.aexecute(update, (1,)) == 2
    assert await adatabase.aexecute(sql(f"UPDATE {table} SET n = n WHERE id = ?", True), (1,)) == 1
    assert await adatabase.aexecute(sql(f"DELETE FROM {table} WHERE id = ?", True), (3,)) == 1


def test_iterate_in_chunks(database: Database, table: str, sql: Callable[..., str]) -> None:
    _fill(database, sql, table, 25)
    rows = database.iterate(sql(f"SELECT id FROM {table} WHERE id > ? ORDER BY id"), (0,), 4)
    assert [row[0] for row in rows] == list(range(1, 26))


@pytest.mark.anyio
async def test_aiterate_in_chunks(adatabase: Database, table: str, sql: Callable[..., str]) -> None:
    await _afill(adatabase, sql, table, 25)
    select = sql(f"SELECT id FROM {table} WHERE id > ? ORDER BY id", True)
    assert [row[0] async for row in adatabase.aiterate(select, (0,), 4)] == list(range(1, 26))


def test_iterate_left_early_gives_the_connection_back(
    db_url: str, table: str, sql: Callable[..., str], database: Database
) -> None:
    _fill(database, sql, table, 10)
    small = Database({"URL": db_url, "POOL_SIZE": 1, "POOL_TIMEOUT": 2})
    try:
        rows = small.iterate(f"SELECT id FROM {table} ORDER BY id", (), 3)
        assert next(rows)[0] == 1
        rows.close()  # type: ignore[attr-defined]
        assert small.fetchone(f"SELECT count(*) FROM {table}") == (10,)
    finally:
        small.close()


@pytest.mark.anyio
async def test_aiterate_left_early_gives_the_connection_back(
    db_url: str, table: str, sql: Callable[..., str], adatabase: Database
) -> None:
    await _afill(adatabase, sql, table, 10)
    small = Database({"URL": db_url, "POOL_SIZE": 1, "POOL_TIMEOUT": 2})
    try:
        async with contextlib.aclosing(
            small.aiterate(f"SELECT id FROM {table} ORDER BY id", (), 3)  # type: ignore[type-var]
        ) as rows:
            async for row in rows:
                assert row[0] == 1
                break
        row = await small.afetchone(f"SELECT count(*) FROM {table}")
        assert row is not None and row[0] == 10
    finally:
        await small.aclose()


def test_capture_queries(database: Database, table: str, sql: Callable[..., str]) -> None:
    select = sql(f"SELECT name FROM {table} WHERE id = ?")
    with database.capture_queries() as captured:
        database.fetchone(select, (1,))
        database.fetchall(f"SELECT id FROM {table}")
    database.fetchone(select, (2,))  # after the block: not captured
    assert captured == [(select, (1,)), (f"SELECT id FROM {table}", ())]
    assert database.queries == []


@pytest.mark.anyio
async def test_query_listeners_see_async_calls(
    adatabase: Database, table: str, sql: Callable[..., str]
) -> None:
    seen: list[tuple[str, object]] = []
    adatabase.queries.append(lambda text, params: seen.append((text, params)))
    select = sql(f"SELECT name FROM {table} WHERE id = ?", True)
    await adatabase.afetchone(select, (7,))
    await adatabase.aexecutemany(
        sql(f"INSERT INTO {table} (name) VALUES (?)", True), [("x",), ("y",)]
    )
    assert seen[0] == (select, (7,))
    assert seen[1][1] == [("x",), ("y",)]
    assert len(seen) == 2


def test_literal_percent_signs_survive_format_paramstyle(database: Database) -> None:
    # Compiled SQL doubles "%" for format-paramstyle drivers; the parameters (even empty)
    # make the driver undo it.
    import sqlalchemy as sa

    stmt = sa.select(sa.literal_column("'100%'"), sa.bindparam("x", type_=sa.Integer))
    compiled = stmt.compile(dialect=database.sync_dialect)
    assert database.fetchone(compiled.string, (5,)) == ("100%", 5)
    bare = sa.select(sa.literal_column("'100%'")).compile(dialect=database.sync_dialect)
    row = database.fetchone(bare.string)
    assert row is not None and row[0] == "100%"
