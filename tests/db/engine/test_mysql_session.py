"""MariaDB sessions: READ COMMITTED by default (as Django sets it), or the configured level."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from heron.db.backends import Database
from heron.db.errors import ImproperlyConfigured
from tests.db.conftest import server_url

LEVEL_SQL = "SELECT @@session.tx_isolation"


@pytest.fixture
def mysql_url() -> str:
    return server_url("mysql")


def _database(url: str, **options: Any) -> Database:
    return Database({"URL": url, "OPTIONS": options} if options else url)


@pytest.fixture
def read_committed(mysql_url: str) -> Iterator[Database]:
    db = _database(mysql_url)
    yield db
    db.close()


def test_sessions_run_read_committed(read_committed: Database) -> None:
    assert read_committed.fetchone(LEVEL_SQL) == ("READ-COMMITTED",)


@pytest.mark.anyio
async def test_async_sessions_run_read_committed(read_committed: Database) -> None:
    try:
        assert tuple(await read_committed.afetchone(LEVEL_SQL)) == ("READ-COMMITTED",)
    finally:
        await read_committed.aclose()


def test_engine_connections_run_read_committed(read_committed: Database) -> None:
    with read_committed.sqlalchemy_engine().connect() as connection:
        assert connection.exec_driver_sql(LEVEL_SQL).scalar() == "READ-COMMITTED"


@pytest.mark.parametrize(
    ("level", "expected"), [("serializable", "SERIALIZABLE"), (None, "REPEATABLE-READ")]
)
def test_the_level_can_be_chosen_or_left_to_the_server(
    mysql_url: str, level: str | None, expected: str
) -> None:
    db = _database(mysql_url, isolation_level=level)
    try:
        assert db.fetchone(LEVEL_SQL) == (expected,)
    finally:
        db.close()


def test_an_unknown_level_is_a_configuration_error(mysql_url: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="isolation_level"):
        _database(mysql_url, isolation_level="snapshot")


SESSION_SQL = "SELECT @@session.group_concat_max_len, @@session.time_zone"


def test_sessions_lift_the_group_concat_limit(read_committed: Database) -> None:
    # MariaDB's 1 MB default would cut StringAgg/ArrayAgg results short without a word.
    assert read_committed.fetchone(SESSION_SQL) == (1 << 30, "+00:00")
    long_text = "x" * 600_000
    sql = "SELECT LENGTH(GROUP_CONCAT(v SEPARATOR '')) FROM (SELECT %s AS v UNION ALL SELECT %s) t"
    assert read_committed.fetchone(sql, (long_text, long_text + "y")) == (1_200_001,)


@pytest.mark.anyio
async def test_async_sessions_lift_the_group_concat_limit(read_committed: Database) -> None:
    try:
        assert tuple(await read_committed.afetchone(SESSION_SQL)) == (1 << 30, "+00:00")
    finally:
        await read_committed.aclose()


def test_the_session_settings_can_be_chosen(mysql_url: str) -> None:
    db = _database(mysql_url, group_concat_max_len=4096, timezone="")
    try:
        assert db.fetchone(SESSION_SQL) == (4096, db.fetchone("SELECT @@global.time_zone")[0])
    finally:
        db.close()
