"""`FileResponse`: send a file from disk, with validators, 304s and byte ranges.

Headers (type, length, ETag, Last-Modified) are built once when the response
is created; `__call__` only reads the request's conditional headers from the
scope. The file is read in worker threads, one chunk per hop, so the event
loop never blocks on disk.

The ETag is strong (`"<mtime_ns hex>-<size hex>"`): byte-identical content is
assumed while neither changes, which lets `If-Range` resume downloads.
A compressing middleware must weaken it (Heron's gzip middleware does).
"""

from __future__ import annotations

import asyncio
import mimetypes
import os
import stat
import unicodedata
from collections.abc import Mapping
from email.utils import formatdate, mktime_tz, parsedate_tz
from functools import lru_cache
from typing import BinaryIO, Final, Literal
from urllib.parse import quote

from heron.http.headers import encode_header_name, encode_header_value
from heron.http.responses import HeadersArg, RawHeaders, Response
from heron.http.types import Receive, Scope, Send

__all__ = ["FileResponse", "content_disposition", "guess_media_type"]

Disposition = Literal["attachment", "inline"]

CHUNK_SIZE: Final = 64 * 1024

# A private table built from Python's defaults only, so the result does not
# depend on the host's /etc/mime.types or Windows registry.
_MIME = mimetypes.MimeTypes()
for _type, _ext in (
    ("text/javascript", ".js"),
    ("text/javascript", ".mjs"),
    ("application/json", ".json"),
    ("application/manifest+json", ".webmanifest"),
    ("application/wasm", ".wasm"),
    ("image/svg+xml", ".svg"),
    ("image/webp", ".webp"),
    ("image/avif", ".avif"),
    ("font/woff", ".woff"),
    ("font/woff2", ".woff2"),
    ("text/markdown", ".md"),
):
    _MIME.add_type(_type, _ext)

# Compressed files keep their own type, never "tar + Content-Encoding".
_ENCODED_TYPES: Final = {
    "gzip": "application/gzip",
    "bzip2": "application/x-bzip2",
    "xz": "application/x-xz",
    "br": "application/x-brotli",
    "compress": "application/x-compress",
}
_UTF8_TYPES: Final = frozenset(
    (
        "application/javascript",
        "application/json",
        "application/manifest+json",
        "application/xml",
        "image/svg+xml",
    )
)
_DEFAULT_TYPE: Final = "application/octet-stream"
# RFC 5987 attr-char, besides letters, digits and "-._~" that quote() keeps.
_ATTR_SAFE: Final = "!#$&+^`|"


@lru_cache(maxsize=1024)
def guess_media_type(filename: str) -> str:
    """The content type for `filename`; text types get `; charset=utf-8`."""
    media_type, encoding = _MIME.guess_type(filename, strict=False)
    if encoding is not None:
        return _ENCODED_TYPES.get(encoding, _DEFAULT_TYPE)
    if media_type is None:
        return _DEFAULT_TYPE
    if media_type.startswith("text/") or media_type in _UTF8_TYPES:
        return f"{media_type}; charset=utf-8"
    return media_type


def _ascii_fallback(filename: str) -> str:
    decomposed = unicodedata.normalize("NFKD", filename)
    kept = "".join(ch for ch in decomposed if " " <= ch <= "~" and ch not in '"\\%').strip()
    return kept or "download"


def content_disposition(disposition: Disposition, filename: str) -> str:
    """A safe `Content-Disposition` value (RFC 6266): quoted ASCII fallback plus
    `filename*=UTF-8''...` when the name is not plain ASCII."""
    if disposition not in ("attachment", "inline"):
        raise ValueError(
            f"content_disposition must be 'attachment' or 'inline', not {disposition!r}"
        )
    # Control characters (CR, LF, NUL...) never reach the header, encoded or not.
    name = "".join(ch for ch in filename if ch >= " " and ch != "\x7f")
    fallback = _ascii_fallback(name)
    # Some browsers percent-decode the plain parameter, so a "%" goes in filename* only.
    if fallback == name and "%" not in name:
        return f'{disposition}; filename="{fallback}"'
    encoded = quote(name, safe=_ATTR_SAFE)
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


# FileResponse's `content_disposition` argument hides the function's name.
_disposition_value = content_disposition


def make_etag(st: os.stat_result) -> str:
    """A strong ETag from the file's modification time (ns) and size."""
    return f'"{st.st_mtime_ns:x}-{st.st_size:x}"'


def _http_date(value: bytes) -> int | None:
    parsed = parsedate_tz(value.decode("latin-1"))
    if parsed is None:
        return None
    try:
        return mktime_tz(parsed)
    except (OverflowError, ValueError):
        return None


def _etag_matches(header: bytes, etag: bytes) -> bool:
    """Weak comparison of `etag` against an If-None-Match list (or `*`)."""
    opaque = etag.removeprefix(b"W/")
    for candidate in header.split(b","):
        candidate = candidate.strip()
        if candidate == b"*" or candidate.removeprefix(b"W/") == opaque:
            return True
    return False


_MAX_DIGITS: Final = 19
_UNSATISFIABLE: Final = (-1, -1)


def _number(text: str) -> int | None:
    text = text.strip()
    if not text or not text.isascii() or not text.isdigit():
        return None
    # Longer than any file can be: avoids int()'s digit limit on hostile input.
    return int(text) if len(text) <= _MAX_DIGITS else 10**_MAX_DIGITS


def parse_range(header: bytes, size: int) -> tuple[int, int] | None:
    """The inclusive byte range asked for by a `Range` header.

    `None` means "ignore the header, send the whole file" (another unit, a
    malformed value, or several ranges); `(-1, -1)` means unsatisfiable (416).
    """
    unit, sep, spec = header.decode("latin-1").partition("=")
    if not sep or unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.partition("-")
    if not dash:
        return None
    if not first.strip():  # suffix range: the last N bytes
        suffix = _number(last)
        if suffix is None:
            return None
        if suffix == 0:
            return _UNSATISFIABLE
        if size == 0:
            return None
        return (max(size - suffix, 0), size - 1)
    start = _number(first)
    if start is None:
        return None
    end = size - 1
    if last.strip():
        given = _number(last)
        if given is None or given < start:
            return None
        end = given
    if start >= size:
        return _UNSATISFIABLE
    return (start, min(end, size - 1))


def _open_at(path: str, offset: int) -> BinaryIO:
    file = open(path, "rb")  # noqa: SIM115 - closed by the caller
    if offset:
        file.seek(offset)
    return file


def _read_at(path: str, offset: int, length: int) -> bytes:
    with _open_at(path, offset) as file:
        return file.read(length)


async def _wait_for_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        # A server returns leftover body messages first; yield in case one
        # never blocks, so the file keeps streaming meanwhile.
        await asyncio.sleep(0)


_STRIP_ON_EMPTY: Final = frozenset((b"content-length", b"content-type", b"content-disposition"))


class FileResponse(Response):
    """Send the file at `path`; conditional GETs get 304, a single `Range` 206.

    `filename` sets `Content-Disposition` (`content_disposition` picks
    "attachment" or "inline") and the guessed type; `stat_result` saves a
    `stat()` when the caller has one. The file is stat'ed when the response is
    created, so a missing file raises `FileNotFoundError` there. Several
    ranges in one request are answered with the whole file (200).
    """

    __slots__ = ("filename", "path", "stat_result")

    chunk_size: int = CHUNK_SIZE

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        status_code: int = 200,
        headers: HeadersArg = None,
        media_type: str | None = None,
        filename: str | None = None,
        content_disposition: Disposition = "attachment",
        stat_result: os.stat_result | None = None,
        cache_control: str | None = None,
    ) -> None:
        self.path = os.fspath(path)
        self.filename = filename
        if stat_result is None:
            stat_result = os.stat(self.path)
        if not stat.S_ISREG(stat_result.st_mode):
            raise IsADirectoryError(f"FileResponse needs a regular file: {self.path!r}")
        self.stat_result = stat_result
        self.status_code = status_code
        self._body = b""
        self._auto_secure = None
        if media_type is None:
            content_type = guess_media_type(filename or os.path.basename(self.path))
            self.media_type = content_type.partition(";")[0]
        else:
            self.media_type = media_type
            content_type = media_type
            if media_type.startswith("text/") and "charset=" not in media_type.lower():
                content_type = f"{media_type}; charset={self.charset}"
        raw: RawHeaders = [
            (b"content-type", encode_header_value(content_type)),
            (b"content-length", b"%d" % stat_result.st_size),
            (b"accept-ranges", b"bytes"),
            (b"last-modified", formatdate(stat_result.st_mtime, usegmt=True).encode("ascii")),
            (b"etag", make_etag(stat_result).encode("ascii")),
        ]
        if cache_control is not None:
            raw.append((b"cache-control", encode_header_value(cache_control)))
        if filename is not None:
            value = _disposition_value(content_disposition, filename)
            raw.append((b"content-disposition", value.encode("ascii")))
        elif content_disposition not in ("attachment", "inline"):
            raise ValueError(f"Unknown content_disposition {content_disposition!r}")
        if headers is not None:
            pairs = headers.items() if isinstance(headers, Mapping) else headers
            given = [(encode_header_name(k), encode_header_value(v)) for k, v in pairs]
            names = {name for name, _ in given}
            raw = [pair for pair in raw if pair[0] not in names] + given
        self.raw_headers = raw

    def __repr__(self) -> str:
        return f"<FileResponse {self.status_code} {self.path!r}>"

    def _header(self, name: bytes) -> bytes | None:
        for key, value in self.raw_headers:
            if key == name:
                return value
        return None

    def _not_modified(self, if_none_match: bytes | None, if_modified_since: bytes | None) -> bool:
        if if_none_match is not None:
            etag = self._header(b"etag")
            return etag is not None and _etag_matches(if_none_match, etag)
        if if_modified_since is not None:
            since = _http_date(if_modified_since)
            return since is not None and int(self.stat_result.st_mtime) <= since
        return False

    def _range_applies(self, if_range: bytes | None) -> bool:
        if if_range is None:
            return True
        if_range = if_range.strip()
        if if_range.startswith((b'"', b"W/")):
            etag = self._header(b"etag")
            return etag is not None and not etag.startswith(b"W/") and if_range == etag
        date = _http_date(if_range)
        return date is not None and date == int(self.stat_result.st_mtime)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope["method"]
        size = self.stat_result.st_size
        headers = self.headers_for(scope)
        start, length = 0, size
        status = self.status_code
        if status == 200 and (method == "GET" or method == "HEAD"):
            if_none_match = if_modified_since = range_header = if_range = None
            for name, value in scope.get("headers", ()):
                if name == b"range":
                    range_header = value
                elif name == b"if-none-match":
                    if_none_match = value
                elif name == b"if-modified-since":
                    if_modified_since = value
                elif name == b"if-range":
                    if_range = value
            if (if_none_match or if_modified_since) and self._not_modified(
                if_none_match, if_modified_since
            ):
                await self._send_empty(send, 304, headers, [])
                return
            if range_header is not None and method == "GET" and self._range_applies(if_range):
                chosen = parse_range(range_header, size)
                if chosen == _UNSATISFIABLE:
                    extra = [(b"content-range", b"bytes */%d" % size), (b"content-length", b"0")]
                    await self._send_empty(send, 416, headers, extra)
                    return
                if chosen is not None:
                    status = 206
                    start, length = chosen[0], chosen[1] - chosen[0] + 1
                    headers = [pair for pair in headers if pair[0] != b"content-length"]
                    headers.append((b"content-length", b"%d" % length))
                    headers.append((b"content-range", b"bytes %d-%d/%d" % (start, chosen[1], size)))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        if method == "HEAD" or length == 0:
            await send({"type": "http.response.body", "body": b""})
            return
        if status == 200 and "http.response.pathsend" in scope.get("extensions", ()):
            await send({"type": "http.response.pathsend", "path": os.path.abspath(self.path)})
            return
        if length <= self.chunk_size:
            data = await asyncio.to_thread(_read_at, self.path, start, length)
            await send({"type": "http.response.body", "body": data})
            return
        await self._stream(start, length, send, receive)

    @staticmethod
    async def _send_empty(send: Send, status: int, headers: RawHeaders, extra: RawHeaders) -> None:
        kept = [pair for pair in headers if pair[0] not in _STRIP_ON_EMPTY]
        await send({"type": "http.response.start", "status": status, "headers": kept + extra})
        await send({"type": "http.response.body", "body": b""})

    async def _stream(self, start: int, length: int, send: Send, receive: Receive) -> None:
        """Send `length` bytes from `start` in chunks, stopping if the client leaves."""
        file = await asyncio.to_thread(_open_at, self.path, start)
        try:
            reader = asyncio.ensure_future(self._pump(file, length, send))
            watcher = asyncio.ensure_future(_wait_for_disconnect(receive))
            try:
                await asyncio.wait((reader, watcher), return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (reader, watcher):
                    task.cancel()
                await asyncio.wait((reader, watcher))
            error = None if reader.cancelled() else reader.exception()
            if error is not None:
                raise error
        finally:
            await asyncio.to_thread(file.close)

    async def _pump(self, file: BinaryIO, remaining: int, send: Send) -> None:
        chunk_size = self.chunk_size
        while remaining > 0:
            data = await asyncio.to_thread(file.read, min(chunk_size, remaining))
            if not data:  # the file shrank since it was stat'ed
                break
            remaining -= len(data)
            await send({"type": "http.response.body", "body": data, "more_body": remaining > 0})
        if remaining > 0:
            await send({"type": "http.response.body", "body": b""})
