"""The ``connections`` registry: configuration, lazy defaults, aliases, errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from heron import Heron
from heron.db.connections import ConnectionHandler
from heron.db.errors import ImproperlyConfigured
from heron.globals import app_var


@pytest.fixture
def handler() -> Iterator[ConnectionHandler]:
    registry = ConnectionHandler()
    yield registry
    registry.reset()


def test_configure_with_aliases(handler: ConnectionHandler, tmp_path: Path) -> None:
    handler.configure(
        database_url="sqlite:///main.db",
        databases={"other": {"URL": "sqlite:///other.db", "POOL_SIZE": 3}},
        root_path=tmp_path,
    )
    assert sorted(handler) == ["default", "other"]
    assert len(handler) == 2 and "other" in handler and "missing" not in handler
    default, other = handler["default"], handler["other"]
    assert default is handler["default"]  # one Database per alias
    assert (default.alias, other.alias) == ("default", "other")
    assert default.url == f"sqlite:///{tmp_path / 'main.db'}"
    assert other.settings["POOL_SIZE"] == 3
    assert handler.get("other") is other
    assert handler.get("missing") is None


def test_databases_default_wins_over_database_url(
    handler: ConnectionHandler, tmp_path: Path
) -> None:
    handler.configure("sqlite:///ignored.db", {"default": "sqlite://"}, tmp_path)
    assert handler["default"].url == "sqlite://"


def test_unknown_alias_lists_the_configured_ones(handler: ConnectionHandler) -> None:
    handler.configure(databases={"default": "sqlite://", "reports": "sqlite://"})
    with pytest.raises(ImproperlyConfigured, match=r"'archive'.*default, reports"):
        handler["archive"]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ("oracle://scott@db/orcl", "unsupported database URL scheme"),
        ("postgresql+pg8000://u@h/db", "unsupported driver 'pg8000'"),
        ({"URL": "sqlite://", "POOLSIZE": 3}, "unknown setting"),
        ({"POOL_SIZE": 3}, "URL setting is missing"),
        ({"URL": "sqlite://", "POOL_SIZE": 0}, "POOL_SIZE must be >= 1"),
        ("not a url", "invalid database URL"),
    ],
)
def test_bad_settings(handler: ConnectionHandler, settings: object, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        handler.configure(databases={"default": settings})


def test_accepted_url_spellings(handler: ConnectionHandler) -> None:
    handler.configure(
        databases={
            "default": "sqlite:///:memory:",
            "a": "postgres://u@h/db",
            "b": "postgresql+asyncpg://u@h/db",
            "c": "postgresql+psycopg://u@h/db",
            "d": "mariadb://root@h/db",
            "e": "mysql+asyncmy://root@h/db",
            "f": "mysql+pymysql://root@h/db",
        }
    )
    vendors = {alias: handler[alias].vendor for alias in handler}
    assert vendors == {
        "default": "sqlite",
        "a": "postgresql",
        "b": "postgresql",
        "c": "postgresql",
        "d": "mysql",
        "e": "mysql",
        "f": "mysql",
    }


def test_lazy_default_from_the_environment(
    handler: ConnectionHandler, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HERON_DATABASE_URL", "sqlite:///from-env.db")
    assert handler["default"].url == f"sqlite:///{tmp_path / 'from-env.db'}"


def test_lazy_default_without_anything(
    handler: ConnectionHandler, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HERON_DATABASE_URL", raising=False)
    assert list(handler) == ["default"]
    assert handler["default"].url == f"sqlite:///{tmp_path / 'db.sqlite3'}"


def test_lazy_default_from_the_current_app(
    handler: ConnectionHandler, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HERON_DATABASE_URL", "sqlite:///not-this.db")
    app = Heron(__name__, root_path=str(tmp_path))
    app.config["DATABASE_URL"] = "sqlite:///app.db"
    token = app_var.set(app)
    try:
        assert handler["default"].url == f"sqlite:///{tmp_path / 'app.db'}"
    finally:
        app_var.reset(token)


def test_configure_from_a_config(handler: ConnectionHandler, tmp_path: Path) -> None:
    app = Heron(__name__, root_path=str(tmp_path))
    app.config["DATABASES"] = {"default": "sqlite:///a.db", "b": "sqlite:///b.db"}
    handler.configure_from(app.config)
    assert handler["b"].url == f"sqlite:///{tmp_path / 'b.db'}"
    app.config["DATABASES"] = "sqlite:///x.db"
    with pytest.raises(ImproperlyConfigured, match="DATABASES must be a dict"):
        handler.configure_from(app.config)


def test_reconfigure_closes_the_old_databases(handler: ConnectionHandler, tmp_path: Path) -> None:
    handler.configure(f"sqlite:///{tmp_path / 'one.db'}")
    first = handler["default"]
    first.execute("CREATE TABLE he_one (id integer)")
    handler.configure(f"sqlite:///{tmp_path / 'two.db'}")
    second = handler["default"]
    assert second is not first
    assert second.fetchall("SELECT name FROM sqlite_master WHERE name = 'he_one'") == []
    assert handler.opened() == [second]


@pytest.mark.anyio
async def test_close_all(handler: ConnectionHandler, tmp_path: Path) -> None:
    handler.configure(f"sqlite:///{tmp_path / 'c.db'}")
    row = await handler["default"].afetchone("SELECT 1")
    assert row == (1,)
    await handler.aclose_all()
    handler.close_all()
    assert await handler["default"].afetchone("SELECT 2") == (2,)  # reconnects after closing
    await handler.aclose_all()


def test_missing_driver_message() -> None:
    from heron.db.backends.base import _VENDOR_CLASSES, vendor_class

    _VENDOR_CLASSES["postgresql_missing"] = (
        "heron.db.backends.no_such_module",
        "X",
        "psycopg and asyncpg",
        "heron[postgresql]",
    )
    try:
        with pytest.raises(ImproperlyConfigured, match=r"pip install 'heron\[postgresql\]'"):
            vendor_class("postgresql_missing")
    finally:
        del _VENDOR_CLASSES["postgresql_missing"]
