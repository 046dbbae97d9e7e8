"""``hold()`` / ``ahold()`` / ``hold_connection()``: a block's statements on one connection."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from heron.db import AsyncContextError, connections, hold_connection
from heron.db.backends import Database
from heron.db.errors import DatabaseError, OperationalError


@pytest.fixture
def small(db_url: str) -> Iterator[Database]:
    """``connections["default"]`` with a pool of one connection and a short wait."""
    connections.configure(
        databases={"default": {"URL": db_url, "POOL_SIZE": 1, "POOL_TIMEOUT": 0.3}}
    )
    db = connections["default"]
    try:
        yield db
    finally:
        connections.reset()


def _temp(name: str) -> str:
    return f"CREATE TEMPORARY TABLE {name} (n integer)"


def test_statements_share_the_held_connection(small: Database, table_name: str) -> None:
    with small.hold():
        # A temporary table is visible only to the connection that made it.
        small.execute(_temp(table_name))
        small.execute(f"INSERT INTO {table_name} VALUES (1)")
        assert small.fetchone(f"SELECT count(*) FROM {table_name}")[0] == 1  # type: ignore[index]
        with small.hold():  # nested: the same connection
            assert small.fetchone(f"SELECT n FROM {table_name}") == (1,)


def test_the_connection_goes_back_after_the_block_and_after_errors(small: Database) -> None:
    with small.hold(), pytest.raises(OperationalError):  # the one connection is held
        small._pool.acquire()
    assert small.fetchone("SELECT 1")[0] == 1  # type: ignore[index]
    with pytest.raises(DatabaseError), small.hold():
        small.fetchall("SELECT * FROM he_no_such_table")
    assert small.fetchone("SELECT 1")[0] == 1  # type: ignore[index]


@pytest.mark.anyio
async def test_async_statements_share_the_held_connection(small: Database, table_name: str) -> None:
    async with hold_connection():
        await small.aexecute(_temp(table_name))
        await small.aexecute(f"INSERT INTO {table_name} VALUES (2)")
        row = await small.afetchone(f"SELECT n FROM {table_name}")
        assert row is not None and row[0] == 2
    with pytest.raises(DatabaseError):
        async with hold_connection():
            await small.afetchall("SELECT * FROM he_no_such_table")
    row = await small.afetchone("SELECT 1")
    assert row is not None and row[0] == 1
    await small.aclose()


@pytest.mark.anyio
async def test_sync_hold_inside_an_event_loop_is_refused(small: Database) -> None:
    refused = pytest.raises(AsyncContextError, match="use the async twin `async with hold")
    with refused, hold_connection():
        pass
    with pytest.raises(AsyncContextError, match="ahold"), small.hold():
        pass


def test_hold_connection_sync(small: Database, table_name: str) -> None:
    with hold_connection("default"):
        small.execute(_temp(table_name))
        assert small.fetchall(f"SELECT n FROM {table_name}") == []


@pytest.mark.anyio
async def test_tasks_gathered_inside_an_async_hold_take_turns(small: Database) -> None:
    """Tasks inheriting the held connection send their statements one after another."""
    async with small.ahold():
        held = small._async_held.get()
        rows = await asyncio.gather(*(small.afetchone(f"SELECT {n}") for n in range(20)))
        assert [row[0] for row in rows] == list(range(20))  # type: ignore[index]
        assert held is not None and not held.lock.locked()
    # the one pooled connection went back: a new statement gets it
    row = await small.afetchone("SELECT 1")
    assert row is not None and row[0] == 1
    await small.aclose()


@pytest.mark.anyio
async def test_a_failing_task_among_gathered_ones_frees_the_connection(small: Database) -> None:
    async with small.ahold():
        results = await asyncio.gather(
            small.afetchone("SELECT 1"),
            small.afetchall("SELECT * FROM he_no_such_table"),
            small.afetchone("SELECT 3"),
            return_exceptions=True,
        )
        assert isinstance(results[1], DatabaseError)
        assert results[2][0] == 3  # type: ignore[index]
    await small.aclose()


def test_one_hold_cannot_be_entered_twice_at_once(small: Database) -> None:
    block = small.hold()
    with block, pytest.raises(RuntimeError, match="already entered"), block:
        pass
    with block:  # entered again after it ended: a new block
        assert small.fetchone("SELECT 1")[0] == 1  # type: ignore[index]


@pytest.mark.anyio
async def test_a_task_outliving_a_hold_can_hold_a_connection_of_its_own(small: Database) -> None:
    entered = asyncio.Event()
    go_on = asyncio.Event()

    async def later() -> int:
        entered.set()
        await go_on.wait()
        async with small.ahold():  # the outer hold ended: this one takes a connection
            held = small._async_held.get()
            assert held is not None and not held.ended
            row = await small.afetchone("SELECT 5")
            return row[0]  # type: ignore[index]

    async with small.ahold():
        task = asyncio.create_task(later())
        await entered.wait()
    go_on.set()
    assert await asyncio.wait_for(task, 5) == 5
    await small.aclose()
