"""``atomic()`` and ``on_commit()``, sync and async, on every backend."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from heron.db.backends import Database
from heron.db.errors import IntegrityError, TransactionManagementError
from heron.db.transaction import (
    Atomic,
    atomic,
    get_rollback,
    in_atomic_block,
    on_commit,
    set_rollback,
)


class Boom(Exception):
    pass


def names(db: Database, table: str) -> list[str]:
    return [row[0] for row in db.fetchall(f"SELECT name FROM {table} ORDER BY name")]


async def anames(db: Database, table: str) -> list[str]:
    return [row[0] for row in await db.afetchall(f"SELECT name FROM {table} ORDER BY name")]


@pytest.fixture
def add(database: Database, table: str, sql: Callable[..., str]) -> Callable[[str], None]:
    insert = sql(f"INSERT INTO {table} (name) VALUES (?)")
    return lambda name: database.execute(insert, (name,)) and None


@pytest.fixture
def aadd(adatabase: Database, table: str, sql: Callable[..., str]) -> Callable[[str], Any]:
    insert = sql(f"INSERT INTO {table} (name) VALUES (?)", True)
    return lambda name: adatabase.aexecute(insert, (name,))


# -- sync ---------------------------------------------------------------------------------------


def test_commit_and_rollback(database: Database, table: str, add: Callable[[str], None]) -> None:
    with atomic():
        add("kept")
        assert in_atomic_block()
    assert not in_atomic_block()
    with pytest.raises(Boom), atomic():
        add("dropped")
        raise Boom
    assert names(database, table) == ["kept"]


def test_queries_inside_use_the_transaction(
    db_url: str, table: str, add: Callable[[str], None], database: Database
) -> None:
    other = Database(db_url)  # a separate pool: does not see uncommitted rows
    try:
        with atomic():
            add("pending")
            assert names(database, table) == ["pending"]
            if database.vendor != "sqlite":  # SQLite's writer blocks the other connection
                assert names(other, table) == []
        assert names(other, table) == ["pending"]
    finally:
        other.close()


def test_nested_savepoint_rolls_back_alone(
    database: Database, table: str, add: Callable[[str], None]
) -> None:
    with atomic():
        add("outer")
        with pytest.raises(IntegrityError), atomic():
            add("inner")
            add("outer")  # unique violation
        add("after")  # the outer transaction is still usable (also on PostgreSQL)
    assert names(database, table) == ["after", "outer"]


def test_nested_without_savepoint_dooms_the_outer_block(
    database: Database, table: str, add: Callable[[str], None]
) -> None:
    with atomic():
        add("outer")
        with pytest.raises(Boom), atomic(savepoint=False):
            add("inner")
            raise Boom
        assert get_rollback()
        with pytest.raises(TransactionManagementError, match="will be rolled back"):
            add("lost")  # refused, rather than silently rolled back at the end
    assert names(database, table) == []
    add("afterwards")  # the next transaction is a fresh one
    assert names(database, table) == ["afterwards"]


def test_set_rollback(database: Database, table: str, add: Callable[[str], None]) -> None:
    with atomic():
        add("outer")
        with atomic():
            add("inner")
            set_rollback(True)
        assert not get_rollback()  # consumed by the savepoint's rollback
    assert names(database, table) == ["outer"]
    with atomic():
        add("marked")
        set_rollback(True)
    assert names(database, table) == ["outer"]
    with pytest.raises(TransactionManagementError):
        set_rollback(True)


def test_generator_functions_are_refused_as_decorated_blocks() -> None:
    """The block would end when the generator is created, before its body runs."""

    def rows() -> Iterator[int]:
        yield 1

    async def arows() -> AsyncIterator[int]:
        yield 1

    for func in (rows, arows):
        with pytest.raises(TypeError, match="cannot decorate the generator function"):
            atomic(func)
        with pytest.raises(TypeError, match="open the block inside it"):
            atomic(using="default")(func)


def test_decorator(database: Database, table: str, add: Callable[[str], None]) -> None:
    @atomic
    def ok(name: str) -> str:
        assert in_atomic_block()
        add(name)
        return name

    @atomic(using="default", durable=True)
    def failing() -> None:
        add("dropped")
        raise Boom

    assert ok("kept") == "kept"
    assert ok.__name__ == "ok"
    with pytest.raises(Boom):
        failing()
    assert names(database, table) == ["kept"]


def test_durable_refuses_to_nest(database: Database) -> None:
    with atomic(), pytest.raises(TransactionManagementError, match="durable"), atomic(durable=True):
        pass
    with atomic(durable=True):
        assert in_atomic_block()


def test_testing_block_always_rolls_back_and_lets_durable_blocks_run(
    database: Database, table: str, add: Callable[[str], None]
) -> None:
    calls: list[str] = []
    with Atomic(testing=True):
        with atomic(durable=True):  # no error: the testing block does not count
            add("inside")
            on_commit(lambda: calls.append("committed"))
        assert calls == ["committed"]  # the durable block "committed" into the test's one
        assert names(database, table) == ["inside"]
    assert names(database, table) == []


def test_on_commit(database: Database, add: Callable[[str], None]) -> None:
    calls: list[str] = []
    with atomic():
        add("a")
        on_commit(lambda: calls.append("outer"))
        with atomic():
            on_commit(lambda: calls.append("released savepoint"))
        with pytest.raises(Boom), atomic():
            on_commit(lambda: calls.append("rolled-back savepoint"))
            raise Boom
        assert calls == []
    assert calls == ["outer", "released savepoint"]

    with pytest.raises(Boom), atomic():
        on_commit(lambda: calls.append("rolled back"))
        raise Boom
    on_commit(lambda: calls.append("no transaction"))
    assert calls == ["outer", "released savepoint", "no transaction"]


def test_on_commit_runs_async_callbacks_and_robust_ones(database: Database) -> None:
    calls: list[str] = []

    async def notify() -> None:
        await asyncio.sleep(0)
        calls.append("async")

    def broken() -> None:
        raise Boom

    with atomic():
        on_commit(broken, robust=True)
        on_commit(notify)
    assert calls == ["async"]
    with pytest.raises(Boom), atomic():
        on_commit(broken)
        on_commit(lambda: calls.append("skipped"))
    assert calls == ["async"]


def test_postgresql_refuses_to_commit_after_a_swallowed_error(
    database: Database, table: str, add: Callable[[str], None]
) -> None:
    if database.vendor != "postgresql":
        pytest.skip("only PostgreSQL aborts a transaction after a failed statement")
    add("taken")
    calls: list[str] = []
    with pytest.raises(TransactionManagementError, match="nested atomic"), atomic():
        on_commit(lambda: calls.append("never"))
        with contextlib.suppress(IntegrityError):  # PostgreSQL has aborted it anyway
            add("taken")
    assert calls == []
    assert names(database, table) == ["taken"]


# -- async --------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_async_commit_rollback_and_savepoint(
    adatabase: Database, table: str, aadd: Callable[[str], Any]
) -> None:
    async with atomic():
        await aadd("outer")
        assert in_atomic_block()
        with pytest.raises(IntegrityError):
            async with atomic():
                await aadd("inner")
                await aadd("outer")
        await aadd("after")
    with pytest.raises(Boom):
        async with atomic():
            await aadd("dropped")
            raise Boom
    assert await anames(adatabase, table) == ["after", "outer"]


@pytest.mark.anyio
async def test_async_queries_in_a_doomed_block_are_refused(
    adatabase: Database, table: str, aadd: Callable[[str], Any]
) -> None:
    async with atomic():
        await aadd("outer")
        with pytest.raises(Boom):
            async with atomic(savepoint=False):
                raise Boom
        with pytest.raises(TransactionManagementError):
            await aadd("lost")
    assert await anames(adatabase, table) == []


@pytest.mark.anyio
async def test_async_decorator_and_on_commit(
    adatabase: Database, table: str, aadd: Callable[[str], Any]
) -> None:
    calls: list[str] = []

    async def notify() -> None:
        calls.append("async")

    @atomic
    async def create(name: str) -> str:
        await aadd(name)
        on_commit(lambda: calls.append(name))
        on_commit(notify)
        return name

    @atomic(using="default")
    async def failing() -> None:
        await aadd("dropped")
        on_commit(lambda: calls.append("never"))
        raise Boom

    assert await create("kept") == "kept"
    with pytest.raises(Boom):
        await failing()
    assert calls == ["kept", "async"]
    assert await anames(adatabase, table) == ["kept"]


@pytest.mark.anyio
async def test_sync_and_async_transactions_are_separate(
    adatabase: Database, table: str, aadd: Callable[[str], Any], add: Callable[[str], None]
) -> None:
    async with atomic():
        await aadd("async")
        assert in_atomic_block()

        def in_thread() -> bool:
            return in_atomic_block()  # a thread has no running loop: the sync state

        assert await asyncio.to_thread(in_thread) is False
        set_rollback(True)
    assert await anames(adatabase, table) == []


@pytest.mark.anyio
async def test_concurrent_tasks_have_their_own_transactions(
    adatabase: Database, table: str, aadd: Callable[[str], Any]
) -> None:
    async def worker(name: str, fail: bool) -> list[str]:
        async with atomic():
            await aadd(name)
            await asyncio.sleep(0.05)
            seen = await anames(adatabase, table)
            if fail:
                raise Boom
        return seen

    a, b = await asyncio.gather(worker("a", False), worker("b", True), return_exceptions=True)
    assert isinstance(b, Boom)
    assert isinstance(a, list) and "a" in a and "b" not in a
    assert await anames(adatabase, table) == ["a"]


@pytest.mark.anyio
async def test_tasks_started_inside_a_block_share_its_transaction(
    adatabase: Database, table: str, aadd: Callable[[str], Any]
) -> None:
    with pytest.raises(Boom):
        async with atomic():
            await asyncio.gather(aadd("x"), aadd("y"), aadd("z"))
            assert await anames(adatabase, table) == ["x", "y", "z"]
            raise Boom
    assert await anames(adatabase, table) == []


@pytest.mark.anyio
async def test_async_on_commit_outside_a_transaction_runs_now(adatabase: Database) -> None:
    calls: list[str] = []

    async def notify() -> None:
        calls.append("async")

    on_commit(lambda: calls.append("sync"))
    on_commit(notify)  # started as a task of the running loop
    assert calls == ["sync"]
    await asyncio.sleep(0.01)
    assert calls == ["sync", "async"]
