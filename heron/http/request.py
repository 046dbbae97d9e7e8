"""``Request``: a lazy view over an ASGI HTTP scope and its body.

Creating a request only stores the scope, the receive callable and the body
limits; headers, query parameters, cookies, the URL and the body are parsed the
first time they are asked for, then cached.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Final
from urllib.parse import quote, unquote_to_bytes

from heron.http.accept import accept_quality
from heron.http.cookies import parse_cookie_header
from heron.http.datastructures import URL, Address, FormData, Headers, QueryParams, State
from heron.http.exceptions import ClientDisconnect, HTTPException
from heron.http.json import JSONDecodeError, loads
from heron.http.multipart import DEFAULT_SPOOL_SIZE, parse_multipart
from heron.http.types import Message, Receive, Scope
from heron.http.url import full_path
from heron.http.urlencoded import parse_urlencoded

__all__ = [
    "DEFAULT_MAX_BODY_SIZE",
    "DEFAULT_MAX_UPLOAD_SIZE",
    "Request",
    "check_path",
]

logger = logging.getLogger("heron.request")

AfterResponse = Callable[[BaseException | None], Awaitable[None]]

DEFAULT_MAX_BODY_SIZE: Final = 10 * 1024 * 1024
DEFAULT_MAX_UPLOAD_SIZE: Final = 100 * 1024 * 1024

_HEX: Final = frozenset(b"0123456789abcdefABCDEF")


async def _empty_receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def check_path(scope: Scope) -> None:
    """Refuse a request path that is not valid percent-encoded UTF-8 (``HTTPException(400)``).

    ASGI servers decode ``scope["path"]`` themselves and silently replace bad
    bytes, so this checks ``scope["raw_path"]`` when the server provides it.
    The application calls it once per request, before routing.
    """
    raw: bytes | None = scope.get("raw_path")
    if not raw or (raw.isascii() and b"%" not in raw):
        return
    raw = raw.partition(b"?")[0]
    index = raw.find(b"%")
    while index != -1:
        pair = raw[index + 1 : index + 3]
        if len(pair) != 2 or pair[0] not in _HEX or pair[1] not in _HEX:
            raise HTTPException(400, "Invalid percent-encoding in the request path")
        index = raw.find(b"%", index + 3)
    try:
        unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPException(400, "Invalid UTF-8 in the request path") from None


class Request:
    """An incoming HTTP request.

    ``max_body_size`` caps ``body()``/``json()``/url-encoded forms and the
    non-file part of multipart forms; ``max_upload_size`` caps the file parts of
    a multipart form. Exceeding either is ``HTTPException(413)``, raised before
    the rest of the body is read.
    """

    __slots__ = (
        "_after_response",
        "_body",
        "_consumed",
        "_cookies",
        "_form",
        "_headers",
        "_json",
        "_query_params",
        "_receive",
        "_state",
        "_url",
        "max_body_size",
        "max_upload_size",
        "path_params",
        "scope",
    )

    _body: bytes
    _consumed: bool
    _cookies: dict[str, str]
    _form: FormData | None
    _headers: Headers
    _json: Any
    path_params: dict[str, Any]
    _query_params: QueryParams
    _state: State
    _url: URL

    def __init__(
        self,
        scope: Scope,
        receive: Receive = _empty_receive,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
        max_upload_size: int = DEFAULT_MAX_UPLOAD_SIZE,
        path_params: dict[str, Any] | None = None,
    ) -> None:
        self.scope = scope
        self._receive = receive
        self.max_body_size = max_body_size
        self.max_upload_size = max_upload_size
        self._form = None
        self._after_response: list[AfterResponse] | None = None
        self.path_params = {} if path_params is None else path_params

    # -- request line and scope ------------------------------------------------

    @property
    def receive(self) -> Receive:
        """The ASGI receive callable this request reads its body from."""
        return self._receive

    @property
    def app(self) -> Any:
        """The application that received the request (``scope["app"]``)."""
        return self.scope.get("app")

    @property
    def method(self) -> str:
        return self.scope["method"]  # type: ignore[no-any-return]

    @property
    def root_path(self) -> str:
        """The prefix the application is mounted at ("" at the top)."""
        return self.scope.get("root_path", "")  # type: ignore[no-any-return]

    @property
    def path(self) -> str:
        """The decoded path below ``root_path`` (never empty)."""
        scope = self.scope
        path: str = scope["path"]
        root: str | None = scope.get("root_path")
        if root and path.startswith(root):
            rest = path[len(root) :]
            if not rest or rest[0] == "/":
                return rest or "/"
        return path

    @property
    def scheme(self) -> str:
        return self.scope.get("scheme", "http")  # type: ignore[no-any-return]

    @property
    def is_secure(self) -> bool:
        """Whether the request came over https (or wss)."""
        return self.scope.get("scheme") in ("https", "wss")

    @property
    def url(self) -> URL:
        """The full URL the client asked for."""
        try:
            return self._url
        except AttributeError:
            self._url = URL.from_scope(self.scope)
            return self._url

    @property
    def base_url(self) -> URL:
        """The URL of the application root (scheme, host and ``root_path``, ending in /)."""
        url = self.url
        root = quote(self.root_path.rstrip("/"), safe="/:@!$&'()*+,;=-._~") + "/"
        return URL(f"{url.scheme}://{url.netloc}{root}" if url.netloc else root)

    @property
    def client(self) -> Address | None:
        """The client's address, when the server reports it."""
        client = self.scope.get("client")
        return Address(client[0], client[1]) if client else None

    @property
    def state(self) -> State:
        """Per-request attribute bag, shared with ASGI middleware via ``scope["state"]``."""
        try:
            return self._state
        except AttributeError:
            self._state = State(self.scope.setdefault("state", {}))
            return self._state

    # -- headers, query, cookies -----------------------------------------------

    @property
    def headers(self) -> Headers:
        try:
            return self._headers
        except AttributeError:
            self._headers = Headers(self.scope.get("headers") or [])
            return self._headers

    @property
    def query_params(self) -> QueryParams:
        """Parsed query string; bad percent-encoding or UTF-8 raises ``HTTPException(400)``."""
        try:
            return self._query_params
        except AttributeError:
            self._query_params = QueryParams(self.scope.get("query_string", b""))
            return self._query_params

    @property
    def cookies(self) -> dict[str, str]:
        try:
            return self._cookies
        except AttributeError:
            values = self.headers.getlist("cookie")
            self._cookies = parse_cookie_header("; ".join(values)) if values else {}
            return self._cookies

    @property
    def content_type(self) -> str | None:
        """The media type of the body, lowercased and without parameters
        (``"application/json"``), or ``None`` without a Content-Type header."""
        value = self.headers.get("content-type")
        if value is None:
            return None
        return value.partition(";")[0].strip().lower()

    def accepts(self, media_type: str) -> bool:
        """Whether the client's ``Accept`` header allows ``media_type``."""
        return accept_quality(self.headers.get("accept"), media_type) > 0

    def prefers_json(self) -> bool:
        """Whether ``Accept`` ranks ``application/json`` above ``text/html``."""
        accept = self.headers.get("accept")
        if not accept:
            return False
        return accept_quality(accept, "application/json") > accept_quality(accept, "text/html")

    # -- body --------------------------------------------------------------------

    def _claim_body(self, limit: int) -> None:
        """Mark the body as being read, refusing a declared length over ``limit``."""
        if getattr(self, "_consumed", False):
            raise RuntimeError("The request body has already been consumed")
        self._consumed = True
        for name, value in self.scope.get("headers") or ():
            if name == b"content-length":
                if not value.isdigit():
                    raise HTTPException(400, "Invalid Content-Length header")
                if int(value) > limit:
                    raise HTTPException(413, f"Request body exceeds {limit} bytes")
                return

    async def _chunks(self, limit: int) -> AsyncIterator[bytes]:
        """Yield body chunks from ASGI messages, stopping with 413 past ``limit``."""
        try:
            body = self._body
        except AttributeError:
            pass
        else:
            if len(body) > limit:
                raise HTTPException(413, f"Request body exceeds {limit} bytes")
            if body:
                yield body
            return
        self._claim_body(limit)
        async for chunk in self._more_chunks(limit, await self._receive()):
            yield chunk

    async def _more_chunks(self, limit: int, message: Message) -> AsyncIterator[bytes]:
        """Body chunks from ``message`` on, stopping with 413 past ``limit``."""
        receive = self._receive
        received = 0
        while True:
            kind = message["type"]
            if kind == "http.request":
                chunk: bytes = message.get("body", b"")
                if chunk:
                    received += len(chunk)
                    if received > limit:
                        raise HTTPException(413, f"Request body exceeds {limit} bytes")
                    yield chunk
                if not message.get("more_body", False):
                    return
            elif kind == "http.disconnect":
                raise ClientDisconnect()
            message = await receive()

    def stream(self) -> AsyncIterator[bytes]:
        """Iterate over the body as it arrives, without keeping it (limit: ``max_body_size``)."""
        return self._chunks(self.max_body_size)

    async def body(self) -> bytes:
        """The whole body (read once, then cached)."""
        try:
            return self._body
        except AttributeError:
            pass
        limit = self.max_body_size
        self._claim_body(limit)
        message = await self._receive()
        if message["type"] == "http.request" and not message.get("more_body", False):
            body: bytes = message.get("body", b"")  # the usual case: one message
            if len(body) > limit:
                raise HTTPException(413, f"Request body exceeds {limit} bytes")
        else:
            chunks = [chunk async for chunk in self._more_chunks(limit, message)]
            body = b"".join(chunks)
        self._body = body
        return body

    async def json(self) -> Any:
        """The body parsed as JSON; invalid JSON raises ``HTTPException(400)``."""
        try:
            return self._json
        except AttributeError:
            pass
        body = await self.body()
        try:
            value = loads(body)
        except JSONDecodeError as exc:
            detail = f"Invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
            raise HTTPException(400, detail) from None
        self._json = value
        return value

    async def form(
        self,
        *,
        max_files: int = 1000,
        max_fields: int = 1000,
        spool_size: int = DEFAULT_SPOOL_SIZE,
    ) -> FormData:
        """The submitted form (url-encoded or multipart; empty for other bodies).

        Uploaded files larger than ``spool_size`` bytes are kept on disk.
        """
        if self._form is not None:
            return self._form
        media_type = self.content_type
        if media_type == "multipart/form-data":
            limit = self.max_body_size + self.max_upload_size
            form = await parse_multipart(
                self.headers["content-type"],
                self._chunks(limit),
                max_body_size=self.max_body_size,
                max_upload_size=self.max_upload_size,
                max_files=max_files,
                max_fields=max_fields,
                spool_size=spool_size,
            )
        elif media_type == "application/x-www-form-urlencoded":
            form = FormData(parse_urlencoded(await self.body(), "form body"))
        else:
            form = FormData()
        self._form = form
        return form

    def call_after_response(self, callback: AfterResponse) -> None:
        """Have ``await callback(error)`` run once the response is sent (last added, first run).

        ``error`` is the exception the request ended with, or ``None``. Dependencies that
        ``yield`` clean up this way.
        """
        if self._after_response is None:
            self._after_response = []
        self._after_response.append(callback)

    @property
    def has_after_response(self) -> bool:
        return self._after_response is not None

    async def run_after_response(self, error: BaseException | None) -> None:
        """Run the ``call_after_response`` callbacks; one failing does not stop the others."""
        callbacks, self._after_response = self._after_response or [], None
        for callback in reversed(callbacks):
            try:
                await callback(error)
            except Exception:
                logger.exception("Error in an after-response callback for %s", self.path)

    async def close(self) -> None:
        """Release what the request holds (uploaded files' temporary storage)."""
        if self._form is not None:
            await self._form.close()

    @property
    def parsed_form(self) -> FormData | None:
        """The form if ``form()`` already parsed it, else None (nothing is read)."""
        return self._form

    def __repr__(self) -> str:
        return f"<Request {self.scope.get('method')} {full_path(self.scope)!r}>"
