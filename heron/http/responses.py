"""The response family: plain, text, HTML, JSON, redirect and streaming responses.

A ``Response`` builds its body and its byte header list once, when it is
created, and sends them as exactly two ASGI messages. The content-type header
of each class is prebuilt when the class is defined.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Final
from urllib.parse import quote

from heron.http.concurrency import iterate_in_threadpool
from heron.http.cookies import SameSite, build_set_cookie
from heron.http.headers import MutableHeaders, encode_header_name, encode_header_value
from heron.http.json import dumps
from heron.http.types import Message, Receive, Scope, Send

__all__ = [
    "HTMLResponse",
    "HeadersArg",
    "JSONResponse",
    "PlainTextResponse",
    "RedirectResponse",
    "Response",
    "StreamingResponse",
    "redirect",
]

HeadersArg = Mapping[str, str] | Iterable[tuple[str, str]] | None
RawHeaders = list[tuple[bytes, bytes]]

_SECURE_SCHEMES: Final = frozenset(("https", "wss"))
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
# Reserved characters (RFC 3986 gen- and sub-delims) and "%" stay as they are.
_LOCATION_SAFE: Final = ":/?#[]@!$&'()*+,;=%"


def _content_type_header(media_type: str | None, charset: str) -> tuple[bytes, bytes] | None:
    if media_type is None:
        return None
    if media_type.startswith("text/") and "charset=" not in media_type.lower():
        media_type = f"{media_type}; charset={charset}"
    return (b"content-type", encode_header_value(media_type))


# Prebuilt content-length headers for the body sizes most responses have.
_CONTENT_LENGTHS: Final = tuple((b"content-length", b"%d" % n) for n in range(8192))


def _content_length(size: int) -> tuple[bytes, bytes]:
    if size < 8192:
        return _CONTENT_LENGTHS[size]
    return (b"content-length", b"%d" % size)


# Statuses that must not carry a body (so no content-length either).
_NO_BODY: Final = frozenset((*range(100, 200), 204, 304))


class Response:
    """An HTTP response whose body is known up front.

    ``content`` is ``str`` (encoded with ``charset``), bytes or ``None``.
    ``headers`` are validated (CR/LF raise ``ValueError``); ``content-length``
    and ``content-type`` are added unless given. Subclasses set
    ``media_type = "..."`` at class level to change the default media type.
    """

    __slots__ = ("_auto_secure", "_body", "media_type", "raw_headers", "status_code")

    charset: ClassVar[str] = "utf-8"
    default_media_type: ClassVar[str | None] = None
    _content_type: ClassVar[tuple[bytes, bytes] | None] = None
    _plain_render: ClassVar[bool] = True

    status_code: int
    media_type: str | None
    raw_headers: RawHeaders
    _body: bytes
    _auto_secure: set[bytes] | None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        declared = cls.__dict__.get("media_type")
        if (declared is None or isinstance(declared, str)) and "media_type" in cls.__dict__:
            # A plain class attribute would hide the instance slot.
            delattr(cls, "media_type")
            cls.default_media_type = declared
        cls._content_type = _content_type_header(cls.default_media_type, cls.charset)
        # Lets __init__ encode str content inline unless render() is overridden.
        cls._plain_render = cls.render is Response.render

    def __init__(
        self,
        content: Any = None,
        status_code: int = 200,
        headers: HeadersArg = None,
        media_type: str | None = None,
    ) -> None:
        self.status_code = status_code
        self._auto_secure = None
        if content.__class__ is str and self._plain_render:
            body = self._body = content.encode(self.charset)
        else:
            body = self._body = self.render(content)
        if media_type is None:
            self.media_type = self.default_media_type
            content_type = self._content_type
        else:
            self.media_type = media_type
            content_type = _content_type_header(media_type, self.charset)
        if headers is None and content_type is not None and status_code not in _NO_BODY:
            size = len(body)
            length = _CONTENT_LENGTHS[size] if size < 8192 else _content_length(size)
            self.raw_headers = [length, content_type]
        else:
            self.raw_headers = self._build_headers(headers, content_type, len(body))

    def render(self, content: Any) -> bytes:
        """Turn ``content`` into body bytes; subclasses override to serialise."""
        if content is None:
            return b""
        if isinstance(content, str):
            return content.encode(self.charset)
        if isinstance(content, bytes):
            return content
        if isinstance(content, bytearray | memoryview):
            return bytes(content)
        raise TypeError(
            f"{type(self).__name__} content must be str or bytes, not {type(content).__name__}"
        )

    def _build_headers(
        self,
        headers: HeadersArg,
        content_type: tuple[bytes, bytes] | None,
        content_length: int | None,
    ) -> RawHeaders:
        """Validate user headers and add content-length/content-type when missing."""
        raw: RawHeaders = []
        if headers is not None:
            pairs = headers.items() if isinstance(headers, Mapping) else headers
            raw = [(encode_header_name(k), encode_header_value(v)) for k, v in pairs]
        names = {k for k, _ in raw}
        if (
            content_length is not None
            and b"content-length" not in names
            and self.status_code not in _NO_BODY
        ):
            raw.append(_content_length(content_length))
        if content_type is not None and b"content-type" not in names:
            raw.append(content_type)
        return raw

    def _init_headers(self, headers: HeadersArg, media_type: str | None) -> None:
        """Set ``media_type`` and a header list without content-length (for streams)."""
        self._auto_secure = None
        if media_type is None:
            self.media_type = self.default_media_type
            content_type = self._content_type
        else:
            self.media_type = media_type
            content_type = _content_type_header(media_type, self.charset)
        self.raw_headers = self._build_headers(headers, content_type, None)

    @property
    def body(self) -> bytes:
        """The body bytes; assigning a new body updates ``content-length``."""
        return self._body

    @body.setter
    def body(self, value: bytes) -> None:
        self._body = value
        length = b"%d" % len(value)
        raw = self.raw_headers
        for i, (name, _) in enumerate(raw):
            if name == b"content-length":
                raw[i] = (name, length)
                return
        if self.status_code not in _NO_BODY:
            raw.insert(0, (b"content-length", length))

    @property
    def headers(self) -> MutableHeaders:
        """An editable, case-insensitive view of ``raw_headers``."""
        return MutableHeaders(self.raw_headers)

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: int | timedelta | None = None,
        expires: datetime | int | str | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool | None = None,
        httponly: bool = True,
        samesite: SameSite | None = "lax",
    ) -> None:
        """Add a ``Set-Cookie`` header with secure defaults.

        ``secure=None`` marks the cookie Secure when the request is https/wss,
        decided when the response is sent; ``SameSite=None`` cookies are
        always Secure (browsers reject them otherwise).
        """
        if secure is None and samesite is not None and samesite.lower() == "none":
            secure = True
        header = build_set_cookie(
            key,
            value,
            max_age=max_age,
            expires=expires,
            path=path,
            domain=domain,
            secure=bool(secure),
            httponly=httponly,
            samesite=samesite,
        )
        encoded = encode_header_value(header)
        self.raw_headers.append((b"set-cookie", encoded))
        if secure is None:
            if self._auto_secure is None:
                self._auto_secure = set()
            self._auto_secure.add(encoded)

    def delete_cookie(
        self,
        key: str,
        path: str | None = "/",
        domain: str | None = None,
        *,
        secure: bool | None = None,
        httponly: bool = True,
        samesite: SameSite | None = "lax",
    ) -> None:
        """Tell the client to drop cookie ``key`` (same ``path``/``domain`` as when set)."""
        self.set_cookie(
            key,
            "",
            max_age=0,
            expires=_EPOCH,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
        )

    def headers_for(self, scope: Scope) -> RawHeaders:
        """The header list to send for ``scope``: cookies set with ``secure=None``
        get ``Secure`` when the scheme is https or wss."""
        auto = self._auto_secure
        if auto is None or scope.get("scheme") not in _SECURE_SCHEMES:
            return self.raw_headers
        return [
            (k, v + b"; Secure") if k == b"set-cookie" and v in auto else (k, v)
            for k, v in self.raw_headers
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = self.raw_headers if self._auto_secure is None else self.headers_for(scope)
        await send({"type": "http.response.start", "status": self.status_code, "headers": headers})
        body = self._body if scope["method"] != "HEAD" else b""
        await send({"type": "http.response.body", "body": body})

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.status_code} {self.media_type or ''}>"


class PlainTextResponse(Response):
    """A ``text/plain; charset=utf-8`` response."""

    __slots__ = ()
    default_media_type = "text/plain"


class HTMLResponse(Response):
    """A ``text/html; charset=utf-8`` response."""

    __slots__ = ()
    default_media_type = "text/html"


class JSONResponse(Response):
    """A JSON response; ``content`` is serialised by :func:`heron.http.json.dumps`."""

    __slots__ = ()
    default_media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)


def _quote_location(url: str) -> bytes:
    if "\r" in url or "\n" in url or "\x00" in url:
        raise ValueError(f"Redirect URL must not contain CR, LF or NUL: {url!r}")
    return quote(url, safe=_LOCATION_SAFE).encode("ascii")


class RedirectResponse(Response):
    """A redirect to ``url`` (unsafe characters percent-encoded, reserved ones kept)."""

    __slots__ = ()

    def __init__(self, url: Any, status_code: int = 302, headers: HeadersArg = None) -> None:
        super().__init__(None, status_code, headers)
        location = _quote_location(str(url))
        raw = self.raw_headers
        raw[:] = [pair for pair in raw if pair[0] != b"location"]
        raw.append((b"location", location))


def redirect(location: Any, code: int = 302) -> RedirectResponse:
    """Return a redirect to ``location`` (Flask's ``redirect``)."""
    return RedirectResponse(location, code)


Chunk = str | bytes | bytearray | memoryview
ContentStream = Iterable[Chunk] | AsyncIterable[Chunk]


async def _wait_for_disconnect(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


class StreamingResponse(Response):
    """A response whose body comes from a sync or async iterable of str/bytes.

    Sync iterables are advanced in a worker thread. Streaming stops (and the
    iterator is closed) when the client disconnects. HEAD sends no body.
    """

    __slots__ = ("body_iterator",)

    body_iterator: ContentStream

    def __init__(
        self,
        content: ContentStream,
        status_code: int = 200,
        headers: HeadersArg = None,
        media_type: str | None = None,
    ) -> None:
        self.status_code = status_code
        self._body = b""
        self.body_iterator = content
        self._init_headers(headers, media_type)

    def _chunks(self) -> AsyncIterator[Any]:
        content = self.body_iterator
        if isinstance(content, AsyncIterable):
            return aiter(content)
        return iterate_in_threadpool(content)

    async def _stream(self, send: Send) -> None:
        chunks = self._chunks()
        charset = self.charset
        try:
            async for chunk in chunks:
                data = chunk.encode(charset) if isinstance(chunk, str) else bytes(chunk)
                await send({"type": "http.response.body", "body": data, "more_body": True})
        finally:
            aclose = getattr(chunks, "aclose", None)
            if aclose is not None:
                await aclose()
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _close_iterator(self) -> None:
        content = self.body_iterator
        close = getattr(content, "aclose", None) or getattr(content, "close", None)
        if close is not None:
            result = close()
            if asyncio.iscoroutine(result):
                await result

    def _start_message(self, scope: Scope) -> Message:
        return {
            "type": "http.response.start",
            "status": self.status_code,
            "headers": self.headers_for(scope),
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(self._start_message(scope))
        if scope["method"] == "HEAD":
            await self._close_iterator()
            await send({"type": "http.response.body", "body": b""})
            return
        await _run_until_disconnect(self._stream(send), receive)


async def _run_until_disconnect(work: Any, receive: Receive) -> None:
    """Run the ``work`` coroutine, cancelling it if the client disconnects first."""
    worker = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(_wait_for_disconnect(receive))
    try:
        await asyncio.wait((worker, watcher), return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (worker, watcher):
            task.cancel()
        await asyncio.wait((worker, watcher))
    error = None if worker.cancelled() else worker.exception()
    if error is not None:
        raise error
