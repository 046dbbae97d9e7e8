"""CORSMiddleware: preflights, actual requests, credentials, websockets, validation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from heron.middleware import CORSMiddleware

SITE = "https://site.example"
OTHER = "https://evil.example"


def client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


def preflight(
    origin: str = SITE, method: str = "PUT", headers: str | None = None
) -> dict[str, str]:
    result = {"origin": origin, "access-control-request-method": method}
    if headers is not None:
        result["access-control-request-headers"] = headers
    return result


@pytest.mark.anyio
async def test_allowed_preflight_is_answered_without_the_app(make_app: Any) -> None:
    calls: list[Any] = []
    app = CORSMiddleware(
        make_app(calls=calls),
        allow_origins=[SITE],
        allow_methods=["GET", "put"],
        allow_headers=["X-Token"],
        max_age=120,
    )
    async with client(app) as c:
        response = await c.options("/items", headers=preflight(headers="x-token, Content-Type"))
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == SITE
    assert response.headers["access-control-allow-methods"] == "GET, PUT"
    assert response.headers["access-control-allow-headers"] == "x-token, content-type"
    assert response.headers["access-control-max-age"] == "120"
    assert response.headers["vary"] == "Origin"
    assert "access-control-allow-credentials" not in response.headers
    assert calls == []


@pytest.mark.anyio
async def test_preflight_with_disallowed_origin_is_400(make_app: Any) -> None:
    app = CORSMiddleware(make_app(), allow_origins=[SITE], allow_methods=["PUT"])
    async with client(app) as c:
        response = await c.options("/", headers=preflight(origin=OTHER))
    assert response.status_code == 400
    assert response.text == "Disallowed CORS origin"
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.anyio
async def test_preflight_with_disallowed_method_is_400(make_app: Any) -> None:
    app = CORSMiddleware(make_app(), allow_origins=[SITE], allow_methods=["GET"])
    async with client(app) as c:
        response = await c.options("/", headers=preflight(method="DELETE"))
    assert response.status_code == 400
    assert response.text == "Disallowed CORS method"


@pytest.mark.anyio
async def test_preflight_with_disallowed_headers_is_400_naming_them(make_app: Any) -> None:
    app = CORSMiddleware(make_app(), allow_origins=[SITE], allow_methods=["PUT"])
    async with client(app) as c:
        response = await c.options("/", headers=preflight(headers="X-Secret, accept, x-other"))
    assert response.status_code == 400
    assert response.text == "Disallowed CORS headers: x-secret, x-other"


@pytest.mark.anyio
async def test_preflight_reports_every_problem(make_app: Any) -> None:
    app = CORSMiddleware(make_app(), allow_origins=[SITE])
    async with client(app) as c:
        response = await c.options("/", headers=preflight(origin=OTHER, headers="x-a"))
    assert response.status_code == 400
    assert response.text == (
        "Disallowed CORS origin; Disallowed CORS method; Disallowed CORS headers: x-a"
    )


@pytest.mark.anyio
async def test_safelisted_request_headers_are_always_allowed(make_app: Any) -> None:
    app = CORSMiddleware(make_app(), allow_origins=[SITE], allow_methods=["POST"])
    async with client(app) as c:
        response = await c.options("/", headers=preflight(method="POST", headers="content-type"))
        bare = await c.options("/", headers=preflight(method="POST"))
    assert response.status_code == 200
    assert response.headers["access-control-allow-headers"] == "content-type"
    assert bare.status_code == 200
    assert "access-control-allow-headers" not in bare.headers


@pytest.mark.anyio
async def test_wildcards_without_credentials(make_app: Any) -> None:
    app = CORSMiddleware(make_app(), allow_origins=["*"], allow_methods=["*"], allow_headers=["*"])
    async with client(app) as c:
        response = await c.options("/", headers=preflight(method="PATCH", headers="x-a, x-b"))
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-allow-methods"] == "PATCH"
    assert response.headers["access-control-allow-headers"] == "x-a, x-b"
    assert "vary" not in response.headers


@pytest.mark.anyio
async def test_wildcard_origin_with_credentials_echoes_the_origin(make_app: Any) -> None:
    app = CORSMiddleware(make_app(), allow_origins=["*"], allow_credentials=True)
    async with client(app) as c:
        pre = await c.options("/", headers=preflight(method="GET"))
        actual = await c.get("/", headers={"origin": SITE})
    for response in (pre, actual):
        assert response.headers["access-control-allow-origin"] == SITE
        assert response.headers["access-control-allow-credentials"] == "true"
        assert response.headers["vary"] == "Origin"


@pytest.mark.anyio
async def test_options_without_request_method_reaches_the_app(make_app: Any) -> None:
    calls: list[Any] = []
    app = CORSMiddleware(make_app(b"from app", calls=calls), allow_origins=[SITE])
    async with client(app) as c:
        response = await c.options("/", headers={"origin": SITE})
    assert response.text == "from app"
    assert response.headers["access-control-allow-origin"] == SITE
    assert len(calls) == 1


@pytest.mark.anyio
async def test_actual_request_from_allowed_origin(make_app: Any) -> None:
    app = CORSMiddleware(
        make_app(headers=[(b"vary", b"Accept-Encoding"), (b"x-total", b"3")]),
        allow_origins=[SITE],
        allow_credentials=True,
        expose_headers=["X-Total"],
    )
    async with client(app) as c:
        response = await c.get("/", headers={"origin": SITE})
    assert response.text == "Hello"
    assert response.headers["access-control-allow-origin"] == SITE
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["access-control-expose-headers"] == "X-Total"
    assert response.headers["vary"] == "Accept-Encoding, Origin"


@pytest.mark.anyio
async def test_actual_request_from_disallowed_origin_gets_no_cors_headers(make_app: Any) -> None:
    app = CORSMiddleware(make_app(), allow_origins=[SITE])
    async with client(app) as c:
        response = await c.get("/", headers={"origin": OTHER})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    assert response.headers["vary"] == "Origin"


@pytest.mark.anyio
async def test_request_without_origin(make_app: Any) -> None:
    listed = CORSMiddleware(make_app(), allow_origins=[SITE])
    anyone = CORSMiddleware(make_app(), allow_origins=["*"])
    async with client(listed) as c:
        response = await c.get("/")
    assert "access-control-allow-origin" not in response.headers
    assert response.headers["vary"] == "Origin"  # the answer depends on Origin
    async with client(anyone) as c:
        response = await c.get("/")
    assert "access-control-allow-origin" not in response.headers
    assert "vary" not in response.headers


@pytest.mark.anyio
async def test_wildcard_origin_actual_request(make_app: Any) -> None:
    app = CORSMiddleware(make_app(), allow_origins=["*"], expose_headers=["*"])
    async with client(app) as c:
        response = await c.get("/", headers={"origin": OTHER})
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-expose-headers"] == "*"
    assert "vary" not in response.headers


@pytest.mark.anyio
async def test_expose_all_with_credentials_lists_the_response_headers(make_app: Any) -> None:
    app = CORSMiddleware(
        make_app(headers=[(b"content-type", b"text/plain"), (b"X-Page", b"2")]),
        allow_origins=[SITE],
        allow_credentials=True,
        expose_headers=["*"],
    )
    async with client(app) as c:
        response = await c.get("/", headers={"origin": SITE})
    assert response.headers["access-control-expose-headers"] == "x-page"


@pytest.mark.anyio
async def test_origin_regex(make_app: Any) -> None:
    app = CORSMiddleware(
        make_app(), allow_origin_regex=r"https://[a-z]+\.site\.example", allow_methods=["PUT"]
    )
    async with client(app) as c:
        good = await c.get("/", headers={"origin": "https://app.site.example"})
        bad = await c.get("/", headers={"origin": "https://app.site.example.evil"})
        pre = await c.options("/", headers=preflight(origin="https://x.site.example"))
    assert good.headers["access-control-allow-origin"] == "https://app.site.example"
    assert "access-control-allow-origin" not in bad.headers
    assert pre.status_code == 200


@pytest.mark.anyio
async def test_origin_matching_ignores_case(make_app: Any) -> None:
    app = CORSMiddleware(make_app(), allow_origins=["https://Site.Example"])
    async with client(app) as c:
        response = await c.get("/", headers={"origin": SITE})
    assert response.headers["access-control-allow-origin"] == SITE


@pytest.mark.anyio
async def test_handler_set_allow_origin_is_kept(make_app: Any) -> None:
    app = CORSMiddleware(
        make_app(headers=[(b"access-control-allow-origin", b"https://chosen.example")]),
        allow_origins=[SITE],
    )
    async with client(app) as c:
        response = await c.get("/", headers={"origin": SITE})
    assert response.headers.get_list("access-control-allow-origin") == ["https://chosen.example"]


@pytest.mark.anyio
async def test_websocket_origins(drive: Any, ws_app: Any) -> None:
    app = CORSMiddleware(ws_app, allow_origins=[SITE])
    ok = await drive(app, "websocket", headers=[("origin", SITE), ("host", "api.example")])
    assert ok[0]["type"] == "websocket.accept"
    no_origin = await drive(app, "websocket", headers=[("host", "api.example")])
    assert no_origin[0]["type"] == "websocket.accept"
    same = await drive(
        app,
        "websocket",
        scheme="wss",
        headers=[("origin", "https://api.example"), ("host", "api.example")],
    )
    assert same[0]["type"] == "websocket.accept"
    denied = await drive(app, "websocket", headers=[("origin", OTHER), ("host", "api.example")])
    assert denied == [{"type": "websocket.close", "code": 1008, "reason": "Disallowed CORS origin"}]


@pytest.mark.anyio
async def test_websocket_denial_uses_http_response_extension(drive: Any, ws_app: Any) -> None:
    app = CORSMiddleware(ws_app, allow_origins=[SITE])
    messages = await drive(
        app,
        "websocket",
        headers=[("origin", OTHER), ("host", "api.example")],
        extensions={"websocket.http.response": {}},
    )
    assert messages[0]["type"] == "websocket.http.response.start"
    assert messages[0]["status"] == 403
    assert messages[1]["body"] == b"Disallowed CORS origin"


@pytest.mark.anyio
async def test_lifespan_passes_through(ws_app: Any) -> None:
    seen: list[Any] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        seen.append((scope, receive, send))

    async def receive() -> dict[str, Any]:
        return {"type": "lifespan.startup"}

    async def send(message: Any) -> None:
        raise AssertionError("nothing sent")

    scope = {"type": "lifespan"}
    await CORSMiddleware(inner, allow_origins=[SITE])(scope, receive, send)
    assert seen == [(scope, receive, send)]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"allow_origins": SITE}, "not a single string"),
        ({"allow_origins": ["https://site.example/"]}, "no path or trailing slash"),
        ({"allow_origins": ["site.example"]}, "not an origin"),
        ({"allow_origins": [SITE + "\r\nX-Evil: 1"]}, "CR, LF"),
        ({"allow_origin_regex": "https://(unclosed"}, "not a valid regex"),
        ({"allow_methods": ["GET POST"]}, "invalid name"),
        ({"allow_headers": ["X-Token\n"]}, "CR, LF"),
        ({"expose_headers": "X-Total"}, "not a single string"),
        ({"allow_credentials": "yes"}, "allow_credentials"),
        ({"max_age": -1}, "max_age"),
        ({"allow_origins": [1]}, "must be a string"),
        ({"allow_methods": 5}, "list of strings"),
    ],
)
def test_invalid_options_are_refused(make_app: Any, options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CORSMiddleware(make_app(), **options)
