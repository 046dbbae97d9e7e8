"""Helpers shared by Heron's middleware: option validation and raw ASGI header work.

Middleware works on the raw ``list[tuple[bytes, bytes]]`` header lists of ASGI
messages directly; building mapping objects per request would cost more than
the few linear scans done here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from heron.http.types import Scope, Send

RawHeaders = list[tuple[bytes, bytes]]

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_FORBIDDEN = re.compile(r"[\r\n\x00]")
# A Host header: a registered name / IPv4 address, or a bracketed IPv6 literal,
# then an optional port.  Anything else (spaces, "@", "/", ...) is refused.
_HOST = re.compile(rb"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::([0-9]{1,5}))?")


def header_value(option: str, value: object) -> bytes:
    """Validate an option used as a header value; CR, LF and NUL raise ``ValueError``."""
    if not isinstance(value, str):
        raise ValueError(f"{option} must be a string, got {type(value).__name__}")
    if _FORBIDDEN.search(value):
        raise ValueError(f"{option} must not contain CR, LF or NUL characters: {value!r}")
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        raise ValueError(f"{option} must be latin-1 encodable: {value!r}") from None


def string_list(option: str, value: object) -> tuple[str, ...]:
    """Validate an option that is a list of strings; a bare string is refused."""
    if isinstance(value, str | bytes):
        raise ValueError(
            f"{option} must be a list of strings, not a single string; did you mean [{value!r}]?"
        )
    if not isinstance(value, Iterable):
        raise ValueError(f"{option} must be a list of strings, got {type(value).__name__}")
    items = tuple(value)
    for item in items:
        header_value(f"{option} item", item)
    return items


def token_list(option: str, value: object, *, allow_star: bool = True) -> tuple[str, ...]:
    """Validate a list of HTTP tokens (method or header names), ``"*"`` optionally allowed."""
    items = string_list(option, value)
    for item in items:
        if item == "*" and allow_star:
            continue
        if not _TOKEN.fullmatch(item):
            raise ValueError(f"{option} contains an invalid name: {item!r}")
    return items


def check_bool(option: str, value: object) -> bool:
    """Validate a boolean option."""
    if not isinstance(value, bool):
        raise ValueError(f"{option} must be True or False, got {value!r}")
    return value


def check_int(option: str, value: object, *, minimum: int = 0, maximum: int | None = None) -> int:
    """Validate an integer option within ``[minimum, maximum]``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{option} must be an integer, got {value!r}")
    if value < minimum or (maximum is not None and value > maximum):
        upper = "" if maximum is None else f" and <= {maximum}"
        raise ValueError(f"{option} must be >= {minimum}{upper}, got {value}")
    return value


def request_header(scope: Scope, name: bytes) -> bytes | None:
    """The first value of request header ``name`` (lowercase, as ASGI servers send them)."""
    for key, value in scope["headers"]:
        if key == name:
            return value  # type: ignore[no-any-return]
    return None


def parse_host(value: bytes) -> tuple[str, int | None] | None:
    """Split a Host header into a lowercase hostname and a port; ``None`` when malformed."""
    match = _HOST.fullmatch(value)
    if match is None:
        return None
    host = match.group(1).decode("ascii").lower().rstrip(".")
    if not host:
        return None
    port = match.group(2)
    if port is None:
        return host, None
    number = int(port)
    return (host, number) if number <= 65535 else None


def request_target(scope: Scope) -> str:
    """The request's path and query string, percent-encoded as received."""
    raw = scope.get("raw_path")
    if raw:
        path = raw.decode("latin-1")
    else:
        path = quote(scope.get("root_path", "") + scope["path"], safe="/:@!$&'()*+,;=-._~%")
    query: bytes = scope.get("query_string", b"")
    return f"{path}?{query.decode('latin-1')}" if query else path


def add_vary(headers: RawHeaders, token: bytes) -> None:
    """Add ``token`` to the ``Vary`` header of ``headers`` (a list the caller owns)."""
    for key, _ in headers:
        if key.lower() == b"vary":
            break
    else:
        headers.append((b"vary", token))
        return
    wanted = token.lower()
    first = -1
    for index, (key, value) in enumerate(headers):
        if key.lower() == b"vary":
            tokens = [item.strip().lower() for item in value.split(b",")]
            if wanted in tokens or b"*" in tokens:
                return
            if first < 0:
                first = index
    if first < 0:
        headers.append((b"vary", token))
    else:
        key, value = headers[first]
        headers[first] = (key, value + b", " + token if value.strip() else token)


def has_header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> bool:
    """Whether a response header list carries ``name`` (lowercase), in any case."""
    return any(key.lower() == name for key, _ in headers)


async def send_text(
    send: Send, status: int, text: str, headers: Iterable[tuple[bytes, bytes]] = ()
) -> None:
    """Send a complete plain-text HTTP response in two messages."""
    body = text.encode("utf-8")
    raw: RawHeaders = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode("ascii")),
        *headers,
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def deny_websocket(
    scope: Scope, send: Send, status: int, text: str, headers: Iterable[tuple[bytes, bytes]] = ()
) -> None:
    """Refuse a websocket handshake: an HTTP response when the server supports the
    ``websocket.http.response`` extension, otherwise a close (the server answers 403)."""
    extensions: dict[str, Any] = scope.get("extensions") or {}
    if "websocket.http.response" not in extensions:
        await send({"type": "websocket.close", "code": 1008, "reason": text})
        return
    body = text.encode("utf-8")
    raw: RawHeaders = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode("ascii")),
        *headers,
    ]
    await send({"type": "websocket.http.response.start", "status": status, "headers": raw})
    await send({"type": "websocket.http.response.body", "body": body})
