"""Gzip compression of HTTP responses for clients that accept it.

A single-message body is compressed in one go (when it is at least
``minimum_size`` bytes and compression actually makes it smaller); a streamed
body (``more_body``) is compressed chunk by chunk, each chunk flushed so the
client keeps receiving data as it is produced.  Server-sent events, partial
content, already-encoded bodies, HEAD requests and 204/304 responses pass
through untouched.
"""

from __future__ import annotations

import zlib

from heron.http.types import ASGIApp, Message, Receive, Scope, Send
from heron.middleware._asgi import RawHeaders, add_vary, check_int

__all__ = ["GZipMiddleware"]

_GZIP_WBITS = 16 + zlib.MAX_WBITS  # zlib's gzip container, header and trailer included
_NO_BODY_STATUSES = frozenset({204, 205, 304})

_ACCEPT_CACHE: dict[bytes, bool] = {}
_ACCEPT_CACHE_SIZE = 256

# Responder states.
_START = 0  # waiting for http.response.start
_HOLD = 1  # start held back until the first body message decides
_STREAM = 2  # compressing a streamed body
_PASS = 3  # forwarding untouched


class GZipMiddleware:
    """Compress responses with gzip when the client sends ``Accept-Encoding: gzip``."""

    __slots__ = ("app", "compresslevel", "minimum_size")

    def __init__(self, app: ASGIApp, minimum_size: int = 500, compresslevel: int = 6) -> None:
        self.app = app
        self.minimum_size = check_int("minimum_size", minimum_size)
        self.compresslevel = check_int("compresslevel", compresslevel, minimum=1, maximum=9)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] == "HEAD" or not _accepts_gzip(scope):
            await self.app(scope, receive, send)
            return
        responder = _GZipResponder(send, self.minimum_size, self.compresslevel)
        await self.app(scope, receive, responder)


class _GZipResponder:
    """The ``send`` handed to the application for one request that may be compressed."""

    __slots__ = ("compressor", "level", "minimum_size", "send", "start", "state")

    def __init__(self, send: Send, minimum_size: int, level: int) -> None:
        self.send = send
        self.minimum_size = minimum_size
        self.level = level
        self.state = _START
        self.start: Message | None = None
        self.compressor: zlib._Compress | None = None

    async def __call__(self, message: Message) -> None:
        state = self.state
        if state == _PASS:
            await self.send(message)
        elif state == _STREAM:
            await self._stream(message)
        elif state == _HOLD:
            await self._first_body(message)
        elif message["type"] == "http.response.start" and _compressible(message):
            self.start = message
            self.state = _HOLD
        else:
            self.state = _PASS
            await self.send(message)

    async def _first_body(self, message: Message) -> None:
        start = self.start
        assert start is not None
        if message["type"] != "http.response.body":  # e.g. http.response.pathsend
            self.state = _PASS
            await self.send(start)
            await self.send(message)
            return
        body: bytes = message.get("body", b"")
        if message.get("more_body", False):
            self.state = _STREAM
            self.compressor = zlib.compressobj(self.level, zlib.DEFLATED, _GZIP_WBITS)
            await self.send(_compressed_start(start, None))
            await self._stream(message)
            return
        self.state = _PASS
        if body and len(body) >= self.minimum_size:
            compressor = zlib.compressobj(self.level, zlib.DEFLATED, _GZIP_WBITS)
            data = compressor.compress(body) + compressor.flush()
            if len(data) < len(body):
                await self.send(_compressed_start(start, len(data)))
                await self.send({"type": "http.response.body", "body": data})
                return
        await self.send(start)
        await self.send(message)

    async def _stream(self, message: Message) -> None:
        compressor = self.compressor
        assert compressor is not None
        if message["type"] != "http.response.body":
            await self.send(message)
            return
        data = compressor.compress(message.get("body", b""))
        if message.get("more_body", False):
            data += compressor.flush(zlib.Z_SYNC_FLUSH)
            if data:
                await self.send({"type": "http.response.body", "body": data, "more_body": True})
            return
        self.state = _PASS
        data += compressor.flush()
        await self.send({"type": "http.response.body", "body": data})


def _accepts_gzip(scope: Scope) -> bool:
    """Whether Accept-Encoding allows gzip; answers are cached per header value
    (browsers send a handful of distinct values)."""
    values = [value for key, value in scope["headers"] if key == b"accept-encoding"]
    if not values:
        return False
    value = values[0] if len(values) == 1 else b",".join(values)
    accepted = _ACCEPT_CACHE.get(value)
    if accepted is None:
        if len(_ACCEPT_CACHE) >= _ACCEPT_CACHE_SIZE:
            _ACCEPT_CACHE.clear()
        accepted = _ACCEPT_CACHE[value] = _parse_accept_encoding(value)
    return accepted


def _parse_accept_encoding(value: bytes) -> bool:
    """Whether an Accept-Encoding value allows gzip (``gzip``/``x-gzip``, else ``*``, q > 0)."""
    value = value.lower()
    if b"gzip" not in value and b"*" not in value:
        return False
    gzip_q: float | None = None
    star_q: float | None = None
    for item in value.split(b","):
        coding, _, params = item.partition(b";")
        coding = coding.strip()
        if coding in (b"gzip", b"x-gzip"):
            q = _qvalue(params)
            gzip_q = q if gzip_q is None else max(gzip_q, q)
        elif coding == b"*":
            star_q = _qvalue(params)
    if gzip_q is not None:
        return gzip_q > 0
    return star_q is not None and star_q > 0


def _qvalue(params: bytes) -> float:
    """The ``q`` weight among ``;``-separated parameters (1 when absent, 0 when malformed)."""
    for param in params.split(b";"):
        name, _, value = param.partition(b"=")
        if name.strip() == b"q":
            try:
                q = float(value.strip())
            except ValueError:
                return 0.0
            return q if 0.0 <= q <= 1.0 else 0.0
    return 1.0


def _compressible(start: Message) -> bool:
    """Whether a response, judged by its start message, may be gzip-encoded."""
    status: int = start["status"]
    if status < 200 or status in _NO_BODY_STATUSES or status == 206:
        return False
    for key, value in start.get("headers", ()):
        name = key.lower()
        if name in (b"content-encoding", b"content-range"):
            return False
        if name == b"content-type" and value.lower().startswith(b"text/event-stream"):
            return False
        if name == b"cache-control" and b"no-transform" in value.lower():
            return False
    return True


def _compressed_start(start: Message, length: int | None) -> Message:
    """A copy of ``start`` whose headers describe a gzip body of ``length`` bytes
    (``None``: streamed, so no Content-Length); a strong ETag is weakened."""
    headers: RawHeaders = []
    for key, value in start.get("headers", ()):
        name = key.lower()
        if name == b"content-length":
            continue
        if name == b"etag" and value.startswith(b'"'):
            value = b"W/" + value
        headers.append((key, value))
    headers.append((b"content-encoding", b"gzip"))
    if length is not None:
        headers.append((b"content-length", str(length).encode("ascii")))
    add_vary(headers, b"Accept-Encoding")
    return {**start, "headers": headers}
