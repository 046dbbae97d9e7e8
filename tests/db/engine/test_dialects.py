"""The dialects compile for the drivers, know the server, and compiled RETURNING runs."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from heron.db.backends import Database

PARAMSTYLES = {
    "sqlite": ("qmark", "qmark"),
    "postgresql": ("format", "numeric_dollar"),
    "mysql": ("format", "format"),
}


def test_dialects_are_initialised_for_the_server(database: Database) -> None:
    sync, asynchronous = database.sync_dialect, database.async_dialect
    assert (sync.paramstyle, asynchronous.paramstyle) == PARAMSTYLES[database.vendor]
    assert sync.positional and asynchronous.positional
    assert sync.server_version_info is not None
    assert asynchronous.server_version_info == sync.server_version_info
    assert sync.insert_returning and asynchronous.insert_returning
    if database.vendor == "mysql":
        assert getattr(sync, "is_mariadb", False) == getattr(asynchronous, "is_mariadb", False)


def _insert(table: str) -> sa.Insert:
    t = sa.table(table, sa.column("id", sa.Integer), sa.column("name", sa.String))
    return sa.insert(t).values(name=sa.bindparam("name")).returning(t.c.id)


def test_compiled_insert_returning_runs(database: Database, table: str) -> None:
    compiled = _insert(table).compile(dialect=database.sync_dialect)
    values = {"name": "first"}
    assert database.fetchone(compiled.string, [values[k] for k in compiled.positiontup or ()]) == (
        1,
    )


@pytest.mark.anyio
async def test_compiled_insert_returning_runs_async(adatabase: Database, table: str) -> None:
    compiled = _insert(table).compile(dialect=adatabase.async_dialect)
    row = await adatabase.afetchone(compiled.string, ["first"])
    assert row is not None and row[0] == 1
    row = await adatabase.afetchone(compiled.string, ["second"])
    assert row is not None and row[0] == 2


def test_sqlalchemy_engine(database: Database, table: str) -> None:
    engine = database.sqlalchemy_engine()
    assert engine is database.sqlalchemy_engine()
    assert engine.dialect is database.sync_dialect
    with engine.begin() as conn:
        conn.execute(sa.text(f"INSERT INTO {table} (name) VALUES ('from sqlalchemy')"))
    assert database.fetchone(f"SELECT name FROM {table}") == ("from sqlalchemy",)
    if database.vendor == "sqlite":
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_sqlalchemy_async_engine_needs_greenlet(database: Database) -> None:
    import importlib.util

    from heron.db.errors import ImproperlyConfigured

    if importlib.util.find_spec("greenlet") is None:
        with pytest.raises(ImproperlyConfigured, match="greenlet"):
            database.sqlalchemy_async_engine()
    else:
        engine = database.sqlalchemy_async_engine()
        assert engine.dialect.name == database.sync_dialect.name
