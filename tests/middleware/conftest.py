"""Helpers for the middleware tests: raw ASGI apps and a direct message-level driver."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

import pytest

Message = dict[str, Any]
Scope = dict[str, Any]
App = Callable[[Scope, Any, Any], Awaitable[None]]
Driver = Callable[..., Awaitable[list[Message]]]


def build_app(
    body: bytes | Sequence[bytes] = b"Hello",
    *,
    status: int = 200,
    headers: Iterable[tuple[bytes, bytes]] = ((b"content-type", b"text/plain"),),
    content_length: bool = True,
    calls: list[Scope] | None = None,
) -> App:
    """A raw ASGI app answering every request with ``body`` (a list means streamed chunks)."""
    header_list = list(headers)

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if calls is not None:
            calls.append(scope)
        raw = list(header_list)
        if isinstance(body, bytes) and content_length:
            raw.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": raw})
        if isinstance(body, bytes):
            await send({"type": "http.response.body", "body": body})
        else:
            for index, chunk in enumerate(body):
                more = index < len(body) - 1
                await send({"type": "http.response.body", "body": chunk, "more_body": more})

    return app


async def drive_app(
    app: App,
    kind: str = "http",
    *,
    method: str = "GET",
    path: str = "/",
    query: bytes = b"",
    headers: Iterable[tuple[str, str]] = (),
    scheme: str | None = None,
    extensions: dict[str, Any] | None = None,
    server: tuple[str, int] | None = ("testserver", 80),
) -> list[Message]:
    """Call ``app`` once with a hand-built scope and return every message it sent."""
    scope: Scope = {
        "type": kind,
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "scheme": scheme or ("http" if kind == "http" else "ws"),
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        "server": server,
        "client": ("127.0.0.1", 50000),
    }
    if kind == "http":
        scope["method"] = method
    if extensions is not None:
        scope["extensions"] = extensions
    messages: list[Message] = []

    async def receive() -> Message:
        if kind == "http":
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        messages.append(dict(message))

    await app(scope, receive, send)
    return messages


@pytest.fixture
def make_app() -> Callable[..., App]:
    """The raw-app factory, as a fixture."""
    return build_app


@pytest.fixture
def drive() -> Driver:
    """The message-level driver, as a fixture."""
    return drive_app


async def websocket_app(scope: Scope, receive: Any, send: Any) -> None:
    """A websocket app that accepts the connection."""
    await receive()
    await send({"type": "websocket.accept"})


@pytest.fixture
def ws_app() -> App:
    """A websocket app that accepts every connection."""
    return websocket_app
