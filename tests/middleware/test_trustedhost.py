"""TrustedHostMiddleware: exact and wildcard hosts, bad hosts, www redirect, validation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from heron.middleware import TrustedHostMiddleware


def client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("example.com", True),
        ("EXAMPLE.com", True),
        ("example.com:8000", True),
        ("example.com.", True),
        ("api.example.org", True),
        ("a.b.example.org", True),
        ("example.org", False),  # "*.example.org" is subdomains only
        ("badexample.org", False),
        ("evil.com", False),
        ("example.com.evil.com", False),
        ("[::1]:8000", True),
        ("example.com/path", False),
        ("user@example.com", False),
        ("example.com:99999", False),
        ("exa mple.com", False),
        ("", False),
    ],
)
async def test_host_matching(make_app: Any, host: str, allowed: bool) -> None:
    app = TrustedHostMiddleware(
        make_app(b"ok"), allowed_hosts=["example.com", "*.example.org", "[::1]"]
    )
    async with client(app) as c:
        response = await c.get("/", headers={"host": host})
    if allowed:
        assert (response.status_code, response.text) == (200, "ok")
    else:
        assert (response.status_code, response.text) == (400, "Invalid host header")


@pytest.mark.anyio
async def test_missing_host_header_is_refused(drive: Any, make_app: Any) -> None:
    app = TrustedHostMiddleware(make_app(), allowed_hosts=["example.com"])
    messages = await drive(app, headers=[])
    assert messages[0]["status"] == 400
    assert messages[1]["body"] == b"Invalid host header"


@pytest.mark.anyio
async def test_star_allows_everything(drive: Any, make_app: Any) -> None:
    app = TrustedHostMiddleware(make_app(b"ok"))
    messages = await drive(app, headers=[("host", "anything.invalid")])
    assert messages[1]["body"] == b"ok"
    messages = await drive(app, headers=[])
    assert messages[1]["body"] == b"ok"


@pytest.mark.anyio
async def test_www_redirect_keeps_scheme_port_path_and_query(make_app: Any) -> None:
    app = TrustedHostMiddleware(make_app(), allowed_hosts=["www.example.com"])
    async with client(app) as c:
        response = await c.get("/a%20b/c?x=1&y=2", headers={"host": "example.com:8080"})
    assert response.status_code == 308
    assert response.headers["location"] == "http://www.example.com:8080/a%20b/c?x=1&y=2"


@pytest.mark.anyio
async def test_www_redirect_can_be_turned_off(make_app: Any) -> None:
    app = TrustedHostMiddleware(make_app(), allowed_hosts=["www.example.com"], www_redirect=False)
    async with client(app) as c:
        response = await c.get("/", headers={"host": "example.com"})
    assert response.status_code == 400


@pytest.mark.anyio
async def test_no_www_redirect_to_a_host_only_matched_by_wildcard(make_app: Any) -> None:
    app = TrustedHostMiddleware(make_app(), allowed_hosts=["*.example.com"])
    async with client(app) as c:
        response = await c.get("/", headers={"host": "example.com"})
    assert response.status_code == 400


@pytest.mark.anyio
async def test_websocket_with_bad_host_is_refused(drive: Any, ws_app: Any) -> None:
    app = TrustedHostMiddleware(ws_app, allowed_hosts=["example.com"])
    ok = await drive(app, "websocket", headers=[("host", "example.com")])
    assert ok == [{"type": "websocket.accept"}]
    closed = await drive(app, "websocket", headers=[("host", "evil.com")])
    assert closed[0]["type"] == "websocket.close"
    rejected = await drive(
        app,
        "websocket",
        headers=[("host", "evil.com")],
        extensions={"websocket.http.response": {}},
    )
    assert rejected[0]["status"] == 400
    assert rejected[1]["body"] == b"Invalid host header"


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
    await TrustedHostMiddleware(inner, allowed_hosts=["example.com"])(scope, receive, send)
    assert seen == [scope]


@pytest.mark.parametrize(
    "pattern",
    ["https://example.com", "example.com:80", "foo*.example.com", "*.*.com", "", "a b", "a/b"],
)
def test_invalid_patterns_are_refused(make_app: Any, pattern: str) -> None:
    with pytest.raises(ValueError, match="allowed_hosts"):
        TrustedHostMiddleware(make_app(), allowed_hosts=[pattern])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"allowed_hosts": "example.com"}, "not a single string"),
        ({"allowed_hosts": ["example.com\r\n"]}, "CR, LF"),
        ({"www_redirect": "no"}, "www_redirect"),
    ],
)
def test_invalid_options_are_refused(make_app: Any, options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TrustedHostMiddleware(make_app(), **options)


@pytest.mark.anyio
async def test_repeated_requests_keep_checking(drive: Any, make_app: Any) -> None:
    app = TrustedHostMiddleware(make_app(b"ok"), allowed_hosts=["example.com"])
    for _ in range(3):
        good = await drive(app, headers=[("host", "example.com")])
        bad = await drive(app, headers=[("host", "evil.com")])
        assert good[1]["body"] == b"ok"
        assert bad[0]["status"] == 400
