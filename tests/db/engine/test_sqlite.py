"""SQLite specifics: one in-memory database for sync and async, pragmas, settings."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from heron.db.backends import Database
from heron.db.errors import ImproperlyConfigured, IntegrityError
from heron.db.transaction import atomic


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_memory_database_is_shared_by_sync_and_async_code(url: str) -> None:
    db = Database(url)
    db.execute("CREATE TABLE he_mem (id integer primary key, name text)")
    db.execute("INSERT INTO he_mem (name) VALUES ('sync')")

    async def use() -> list[str]:
        await db.aexecute("INSERT INTO he_mem (name) VALUES ('async')")
        rows = await db.afetchall("SELECT name FROM he_mem ORDER BY id")
        await db.aclose()  # connections go; the data stays
        return [row[0] for row in rows]

    assert asyncio.run(use()) == ["sync", "async"]
    db.close()
    assert db.fetchall("SELECT name FROM he_mem ORDER BY id") == [("sync",), ("async",)]
    with db.sqlalchemy_engine().connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM he_mem").scalar() == 2
    db.drop_memory()  # type: ignore[attr-defined]
    with pytest.raises(Exception, match="no such table"):
        db.fetchall("SELECT * FROM he_mem")
    db.close()


def test_memory_databases_are_separate() -> None:
    first, second = Database("sqlite://"), Database("sqlite://")
    first.execute("CREATE TABLE he_only_here (id integer)")
    assert second.fetchall("SELECT name FROM sqlite_master WHERE name = 'he_only_here'") == []
    first.close()
    second.close()


def test_memory_database_transactions() -> None:
    from heron.db.connections import connections

    connections.configure(databases={"default": "sqlite://"})
    db = connections["default"]
    try:
        db.execute("CREATE TABLE he_tx (id integer primary key)")
        with pytest.raises(RuntimeError), atomic():
            db.execute("INSERT INTO he_tx VALUES (1)")
            raise RuntimeError
        assert db.fetchall("SELECT * FROM he_tx") == []
    finally:
        connections.reset()


def test_foreign_keys_and_wal_are_on(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'fk.db'}")
    assert db.fetchone("PRAGMA foreign_keys") == (1,)
    assert db.fetchone("PRAGMA journal_mode") == ("wal",)
    db.execute("CREATE TABLE he_parent (id integer primary key)")
    db.execute("CREATE TABLE he_child (id integer, parent integer REFERENCES he_parent(id))")
    with pytest.raises(IntegrityError):
        db.execute("INSERT INTO he_child VALUES (1, 42)")

    async def check() -> None:
        row = await db.afetchone("PRAGMA foreign_keys")
        assert row == (1,)
        with pytest.raises(IntegrityError):
            await db.aexecute("INSERT INTO he_child VALUES (1, 42)")
        await db.aclose()

    asyncio.run(check())
    db.close()


def test_options(tmp_path: Path) -> None:
    db = Database(
        {
            "URL": f"sqlite:///{tmp_path / 'opts.db'}",
            "OPTIONS": {
                "journal_mode": "DELETE",
                "transaction_mode": "deferred",
                "pragmas": {"cache_size": -4000},
            },
        }
    )
    assert db.fetchone("PRAGMA journal_mode") == ("delete",)
    assert db.fetchone("PRAGMA cache_size") == (-4000,)
    assert db.begin_sql == "BEGIN DEFERRED"
    db.close()
    with pytest.raises(ImproperlyConfigured, match="transaction_mode"):
        Database({"URL": "sqlite://", "OPTIONS": {"transaction_mode": "NOW"}})


def test_relative_path_resolves_against_root_path(tmp_path: Path) -> None:
    db = Database("sqlite:///data/app.db", root_path=tmp_path)
    assert db.url == f"sqlite:///{tmp_path / 'data' / 'app.db'}"
    (tmp_path / "data").mkdir()
    db.execute("CREATE TABLE he_here (id integer)")
    assert (tmp_path / "data" / "app.db").exists()
    db.close()


def test_regexp_function(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 're.db'}")
    assert db.fetchone("SELECT 'heron' REGEXP '^he', 'heron' REGEXP 'x$', NULL REGEXP 'a'") == (
        1,
        0,
        None,
    )
    db.close()
