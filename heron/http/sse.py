"""Server-sent events: ``ServerSentEvent`` framing and ``EventSourceResponse``.

Each event is written as ``field: value`` lines ended by a blank line, per the
HTML ``text/event-stream`` format; multi-line data becomes several ``data:``
lines. The response disables caching and proxy buffering and can send comment
pings so idle connections are not closed by proxies.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any, Final

from heron.http.json import dumps
from heron.http.responses import ContentStream, HeadersArg, StreamingResponse
from heron.http.types import Message, Send

__all__ = ["EventSourceResponse", "ServerSentEvent"]

_LINE_BREAK: Final = re.compile(r"\r\n|\r|\n")
_PING: Final = b": ping\n\n"


def _single_line(field: str, value: str) -> str:
    if "\r" in value or "\n" in value or "\x00" in value:
        raise ValueError(f"SSE {field} must not contain CR, LF or NUL: {value!r}")
    return value


class ServerSentEvent:
    """One event. ``data`` that is not ``str``/``bytes`` is sent as JSON.

    ``event``, ``id`` and ``comment``-free fields must be single lines
    (``ValueError`` otherwise); ``retry`` is the reconnection delay in ms.
    """

    __slots__ = ("comment", "data", "event", "id", "retry")

    def __init__(
        self,
        data: Any = None,
        event: str | None = None,
        id: str | int | None = None,
        retry: int | None = None,
        comment: str | None = None,
    ) -> None:
        if isinstance(data, bytes):
            data = data.decode("utf-8")
        elif data is not None and not isinstance(data, str):
            data = dumps(data).decode("utf-8")
        self.data: str | None = data
        self.event = None if event is None else _single_line("event", event)
        self.id = None if id is None else _single_line("id", str(id))
        if retry is not None and (not isinstance(retry, int) or retry < 0):
            raise ValueError(f"SSE retry must be a non-negative int (ms), not {retry!r}")
        self.retry = retry
        self.comment = comment

    def encode(self) -> bytes:
        """The event in ``text/event-stream`` framing, blank line included."""
        lines: list[str] = []
        if self.comment is not None:
            lines.extend(f": {line}" for line in _LINE_BREAK.split(self.comment))
        if self.id is not None:
            lines.append(f"id: {self.id}")
        if self.event is not None:
            lines.append(f"event: {self.event}")
        if self.retry is not None:
            lines.append(f"retry: {self.retry}")
        if self.data is not None:
            lines.extend(f"data: {line}" for line in _LINE_BREAK.split(self.data))
        lines.append("\n")
        return "\n".join(lines).encode("utf-8")

    def __repr__(self) -> str:
        return f"ServerSentEvent(data={self.data!r}, event={self.event!r}, id={self.id!r})"


async def _events(chunks: AsyncIterator[Any]) -> AsyncIterator[bytes]:
    async for item in chunks:
        if not isinstance(item, ServerSentEvent):
            item = ServerSentEvent(item)
        yield item.encode()


class EventSourceResponse(StreamingResponse):
    """A ``text/event-stream`` response fed by a sync or async iterable.

    Items are ``ServerSentEvent`` objects, or data for one (str, or anything
    JSON-serialisable). ``ping`` (seconds) sends a comment line periodically.
    """

    __slots__ = ("ping",)
    default_media_type = "text/event-stream"

    def __init__(
        self,
        content: ContentStream | Any,
        status_code: int = 200,
        headers: HeadersArg = None,
        media_type: str | None = None,
        ping: float | None = None,
    ) -> None:
        super().__init__(content, status_code, headers, media_type)
        self.ping = ping
        extra = self.headers
        extra.setdefault("cache-control", "no-cache")
        extra.setdefault("x-accel-buffering", "no")

    def _chunks(self) -> AsyncIterator[Any]:
        return _events(super()._chunks())

    async def _stream(self, send: Send) -> None:
        interval = self.ping
        if interval is None:
            await super()._stream(send)
            return
        lock = asyncio.Lock()

        async def locked_send(message: Message) -> None:
            async with lock:
                await send(message)

        async def pinger() -> None:
            while True:
                await asyncio.sleep(interval)
                await locked_send({"type": "http.response.body", "body": _PING, "more_body": True})

        ping_task = asyncio.ensure_future(pinger())
        try:
            await super()._stream(locked_send)
        finally:
            ping_task.cancel()
            await asyncio.wait((ping_task,))
