"""Small raw ASGI apps the test-client tests drive (no Heron app needed)."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

from heron.http.types import Message, Receive, Scope, Send


async def send_text(
    send: Send, text: str, status: int = 200, headers: list[Any] | None = None
) -> None:
    body = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), *(headers or [])],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def read_body(receive: Receive) -> tuple[bytes, int]:
    chunks: list[bytes] = []
    messages = 0
    while True:
        message = await receive()
        messages += 1
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), messages


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers with a JSON description of the request it received."""
    assert scope["type"] == "http"
    body, messages = await read_body(receive)
    data = {
        "method": scope["method"],
        "path": scope["path"],
        "raw_path": scope["raw_path"].decode(),
        "root_path": scope["root_path"],
        "query_string": scope["query_string"].decode(),
        "headers": [[k.decode(), v.decode()] for k, v in scope["headers"]],
        "client": list(scope["client"]),
        "server": list(scope["server"]),
        "scheme": scope["scheme"],
        "http_version": scope["http_version"],
        "body": body.decode("latin-1"),
        "body_messages": messages,
        "state": scope.get("state"),
    }
    await send_text(send, json.dumps(data), headers=[(b"x-app", b"echo")])


class LifespanApp:
    """Records lifespan events, loops and threads; answers requests with that record."""

    def __init__(
        self,
        *,
        fail_startup: str | None = None,
        raise_startup: bool = False,
        fail_shutdown: bool = False,
    ) -> None:
        self.events: list[str] = []
        self.places: list[tuple[int, int]] = []
        self.fail_startup = fail_startup
        self.raise_startup = raise_startup
        self.fail_shutdown = fail_shutdown

    def _here(self) -> None:
        self.places.append((threading.get_ident(), id(asyncio.get_running_loop())))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            message = await receive()
            assert message["type"] == "lifespan.startup"
            self._here()
            if self.raise_startup:
                raise ValueError("database unreachable")
            if self.fail_startup is not None:
                await send({"type": "lifespan.startup.failed", "message": self.fail_startup})
                return
            scope["state"]["pool"] = "connected"
            self.events.append("startup")
            await send({"type": "lifespan.startup.complete"})
            message = await receive()
            assert message["type"] == "lifespan.shutdown"
            self._here()
            self.events.append("shutdown")
            if self.fail_shutdown:
                await send({"type": "lifespan.shutdown.failed", "message": "pool leaked"})
                return
            await send({"type": "lifespan.shutdown.complete"})
            return
        self._here()
        self.events.append(f"request {scope['path']}")
        await send_text(send, json.dumps({"events": self.events, "state": scope.get("state")}))


async def no_lifespan(scope: Scope, receive: Receive, send: Send) -> None:
    """An app that only speaks HTTP, like many small ASGI apps."""
    if scope["type"] != "http":
        raise RuntimeError("only HTTP is supported")
    await send_text(send, "plain")


class Boom(Exception):
    """The exception the failing apps raise."""


async def raises_before_response(scope: Scope, receive: Receive, send: Send) -> None:
    raise Boom("before the response")


async def raises_after_response(scope: Scope, receive: Receive, send: Send) -> None:
    """Like an app with PROPAGATE_EXCEPTIONS: answers 500, then re-raises."""
    await send_text(send, "Internal Server Error", status=500)
    raise Boom("after the response")


async def no_response(scope: Scope, receive: Receive, send: Send) -> None:
    return None


async def body_before_start(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.body", "body": b"oops"})


class EndlessStream:
    """Sends numbered chunks forever until the client disconnects."""

    def __init__(self) -> None:
        self.cancelled = False
        self.sent = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/event-stream")],
            }
        )
        try:
            while True:
                await send(
                    {
                        "type": "http.response.body",
                        "body": f"data: {self.sent}\n\n".encode(),
                        "more_body": True,
                    }
                )
                self.sent += 1
                await asyncio.sleep(0)
        except asyncio.CancelledError:
            self.cancelled = True
            raise


class DisconnectWatcher:
    """Answers, then waits on receive(): a server reports http.disconnect after the response."""

    def __init__(self) -> None:
        self.after_response: Message | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await read_body(receive)
        await send_text(send, "done")
        self.after_response = await receive()


async def cookies(scope: Scope, receive: Receive, send: Send) -> None:
    """/set sets a cookie, /show echoes the Cookie header, /redirect redirects to /show."""
    headers = dict(scope["headers"])
    if scope["path"] == "/set":
        await send_text(send, "set", headers=[(b"set-cookie", b"sid=abc123; Path=/; HttpOnly")])
    elif scope["path"] == "/redirect":
        await send(
            {"type": "http.response.start", "status": 302, "headers": [(b"location", b"/show")]}
        )
        await send({"type": "http.response.body", "body": b""})
    else:
        await send_text(send, headers.get(b"cookie", b"").decode())
