"""Testing with a database: a test database per session, per-test rollback, query counting.

The pytest plugin (``heron.testing.plugin``) exposes these as fixtures:

``db``
    The test runs inside a transaction on every configured database, rolled back at the
    end (sync code in the test's own thread).
``async_db``
    The same for ``async`` tests: ``async with atomic()`` around the test, rolled back.
``transactional_db``
    No transaction around the test; every table is emptied afterwards. Use it when the
    code under test runs elsewhere — a request through ``TestClient`` runs in the
    client's own thread and event loop, so it cannot see a test's uncommitted rows.
``assert_num_queries``
    ``with assert_num_queries(2): ...`` fails unless exactly two statements ran.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from heron.db.backends.base import Database
from heron.db.backends.creation import (
    create_test_database,
    database_name_for_tests,
    destroy_test_database,
)
from heron.db.connections import connections
from heron.db.transaction import Atomic

__all__ = [
    "TestDatabases",
    "assert_num_queries",
    "flush_tables",
    "rollback_atomic",
    "rollback_atomic_async",
]


class TestDatabases:
    """Create the test database of every configured alias, migrate it, and point
    ``connections`` at it until ``teardown()``.

    With ``check_migrations`` (the default), models changed without a migration fail the
    set-up first, naming the changes, instead of failing tests later on a missing column.

    PostgreSQL and MariaDB get ``test_<name>`` on the same server; SQLite a file in a
    temporary folder (so sync and async connections, threads and event loops share it).
    """

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(self, *, keepdb: bool = False, check_migrations: bool = True) -> None:
        self.keepdb = keepdb
        self.check_migrations = check_migrations
        self.created: list[Database] = []
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    def setup(self) -> None:
        """Create, migrate and pin the test databases (all dropped again if one fails)."""
        try:
            self._create_and_migrate()
        except BaseException:
            self.teardown()
            raise

    def _create_and_migrate(self) -> None:
        from heron.db.migrations import check_migrations_current, migrate_all

        if self.check_migrations:  # before anything is created: a stale label fails fast
            check_migrations_current()
        settings: dict[str, Any] = {}
        for alias in list(connections):
            original = connections[alias]
            name = self._test_name(original)
            test_db = create_test_database(original, name=name, keepdb=self.keepdb)
            self.created.append(test_db)
            settings[alias] = test_db.settings
        connections.pin(settings)
        for alias in settings:
            migrate_all(alias)

    def _test_name(self, original: Database) -> str:
        """``test_<name>`` or ``TEST["NAME"]`` (SQLite: else a temporary file), suffixed with
        the pytest-xdist worker (``_gw0``) so parallel workers get databases of their own."""
        if original.vendor == "sqlite" and not original.settings["TEST"].get("NAME"):
            return self._temporary_file(original.alias)
        name = database_name_for_tests(original)
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        return f"{name}_{worker}" if worker and name != ":memory:" else name

    def _temporary_file(self, alias: str) -> str:
        """A SQLite file in this session's temporary folder (so unique to the process)."""
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="heron-test-db-")
        return str(Path(self._tmp.name) / f"test_{alias}.sqlite3")

    def teardown(self) -> None:
        """Drop the test databases and give ``connections`` its configuration back."""
        connections.unpin()
        for test_db in self.created:
            destroy_test_database(test_db, keepdb=self.keepdb)
        self.created = []
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


@contextlib.contextmanager
def rollback_atomic() -> Iterator[None]:
    """A transaction on every configured database, always rolled back (sync)."""
    with contextlib.ExitStack() as stack:
        for alias in list(connections):
            stack.enter_context(Atomic(using=alias, testing=True))
        yield


@contextlib.asynccontextmanager
async def rollback_atomic_async() -> AsyncIterator[None]:
    """A transaction on every configured database, always rolled back (async)."""
    async with contextlib.AsyncExitStack() as stack:
        for alias in list(connections):
            await stack.enter_async_context(Atomic(using=alias, testing=True))
        yield


def flush_tables(using: str = "default") -> None:
    """Delete every row of every model table (children first), keeping the tables; those
    of unmanaged models (``Meta.managed = False``) are left alone, as in Django. Unlike
    ``heron.db.flush.flush()``, keys are not restarted and no signal is sent."""
    from heron.db.flush import flushable_tables

    engine = connections[using].sqlalchemy_engine()
    tables = flushable_tables(engine)
    with engine.begin() as conn:
        for table in reversed(tables):
            conn.execute(table.delete())


class QueryCountError(AssertionError):
    """``assert_num_queries`` saw a different number of statements."""


@contextlib.contextmanager
def assert_num_queries(
    expected: int, *, using: str = "default", exact: bool = True
) -> Iterator[list[tuple[str, Any]]]:
    """Fail unless the block runs ``expected`` statements (at most, with ``exact=False``)."""
    with connections[using].capture_queries() as captured:
        yield captured
    count = len(captured)
    if count == expected or (not exact and count <= expected):
        return
    listing = "\n".join(f"  {i}. {sql}" for i, (sql, _) in enumerate(captured, 1))
    relation = "" if exact else "at most "
    raise QueryCountError(
        f"expected {relation}{expected} queries on {using!r}, {count} ran:\n{listing}"
    )
