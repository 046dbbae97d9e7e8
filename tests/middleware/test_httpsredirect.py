"""HTTPSRedirectMiddleware: http→https and ws→wss with 308, ports, path and query kept."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from heron.middleware import HTTPSRedirectMiddleware


def client(app: Any, base_url: str = "http://testserver") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)


@pytest.mark.anyio
async def test_http_is_redirected_with_308_keeping_path_and_query(make_app: Any) -> None:
    calls: list[Any] = []
    app = HTTPSRedirectMiddleware(make_app(calls=calls))
    async with client(app) as c:
        response = await c.post("/a%2Fb/c?next=%2Fhome&x=1", content=b"data")
    assert response.status_code == 308
    assert response.headers["location"] == "https://testserver/a%2Fb/c?next=%2Fhome&x=1"
    assert response.content == b""
    assert calls == []


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("host", "location"),
    [
        ("example.com", "https://example.com/"),
        ("example.com:80", "https://example.com/"),
        ("example.com:443", "https://example.com/"),
        ("example.com:8080", "https://example.com:8080/"),
        ("[::1]:80", "https://[::1]/"),
    ],
)
async def test_default_ports_are_dropped(make_app: Any, host: str, location: str) -> None:
    async with client(HTTPSRedirectMiddleware(make_app())) as c:
        response = await c.get("/", headers={"host": host})
    assert response.headers["location"] == location


@pytest.mark.anyio
async def test_server_address_is_used_without_host_header(drive: Any, make_app: Any) -> None:
    app = HTTPSRedirectMiddleware(make_app())
    messages = await drive(app, path="/p", server=("10.0.0.1", 8000))
    assert dict(messages[0]["headers"])[b"location"] == b"https://10.0.0.1:8000/p"
    messages = await drive(app, path="/p", server=None)
    assert messages[0]["status"] == 400


@pytest.mark.anyio
async def test_malformed_host_is_400(make_app: Any) -> None:
    async with client(HTTPSRedirectMiddleware(make_app())) as c:
        response = await c.get("/", headers={"host": "evil.com/x"})
    assert response.status_code == 400
    assert response.text == "Invalid host header"


@pytest.mark.anyio
async def test_https_passes_through(make_app: Any) -> None:
    async with client(HTTPSRedirectMiddleware(make_app(b"secure")), "https://testserver") as c:
        response = await c.get("/")
    assert (response.status_code, response.text) == (200, "secure")


@pytest.mark.anyio
async def test_ws_is_redirected_to_wss(drive: Any, ws_app: Any) -> None:
    app = HTTPSRedirectMiddleware(ws_app)
    messages = await drive(
        app,
        "websocket",
        path="/chat",
        query=b"room=1",
        headers=[("host", "example.com")],
        extensions={"websocket.http.response": {}},
    )
    assert messages[0]["type"] == "websocket.http.response.start"
    assert messages[0]["status"] == 308
    assert dict(messages[0]["headers"])[b"location"] == b"wss://example.com/chat?room=1"
    closed = await drive(app, "websocket", headers=[("host", "example.com")])
    assert closed[0]["type"] == "websocket.close"


@pytest.mark.anyio
async def test_wss_passes_through(drive: Any, ws_app: Any) -> None:
    messages = await drive(HTTPSRedirectMiddleware(ws_app), "websocket", scheme="wss")
    assert messages == [{"type": "websocket.accept"}]


@pytest.mark.anyio
async def test_lifespan_passes_through() -> None:
    seen: list[Any] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope)

    async def receive() -> dict[str, Any]:
        return {"type": "lifespan.startup"}

    async def send(message: Any) -> None:
        raise AssertionError("nothing sent")

    scope = {"type": "lifespan"}
    await HTTPSRedirectMiddleware(inner)(scope, receive, send)
    assert seen == [scope]
