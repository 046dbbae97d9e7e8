"""The ORM's pytest fixtures in corner cases, each run in a separate pytest session."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.db.conftest import server_url

SERVER_BACKENDS = ["postgresql", "mysql"]

CONFTEST = """
import pytest
from heron.db import Model, fields


class Memo(Model):
    text = fields.String(max_length=50)

    class Meta:
        label = "auditmemos"


@pytest.fixture
def anyio_backend():
    return "asyncio"
"""


def _server_url(backend: str, database: str) -> str:
    return server_url(backend).rsplit("/", 1)[0] + "/" + database


def _url_for(backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'dev.db'}"
    return _server_url(backend, f"heron_audit_{uuid.uuid4().hex[:8]}")


def _run(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    url: str,
    tests: str,
    *args: str,
    **env: str,
) -> pytest.RunResult:
    """Run ``tests`` in a pytest subprocess with ``HERON_DATABASE_URL=url``."""
    monkeypatch.setenv("HERON_DATABASE_URL", url)
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_memos=tests)
    return pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", "-p", "no:randomly", *args)


def _databases(backend: str) -> set[str]:
    """The databases on a server."""
    sql = {
        "postgresql": "SELECT datname FROM pg_database",
        "mysql": "SELECT schema_name FROM information_schema.schemata",
    }[backend]
    engine = _engine(server_url(backend))
    try:
        with engine.connect() as conn:
            return {row[0] for row in conn.exec_driver_sql(sql)}
    finally:
        engine.dispose()


def _engine(url: str) -> sa.Engine:
    url = url.replace("mysql://", "mysql+pymysql://")
    return sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))


def _execute(url: str, *statements: str) -> None:
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            for statement in statements:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


BOTH_FIXTURES = """
from conftest import Memo


def test_both(db, transactional_db):
    Memo.objects.create(text="committed")


def test_next_one_sees_nothing(db):
    assert Memo.objects.count() == 0
"""


@pytest.mark.timeout(120)
@pytest.mark.parametrize("backend", ["sqlite", *SERVER_BACKENDS])
def test_transactional_db_wins_over_db(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, backend: str
) -> None:
    """Asking for both (directly or through other fixtures) is transactional_db, as in
    pytest-django; the flush used to wait on db's open transaction (locked / timeout)."""
    result = _run(pytester, monkeypatch, _url_for(backend, tmp_path), BOTH_FIXTURES)
    result.assert_outcomes(passed=2)


ASYNC_BOTH = """
import pytest
from conftest import Memo


@pytest.mark.anyio
async def test_both(async_db, transactional_db):
    await Memo.objects.acreate(text="committed")


def test_next_one_sees_nothing(db):
    assert Memo.objects.count() == 0
"""


def test_transactional_db_wins_over_async_db(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    result = _run(pytester, monkeypatch, _url_for("sqlite", tmp_path), ASYNC_BOTH)
    result.assert_outcomes(passed=2)


SHOW_NAME = """
from heron.db import connections


def test_name(db):
    print("URL=" + connections["default"].url)
"""


@pytest.mark.parametrize("backend", SERVER_BACKENDS)
def test_each_xdist_worker_gets_its_own_database(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    """pytest-xdist sets PYTEST_XDIST_WORKER: workers sharing ``test_<name>`` would drop
    each other's database."""
    name = f"heron_audit_{uuid.uuid4().hex[:8]}"
    url = _server_url(backend, name)
    result = _run(pytester, monkeypatch, url, SHOW_NAME, "-s", PYTEST_XDIST_WORKER="gw1")
    result.assert_outcomes(passed=1)
    assert f"/test_{name}_gw1" in result.stdout.str()
    assert f"test_{name}_gw1" not in _databases(backend)


LEFTOVER = """
import sqlalchemy as sa
from heron.db import connections


def test_fresh(db):
    engine = connections["default"].sqlalchemy_engine()
    with engine.connect() as conn:
        assert "leftover" not in engine.dialect.get_table_names(conn)
"""


@pytest.mark.parametrize("backend", SERVER_BACKENDS)
def test_a_leftover_test_database_is_replaced_then_dropped(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    name = f"heron_audit_{uuid.uuid4().hex[:8]}"
    _execute(_server_url(backend, "test"), f"CREATE DATABASE test_{name}")
    _execute(_server_url(backend, f"test_{name}"), "CREATE TABLE leftover (id INTEGER)")
    result = _run(pytester, monkeypatch, _server_url(backend, name), LEFTOVER)
    result.assert_outcomes(passed=1)
    assert f"test_{name}" not in _databases(backend)


NEEDS_DB = """
def test_one(db):
    pass


def test_two(transactional_db):
    pass
"""


@pytest.mark.parametrize("ci", ["true", ""])
@pytest.mark.parametrize("backend", SERVER_BACKENDS)
def test_an_unreachable_server_errors_and_never_skips(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, backend: str, ci: str
) -> None:
    url = f"{backend}://root@127.0.0.1:1/heron_audit"
    result = _run(pytester, monkeypatch, url, NEEDS_DB, CI=ci)
    result.assert_outcomes(errors=2)
    assert "127.0.0.1" in result.stdout.str()


SQLITE_NAMED = """
from heron.db import connections


def test_name(db):
    print("URL=" + connections["default"].url)
"""


def test_sqlite_test_name_is_honoured(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``DATABASES["default"]["TEST"]["NAME"]`` names the SQLite test file, as in Django."""
    named = tmp_path / "named_test.sqlite3"
    pytester.makepyfile(
        settings_conftest=f"""
        from heron.db import connections

        connections.configure(databases={{"default": {{
            "URL": "sqlite:///{tmp_path / "dev.db"}", "TEST": {{"NAME": "{named}"}}}}}})
        """
    )
    tests = "import settings_conftest  # noqa: F401\n" + SQLITE_NAMED
    result = _run(pytester, monkeypatch, _url_for("sqlite", tmp_path), tests, "-s")
    result.assert_outcomes(passed=1)
    assert f"URL=sqlite:///{named}" in result.stdout.str()
    assert not named.exists()


QUERY_COUNTS = """
import pytest
from heron.db import atomic
from conftest import Memo


def test_failure_lists_the_queries(db, assert_num_queries):
    with pytest.raises(AssertionError) as info:
        with assert_num_queries(1):
            Memo.objects.create(text="listed")
            Memo.objects.filter(text="listed").count()
    message = str(info.value)
    assert message.startswith("expected 1 queries on 'default', 2 ran:")
    assert "1. INSERT INTO" in message and "2. SELECT" in message


def test_at_most(db, assert_num_queries):
    with assert_num_queries(3, exact=False):
        Memo.objects.count()
    with pytest.raises(AssertionError, match="expected at most 0 queries"):
        with assert_num_queries(0, exact=False):
            Memo.objects.count()


def test_nested_and_savepoints_not_counted(db, assert_num_queries):
    with assert_num_queries(2):
        with assert_num_queries(1):
            with atomic():
                Memo.objects.create(text="in a savepoint")
        Memo.objects.count()


@pytest.mark.anyio
async def test_async_queries_are_counted(async_db, assert_num_queries):
    with assert_num_queries(2):
        await Memo.objects.acreate(text="async")
        await Memo.objects.acount()
"""


@pytest.mark.parametrize("backend", ["sqlite", *SERVER_BACKENDS])
def test_assert_num_queries(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, backend: str
) -> None:
    result = _run(pytester, monkeypatch, _url_for(backend, tmp_path), QUERY_COUNTS)
    result.assert_outcomes(passed=4)


ISOLATION = """
from heron.db import connections
from conftest import Memo


def test_fails_mid_transaction(db):
    Memo.objects.create(text="left behind?")
    raise RuntimeError("the test fails after a write")


def test_errors_in_the_database(db):
    Memo.objects.create(text="x")
    connections["default"].execute("SELECT * FROM no_such_table")


def test_sees_nothing(db):
    assert Memo.objects.count() == 0
"""


@pytest.mark.parametrize("backend", ["sqlite", *SERVER_BACKENDS])
def test_a_failing_test_does_not_leak_into_the_next(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, backend: str
) -> None:
    result = _run(pytester, monkeypatch, _url_for(backend, tmp_path), ISOLATION)
    result.assert_outcomes(passed=1, failed=2)
