"""The test clients and fixtures against a real Heron application."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator

import pytest

from heron import EventSourceResponse, Heron, Request
from heron.testing import AsyncTestClient, LifespanError, TestClient

# Kept away from the handlers below: the debug page shows their source lines.
BEARER = "Bearer " + "abc" + "123"
SESSION = "top" + "secret"


def make_app(**config: object) -> Heron:
    app = Heron(__name__, static_folder=None)
    app.config.update({"TESTING": True, "SECRET_KEY": "test", **config})
    return app


def test_startup_hooks_and_requests_share_the_loop() -> None:
    app = make_app()
    places: list[tuple[int, int]] = []

    def here() -> None:
        places.append((threading.get_ident(), id(asyncio.get_running_loop())))

    @app.on_startup
    async def start() -> None:
        here()

    @app.get("/")
    async def index(request: Request) -> str:
        here()
        return "ok"

    with TestClient(app) as client:
        assert client.get("/").text == "ok"
        assert client.get("/").text == "ok"
    assert len(places) == 3
    assert len(set(places)) == 1


def test_failing_startup_hook_fails_the_test() -> None:
    app = make_app()

    @app.on_startup
    def connect() -> None:
        raise ConnectionError("cannot reach the database")

    with pytest.raises(LifespanError, match="cannot reach the database"), TestClient(app):
        pass  # pragma: no cover - never entered


def test_handler_exception_propagates_in_testing_mode() -> None:
    app = make_app()

    @app.get("/divide/<int:n>")
    def divide(request: Request, n: int) -> str:
        return str(1 / n)

    with TestClient(app) as client:
        assert client.get("/divide/2").text == "0.5"
        with pytest.raises(ZeroDivisionError):
            client.get("/divide/0")
    client = TestClient(app, raise_server_exceptions=False)
    assert client.get("/divide/0").status_code == 500
    client.close()


def test_debug_page_through_the_app() -> None:
    app = make_app(TESTING=False, DEBUG=True)

    @app.get("/fail")
    async def fail(request: Request) -> str:
        secret_note = "<script>alert(1)</script>"  # noqa: F841 - shown escaped
        raise RuntimeError("broken <b>here</b>")

    cookies = {"session": SESSION, "theme": "dark"}
    with TestClient(app, raise_server_exceptions=False, cookies=cookies) as client:
        response = client.get(
            "/fail?q=<script>x</script>",
            headers={"Accept": "text/html", "Authorization": BEARER},
        )
    page = response.text
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "RuntimeError" in page and "broken &lt;b&gt;here&lt;/b&gt;" in page
    assert page.count("<script") == 1
    assert BEARER not in page and SESSION not in page
    assert '<td class="k">theme</td><td class="v">dark</td>' in page


def test_production_500_shows_no_debug_page() -> None:
    app = make_app(TESTING=False)

    @app.get("/fail")
    async def fail(request: Request) -> str:
        raise RuntimeError("internal detail")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/fail")
    assert response.status_code == 500
    assert "internal detail" not in response.text
    assert "Traceback" not in response.text


def test_event_stream_can_be_read_partially() -> None:
    app = make_app()
    closed = threading.Event()

    @app.get("/events")
    async def events(request: Request) -> EventSourceResponse:
        async def ticks() -> AsyncIterator[str]:
            try:
                n = 0
                while True:
                    yield f"tick {n}"
                    n += 1
                    await asyncio.sleep(0.01)
            finally:
                closed.set()

        return EventSourceResponse(ticks())

    with TestClient(app) as client, client.stream("GET", "/events") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        data = []
        for line in response.iter_lines():
            if line.startswith("data:"):
                data.append(line)
            if len(data) == 2:
                break
    assert data == ["data: tick 0", "data: tick 1"]
    assert closed.wait(5)


@pytest.mark.anyio
async def test_async_client_with_heron_app() -> None:
    app = make_app()
    started: list[str] = []

    @app.on_startup
    async def start() -> None:
        started.append("yes")

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, object]:
        return {"got": await request.json()}

    async with AsyncTestClient(app) as client:
        response = await client.post("/echo", json={"a": [1, 2]})
    assert response.json() == {"got": {"a": [1, 2]}}
    assert started == ["yes"]
