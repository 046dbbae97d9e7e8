"""Hand-written ASGI plumbing for driving Request/Response with real message sequences."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from heron.http.responses import Response
from heron.http.types import Message, Scope


def make_scope(
    method: str = "GET",
    path: str = "/",
    *,
    query: bytes = b"",
    headers: Iterable[tuple[str, str]] = (),
    scheme: str = "http",
    root_path: str = "",
    raw_path: bytes | None = None,
    client: tuple[str, int] | None = ("127.0.0.1", 50000),
    server: tuple[str, int] | None = ("testserver", 80),
) -> Scope:
    """An ASGI http scope like uvicorn builds (header names lowercased)."""
    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": scheme,
        "path": path,
        "root_path": root_path,
        "query_string": query,
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        "client": client,
        "server": server,
    }
    if raw_path is not None:
        scope["raw_path"] = raw_path
    return scope


class Receiver:
    """An ASGI ``receive`` that hands out body chunks like a server would.

    With ``complete=False`` the last chunk says more is coming (a truncated
    upload). After the chunks it returns ``http.disconnect`` when
    ``disconnect`` is set, else blocks as a still-connected client does.
    ``calls`` counts the messages pulled, so tests can prove a body was not
    read to the end.
    """

    def __init__(
        self, chunks: Iterable[bytes] = (), *, complete: bool = True, disconnect: bool = False
    ) -> None:
        self.chunks = list(chunks) or ([b""] if complete else [])
        self.complete = complete
        self.disconnect = disconnect
        self.calls = 0

    async def __call__(self) -> Message:
        index = self.calls
        self.calls += 1
        if index < len(self.chunks):
            more = index < len(self.chunks) - 1 or not self.complete
            return {"type": "http.request", "body": self.chunks[index], "more_body": more}
        if self.disconnect:
            return {"type": "http.disconnect"}
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


class Sender:
    """An ASGI ``send`` that records every message."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def __call__(self, message: Message) -> None:
        self.messages.append(message)

    @property
    def start(self) -> Message:
        return self.messages[0]

    @property
    def status(self) -> int:
        status: int = self.start["status"]
        return status

    @property
    def headers(self) -> list[tuple[bytes, bytes]]:
        headers: list[tuple[bytes, bytes]] = self.start["headers"]
        return headers

    def header(self, name: bytes) -> list[bytes]:
        return [v for k, v in self.headers if k == name]

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.messages[1:])


async def run(response: Response, scope: Scope | None = None, receive: Any = None) -> Sender:
    """Send ``response`` through a recording ``send``; return the recorder."""
    sender = Sender()
    await response(scope or make_scope(), receive or Receiver(), sender)
    return sender
