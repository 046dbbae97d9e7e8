"""Transactions, holds and pools under the cases a Django user leans on, on every backend.

Cancellation in the middle of a query, tasks that outlive the block they were started
in, a second alias, ``savepoint=False`` inside a test's transaction.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextvars import Context, copy_context
from typing import Any

import pytest

from heron import Heron, abort
from heron.db import Model, connections, fields, hold_connection, integration
from heron.db.backends import Database
from heron.db.errors import AsyncContextError, OperationalError, TransactionManagementError
from heron.db.transaction import Atomic, atomic, in_atomic_block, on_commit, set_rollback
from heron.testing import TestClient
from tests.db.engine.conftest import PRIMARY_KEYS


@pytest.fixture
def small(db_url: str, table_name: str) -> Iterator[Database]:
    """``connections["default"]``: one pooled connection, a short wait, a table ``(id, name)``."""
    connections.configure(
        databases={"default": {"URL": db_url, "POOL_SIZE": 1, "POOL_TIMEOUT": 0.5}}
    )
    db = connections["default"]
    db.execute(
        f"CREATE TABLE {table_name} (id {PRIMARY_KEYS[db.vendor]}, name varchar(20) NOT NULL)"
    )
    try:
        yield db
    finally:
        connections.reset()
        db.execute(f"DROP TABLE IF EXISTS {table_name}")
        db.close()


def _insert(db: Database, table: str, asynchronous: bool = False) -> str:
    style = db.paramstyles[1 if asynchronous else 0]
    mark = {"qmark": "?", "format": "%s", "numeric_dollar": "$1"}.get(style, "$1")
    return f"INSERT INTO {table} (name) VALUES ({mark})"


def _names(db: Database, table: str) -> list[str]:
    return [row[0] for row in db.fetchall(f"SELECT name FROM {table} ORDER BY name")]


async def _anames(db: Database, table: str) -> list[str]:
    return [row[0] for row in await db.afetchall(f"SELECT name FROM {table} ORDER BY name")]


async def _pool_is_clean(db: Database, table: str) -> None:
    """The pool's one connection answers, is in autocommit, and is not left half-read."""
    row = await asyncio.wait_for(db.afetchone("SELECT 7"), 5)
    assert row is not None and row[0] == 7
    await db.aexecute(_insert(db, table, True), ("autocommitted",))
    assert "autocommitted" in await asyncio.to_thread(_names, db, table)


# -- cancellation -------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_query_cancelled_inside_atomic_rolls_back_and_frees_the_connection(
    small: Database, table_name: str, sleep_sql: Callable[[float], str]
) -> None:
    async def work() -> None:
        async with atomic():
            await small.aexecute(_insert(small, table_name, True), ("cancelled",))
            await small.afetchone(sleep_sql(5))

    with pytest.raises(TimeoutError):
        await asyncio.wait_for(work(), 0.3)
    await _pool_is_clean(small, table_name)
    assert await _anames(small, table_name) == ["autocommitted"]
    await small.aclose()


@pytest.mark.anyio
async def test_task_cancelled_inside_a_savepoint_rolls_back_the_whole_block(
    small: Database, table_name: str, sleep_sql: Callable[[float], str]
) -> None:
    async def work() -> None:
        async with atomic():
            await small.aexecute(_insert(small, table_name, True), ("outer",))
            async with atomic():
                await small.afetchone(sleep_sql(5))

    task = asyncio.ensure_future(work())
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await _pool_is_clean(small, table_name)
    assert await _anames(small, table_name) == ["autocommitted"]
    await small.aclose()


@pytest.mark.anyio
async def test_query_cancelled_inside_a_hold_gives_back_a_clean_connection(
    small: Database, table_name: str, sleep_sql: Callable[[float], str]
) -> None:
    async def work() -> None:
        async with hold_connection():
            await small.afetchone(sleep_sql(5))

    with pytest.raises(TimeoutError):
        await asyncio.wait_for(work(), 0.3)
    await _pool_is_clean(small, table_name)
    await small.aclose()


@pytest.mark.anyio
async def test_exhausted_pool_inside_atomic_names_the_settings(small: Database) -> None:
    async with atomic():
        with pytest.raises(OperationalError, match="all 1 pooled connections are in use"):
            # The transaction holds the only connection; a task of its own needs another.
            await asyncio.create_task(_outside_the_transaction(small), context=Context())
    await small.aclose()


async def _outside_the_transaction(db: Database) -> None:
    async with Atomic(db.alias):  # pragma: no cover - only reached on failure
        pass


# -- tasks outliving the block they started in ---------------------------------------------------


@pytest.mark.anyio
async def test_task_outliving_its_atomic_block_opens_a_transaction_of_its_own(
    small: Database, table_name: str
) -> None:
    ended = asyncio.Event()

    async def later() -> list[bool]:
        await ended.wait()
        async with atomic():
            await small.aexecute(_insert(small, table_name, True), ("late",))
            inside = in_atomic_block()
        return [inside, in_atomic_block()]

    async with atomic():
        task = asyncio.create_task(later())
    ended.set()
    assert await asyncio.wait_for(task, 5) == [True, False]
    assert await _anames(small, table_name) == ["late"]
    await small.aclose()


@pytest.mark.anyio
async def test_task_outliving_its_atomic_block_is_not_in_it(small: Database) -> None:
    ended = asyncio.Event()

    async def later() -> bool:
        await ended.wait()
        return in_atomic_block()

    async with atomic():
        task = asyncio.create_task(later())
    ended.set()
    assert await asyncio.wait_for(task, 5) is False
    await small.aclose()


@pytest.mark.anyio
@pytest.mark.parametrize("block", [atomic, hold_connection])
async def test_query_of_a_task_outliving_its_block_uses_the_pool(
    small: Database, table_name: str, block: Callable[[], Any]
) -> None:
    ended = asyncio.Event()

    async def later() -> None:
        await ended.wait()
        await small.aexecute(_insert(small, table_name, True), ("late",))

    async with block():
        task = asyncio.create_task(later())
    async with atomic():  # takes the pool's only connection, then rolls back
        ended.set()
        await asyncio.sleep(0.1)
        set_rollback(True)
    await asyncio.wait_for(task, 5)
    assert await _anames(small, table_name) == ["late"]
    await small.aclose()


@pytest.mark.parametrize("block", [atomic, hold_connection])
def test_query_of_a_thread_outliving_its_block_uses_the_pool(
    small: Database, table_name: str, block: Callable[[], Any]
) -> None:
    ended = threading.Event()
    failures: list[BaseException] = []

    def later() -> None:
        ended.wait(5)
        try:
            small.execute(_insert(small, table_name), ("late",))
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    with block():
        thread = threading.Thread(target=copy_context().run, args=(later,))
        thread.start()
    with atomic():  # takes the pool's only connection, then rolls back
        ended.set()
        time.sleep(0.1)  # the thread waits for the pool meanwhile (it must not share this)
        set_rollback(True)
    thread.join(5)
    assert not failures
    assert _names(small, table_name) == ["late"]


@pytest.mark.anyio
async def test_one_hold_connection_shared_by_tasks_leaving_in_any_order(db_url: str) -> None:
    connections.configure(
        databases={"default": {"URL": db_url, "POOL_SIZE": 2, "POOL_TIMEOUT": 0.5}}
    )
    db = connections["default"]
    held = hold_connection()  # one instance, as a module-level constant would be
    second_in = asyncio.Event()
    first_out = asyncio.Event()

    async def first() -> None:
        async with held:
            await second_in.wait()
            await db.afetchone("SELECT 1")
        first_out.set()

    async def second() -> None:
        async with held:
            second_in.set()
            await first_out.wait()  # leaves after the task that entered first
            await db.afetchone("SELECT 2")

    try:
        await asyncio.wait_for(asyncio.gather(first(), second()), 5)
        assert db._apools.current().idle  # both connections went back
        row = await db.afetchone("SELECT 3")
        assert row is not None and row[0] == 3
    finally:
        await db.aclose()
        connections.reset()


@pytest.mark.anyio
async def test_gather_inside_hold_connection_shares_it(small: Database) -> None:
    async with hold_connection():
        rows = await asyncio.gather(*(small.afetchone(f"SELECT {i}") for i in range(5)))
        async with hold_connection():  # nested: the same connection
            rows.append(await small.afetchone("SELECT 5"))
    assert [row[0] for row in rows if row is not None] == [0, 1, 2, 3, 4, 5]
    await small.aclose()


# -- on_commit in a test's transaction ----------------------------------------------------------


def test_block_without_savepoint_in_a_test_transaction_acts_as_the_outermost(
    small: Database, table_name: str
) -> None:
    called: list[str] = []
    with Atomic(testing=True):
        with atomic(savepoint=False):
            on_commit(lambda: called.append("no savepoint"))
        assert called == ["no savepoint"]
        with pytest.raises(RuntimeError), atomic(savepoint=False):
            small.execute(_insert(small, table_name), ("rolled back",))
            on_commit(lambda: called.append("failed"))
            raise RuntimeError
        # As in production, where this block would be the outermost one: only it rolled back.
        small.execute(_insert(small, table_name), ("after",))
        assert _names(small, table_name) == ["after"]
    assert called == ["no savepoint"]


@pytest.mark.anyio
async def test_async_on_commit_in_a_block_without_savepoint_inside_a_test_transaction(
    small: Database,
) -> None:
    called: list[str] = []
    async with Atomic(testing=True):
        async with atomic(savepoint=False):
            on_commit(lambda: called.append("no savepoint"))
        assert called == ["no savepoint"]
    await small.aclose()


@pytest.mark.anyio
@pytest.mark.xfail(
    strict=True,
    reason="concurrent tasks' blocks in a test's transaction are savepoints on one "
    "connection, left out of order; in production each is its own transaction (needs a "
    "design: serialise the blocks that act as outermost ones)",
)
async def test_concurrent_tasks_blocks_inside_a_test_transaction_act_as_outermost(
    small: Database,
) -> None:
    async def work(pause: float) -> None:
        async with atomic():
            await small.afetchone("SELECT 1")
            await asyncio.sleep(pause)

    try:
        async with Atomic(testing=True):
            # The first to enter leaves first; both end before the test's block does.
            results = await asyncio.gather(work(0.01), work(0.05), return_exceptions=True)
        assert results == [None, None]
    finally:
        await small.aclose()


@pytest.mark.anyio
async def test_blocks_left_out_of_order_doom_the_transaction_and_free_its_connection(
    small: Database, table_name: str
) -> None:
    async def work(name: str, pause: float) -> None:
        async with atomic():
            await small.aexecute(_insert(small, table_name, True), (name,))
            await asyncio.sleep(pause)

    called: list[str] = []
    async with atomic():
        on_commit(lambda: called.append("committed"))
        results = await asyncio.gather(
            work("first", 0.01), work("second", 0.05), return_exceptions=True
        )
    assert isinstance(results[0], TransactionManagementError) and results[1] is None
    assert called == []
    await _pool_is_clean(small, table_name)
    assert await _anames(small, table_name) == ["autocommitted"]
    await small.aclose()


def test_on_commit_order_and_nesting(small: Database) -> None:
    called: list[str] = []
    with atomic():
        on_commit(lambda: called.append("a"))
        with atomic():
            on_commit(lambda: called.append("b"))
        with pytest.raises(RuntimeError), atomic():
            on_commit(lambda: called.append("rolled back savepoint"))
            raise RuntimeError
        with atomic(savepoint=False):
            on_commit(lambda: called.append("c"))
        assert called == []
    assert called == ["a", "b", "c"]
    with pytest.raises(RuntimeError), atomic():
        on_commit(lambda: called.append("rolled back"))
        raise RuntimeError
    assert called == ["a", "b", "c"]


# -- a second alias -------------------------------------------------------------------------------


@pytest.fixture
def two(db_url: str, table_name: str, tmp_path: Any) -> Iterator[tuple[Database, Database]]:
    """``default`` on the backend under test, ``other`` on a SQLite file, each with the table."""
    connections.configure(
        databases={"default": db_url, "other": f"sqlite:///{tmp_path / 'other.db'}"}
    )
    default, other = connections["default"], connections["other"]
    for db in (default, other):
        db.execute(
            f"CREATE TABLE {table_name} (id {PRIMARY_KEYS[db.vendor]}, name varchar(20) NOT NULL)"
        )
    try:
        yield default, other
    finally:
        connections.reset()
        default.execute(f"DROP TABLE IF EXISTS {table_name}")
        default.close()
        other.close()


def test_transaction_on_another_alias(two: tuple[Database, Database], table_name: str) -> None:
    default, other = two
    called: list[str] = []
    with pytest.raises(RuntimeError), atomic(using="other"):
        other.execute(_insert(other, table_name), ("rolled back",))
        default.execute(_insert(default, table_name), ("autocommitted",))
        on_commit(lambda: called.append("other"), using="other")
        assert in_atomic_block("other") and not in_atomic_block()
        raise RuntimeError
    with atomic("other"):
        other.execute(_insert(other, table_name), ("committed",))
        on_commit(lambda: called.append("other"), using="other")
        on_commit(lambda: called.append("default now"))
        assert called == ["default now"]
    with atomic(using="other"):
        other.execute(_insert(other, table_name), ("marked",))
        set_rollback(True, using="other")
    assert called == ["default now", "other"]
    assert _names(other, table_name) == ["committed"]
    assert _names(default, table_name) == ["autocommitted"]


@pytest.mark.anyio
async def test_async_transaction_on_another_alias(
    two: tuple[Database, Database], table_name: str
) -> None:
    default, other = two

    @atomic(using="other")
    async def write(fail: bool) -> None:
        await other.aexecute(_insert(other, table_name, True), ("other",))
        await default.aexecute(_insert(default, table_name, True), ("default",))
        if fail:
            raise RuntimeError

    with pytest.raises(RuntimeError):
        await write(True)
    assert await _anames(other, table_name) == []
    await write(False)
    assert await _anames(other, table_name) == ["other"]
    assert await _anames(default, table_name) == ["default", "default"]
    await default.aclose()
    await other.aclose()


# -- select_for_update ---------------------------------------------------------------------------


class Locked(Model):
    name = fields.String(max_length=20)

    class Meta:
        label = "auditlocks"
        db_table = f"he_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def locked_table(database: Database) -> Iterator[None]:
    engine = database.sqlalchemy_engine()
    Locked.__table__.create(engine)
    try:
        yield
    finally:
        Locked.__table__.drop(engine)


@pytest.mark.anyio
async def test_select_for_update_outside_a_transaction_is_refused(
    adatabase: Database, locked_table: None
) -> None:
    with pytest.raises(TransactionManagementError, match="select_for_update"):
        await Locked.objects.select_for_update()
    async with atomic():
        assert await Locked.objects.select_for_update() == []


def test_select_for_update_outside_a_transaction_is_refused_sync(
    database: Database, locked_table: None
) -> None:
    Locked.objects.create(name="row")
    with pytest.raises(TransactionManagementError, match="select_for_update"):
        Locked.objects.select_for_update().get(name="row")
    with pytest.raises(TransactionManagementError, match="select_for_update"):
        list(Locked.objects.select_for_update().values("name"))
    with atomic():
        assert Locked.objects.select_for_update().get(name="row").name == "row"
    assert Locked.objects.select_for_update().none().count() == 0  # no query, no lock


# -- ATOMIC_REQUESTS -------------------------------------------------------------------------------


def test_atomic_requests_commit_4xx_and_roll_back_raised_errors_and_5xx(
    db_url: str, table_name: str, tmp_path: Any
) -> None:
    app = Heron(__name__, root_path=str(tmp_path))
    app.config.update(TESTING=True, SECRET_KEY="test", PROPAGATE_EXCEPTIONS=False)
    app.config.update(DATABASE_URL=db_url, ATOMIC_REQUESTS=True)
    app.install(integration)
    db = connections["default"]
    db.execute(f"CREATE TABLE {table_name} (id {PRIMARY_KEYS[db.vendor]}, name varchar(20))")
    insert = _insert(db, table_name, True)

    @app.post("/<int:status>/<name>")
    async def respond(status: int, name: str) -> tuple[str, int]:
        await db.aexecute(insert, (name,))
        return name, status

    @app.post("/abort/<name>")
    async def aborts(name: str) -> str:
        await db.aexecute(insert, (name,))
        abort(404)

    try:
        with TestClient(app) as client:
            assert client.post("/200/ok").status_code == 200
            assert client.post("/400/invalid").status_code == 400  # committed, as in Django
            assert client.post("/404/missing").status_code == 404
            assert client.post("/500/failed").status_code == 500  # rolled back (Django commits)
            assert client.post("/abort/aborted").status_code == 404  # raised: rolled back
        assert _names(db, table_name) == ["invalid", "missing", "ok"]
    finally:
        db.execute(f"DROP TABLE IF EXISTS {table_name}")
        connections.reset()


# -- sync calls in a running event loop -----------------------------------------------------------


@pytest.mark.anyio
async def test_sync_calls_in_an_event_loop_are_refused(small: Database) -> None:
    @atomic
    def decorated() -> None:  # pragma: no cover - refused before it runs
        pass

    with pytest.raises(AsyncContextError, match="async with atomic"):
        decorated()
    with pytest.raises(AsyncContextError, match="async with hold_connection"), hold_connection():
        pass
    with pytest.raises(AsyncContextError, match="afetchall"):
        small.fetchall("SELECT 1")
    with pytest.raises(AsyncContextError, match="aiterate"):
        small.iterate("SELECT 1")
    await small.aclose()


@pytest.mark.anyio
async def test_task_cancelled_during_commit_leaves_a_clean_pool(
    small: Database, table_name: str
) -> None:
    if small.vendor != "postgresql":
        pytest.skip("a slow COMMIT needs a deferred constraint trigger (PostgreSQL)")
    await small.aexecute(
        f"CREATE FUNCTION {table_name}_slow() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN PERFORM pg_sleep(2); RETURN NULL; END $$"
    )
    await small.aexecute(
        f"CREATE CONSTRAINT TRIGGER {table_name}_t AFTER INSERT ON {table_name} "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
        f"EXECUTE FUNCTION {table_name}_slow()"
    )
    called: list[bool] = []

    async def work() -> None:
        async with atomic():
            await small.aexecute(_insert(small, table_name, True), ("slow commit",))
            on_commit(lambda: called.append(True))

    try:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(work(), 0.5)  # cancelled while COMMIT runs the trigger
        assert called == []
        await small.aexecute(f"DROP TRIGGER {table_name}_t ON {table_name}")
        await _pool_is_clean(small, table_name)
    finally:
        await small.aexecute(f"DROP TRIGGER IF EXISTS {table_name}_t ON {table_name}")
        await small.aexecute(f"DROP FUNCTION IF EXISTS {table_name}_slow()")
        await small.aclose()


# -- the pytest fixtures ---------------------------------------------------------------------------

FIXTURE_CONFTEST = """
import pytest
from heron import Heron
import heron.db
from heron.db import Model, fields


class Jot(Model):
    text = fields.String(max_length=50)

    class Meta:
        label = "auditjots"


@pytest.fixture
def app():
    app = Heron(__name__)
    app.config["TESTING"] = True
    app.install(heron.db)  # configures connections again: they are pinned to the test DB
    return app


@pytest.fixture
def anyio_backend():
    return "asyncio"
"""


def _run_fixture_tests(pytester: pytest.Pytester, db_url: str, tests: str) -> pytest.RunResult:
    """Run ``tests`` in a pytest session of their own, its dev database on ``db_url``'s server."""
    url = db_url if db_url.startswith("sqlite") else db_url.rsplit("/", 1)[0] + "/heron_audit_dev"
    pytester.makeconftest(FIXTURE_CONFTEST)
    pytester.makepyfile(test_jots=tests)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HERON_DATABASE_URL", url)
        return pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", "-p", "no:randomly")


def test_db_fixture_keeps_its_transaction_when_an_app_is_created_after_it(
    pytester: pytest.Pytester, db_url: str
) -> None:
    result = _run_fixture_tests(
        pytester,
        db_url,
        """
from conftest import Jot


def test_db_then_app(db, app):
    Jot.objects.create(text="rolled back")
    assert Jot.objects.count() == 1


def test_nothing_left(db):
    assert Jot.objects.count() == 0
""",
    )
    result.assert_outcomes(passed=2)


def test_db_fixture_in_an_async_test_points_to_async_db(
    pytester: pytest.Pytester, db_url: str
) -> None:
    result = _run_fixture_tests(
        pytester,
        db_url,
        """
import pytest
from conftest import Jot


@pytest.mark.anyio
async def test_async_with_db(db):
    await Jot.objects.acreate(text="would commit")
""",
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*async_db*"])
