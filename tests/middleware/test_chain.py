"""The shipped middleware compose: one response carries every layer's work."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from heron.middleware import (
    CORSMiddleware,
    GZipMiddleware,
    HTTPSRedirectMiddleware,
    SecurityHeadersMiddleware,
    TrustedHostMiddleware,
)

BODY = b"<p>hello heron</p>" * 100


def build(app: Any) -> Any:
    # Innermost first, as app.add_middleware composes them (last added is outermost).
    app = GZipMiddleware(app)
    app = CORSMiddleware(app, allow_origins=["https://site.example"])
    app = SecurityHeadersMiddleware(app, hsts_seconds=3600)
    app = TrustedHostMiddleware(app, allowed_hosts=["example.com"])
    return HTTPSRedirectMiddleware(app)


@pytest.mark.anyio
async def test_full_chain(make_app: Any) -> None:
    app = build(make_app(BODY, headers=[(b"content-type", b"text/html")]))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://example.com") as c:
        response = await c.get(
            "/", headers={"origin": "https://site.example", "accept-encoding": "gzip"}
        )
        bad_host = await c.get("/", headers={"host": "evil.com"})
    assert response.status_code == 200
    assert response.content == BODY
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding, Origin"
    assert response.headers["access-control-allow-origin"] == "https://site.example"
    assert response.headers["strict-transport-security"] == "max-age=3600"
    assert response.headers["x-frame-options"] == "DENY"
    assert (bad_host.status_code, bad_host.text) == (400, "Invalid host header")
    async with httpx.AsyncClient(transport=transport, base_url="http://example.com") as c:
        plain = await c.get("/x?y=1")
    assert plain.status_code == 308
    assert plain.headers["location"] == "https://example.com/x?y=1"
