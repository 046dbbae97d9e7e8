"""One HTTP exchange with an ASGI app, run inside the test client's event loop.

The app runs as a task; its response body is handed over chunk by chunk, so a
test can read the start of an endless stream and then close it (the app then
sees ``http.disconnect`` and is cancelled). An exception the app raises reaches
the test: before the response started, from the request call; after it, once
the body has been read to its end.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any
from urllib.parse import unquote

import anyio
import httpx
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream

from heron.http.types import ASGIApp, Message, Scope
from heron.testing.lifespan import LifespanManager

__all__ = ["ASGIRunner", "AppResponse"]

_CHUNK = 64 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


class AppResponse(httpx.AsyncByteStream):
    """The body of a response that the app may still be producing."""

    __slots__ = (
        "_body",
        "_cancel_scope",
        "_chunks",
        "_disconnected",
        "_exception",
        "_finished",
        "_hangup",
        "_outbox",
        "_raise_exceptions",
        "_started",
        "headers",
        "status_code",
    )

    def __init__(self, body: bytes, raise_exceptions: bool) -> None:
        self.status_code: int | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self._body = [body[i : i + _CHUNK] for i in range(0, len(body), _CHUNK)] or [b""]
        self._raise_exceptions = raise_exceptions
        self._outbox, self._chunks = anyio.create_memory_object_stream[bytes](math.inf)
        self._exception: Exception | None = None
        self._started = anyio.Event()
        self._hangup = anyio.Event()
        self._finished = anyio.Event()
        self._disconnected = False
        self._cancel_scope = anyio.CancelScope()

    # -- the app's side -------------------------------------------------------------------

    async def run(self, app: ASGIApp, scope: Scope) -> None:
        """Call the app; record what it raises instead of letting it escape the task."""
        try:
            with self._cancel_scope:
                try:
                    await app(scope, self._receive, self._send)
                except Exception as exc:
                    self._exception = exc
        finally:
            self._finished.set()
            self._started.set()
            self._hangup.set()
            self._outbox.close()

    async def _receive(self) -> Message:
        if self._body:
            chunk = self._body.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(self._body)}
        # Like a server: nothing more to read until the client goes away.
        await self._hangup.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message: Message) -> None:
        kind = message["type"]
        if self._disconnected:
            return
        if kind == "http.response.start":
            if self.status_code is not None:
                raise RuntimeError("the app sent 'http.response.start' twice")
            self.status_code = int(message["status"])
            self.headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", ())]
            self._started.set()
        elif kind == "http.response.body":
            if self.status_code is None:
                raise RuntimeError("the app sent a body before 'http.response.start'")
            if self._hangup.is_set():
                raise RuntimeError("the app sent a body after the response was complete")
            body = bytes(message.get("body", b""))
            if body:
                self._outbox.send_nowait(body)
            if not message.get("more_body", False):
                self._hangup.set()
        else:
            raise RuntimeError(f"unexpected ASGI message {kind!r} on an HTTP connection")

    # -- the test's side ------------------------------------------------------------------

    async def wait_started(self) -> None:
        """Wait until the app has started its response (or has ended without one)."""
        await self._started.wait()
        if self.status_code is not None:
            return
        exc, self._exception = self._exception, None
        if exc is not None and self._raise_exceptions:
            raise exc
        if exc is None and self._raise_exceptions:
            raise RuntimeError("the ASGI app returned without sending a response")
        self.status_code = 500
        self.headers = [(b"content-type", b"text/plain; charset=utf-8")]
        self._chunks = _single(b"Internal Server Error")

    async def next_chunk(self) -> bytes | None:
        """The next piece of body; ``None`` at its end (raising what the app raised)."""
        try:
            return await self._chunks.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            pass
        exc, self._exception = self._exception, None
        if exc is not None and self._raise_exceptions:
            raise exc
        return None

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while (chunk := await self.next_chunk()) is not None:
            yield chunk

    async def aclose(self) -> None:
        """Stop reading: an app still running sees a disconnect and is cancelled."""
        if not self._finished.is_set():
            self._disconnected = True
            self._hangup.set()
            self._cancel_scope.cancel()
            await self._finished.wait()
        self._chunks.close()


def _single(body: bytes) -> MemoryObjectReceiveStream[bytes]:
    send, receive = anyio.create_memory_object_stream[bytes](1)
    send.send_nowait(body)
    send.close()
    return receive


class ASGIRunner:
    """Turns httpx requests into ASGI calls of one app, optionally in a long-lived task group."""

    __slots__ = ("app", "client", "raise_exceptions", "root_path", "state", "task_group")

    def __init__(
        self,
        app: ASGIApp,
        *,
        raise_exceptions: bool = True,
        root_path: str = "",
        client: tuple[str, int] = ("testclient", 50000),
    ) -> None:
        self.app = app
        self.raise_exceptions = raise_exceptions
        self.root_path = root_path
        self.client = client
        self.state: dict[str, Any] | None = None
        self.task_group: TaskGroup | None = None

    def scope(self, request: httpx.Request) -> Scope:
        """The ASGI ``http`` scope for ``request``."""
        url = request.url
        raw_path = url.raw_path.split(b"?", 1)[0]
        scope: Scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "method": request.method,
            "scheme": url.scheme,
            "path": self.root_path + unquote(raw_path.decode("ascii")),
            "raw_path": self.root_path.encode() + raw_path,
            "query_string": url.query,
            "root_path": self.root_path,
            "headers": [(key.lower(), value) for key, value in request.headers.raw],
            "client": self.client,
            "server": (url.host, url.port or _DEFAULT_PORTS.get(url.scheme, 80)),
            "extensions": {},
        }
        if self.state is not None:
            scope["state"] = dict(self.state)
        return scope

    @asynccontextmanager
    async def running(self, *, lifespan: bool) -> AsyncIterator[None]:
        """Keep a task group open for requests (and run the lifespan around it if asked)."""
        async with AsyncExitStack() as stack:
            if lifespan:
                manager = await stack.enter_async_context(LifespanManager(self.app))
                self.state = manager.state
            task_group = await stack.enter_async_context(anyio.create_task_group())
            self.task_group = task_group
            try:
                yield
            finally:
                # Requests whose body was never read to its end are stopped first.
                self.task_group = None
                task_group.cancel_scope.cancel()

    async def start(self, request: httpx.Request, body: bytes) -> AppResponse:
        """Start the app on ``request`` in the runner's task group; return once it responds."""
        if self.task_group is None:
            raise RuntimeError("ASGIRunner.start needs a running task group")
        response = AppResponse(body, self.raise_exceptions)
        self.task_group.start_soon(response.run, self.app, self.scope(request))
        try:
            await response.wait_started()
        except BaseException:
            await response.aclose()
            raise
        return response

    async def buffered(self, request: httpx.Request, body: bytes) -> httpx.Response:
        """Run the app to its end in a task group of its own and return the whole response."""
        async with anyio.create_task_group() as task_group:
            response = AppResponse(body, self.raise_exceptions)
            task_group.start_soon(response.run, self.app, self.scope(request))
            try:
                await response.wait_started()
                content = b"".join([chunk async for chunk in response])
            finally:
                await response.aclose()
        assert response.status_code is not None
        return to_httpx(response, httpx.ByteStream(content))


def to_httpx(
    response: AppResponse, stream: httpx.SyncByteStream | httpx.AsyncByteStream
) -> httpx.Response:
    """An ``httpx.Response`` with the app's status and headers over ``stream``."""
    assert response.status_code is not None
    return httpx.Response(
        response.status_code,
        headers=response.headers,
        stream=stream,
        extensions={"http_version": b"HTTP/1.1"},
    )
