"""SecurityHeadersMiddleware: defaults, HSTS on https only, handler headers kept, validation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from heron.middleware import SecurityHeadersMiddleware


def client(app: Any, base_url: str = "http://testserver") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)


@pytest.mark.anyio
async def test_default_headers(make_app: Any) -> None:
    async with client(SecurityHeadersMiddleware(make_app(b"page"))) as c:
        response = await c.get("/")
    assert response.text == "page"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert response.headers["cross-origin-opener-policy"] == "same-origin"
    assert "strict-transport-security" not in response.headers
    assert "content-security-policy" not in response.headers


@pytest.mark.anyio
async def test_hsts_only_over_https(make_app: Any) -> None:
    app = SecurityHeadersMiddleware(
        make_app(), hsts_seconds=63_072_000, hsts_include_subdomains=True, hsts_preload=True
    )
    async with client(app, "https://testserver") as c:
        secure = await c.get("/")
    async with client(app) as c:
        plain = await c.get("/")
    assert secure.headers["strict-transport-security"] == (
        "max-age=63072000; includeSubDomains; preload"
    )
    assert "strict-transport-security" not in plain.headers


@pytest.mark.anyio
async def test_no_hsts_by_default_even_over_https(make_app: Any) -> None:
    async with client(SecurityHeadersMiddleware(make_app()), "https://testserver") as c:
        response = await c.get("/")
    assert "strict-transport-security" not in response.headers
    assert response.headers["x-frame-options"] == "DENY"


@pytest.mark.anyio
async def test_handler_set_headers_are_kept(make_app: Any) -> None:
    app = SecurityHeadersMiddleware(
        make_app(
            headers=[
                (b"X-Frame-Options", b"SAMEORIGIN"),
                (b"content-security-policy", b"default-src 'none'"),
            ]
        ),
        content_security_policy="default-src 'self'",
    )
    async with client(app) as c:
        response = await c.get("/")
    assert response.headers.get_list("x-frame-options") == ["SAMEORIGIN"]
    assert response.headers.get_list("content-security-policy") == ["default-src 'none'"]
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.anyio
async def test_content_security_policy_when_given(make_app: Any) -> None:
    app = SecurityHeadersMiddleware(make_app(), content_security_policy="default-src 'self'")
    async with client(app) as c:
        response = await c.get("/")
    assert response.headers["content-security-policy"] == "default-src 'self'"


@pytest.mark.anyio
async def test_headers_can_be_turned_off(drive: Any, make_app: Any) -> None:
    app = SecurityHeadersMiddleware(
        make_app(headers=[]),
        content_type_options=False,
        frame_options=None,
        referrer_policy=None,
        cross_origin_opener_policy=None,
    )
    messages = await drive(app)
    assert [name for name, _ in messages[0]["headers"]] == [b"content-length"]


@pytest.mark.anyio
async def test_other_values(drive: Any, make_app: Any) -> None:
    app = SecurityHeadersMiddleware(
        make_app(headers=[]),
        frame_options="sameorigin",
        referrer_policy="no-referrer, strict-origin",
        cross_origin_opener_policy="same-origin-allow-popups",
    )
    headers = dict((await drive(app))[0]["headers"])
    assert headers[b"x-frame-options"] == b"SAMEORIGIN"
    assert headers[b"referrer-policy"] == b"no-referrer, strict-origin"
    assert headers[b"cross-origin-opener-policy"] == b"same-origin-allow-popups"


@pytest.mark.anyio
async def test_prebuilt_header_list_is_not_mutated(drive: Any) -> None:
    shared = [(b"content-type", b"text/plain")]

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": shared})
        await send({"type": "http.response.body", "body": b""})

    wrapped = SecurityHeadersMiddleware(app)
    first = await drive(wrapped)
    second = await drive(wrapped)
    assert shared == [(b"content-type", b"text/plain")]
    assert first[0]["headers"] == second[0]["headers"]
    assert len(first[0]["headers"]) == 5


@pytest.mark.anyio
async def test_websocket_and_lifespan_pass_through(drive: Any, ws_app: Any) -> None:
    messages = await drive(SecurityHeadersMiddleware(ws_app), "websocket")
    assert messages == [{"type": "websocket.accept"}]
    seen: list[Any] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        seen.append((scope, send))

    async def receive() -> dict[str, Any]:
        return {"type": "lifespan.startup"}

    async def send(message: Any) -> None:
        raise AssertionError("nothing sent")

    scope = {"type": "lifespan"}
    await SecurityHeadersMiddleware(inner)(scope, receive, send)
    assert seen == [(scope, send)]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"frame_options": "ALLOW-FROM https://x.example"}, "frame_options"),
        ({"frame_options": "DENY\r\nX-Evil: 1"}, "CR, LF"),
        ({"referrer_policy": "sometimes"}, "unknown policy 'sometimes'"),
        ({"cross_origin_opener_policy": "open"}, "cross_origin_opener_policy"),
        ({"content_security_policy": "default-src 'self'\nX-Evil: 1"}, "CR, LF"),
        ({"content_security_policy": "  "}, "must not be empty"),
        ({"content_security_policy": 42}, "must be a string"),
        ({"hsts_seconds": -1}, "hsts_seconds"),
        ({"hsts_seconds": 1.5}, "hsts_seconds"),
        ({"hsts_seconds": 31_536_000, "hsts_preload": True}, "hsts_include_subdomains"),
        (
            {"hsts_seconds": 3600, "hsts_include_subdomains": True, "hsts_preload": True},
            "one year",
        ),
        ({"content_type_options": "yes"}, "content_type_options"),
    ],
)
def test_invalid_options_are_refused(make_app: Any, options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SecurityHeadersMiddleware(make_app(), **options)
