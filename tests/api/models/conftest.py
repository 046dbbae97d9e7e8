"""Fixtures for the ModelAPI tests: an app over the ``apitest`` tables on each backend.

``api_db`` points ``connections["default"]`` at one backend per parametrisation
(SQLite file, PostgreSQL, MariaDB) with the ``at<run>_*`` tables created and emptied
after each test. ``make_client(*apis)`` builds an app serving the given ``ModelAPI``
classes under ``/api/<model>`` and returns an entered ``TestClient``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import heron.db
from heron import Heron
from heron.db import connections, registry
from heron.db.backends import Database
from heron.testing import TestClient
from tests.api.models import at_models
from tests.db.conftest import BACKENDS, server_url

_created: dict[str, str] = {}


def api_tables() -> list[sa.Table]:
    assert at_models.Article._meta.label == "apitest"
    return registry.tables_for("apitest")


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    vendor: str = request.param
    if vendor == "sqlite":
        return f"sqlite:///{tmp_path / 'api.db'}"
    return server_url(vendor)


@pytest.fixture
def api_db(db_url: str) -> Iterator[Database]:
    """``connections["default"]`` on the backend, with empty ``apitest`` tables."""
    connections.configure(database_url=db_url)
    database = connections["default"]
    engine = database.sqlalchemy_engine()
    if database.vendor == "sqlite":
        registry.metadata.create_all(engine, tables=api_tables())
    elif _created.get(database.vendor) != db_url:
        registry.metadata.drop_all(engine, tables=api_tables())
        registry.metadata.create_all(engine, tables=api_tables())
        _created[database.vendor] = db_url
    try:
        yield database
    finally:
        if database.vendor != "sqlite":
            with engine.begin() as conn:
                for table in reversed(api_tables()):
                    conn.execute(table.delete())
        connections.close_all()


@pytest.fixture(scope="session", autouse=True)
def _drop_api_tables() -> Iterator[None]:
    yield
    for vendor, url in list(_created.items()):
        connections.configure(database_url=url)
        database = connections["default"]
        registry.metadata.drop_all(database.sqlalchemy_engine(), tables=api_tables())
        database.close()
        del _created[vendor]


@pytest.fixture
def make_client(api_db: Database) -> Iterator[Callable[..., TestClient]]:
    """``make_client(PostAPI, ...)``: a client over an app serving those APIs."""
    clients: list[TestClient] = []

    def build(*apis: Any, setup: Callable[[Heron], None] | None = None) -> TestClient:
        app = Heron(__name__)
        app.config.update(SECRET_KEY="x" * 32, TESTING=True, DATABASE_URL=api_db.url)
        app.install(heron.db)
        for api in apis:
            api.register(app, f"/api/{api.model._meta.model_name}")
        if setup is not None:
            setup(app)
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)
