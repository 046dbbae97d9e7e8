"""Start-up and shutdown hooks, lifespan contexts, and failures at start-up."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from heron import Heron, current_app
from heron.testing import TestClient


def test_startup_and_shutdown_hooks_sync_and_async(app: Heron) -> None:
    events: list[str] = []

    @app.on_startup
    def sync_start() -> None:
        events.append("sync start")

    @app.on_startup
    async def async_start() -> None:
        events.append(f"async start {current_app.import_name}")

    @app.on_shutdown
    async def stop() -> None:
        events.append("stop")

    @app.get("/")
    async def index() -> str:
        return ",".join(events)

    with TestClient(app) as client:
        assert client.get("/").text == "sync start,async start tests.app.conftest"
    assert events[-1] == "stop"


def test_lifespan_context_wraps_hooks(app: Heron) -> None:
    events: list[str] = []

    @app.lifespan
    async def resources(app: Heron) -> AsyncIterator[None]:
        events.append("open")
        app.extensions["pool"] = "ready"
        yield
        events.append("close")

    @app.get("/")
    async def index() -> str:
        return str(app.extensions["pool"])

    with TestClient(app) as client:
        assert client.get("/").text == "ready"
        assert events == ["open"]
    assert events == ["open", "close"]


def test_startup_failure_stops_with_the_error(app: Heron) -> None:
    closed: list[bool] = []

    @app.lifespan
    async def resources(app: Heron) -> AsyncIterator[None]:
        yield
        closed.append(True)

    @app.on_startup
    async def broken() -> None:
        raise RuntimeError("cannot reach the database")

    with pytest.raises(Exception, match="cannot reach the database"), TestClient(app):
        pass
    assert closed == [True]


def test_middleware_after_start_is_refused(app: Heron) -> None:
    app.build()
    with pytest.raises(RuntimeError, match="before the first request"):
        app.add_middleware(object)


def test_startup_tunes_the_garbage_collector_outside_tests() -> None:
    import gc

    before = gc.get_threshold()
    app = Heron(__name__)
    app.config.update(SECRET_KEY="k", GC_THRESHOLD=12_345)
    try:
        with TestClient(app):
            assert gc.get_threshold()[0] == 12_345
            assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_testing_mode_leaves_the_garbage_collector_alone(app: Heron) -> None:
    import gc

    before = gc.get_threshold()
    with TestClient(app):
        assert gc.get_threshold() == before
