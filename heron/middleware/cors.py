"""Cross-Origin Resource Sharing: answers preflights, decorates actual responses.

Follows the Fetch standard: with credentials allowed, the wildcard ``*`` is
never sent (browsers would reject it) — the request's own origin, method and
headers are echoed instead.  Responses whose CORS headers depend on the
request's Origin carry ``Vary: Origin`` so shared caches keep them apart.
Websocket handshakes from an origin that is neither allowed nor the server's
own are refused (browsers do not apply CORS to websockets).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from heron.http.types import ASGIApp, Message, Receive, Scope, Send
from heron.middleware._asgi import (
    RawHeaders,
    add_vary,
    check_bool,
    check_int,
    deny_websocket,
    has_header,
    parse_host,
    request_header,
    send_text,
    string_list,
    token_list,
)

__all__ = ["CORSMiddleware"]

# Request headers always allowed in a preflight (the CORS-safelisted names).
_SAFELISTED_HEADERS = frozenset({"accept", "accept-language", "content-language", "content-type"})
# Response headers a browser exposes without Access-Control-Expose-Headers.
_SAFELISTED_RESPONSE = frozenset(
    {
        b"cache-control",
        b"content-language",
        b"content-length",
        b"content-type",
        b"expires",
        b"last-modified",
        b"pragma",
    }
)
_ORIGIN = re.compile(r"[a-z][a-z0-9+.-]*://[^/?#\s]+")
_ACAO = b"access-control-allow-origin"


class CORSMiddleware:
    """Allow browsers on other origins to call this application, within limits."""

    __slots__ = (
        "_allow_credentials",
        "_any_header",
        "_any_method",
        "_any_origin",
        "_echo_origin",
        "_expose_all",
        "_headers",
        "_methods",
        "_origin_regex",
        "_origins",
        "_preflight_headers",
        "_simple_headers",
        "app",
    )

    def __init__(
        self,
        app: ASGIApp,
        allow_origins: Sequence[str] = (),
        allow_origin_regex: str | None = None,
        allow_methods: Sequence[str] = ("GET",),
        allow_headers: Sequence[str] = (),
        allow_credentials: bool = False,
        expose_headers: Sequence[str] = (),
        max_age: int = 600,
    ) -> None:
        self.app = app
        origins = string_list("allow_origins", allow_origins)
        for origin in origins:
            if origin not in ("*", "null") and not _ORIGIN.fullmatch(origin.lower()):
                raise ValueError(
                    f"allow_origins item {origin!r} is not an origin; write it as "
                    "scheme://host[:port] with no path or trailing slash, e.g. "
                    "'https://example.com'"
                )
        self._any_origin = "*" in origins
        self._origins = frozenset(origin.lower() for origin in origins if origin != "*")
        self._origin_regex: re.Pattern[str] | None = None
        if allow_origin_regex is not None:
            if not isinstance(allow_origin_regex, str):
                raise ValueError("allow_origin_regex must be a string")
            try:
                self._origin_regex = re.compile(allow_origin_regex)
            except re.error as exc:
                raise ValueError(f"allow_origin_regex is not a valid regex: {exc}") from None
        methods = token_list("allow_methods", allow_methods)
        self._any_method = "*" in methods
        self._methods = frozenset(method.upper() for method in methods)
        headers = token_list("allow_headers", allow_headers)
        self._any_header = "*" in headers
        self._headers = _SAFELISTED_HEADERS | {header.lower() for header in headers}
        self._allow_credentials = check_bool("allow_credentials", allow_credentials)
        exposed = token_list("expose_headers", expose_headers)
        max_age = check_int("max_age", max_age)

        # "*" is only meaningful to browsers when credentials are not allowed.
        self._echo_origin = allow_credentials or not self._any_origin
        self._expose_all = "*" in exposed and allow_credentials
        simple: RawHeaders = []
        preflight: RawHeaders = []
        if allow_credentials:
            simple.append((b"access-control-allow-credentials", b"true"))
            preflight.append((b"access-control-allow-credentials", b"true"))
        if exposed and not self._expose_all:
            simple.append((b"access-control-expose-headers", ", ".join(exposed).encode("latin-1")))
        if not self._any_method:
            listed = ", ".join(sorted(self._methods)).encode("latin-1")
            preflight.append((b"access-control-allow-methods", listed))
        preflight.append((b"access-control-max-age", str(max_age).encode("ascii")))
        self._simple_headers = simple
        self._preflight_headers = preflight

    def is_allowed_origin(self, origin: str) -> bool:
        """Whether ``origin`` (as sent in the Origin header) may make CORS requests."""
        if self._any_origin:
            return True
        lowered = origin.lower()
        if lowered in self._origins:
            return True
        return self._origin_regex is not None and self._origin_regex.fullmatch(origin) is not None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            origin = request_header(scope, b"origin")
            if origin is None:
                await self._without_origin(scope, receive, send)
            elif scope["method"] == "OPTIONS" and request_header(
                scope, b"access-control-request-method"
            ):
                await self._preflight(scope, send, origin)
            else:
                await self._actual(scope, receive, send, origin)
        elif kind == "websocket":
            origin = request_header(scope, b"origin")
            if (
                origin is None
                or self.is_allowed_origin(origin.decode("latin-1"))
                or _same_origin(scope, origin)
            ):
                await self.app(scope, receive, send)
            else:
                await deny_websocket(scope, send, 403, "Disallowed CORS origin")
        else:
            await self.app(scope, receive, send)

    async def _without_origin(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Not a CORS request; still mark the response as varying by Origin when it does."""
        if not self._echo_origin:
            await self.app(scope, receive, send)
            return

        async def send_with_vary(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: RawHeaders = list(message.get("headers", ()))
                add_vary(headers, b"Origin")
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_vary)

    async def _preflight(self, scope: Scope, send: Send, origin: bytes) -> None:
        """Answer an OPTIONS preflight directly: 200 when allowed, 400 saying why not."""
        method = request_header(scope, b"access-control-request-method") or b""
        requested = request_header(scope, b"access-control-request-headers") or b""
        names = [name.strip().lower() for name in requested.decode("latin-1").split(",")]
        names = [name for name in names if name]
        problems = []
        if not self.is_allowed_origin(origin.decode("latin-1")):
            problems.append("Disallowed CORS origin")
        if not self._any_method and method.decode("latin-1") not in self._methods:
            problems.append("Disallowed CORS method")
        if not self._any_header:
            refused = [name for name in names if name not in self._headers]
            if refused:
                problems.append("Disallowed CORS headers: " + ", ".join(refused))
        vary: RawHeaders = [(b"vary", b"Origin")] if self._echo_origin else []
        if problems:
            await send_text(send, 400, "; ".join(problems), vary)
            return
        headers: RawHeaders = [(_ACAO, origin if self._echo_origin else b"*"), *vary]
        headers.extend(self._preflight_headers)
        if self._any_method:
            headers.append((b"access-control-allow-methods", method))
        if names:  # echoed once checked: browsers need every requested name listed
            headers.append((b"access-control-allow-headers", ", ".join(names).encode("latin-1")))
        await send_text(send, 200, "OK", headers)

    async def _actual(self, scope: Scope, receive: Receive, send: Send, origin: bytes) -> None:
        """A CORS request that is not a preflight: add the CORS headers to its response."""
        allowed = self.is_allowed_origin(origin.decode("latin-1"))
        if not allowed and not self._echo_origin:
            await self.app(scope, receive, send)
            return
        echo = self._echo_origin
        extra = self._simple_headers
        expose_all = self._expose_all

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: RawHeaders = list(message.get("headers", ()))
                # A handler that set its own Access-Control-Allow-Origin keeps its policy.
                if allowed and not has_header(headers, _ACAO):
                    exposed = _exposable(headers) if expose_all else b""
                    headers.append((_ACAO, origin if echo else b"*"))
                    headers.extend(extra)
                    if exposed:
                        headers.append((b"access-control-expose-headers", exposed))
                if echo:
                    add_vary(headers, b"Origin")
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cors)


def _exposable(headers: RawHeaders) -> bytes:
    """The response's own header names that need exposing (``expose_headers=["*"]``
    with credentials, where browsers read ``*`` literally)."""
    names: list[bytes] = []
    for key, _ in headers:
        name = key.lower()
        if name not in _SAFELISTED_RESPONSE and name != b"set-cookie" and name not in names:
            names.append(name)
    return b", ".join(names)


def _same_origin(scope: Scope, origin: bytes) -> bool:
    """Whether a websocket's Origin is the server's own (its Host, same security)."""
    host = request_header(scope, b"host")
    if host is None or parse_host(host) is None:
        return False
    scheme = b"https" if scope.get("scheme") in ("wss", "https") else b"http"
    return origin.lower() == scheme + b"://" + host.lower()
