"""Fixtures for the model tests: the ``mt_*`` tables on SQLite, PostgreSQL and MariaDB.

``db_url`` (from ``tests/db/conftest.py``: each test runs once per backend) is narrowed
to a database of this test run on the servers (``heron_mt_<pid>_<hex>``, created on first
use and dropped at the end), so concurrent runs of this suite never share tables.
``db`` points ``connections["default"]`` at it with the tables of ``mt_models`` created
(once per server, emptied after every test; on a fresh file for SQLite).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from heron.db import connections, registry
from heron.db.backends import Database
from tests.db.models import mt_models

RUN_DATABASE = f"heron_mt_{os.getpid()}_{secrets.token_hex(3)}"
ADMIN_DRIVERS = {"postgresql": "postgresql+psycopg", "mysql": "mysql+pymysql"}

_run_urls: dict[str, str] = {}  # vendor -> URL of this run's database
_admin_urls: dict[str, sa.URL] = {}  # vendor -> URL of the server's own test database
_created: set[str] = set()  # vendors whose run database has the mt_* tables


def mt_tables() -> list[sa.Table]:
    """Every table of the ``mt`` label (auto-created many-to-many tables included)."""
    assert mt_models.Everything._meta.label == "mt"
    return registry.tables_for("mt")


def _admin(url: sa.URL) -> sa.Engine:
    vendor = "postgresql" if url.get_backend_name().startswith("postgres") else "mysql"
    return sa.create_engine(url.set(drivername=ADMIN_DRIVERS[vendor]), isolation_level="AUTOCOMMIT")


def _drop(engine: sa.Engine, name: str) -> None:
    force = " WITH (FORCE)" if engine.dialect.name == "postgresql" else ""
    with engine.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}{force}")


def _drop_abandoned(engine: sa.Engine) -> None:
    """Drop run databases whose process is gone (a run that crashed)."""
    if engine.dialect.name == "postgresql":
        query = sa.text("SELECT datname FROM pg_database WHERE datname LIKE :pattern")
    else:
        query = sa.text("SHOW DATABASES LIKE :pattern")
    with engine.connect() as conn:
        names = [row[0] for row in conn.execute(query, {"pattern": "heron_mt_%"})]
    for name in names:
        if not name.startswith("heron_mt_"):
            continue
        pid = name.split("_")[2]
        if pid.isdigit() and not _alive(int(pid)):
            _drop(engine, name)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@pytest.fixture
def db_url(db_url: str) -> str:
    """The backend's URL; on a server, this run's own database there."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        return db_url
    vendor = "postgresql" if url.get_backend_name().startswith("postgres") else "mysql"
    if vendor not in _run_urls:
        engine = _admin(url)
        try:
            _drop_abandoned(engine)
            with engine.connect() as conn:
                conn.exec_driver_sql(f"CREATE DATABASE {RUN_DATABASE}")
        finally:
            engine.dispose()
        _admin_urls[vendor] = url
        _run_urls[vendor] = url.set(database=RUN_DATABASE).render_as_string(hide_password=False)
    return _run_urls[vendor]


def _clear(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(registry.metadata.sorted_tables):
            if table.info.get("label") == "mt":
                conn.execute(table.delete())


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """``connections["default"]`` on the backend, with empty ``mt_*`` tables."""
    connections.configure(database_url=db_url)
    database = connections["default"]
    engine = database.sqlalchemy_engine()
    if database.vendor == "sqlite" or database.vendor not in _created:
        registry.metadata.create_all(engine, tables=mt_tables())
        if database.vendor != "sqlite":
            _created.add(database.vendor)
    try:
        yield database
    finally:
        if database.vendor != "sqlite":
            _clear(engine)
        connections.reset()  # leave no configuration behind for other tests


@pytest.fixture(scope="session", autouse=True)
def _drop_run_databases() -> Iterator[None]:
    """Drop this run's databases from the servers at the end."""
    yield
    connections.reset()
    for vendor, url in list(_admin_urls.items()):
        engine = _admin(url)
        try:
            _drop(engine, RUN_DATABASE)
        finally:
            engine.dispose()
        del _admin_urls[vendor], _run_urls[vendor]
        _created.discard(vendor)


@pytest.fixture
def fallback(db: Any) -> Any:
    """The row ``Comment.fallback`` defaults to (``on_delete=SET_DEFAULT``)."""
    return mt_models.Fallback.objects.create(id=mt_models.FALLBACK_PK, name="default")
