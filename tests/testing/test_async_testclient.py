"""AsyncTestClient: the same behaviour from async tests, on the test's own loop."""

from __future__ import annotations

import asyncio
import threading

import pytest

from heron.testing import AsyncTestClient, LifespanError
from tests.testing.testclient_apps import (
    Boom,
    EndlessStream,
    LifespanApp,
    cookies,
    echo,
    raises_after_response,
    raises_before_response,
)

pytestmark = pytest.mark.anyio


async def test_request_and_body() -> None:
    async with AsyncTestClient(echo) as client:
        response = await client.post("/x?q=1", json={"a": 1})
    data = response.json()
    assert data["method"] == "POST"
    assert data["path"] == "/x"
    assert data["query_string"] == "q=1"
    assert data["body"] == '{"a":1}'
    assert ["content-type", "application/json"] in data["headers"]


async def test_without_async_with_responses_are_buffered() -> None:
    client = AsyncTestClient(echo)
    response = await client.get("/plain")
    assert response.json()["path"] == "/plain"
    await client.aclose()


async def test_lifespan_runs_on_the_test_loop() -> None:
    app = LifespanApp()
    async with AsyncTestClient(app) as client:
        data = (await client.get("/")).json()
        assert data == {"events": ["startup", "request /"], "state": {"pool": "connected"}}
    assert app.events[-1] == "shutdown"
    here = (threading.get_ident(), id(asyncio.get_running_loop()))
    assert set(app.places) == {here}


async def test_no_lifespan_without_async_with() -> None:
    app = LifespanApp()
    client = AsyncTestClient(app)
    assert (await client.get("/")).json()["events"] == ["request /"]
    await client.aclose()
    assert app.events == ["request /"]


async def test_startup_failure_raises() -> None:
    app = LifespanApp(fail_startup="no database")
    with pytest.raises(LifespanError, match="no database"):
        async with AsyncTestClient(app):
            pass  # pragma: no cover - never entered


async def test_cookies_persist() -> None:
    async with AsyncTestClient(cookies) as client:
        await client.get("/set")
        assert (await client.get("/show")).text == "sid=abc123"


@pytest.mark.parametrize("app", [raises_before_response, raises_after_response])
async def test_server_exceptions(app: object) -> None:
    async with AsyncTestClient(app) as client:  # type: ignore[arg-type]
        with pytest.raises(Boom):
            await client.get("/")
    client = AsyncTestClient(app, raise_server_exceptions=False)  # type: ignore[arg-type]
    assert (await client.get("/")).status_code == 500
    async with AsyncTestClient(app, raise_server_exceptions=False) as client:  # type: ignore[arg-type]
        assert (await client.get("/")).status_code == 500


async def test_streaming_with_async_with() -> None:
    app = EndlessStream()
    async with AsyncTestClient(app) as client, client.stream("GET", "/events") as response:
        lines = []
        async for line in response.aiter_lines():
            if line:
                lines.append(line)
            if len(lines) == 2:
                break
    assert lines == ["data: 0", "data: 1"]
    assert app.cancelled
