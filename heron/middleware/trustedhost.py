"""Refuse requests whose Host header is not one this application serves.

Guards against Host-header attacks (poisoned password-reset links, cache
poisoning).  ``*.example.com`` matches any subdomain of ``example.com`` (not
``example.com`` itself); ``"*"`` allows every host.
"""

from __future__ import annotations

from collections.abc import Sequence

from heron.http.types import ASGIApp, Receive, Scope, Send
from heron.middleware._asgi import (
    check_bool,
    deny_websocket,
    parse_host,
    request_header,
    request_target,
    send_text,
    string_list,
)

__all__ = ["TrustedHostMiddleware"]

_INVALID = "Invalid host header"
_KNOWN_SIZE = 1024


class TrustedHostMiddleware:
    """Answer 400 ``Invalid host header`` unless the Host matches ``allowed_hosts``.

    With ``www_redirect``, a request for ``example.com`` when only
    ``www.example.com`` is allowed is redirected there (308).
    """

    __slots__ = ("_any", "_exact", "_known", "_suffixes", "app", "www_redirect")

    def __init__(
        self, app: ASGIApp, allowed_hosts: Sequence[str] = ("*",), www_redirect: bool = True
    ) -> None:
        self.app = app
        patterns = string_list("allowed_hosts", allowed_hosts)
        exact: set[str] = set()
        suffixes: list[str] = []
        for pattern in patterns:
            if pattern == "*":
                continue
            wildcard = pattern.startswith("*.")
            name = pattern[2:] if wildcard else pattern
            parsed = parse_host(name.encode("latin-1"))
            if "*" in name or parsed is None or parsed[1] is not None:
                raise ValueError(
                    f"allowed_hosts item {pattern!r} is not a host name or '*.domain' pattern "
                    "(no scheme, port or path; e.g. 'example.com' or '*.example.com')"
                )
            if wildcard:
                suffixes.append("." + parsed[0])
            else:
                exact.add(parsed[0])
        self._any = "*" in patterns
        self._exact = frozenset(exact)
        self._suffixes = tuple(suffixes)
        self._known: set[bytes] = set()  # Host header values already found allowed
        self.www_redirect = check_bool("www_redirect", www_redirect)

    def is_allowed_host(self, host: str) -> bool:
        """Whether ``host`` (lowercase, without port) matches ``allowed_hosts``."""
        return self._any or host in self._exact or host.endswith(self._suffixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if self._any or (kind != "http" and kind != "websocket"):
            await self.app(scope, receive, send)
            return
        value = request_header(scope, b"host") or b""
        if value in self._known:
            await self.app(scope, receive, send)
            return
        parsed = parse_host(value)
        if parsed is not None and self.is_allowed_host(parsed[0]):
            if len(self._known) < _KNOWN_SIZE:  # bounded: Host values come from clients
                self._known.add(value)
            await self.app(scope, receive, send)
            return
        if kind == "websocket":
            await deny_websocket(scope, send, 400, _INVALID)
            return
        if (
            parsed is not None
            and self.www_redirect
            and not parsed[0].startswith("www.")
            and "www." + parsed[0] in self._exact
        ):
            netloc = "www." + parsed[0] + ("" if parsed[1] is None else f":{parsed[1]}")
            location = f"{scope.get('scheme', 'http')}://{netloc}{request_target(scope)}"
            await send_text(send, 308, "", [(b"location", location.encode("latin-1"))])
            return
        await send_text(send, 400, _INVALID)
