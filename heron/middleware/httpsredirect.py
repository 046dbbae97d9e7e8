"""Redirect plain-text requests to their TLS equivalent (http → https, ws → wss).

The redirect is a 308 Permanent Redirect: permanent, so browsers remember
it, and method-preserving, so a POST is replayed as a POST rather than
silently turned into a GET (as 301 allows).  Path and query are kept; the
default ports 80 and 443 are dropped, any other port is kept.
"""

from __future__ import annotations

from heron.http.types import ASGIApp, Receive, Scope, Send
from heron.middleware._asgi import (
    deny_websocket,
    parse_host,
    request_header,
    request_target,
    send_text,
)

__all__ = ["HTTPSRedirectMiddleware"]

_SECURE = {"http": "https", "ws": "wss"}
_DEFAULT_PORTS = (80, 443)


class HTTPSRedirectMiddleware:
    """Answer every ``http``/``ws`` request with a 308 to the ``https``/``wss`` URL."""

    __slots__ = ("app",)

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        scheme = scope.get("scheme", "http" if kind == "http" else "ws")
        if (kind != "http" and kind != "websocket") or scheme not in _SECURE:
            await self.app(scope, receive, send)
            return
        location = _secure_url(scope, _SECURE[scheme])
        if location is None:
            if kind == "http":
                await send_text(send, 400, "Invalid host header")
            else:
                await deny_websocket(scope, send, 400, "Invalid host header")
            return
        headers = [(b"location", location.encode("latin-1"))]
        if kind == "http":
            await send_text(send, 308, "", headers)
        else:
            await deny_websocket(scope, send, 308, "", headers)


def _secure_url(scope: Scope, scheme: str) -> str | None:
    """The request's URL with ``scheme``; ``None`` when the Host header is malformed."""
    value = request_header(scope, b"host")
    if value is not None:
        parsed = parse_host(value)
        if parsed is None:
            return None
        host, port = parsed
    else:
        server = scope.get("server")
        if not server:
            return None
        host, port = server[0], server[1]
        if ":" in host:
            host = f"[{host}]"
    netloc = host if port is None or port in _DEFAULT_PORTS else f"{host}:{port}"
    return f"{scheme}://{netloc}{request_target(scope)}"
