"""Drive an ASGI application's lifespan protocol, as a server would, from tests.

``LifespanManager`` sends ``lifespan.startup`` on enter and ``lifespan.shutdown``
on exit. A startup that fails (``lifespan.startup.failed`` or an exception after
the app received the startup message) raises ``LifespanError`` in the caller; an
app that does not speak the lifespan protocol (it raises or returns before
reading its first message) is tolerated, like servers do.
"""

from __future__ import annotations

import math
from types import TracebackType
from typing import Any

import anyio
from anyio.abc import TaskGroup

from heron.http.types import ASGIApp, Message

__all__ = ["LifespanError", "LifespanManager"]

_GRACE_SECONDS = 1.0


class LifespanError(RuntimeError):
    """The application reported (or raised) a failure during startup or shutdown."""


class LifespanManager:
    """Async context manager running ``app``'s startup on enter and shutdown on exit.

    ``state`` is the lifespan state dictionary the app may fill during startup;
    servers hand a shallow copy of it to every request scope.
    """

    __slots__ = (
        "_app",
        "_exception",
        "_finished",
        "_inbox",
        "_outbox",
        "_received_first",
        "_supported",
        "_task_group",
        "state",
    )

    def __init__(self, app: ASGIApp) -> None:
        self._app = app
        self.state: dict[str, Any] = {}
        send_in, receive_in = anyio.create_memory_object_stream[Message](math.inf)
        send_out, receive_out = anyio.create_memory_object_stream[Message](math.inf)
        self._inbox = (send_in, receive_in)
        self._outbox = (send_out, receive_out)
        self._received_first = False
        self._supported = True
        self._exception: BaseException | None = None
        self._finished = anyio.Event()
        self._task_group: TaskGroup | None = None

    async def _receive(self) -> Message:
        message = await self._inbox[1].receive()
        self._received_first = True
        return message

    async def _send(self, message: Message) -> None:
        if not str(message.get("type", "")).startswith("lifespan."):
            # An app answering every scope with HTTP: it does not support lifespan.
            self._supported = False
            raise RuntimeError(f"{message.get('type')!r} sent on a lifespan connection")
        await self._outbox[0].send(message)

    async def _run(self) -> None:
        scope = {
            "type": "lifespan",
            "asgi": {"version": "3.0", "spec_version": "2.0"},
            "state": self.state,
        }
        try:
            await self._app(scope, self._receive, self._send)
        except Exception as exc:
            self._exception = exc
        finally:
            self._finished.set()
            self._outbox[0].close()

    async def _next_reply(self) -> Message | None:
        """The app's next message, or ``None`` once it has returned or raised."""
        try:
            return await self._outbox[1].receive()
        except anyio.EndOfStream:
            return None

    async def __aenter__(self) -> LifespanManager:
        self._task_group = anyio.create_task_group()
        await self._task_group.__aenter__()
        self._task_group.start_soon(self._run)
        await self._inbox[0].send({"type": "lifespan.startup"})
        reply = await self._next_reply()
        try:
            self._check_startup(reply)
        except BaseException:
            await self._close_task_group()
            raise
        return self

    def _check_startup(self, reply: Message | None) -> None:
        if reply is None:
            if not self._received_first or not self._supported:
                # Raised or returned before reading anything: no lifespan support.
                self._supported = False
                return
            if self._exception is not None:
                raise LifespanError(
                    f"application startup failed: {self._exception!r}"
                ) from self._exception
            raise LifespanError("application returned during startup without completing it")
        if reply["type"] == "lifespan.startup.failed":
            raise LifespanError(f"application startup failed: {reply.get('message', '')}")
        if reply["type"] != "lifespan.startup.complete":
            raise LifespanError(f"unexpected lifespan message during startup: {reply['type']!r}")

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._supported:
                await self._shutdown()
        finally:
            await self._close_task_group()

    async def _shutdown(self) -> None:
        await self._inbox[0].send({"type": "lifespan.shutdown"})
        reply = await self._next_reply()
        if reply is None:
            if self._exception is not None:
                raise LifespanError(
                    f"application shutdown failed: {self._exception!r}"
                ) from self._exception
            return
        if reply["type"] == "lifespan.shutdown.failed":
            raise LifespanError(f"application shutdown failed: {reply.get('message', '')}")
        if reply["type"] != "lifespan.shutdown.complete":
            raise LifespanError(f"unexpected lifespan message during shutdown: {reply['type']!r}")

    async def _close_task_group(self) -> None:
        task_group, self._task_group = self._task_group, None
        if task_group is None:
            return
        # Give an app that has just answered a moment to return, then stop it.
        with anyio.move_on_after(_GRACE_SECONDS):
            await self._finished.wait()
        task_group.cancel_scope.cancel()
        await task_group.__aexit__(None, None, None)
        self._inbox[0].close()
