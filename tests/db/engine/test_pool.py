"""Pooling: connections go back on every path, broken ones are replaced, loops get their own."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from heron.db.backends import Database
from heron.db.errors import DatabaseError, OperationalError


@pytest.fixture
def small(db_url: str) -> Iterator[Database]:
    """A database whose pool holds one connection and waits at most half a second."""
    db = Database({"URL": db_url, "POOL_SIZE": 1, "POOL_TIMEOUT": 0.5})
    try:
        yield db
    finally:
        db.close()


def test_failed_query_gives_its_connection_back(small: Database) -> None:
    for _ in range(3):
        with pytest.raises(DatabaseError):
            small.fetchall("SELECT * FROM he_no_such_table")
    assert small.fetchone("SELECT 1") == (1,)


@pytest.mark.anyio
async def test_failed_async_query_gives_its_connection_back(small: Database) -> None:
    for _ in range(3):
        with pytest.raises(DatabaseError):
            await small.afetchall("SELECT * FROM he_no_such_table")
    row = await small.afetchone("SELECT 1")
    assert row is not None and row[0] == 1
    await small.aclose()


def test_exhausted_pool_times_out(small: Database) -> None:
    held = small.iterate("SELECT 1", (), 1)
    assert next(held)[0] == 1  # the iteration holds the only connection
    with pytest.raises(OperationalError, match="POOL_SIZE"):
        small.fetchone("SELECT 2")
    held.close()  # type: ignore[attr-defined]
    assert small.fetchone("SELECT 3") == (3,)


@pytest.mark.anyio
async def test_exhausted_async_pool_times_out(small: Database) -> None:
    held = small.aiterate("SELECT 1", (), 1)
    assert (await anext(held))[0] == 1
    with pytest.raises(OperationalError, match="POOL_SIZE"):
        await small.afetchone("SELECT 2")
    await held.aclose()  # type: ignore[attr-defined]
    row = await small.afetchone("SELECT 3")
    assert row is not None and row[0] == 3
    await small.aclose()


@pytest.mark.anyio
async def test_waiting_task_gets_the_released_connection(small: Database) -> None:
    held = small.aiterate("SELECT 1", (), 1)
    await anext(held)
    waiter = asyncio.ensure_future(small.afetchone("SELECT 2"))
    await asyncio.sleep(0.05)
    assert not waiter.done()
    await held.aclose()  # type: ignore[attr-defined]
    row = await waiter
    assert row is not None and row[0] == 2
    await small.aclose()


def _in_threads(count: int, work: Callable[[], None]) -> list[BaseException]:
    """Run ``work`` in ``count`` threads released together; the exceptions they raised."""
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def run() -> None:
        start.wait()
        try:
            work()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_threads_share_the_pool(db_url: str) -> None:
    db = Database({"URL": db_url, "POOL_SIZE": 3, "POOL_TIMEOUT": 10})

    def work() -> None:
        for i in range(20):
            assert db.fetchone("SELECT 1 + " + str(i)) == (1 + i,)

    errors = _in_threads(8, work)
    db.close()
    assert errors == []


def test_connections_opened_together_on_a_new_sqlite_file_all_work(tmp_path: Path) -> None:
    """The first connections race to switch a new file to WAL; none may fail "locked"."""
    for attempt in range(40):
        db = Database({"URL": f"sqlite:///{tmp_path / f'race{attempt}.db'}", "POOL_SIZE": 4})

        def work(db: Database = db) -> None:
            assert db.fetchone("SELECT 1") == (1,)

        errors = _in_threads(6, work)
        assert errors == [], f"attempt {attempt}"
        assert db.fetchone("PRAGMA journal_mode") == ("wal",)
        db.close()


def test_each_event_loop_gets_its_own_connections(small: Database) -> None:
    async def query(value: int) -> int:
        row = await small.afetchone(f"SELECT {value}")
        assert row is not None
        return int(row[0])

    # Two loops one after the other (the first one's pool is dropped once it closed),
    # then one in another thread while this thread's loop is also querying.
    assert asyncio.run(query(1)) == 1
    assert asyncio.run(query(2)) == 2
    results: list[int] = []
    thread = threading.Thread(target=lambda: results.append(asyncio.run(query(3))))
    thread.start()
    assert asyncio.run(query(4)) == 4
    thread.join()
    assert results == [3]


@pytest.fixture
def kill_own_connection(db_url: str) -> str:
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite connections cannot be killed from the server side")
    if db_url.startswith("postgresql"):
        return "SELECT pg_terminate_backend(pg_backend_pid())"
    return "KILL CONNECTION_ID()"


def test_broken_connection_is_replaced(small: Database, kill_own_connection: str) -> None:
    assert small.fetchone("SELECT 1") == (1,)
    with pytest.raises(OperationalError):
        small.fetchall(kill_own_connection)
    assert small.fetchone("SELECT 2") == (2,)


@pytest.mark.anyio
async def test_broken_async_connection_is_replaced(
    small: Database, kill_own_connection: str
) -> None:
    await small.afetchone("SELECT 1")
    with pytest.raises(OperationalError):
        await small.afetchall(kill_own_connection)
    row = await small.afetchone("SELECT 2")
    assert row is not None and row[0] == 2
    await small.aclose()


@pytest.mark.anyio
async def test_cancelled_and_timed_out_waiters_leave_the_queue(small: Database) -> None:
    held = small.aiterate("SELECT 1", (), 1)
    await anext(held)  # the only connection is busy
    cancelled = asyncio.ensure_future(small.afetchone("SELECT 2"))
    timed_out = asyncio.ensure_future(small.afetchone("SELECT 3"))  # POOL_TIMEOUT is 0.5 s
    await asyncio.sleep(0.05)
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    with pytest.raises(OperationalError, match="POOL_SIZE"):
        await timed_out
    waiting = asyncio.ensure_future(small.afetchone("SELECT 4"))
    await asyncio.sleep(0.05)
    await held.aclose()  # type: ignore[attr-defined]
    row = await asyncio.wait_for(waiting, 2)  # handed over, not lost to a dead waiter
    assert row is not None and row[0] == 4
    row = await small.afetchone("SELECT 5")
    assert row is not None and row[0] == 5
    await small.aclose()


@pytest.mark.anyio
async def test_cancelled_query_does_not_leak_its_connection(
    small: Database, sleep_sql: Callable[[float], str]
) -> None:
    task = asyncio.ensure_future(small.afetchone(sleep_sql(5)))
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    row = await small.afetchone("SELECT 7")
    assert row is not None and row[0] == 7
    await small.aclose()


@pytest.fixture
def backend_pid(db_url: str) -> tuple[str, str, str]:
    """SQL giving the connection's server id, killing a connection, and listing one."""
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite connections cannot be killed from the server side")
    if db_url.startswith("postgresql"):
        return (
            "SELECT pg_backend_pid()",
            "SELECT pg_terminate_backend({})",
            "SELECT 1 FROM pg_stat_activity WHERE pid = {}",
        )
    return (
        "SELECT CONNECTION_ID()",
        "KILL {}",
        "SELECT 1 FROM information_schema.processlist WHERE id = {}",
    )


def _kill(db_url: str, backend_pid: tuple[str, str, str], pid: object) -> None:
    """Kill a server connection and wait until the server has let it go."""
    admin = Database(db_url)
    try:
        admin.fetchall(backend_pid[1].format(pid))
        for _ in range(100):
            if admin.fetchone(backend_pid[2].format(pid)) is None:
                break
            time.sleep(0.02)
    finally:
        admin.close()


def test_idle_connection_closed_by_the_server_is_replaced(
    small: Database, db_url: str, backend_pid: tuple[str, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from heron.db.backends import pool

    monkeypatch.setattr(pool, "STALE_AFTER", 0.0)  # check every idle connection when taken
    first = small.fetchone(backend_pid[0])
    assert first is not None
    _kill(db_url, backend_pid, first[0])
    second = small.fetchone(backend_pid[0])  # no error: the dead connection was replaced
    assert second is not None and second[0] != first[0]


@pytest.mark.anyio
async def test_idle_async_connection_closed_by_the_server_is_replaced(
    small: Database, db_url: str, backend_pid: tuple[str, str, str]
) -> None:
    first = await small.afetchone(backend_pid[0])
    assert first is not None
    await asyncio.to_thread(_kill, db_url, backend_pid, first[0])
    await asyncio.sleep(0.1)  # the loop reads the closed socket meanwhile
    second = await small.afetchone(backend_pid[0])
    assert second is not None and second[0] != first[0]
    await small.aclose()
