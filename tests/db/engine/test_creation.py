"""Test databases: created beside the configured one, empty, and dropped afterwards."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from heron.db.backends import Database
from heron.db.backends.creation import (
    create_test_database,
    database_name_for_tests,
    destroy_test_database,
)
from heron.db.errors import ImproperlyConfigured


def test_server_test_database(database: Database) -> None:
    if database.vendor == "sqlite":
        pytest.skip("covered by the SQLite tests below")
    name = f"test_he_{uuid.uuid4().hex[:10]}"
    test_db = create_test_database(database, name=name)
    try:
        assert test_db.alias == database.alias
        assert test_db.url.endswith(f"/{name}")
        assert test_db.settings["POOL_SIZE"] == database.settings["POOL_SIZE"]
        test_db.execute("CREATE TABLE he_in_test_db (id integer)")
        test_db.execute("INSERT INTO he_in_test_db VALUES (1)")
        assert test_db.fetchall("SELECT id FROM he_in_test_db") == [(1,)]
        # Creating it again starts from an empty database.
        again = create_test_database(database, name=name)
        again.close()
    finally:
        destroy_test_database(test_db)
    listing = (
        "SELECT 1 FROM pg_database WHERE datname = %s"
        if database.vendor == "postgresql"
        else "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s"
    )
    assert database.fetchone(listing, (name,)) is None


def test_server_test_database_keepdb(database: Database) -> None:
    if database.vendor == "sqlite":
        pytest.skip("servers only")
    name = f"test_he_{uuid.uuid4().hex[:10]}"
    test_db = create_test_database(database, name=name)
    try:
        test_db.execute("CREATE TABLE he_kept (id integer)")
        test_db.close()
        kept = create_test_database(database, name=name, keepdb=True)
        assert kept.fetchall("SELECT * FROM he_kept") == []
        kept.close()
    finally:
        destroy_test_database(test_db)


def test_default_names(database: Database) -> None:
    if database.vendor == "sqlite":
        assert database_name_for_tests(database) == ""
    else:
        assert database_name_for_tests(database) == "test_test"
    with pytest.raises(ImproperlyConfigured, match="letters, digits"):
        database_name_for_tests(Database("postgresql://u@h/db"), "bad-name;")


def test_sqlite_test_database_is_in_memory(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'app.db'}")
    test_db = create_test_database(db)
    assert test_db.url == "sqlite://"
    test_db.execute("CREATE TABLE he_t (id integer)")
    destroy_test_database(test_db)
    assert not (tmp_path / "app.db").exists()


def test_sqlite_test_database_file(tmp_path: Path) -> None:
    target = tmp_path / "test_app.db"
    target.write_text("leftover")
    db = Database({"URL": "sqlite:///app.db", "TEST": {"NAME": str(target)}}, root_path=tmp_path)
    test_db = create_test_database(db)
    test_db.execute("CREATE TABLE he_t (id integer)")  # the leftover was removed first
    assert target.exists()
    destroy_test_database(test_db)
    assert not target.exists()


def test_a_failed_setup_drops_the_test_databases_it_created(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import heron.db.migrations
    from heron.db import connections
    from heron.db.testing import TestDatabases

    def broken_migrations(alias: str) -> None:
        raise RuntimeError("a migration failed")

    monkeypatch.setattr(heron.db.migrations, "migrate_all", broken_migrations)
    name = f"test_he_{uuid.uuid4().hex[:10]}"
    test_name = str(tmp_path / "t.sqlite3") if database.vendor == "sqlite" else name
    connections.configure(databases={"default": {"URL": database.url, "TEST": {"NAME": test_name}}})
    databases = TestDatabases()
    try:
        with pytest.raises(RuntimeError, match="a migration failed"):
            databases.setup()
        assert databases.created == []
        connections.configure(database_url=database.url)  # not ignored: unpinned
        assert connections.settings["default"]["URL"] == database.url
    finally:
        connections.close_all()
    if database.vendor == "sqlite":
        assert not (tmp_path / "t.sqlite3").exists()
    else:
        listing = (
            "SELECT 1 FROM pg_database WHERE datname = %s"
            if database.vendor == "postgresql"
            else "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s"
        )
        assert database.fetchone(listing, (name,)) is None
