"""asyncpg connections keep Heron's statements prepared (``pg_prepared``), on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from heron.db import atomic, connections, hold_connection
from heron.db.backends import Database, pg_prepared
from heron.db.errors import DatabaseError
from tests.db.conftest import server_url

pytestmark = pytest.mark.anyio


async def _database(table_name: str, **options: Any) -> Database:
    connections.configure(
        databases={"default": {"URL": server_url("postgresql"), "POOL_SIZE": 1, "OPTIONS": options}}
    )
    db = connections["default"]
    await db.aexecute(f"CREATE TABLE {table_name} (id integer PRIMARY KEY, n integer)")
    await db.aexecute(f"INSERT INTO {table_name} VALUES (1, 10), (2, 20)")
    return db


@pytest.fixture
async def pg(table_name: str) -> AsyncIterator[Database]:
    """The default database on PostgreSQL, one pooled connection, a table of two rows."""
    db = await _database(table_name)
    try:
        yield db
    finally:
        await db.aexecute(f"DROP TABLE IF EXISTS {table_name}")
        await db.aclose()
        connections.reset()


def _held(db: Database) -> Any:
    state = db._async_held.get()
    assert state is not None
    return state.conn


async def test_statements_are_prepared_once_per_connection(pg: Database, table_name: str) -> None:
    select = f"SELECT n FROM {table_name} WHERE id = $1"
    update = f"UPDATE {table_name} SET n = n + 1 WHERE id = $1"
    async with hold_connection():
        conn = _held(pg)
        assert [tuple(r) for r in await pg.afetchall(select, (1,))] == [(10,)]
        statement = conn.heron_statements[select]
        assert tuple(await pg.afetchone(select, (2,))) == (20,)  # type: ignore[arg-type]
        assert await pg.aexecute(update, (1,)) == 1  # the row count, from the status
        assert await pg.aexecute(update, (3,)) == 0
        assert conn.heron_statements[select] is statement
        assert update in conn.heron_statements
        # Without parameters a statement may hold several commands: not prepared.
        several = f"UPDATE {table_name} SET n = 0 WHERE id = 3; SELECT 1"
        await pg.aexecute(several)
        assert several not in conn.heron_statements


async def test_a_schema_change_drops_the_statement_and_the_query_runs_again(
    pg: Database, table_name: str
) -> None:
    select = f"SELECT * FROM {table_name} WHERE id = $1"
    async with hold_connection():
        conn = _held(pg)
        assert tuple((await pg.afetchall(select, (1,)))[0]) == (1, 10)
        await pg.aexecute(f"ALTER TABLE {table_name} ALTER COLUMN n TYPE text")
        assert tuple((await pg.afetchall(select, (1,)))[0]) == (1, "10")
        await pg.aexecute(f"ALTER TABLE {table_name} ADD COLUMN note text DEFAULT 'x'")
        assert tuple((await pg.afetchall(select, (2,)))[0]) == (2, "20", "x")
        assert select in conn.heron_statements  # prepared again for the new schema


async def test_statements_deallocated_on_the_server_are_prepared_again(
    pg: Database, table_name: str
) -> None:
    select = f"SELECT n FROM {table_name} WHERE id = $1"
    async with hold_connection():
        assert (await pg.afetchone(select, (1,)))[0] == 10  # type: ignore[index]
        await pg.aexecute("DEALLOCATE ALL")
        assert (await pg.afetchone(select, (2,)))[0] == 20  # type: ignore[index]


async def test_a_stale_statement_inside_a_transaction_fails_it_as_asyncpg_does(
    pg: Database, table_name: str
) -> None:
    select = f"SELECT * FROM {table_name} WHERE id = $1"
    assert len(await pg.afetchall(select, (1,))) == 1
    with pytest.raises(DatabaseError):
        async with atomic():
            await pg.aexecute(f"ALTER TABLE {table_name} ALTER COLUMN n TYPE text")
            await pg.afetchall(select, (1,))
    # rolled back: the old schema, and the statement works again
    assert tuple((await pg.afetchall(select, (1,)))[0]) == (1, 10)


async def test_each_connection_keeps_a_bounded_number_of_statements(
    pg: Database, table_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pg_prepared, "MAX_STATEMENTS", 3)
    async with hold_connection():
        conn = _held(pg)
        for n in range(6):
            assert (await pg.afetchone(f"SELECT {n} FROM {table_name} LIMIT $1", (1,)))[0] == n  # type: ignore[index]
        assert list(conn.heron_statements) == [
            f"SELECT {n} FROM {table_name} LIMIT $1" for n in (3, 4, 5)
        ]
        long_sql = f"SELECT n FROM {table_name} WHERE id = $1 {' ' * conn.heron_max_size}"
        assert (await pg.afetchone(long_sql, (1,)))[0] == 10  # type: ignore[index]
        assert long_sql not in conn.heron_statements


async def test_statement_cache_size_zero_turns_prepared_statements_off(table_name: str) -> None:
    db = await _database(table_name, async_connect_args={"statement_cache_size": 0})
    try:
        async with hold_connection():
            conn = _held(db)
            assert not hasattr(conn, "heron_statements")
            assert (await db.afetchone(f"SELECT n FROM {table_name} WHERE id = $1", (2,)))[0] == 20  # type: ignore[index]
            assert await db.aexecute(f"DELETE FROM {table_name} WHERE id = $1", (2,)) == 1
    finally:
        await db.aexecute(f"DROP TABLE IF EXISTS {table_name}")
        await db.aclose()
        connections.reset()
