"""Streaming ``multipart/form-data`` parsing on python-multipart.

File parts are written to ``UploadFile`` objects (spooled to disk above a
threshold) as the body arrives, so an upload never has to fit in memory. File
bytes count against ``max_upload_size``; everything else (fields, part headers,
boundaries) against ``max_body_size``. Malformed bodies raise
``HTTPException(400)``, oversize ones ``HTTPException(413)``.
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from tempfile import SpooledTemporaryFile
from typing import Final

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from heron.http.datastructures import FormData
from heron.http.exceptions import HTTPException
from heron.http.headers import Headers
from heron.http.uploads import UploadFile

__all__ = ["DEFAULT_SPOOL_SIZE", "parse_multipart"]

DEFAULT_SPOOL_SIZE: Final = 1024 * 1024


def _bad(message: str) -> HTTPException:
    return HTTPException(400, f"Malformed multipart body: {message}")


def _text(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise _bad(f"{what} is not valid UTF-8") from None


class _Collector:
    """Receives python-multipart's callbacks and assembles the form."""

    def __init__(
        self, *, max_upload_size: int, max_files: int, max_fields: int, spool_size: int
    ) -> None:
        self.max_upload_size = max_upload_size
        self.max_files = max_files
        self.max_fields = max_fields
        self.spool_size = spool_size
        self.items: list[tuple[str, str | UploadFile]] = []
        self.uploads: list[UploadFile] = []
        self.pending: list[tuple[UploadFile, bytes]] = []
        self.file_bytes = 0
        self.fields = 0
        self.finished = False
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._headers: list[tuple[bytes, bytes]] = []
        self._name = ""
        self._upload: UploadFile | None = None
        self._value = bytearray()

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self.on_part_begin,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_end": self.on_end,
        }

    def on_part_begin(self) -> None:
        self._headers = []
        self._upload = None
        self._value = bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        self._headers.append((bytes(self._header_name).lower(), bytes(self._header_value)))
        self._header_name = bytearray()
        self._header_value = bytearray()

    def on_headers_finished(self) -> None:
        headers = Headers(self._headers)
        disposition = headers.get("content-disposition")
        if disposition is None:
            raise _bad("a part has no Content-Disposition header")
        kind, options = parse_options_header(disposition)
        if kind != b"form-data" or b"name" not in options:
            raise _bad("a part's Content-Disposition is not form-data with a name")
        self._name = _text(options[b"name"], "a field name")
        filename = options.get(b"filename")
        if filename is None:
            self.fields += 1
            if self.fields > self.max_fields:
                raise HTTPException(413, f"Too many form fields (limit {self.max_fields})")
            return
        if len(self.uploads) >= self.max_files:
            raise HTTPException(413, f"Too many files (limit {self.max_files})")
        upload = UploadFile(
            SpooledTemporaryFile(max_size=self.spool_size),  # noqa: SIM115 - closed by FormData.close()
            filename=_text(filename, "a filename"),
            content_type=headers.get("content-type") or "application/octet-stream",
            headers=headers,
        )
        self.uploads.append(upload)
        self._upload = upload

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._upload is None:
            self._value += data[start:end]
            return
        self.file_bytes += end - start
        if self.file_bytes > self.max_upload_size:
            raise HTTPException(413, f"Uploaded files exceed {self.max_upload_size} bytes")
        self.pending.append((self._upload, data[start:end]))

    def on_part_end(self) -> None:
        if self._upload is None:
            self.items.append((self._name, _text(bytes(self._value), "a field value")))
        else:
            self.items.append((self._name, self._upload))

    def on_end(self) -> None:
        self.finished = True

    async def flush(self) -> None:
        """Write file data gathered by the (synchronous) callbacks."""
        pending, self.pending = self.pending, []
        for upload, data in pending:
            await upload.write(data)

    async def discard(self) -> None:
        for upload in self.uploads:
            await upload.close()


async def parse_multipart(
    content_type: str,
    chunks: AsyncIterable[bytes],
    *,
    max_body_size: int,
    max_upload_size: int,
    max_files: int = 1000,
    max_fields: int = 1000,
    spool_size: int = DEFAULT_SPOOL_SIZE,
) -> FormData:
    """Parse a multipart body arriving as ``chunks`` into a ``FormData``.

    ``content_type`` is the full Content-Type header (it carries the boundary).
    """
    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not boundary:
        raise _bad("the Content-Type header has no boundary")
    collector = _Collector(
        max_upload_size=max_upload_size,
        max_files=max_files,
        max_fields=max_fields,
        spool_size=spool_size,
    )
    try:
        try:
            parser = MultipartParser(boundary, collector.callbacks())  # type: ignore[arg-type]
            total = 0
            async for chunk in chunks:
                total += len(chunk)
                parser.write(chunk)
                if total - collector.file_bytes > max_body_size:
                    raise HTTPException(413, f"Request body exceeds {max_body_size} bytes")
                await collector.flush()
            parser.finalize()
        except FormParserError as exc:
            raise _bad(str(exc)) from None
        if not collector.finished:
            raise _bad("the body ended before the closing boundary")
        for upload in collector.uploads:
            await upload.seek(0)
    except BaseException:
        await collector.discard()
        raise
    return FormData(collector.items)
