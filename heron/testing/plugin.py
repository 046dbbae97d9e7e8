"""Heron's pytest plugin: ``client`` and ``async_client`` fixtures over your ``app`` fixture.

Installed with Heron (the ``pytest11`` entry point), so a project only has to
define an ``app`` fixture in its ``conftest.py``.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from heron.testing.async_client import AsyncTestClient
from heron.testing.client import TestClient

_NO_APP = (
    "Heron's `client` and `async_client` fixtures need an `app` fixture. "
    "Define one in your conftest.py, for example:\n\n"
    "    import pytest\n"
    "    from myproject import create_app\n\n"
    "    @pytest.fixture\n"
    "    def app():\n"
    "        app = create_app()\n"
    '        app.config["TESTING"] = True\n'
    "        return app\n"
)


@pytest.fixture
def app() -> Any:
    """Placeholder: the project's conftest.py must provide the application."""
    pytest.fail(_NO_APP, pytrace=False)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    """A ``TestClient`` over ``app``, entered: the app's startup and shutdown run."""
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
async def async_client(app: Any, anyio_backend: Any) -> AsyncIterator[AsyncTestClient]:
    """An ``AsyncTestClient`` over ``app`` for ``@pytest.mark.anyio`` tests, lifespan running."""
    async with AsyncTestClient(app) as test_client:
        yield test_client


# -- the ORM ------------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("heron")
    group.addoption(
        "--heron-keepdb",
        action="store_true",
        default=False,
        help="Keep the test databases between runs (faster; migrations still apply).",
    )
    group.addoption(
        "--heron-no-migration-check",
        action="store_true",
        default=False,
        help="Do not fail the set-up when models have changes that are not in a migration.",
    )


@pytest.fixture(scope="session")
def heron_test_databases(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The session's test databases: created, migrated and pinned in ``connections``."""
    from heron.db.testing import TestDatabases

    databases = TestDatabases(
        keepdb=bool(request.config.getoption("heron_keepdb")),
        check_migrations=not request.config.getoption("heron_no_migration_check"),
    )
    databases.setup()
    try:
        yield databases
    finally:
        databases.teardown()


@pytest.fixture
def db(heron_test_databases: Any, request: pytest.FixtureRequest) -> Iterator[None]:
    """Run the test inside a transaction on every database, rolled back afterwards."""
    from heron.db.testing import rollback_atomic

    if inspect.iscoroutinefunction(request.function):
        # Its transaction is the sync driver's: an async test's queries would not see it,
        # and would commit for real.
        raise pytest.UsageError(
            f"{request.node.name} is an async test: use the async_db fixture, not db"
        )
    if _wants_transactional_db(request):
        yield
        return
    with rollback_atomic():
        yield


@pytest.fixture
async def async_db(
    heron_test_databases: Any, anyio_backend: Any, request: pytest.FixtureRequest
) -> AsyncIterator[None]:
    """``db`` for async tests: ``async with atomic()`` around the test, rolled back."""
    from heron.db.testing import rollback_atomic_async

    if _wants_transactional_db(request):
        yield
        return
    async with rollback_atomic_async():
        yield


def _wants_transactional_db(request: pytest.FixtureRequest) -> bool:
    """``transactional_db`` wins over ``db`` (as in pytest-django): a transaction held open
    around the test would block the table flush that ends it."""
    return "transactional_db" in request.fixturenames


@pytest.fixture
def transactional_db(heron_test_databases: Any) -> Iterator[None]:
    """No transaction around the test (requests through a client commit for real);
    every table is emptied afterwards."""
    from heron.db import connections
    from heron.db.testing import flush_tables

    try:
        yield
    finally:
        for alias in list(connections):
            flush_tables(alias)


@pytest.fixture
def assert_num_queries() -> Any:
    """``with assert_num_queries(n, using="default"):`` fails unless n statements ran."""
    from heron.db.testing import assert_num_queries as check

    return check
