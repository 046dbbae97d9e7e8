"""``heron.db.init_app``: configuration from the app, shutdown, ``ATOMIC_REQUESTS``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from heron import Heron, Request
from heron.db import integration
from heron.db.backends import Database
from heron.db.connections import connections
from heron.db.errors import ImproperlyConfigured
from heron.db.transaction import in_atomic_block
from heron.http.responses import Response
from heron.testing import TestClient


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[Callable[..., Heron]]:
    def make(**config: object) -> Heron:
        app = Heron(__name__, root_path=str(tmp_path))
        app.config.update(TESTING=True, SECRET_KEY="test", PROPAGATE_EXCEPTIONS=False)
        app.config.update(config)
        return app

    yield make
    connections.reset()


def test_init_app_configures_from_the_app(make_app: Callable[..., Heron], tmp_path: Path) -> None:
    app = make_app()
    app.install(integration)
    assert connections["default"].url == f"sqlite:///{tmp_path / 'db.sqlite3'}"
    assert app.extensions["heron.db"] is connections
    app = make_app(DATABASES={"default": "sqlite://", "logs": "sqlite:///logs.db"})
    integration.init_app(app)
    assert sorted(connections) == ["default", "logs"]
    assert connections["logs"].url == f"sqlite:///{tmp_path / 'logs.db'}"


def test_shutdown_closes_the_pools(make_app: Callable[..., Heron]) -> None:
    app = make_app(DATABASE_URL="sqlite://")
    integration.init_app(app)
    db = connections["default"]

    @app.get("/")
    async def index() -> str:
        row = await db.afetchone("SELECT 41 + 1")
        assert row is not None
        return str(row[0])

    with TestClient(app) as client:
        assert client.get("/").text == "42"
        assert db._apools._last is not None and db._apools._last.idle
    assert db._apools._last is None  # the app's loop pool was closed at shutdown


def _routes(app: Heron, db: Database, table: str, insert: str, ainsert: str) -> None:
    @app.post("/async/<name>")
    async def create(name: str) -> dict[str, object]:
        await db.aexecute(ainsert, (name,))
        return {"atomic": in_atomic_block()}

    @app.post("/sync/<name>")
    def create_sync(name: str) -> dict[str, object]:
        db.execute(insert, (name,))
        return {"atomic": in_atomic_block()}

    @app.post("/async-fails/<name>")
    async def fails(name: str) -> str:
        await db.aexecute(ainsert, (name,))
        raise RuntimeError("handler failed")

    @app.post("/sync-fails/<name>")
    def fails_sync(name: str) -> str:
        db.execute(insert, (name,))
        raise RuntimeError("handler failed")

    @app.post("/async-503/<name>")
    async def unavailable(name: str) -> tuple[str, int]:
        await db.aexecute(ainsert, (name,))
        return "try later", 503

    @app.post("/sync-500/<name>")
    def server_error(name: str) -> Response:
        db.execute(insert, (name,))
        return Response("oops", status_code=500)

    @app.post("/not-atomic/<name>")
    @integration.non_atomic_requests
    async def not_atomic(name: str) -> str:
        await db.aexecute(ainsert, (name,))
        assert not in_atomic_block()
        raise RuntimeError("handler failed")


def test_atomic_requests(
    make_app: Callable[..., Heron], db_url: str, table: str, sql: Callable[..., str]
) -> None:
    app = make_app(DATABASE_URL=db_url, ATOMIC_REQUESTS=True)
    integration.init_app(app)
    db = connections["default"]
    insert = f"INSERT INTO {table} (name) VALUES (?)"
    _routes(app, db, table, sql(insert), sql(insert, True))
    with TestClient(app) as client:
        assert client.post("/async/a1").json() == {"atomic": True}
        assert client.post("/sync/s1").json() == {"atomic": True}
        assert client.post("/async-fails/a2").status_code == 500
        assert client.post("/sync-fails/s2").status_code == 500
        assert client.post("/async-503/a3").status_code == 503
        assert client.post("/sync-500/s3").status_code == 500
        assert client.post("/not-atomic/n1").status_code == 500
    rows = db.fetchall(f"SELECT name FROM {table} ORDER BY name")
    assert [row[0] for row in rows] == ["a1", "n1", "s1"]


def test_atomic_requests_off_by_default(make_app: Callable[..., Heron]) -> None:
    app = make_app(DATABASE_URL="sqlite://")
    integration.init_app(app)

    @app.get("/")
    async def index() -> dict[str, bool]:
        return {"atomic": in_atomic_block()}

    @app.get("/sync")
    def index_sync() -> dict[str, bool]:
        return {"atomic": in_atomic_block()}

    with TestClient(app) as client:
        assert client.get("/").json() == {"atomic": False}
        assert client.get("/sync").json() == {"atomic": False}


def test_atomic_requests_per_alias(make_app: Callable[..., Heron]) -> None:
    app = make_app(
        DATABASES={"default": "sqlite://", "other": "sqlite://"}, ATOMIC_REQUESTS=["other"]
    )
    integration.init_app(app)

    @app.get("/")
    async def index(request: Request) -> dict[str, bool]:
        return {
            "default": in_atomic_block("default"),
            "other": in_atomic_block("other"),
        }

    with TestClient(app) as client:
        assert client.get("/").json() == {"default": False, "other": True}


def test_atomic_requests_unknown_alias(make_app: Callable[..., Heron]) -> None:
    app = make_app(DATABASE_URL="sqlite://", ATOMIC_REQUESTS="nope")
    integration.init_app(app)

    @app.get("/")
    async def index() -> str:
        return "x"

    with pytest.raises(ImproperlyConfigured, match="nope"):
        app.build()
