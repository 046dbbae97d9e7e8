"""Driver errors become heron.db errors on all six drivers; sync calls in a loop are refused."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from heron.db import errors
from heron.db.backends import Database
from heron.db.transaction import atomic

SYNC_DRIVERS = {"sqlite": "sqlite3", "postgresql": "psycopg", "mysql": "pymysql"}
ASYNC_DRIVERS = {"sqlite": "sqlite3", "postgresql": "asyncpg", "mysql": "asyncmy"}


def _driver_of(exc: BaseException) -> str:
    cause = exc.__cause__
    assert cause is not None, "the driver's error is kept as __cause__"
    return type(cause).__module__.split(".")[0]


@pytest.fixture
def child(database: Database, table: str) -> Iterator[str]:
    """A table with a foreign key to ``table``."""
    name = f"{table}_child"
    database.execute(
        f"CREATE TABLE {name} (id integer primary key, parent_id integer NOT NULL, "
        f"FOREIGN KEY (parent_id) REFERENCES {table} (id))"
    )
    try:
        yield name
    finally:
        database.execute(f"DROP TABLE IF EXISTS {name}")


def test_unique_violation_is_integrity_error(
    database: Database, table: str, sql: Callable[..., str]
) -> None:
    insert = sql(f"INSERT INTO {table} (name) VALUES (?)")
    database.execute(insert, ("same",))
    with pytest.raises(errors.IntegrityError) as info:
        database.execute(insert, ("same",))
    assert _driver_of(info.value) == SYNC_DRIVERS[database.vendor]
    assert str(info.value) and str(info.value).split("\n")[0] in str(info.value.__cause__)
    assert info.value.code is not None
    assert isinstance(info.value, errors.DatabaseError)


@pytest.mark.anyio
async def test_unique_violation_is_integrity_error_async(
    adatabase: Database, table: str, sql: Callable[..., str]
) -> None:
    insert = sql(f"INSERT INTO {table} (name) VALUES (?)", True)
    await adatabase.aexecute(insert, ("same",))
    with pytest.raises(errors.IntegrityError) as info:
        await adatabase.aexecute(insert, ("same",))
    assert _driver_of(info.value) == ASYNC_DRIVERS[adatabase.vendor]
    assert info.value.code in ("23505", 1062, "SQLITE_CONSTRAINT_UNIQUE")


def test_foreign_key_violation_is_integrity_error(
    database: Database, child: str, sql: Callable[..., str]
) -> None:
    with pytest.raises(errors.IntegrityError):
        database.execute(sql(f"INSERT INTO {child} (id, parent_id) VALUES (?, ?)"), (1, 404))


@pytest.mark.anyio
async def test_foreign_key_violation_is_integrity_error_async(
    adatabase: Database, child: str, sql: Callable[..., str]
) -> None:
    insert = sql(f"INSERT INTO {child} (id, parent_id) VALUES (?, ?)", True)
    with pytest.raises(errors.IntegrityError):
        await adatabase.aexecute(insert, (1, 404))


def test_unknown_table(database: Database) -> None:
    # SQLite's driver reports this as an operational error; the servers as programming ones.
    expected = errors.OperationalError if database.vendor == "sqlite" else errors.ProgrammingError
    with pytest.raises(expected, match="he_missing_table"):
        database.fetchall("SELECT * FROM he_missing_table")


@pytest.mark.anyio
async def test_unknown_table_async(adatabase: Database) -> None:
    expected = errors.OperationalError if adatabase.vendor == "sqlite" else errors.ProgrammingError
    with pytest.raises(expected, match="he_missing_table"):
        await adatabase.afetchall("SELECT * FROM he_missing_table")


def test_value_too_long_is_data_error(
    database: Database, table: str, sql: Callable[..., str]
) -> None:
    if database.vendor == "sqlite":
        pytest.skip("SQLite does not enforce varchar lengths")
    with pytest.raises(errors.DataError):
        database.execute(sql(f"INSERT INTO {table} (name) VALUES (?)"), ("x" * 50,))


@pytest.mark.anyio
async def test_value_too_long_is_data_error_async(
    adatabase: Database, table: str, sql: Callable[..., str]
) -> None:
    if adatabase.vendor == "sqlite":
        pytest.skip("SQLite does not enforce varchar lengths")
    with pytest.raises(errors.DataError):
        await adatabase.aexecute(sql(f"INSERT INTO {table} (name) VALUES (?)", True), ("x" * 50,))


UNREACHABLE = {
    "postgresql": "postgresql://postgres@127.0.0.1:1/test",
    "mysql": "mysql://root@127.0.0.1:1/test",
    "sqlite": "sqlite:////he-no-such-dir/sub/db.sqlite3",
}


@pytest.mark.parametrize("vendor", sorted(UNREACHABLE))
def test_connection_failure_is_operational_error(vendor: str) -> None:
    db = Database({"URL": UNREACHABLE[vendor], "POOL_TIMEOUT": 1})
    with pytest.raises(errors.OperationalError):
        db.fetchone("SELECT 1")
    db.close()


@pytest.mark.anyio
@pytest.mark.parametrize("vendor", sorted(UNREACHABLE))
async def test_async_connection_failure_is_operational_error(vendor: str) -> None:
    db = Database({"URL": UNREACHABLE[vendor], "POOL_TIMEOUT": 1})
    with pytest.raises(errors.OperationalError):
        await db.afetchone("SELECT 1")
    await db.aclose()


@pytest.mark.anyio
async def test_sync_call_in_event_loop_names_the_async_twin(adatabase: Database) -> None:
    with pytest.raises(errors.AsyncContextError, match=r"afetchall\(\)"):
        adatabase.fetchall("SELECT 1")
    with pytest.raises(errors.AsyncContextError, match=r"aexecute\(\)"):
        adatabase.execute("SELECT 1")
    with pytest.raises(errors.AsyncContextError, match=r"aiterate\(\)"):
        adatabase.iterate("SELECT 1")
    with pytest.raises(errors.AsyncContextError, match="async with atomic"), atomic():
        pass


def test_error_hierarchy() -> None:
    for cls in (
        errors.IntegrityError,
        errors.OperationalError,
        errors.ProgrammingError,
        errors.DataError,
        errors.InterfaceError,
        errors.TransactionManagementError,
    ):
        assert issubclass(cls, errors.DatabaseError)
    assert issubclass(errors.TransactionManagementError, errors.ProgrammingError)
    from heron.config import ConfigError

    assert issubclass(errors.ImproperlyConfigured, ConfigError)
    assert errors.IntegrityError("boom", 1062).code == 1062
