"""``TestClient``: call an ASGI app from plain synchronous tests through httpx.

The app runs on an event loop in a background thread (anyio's blocking portal).
Every request of one client, and its lifespan, run on that same loop, so
resources the app opens at startup (connection pools...) stay usable.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

import anyio
import httpx
from anyio.from_thread import BlockingPortal

from heron.http.types import ASGIApp
from heron.testing.asgi import AppResponse, ASGIRunner, to_httpx

__all__ = ["TestClient"]


def _start_portal(backend: str) -> tuple[BlockingPortal, threading.Thread]:
    """A blocking portal whose event loop runs in a daemon thread.

    A daemon thread, unlike anyio's own portal thread, never keeps the interpreter from
    exiting when a failed test still holds a client that was never closed.
    """
    ready: queue.Queue[BlockingPortal | BaseException] = queue.Queue()

    async def serve() -> None:
        async with BlockingPortal() as portal:
            ready.put(portal)
            await portal.sleep_until_stopped()

    def run() -> None:
        try:
            anyio.run(serve, backend=backend)
        except BaseException as exc:  # reported to the starting thread
            ready.put(exc)

    thread = threading.Thread(target=run, name="heron-testclient", daemon=True)
    thread.start()
    started = ready.get()
    if isinstance(started, BaseException):
        raise started
    return started, thread


class _LoopThread:
    """An event loop in a thread of its own, keeping an ``ASGIRunner`` serving."""

    __slots__ = ("_backend", "_lock", "_serving", "_thread", "portal", "runner")

    def __init__(self, runner: ASGIRunner, backend: str) -> None:
        self.runner = runner
        self._backend = backend
        self._lock = threading.Lock()
        self._serving: AbstractContextManager[None] | None = None
        self._thread: threading.Thread | None = None
        self.portal: BlockingPortal | None = None

    def start(self, *, lifespan: bool) -> BlockingPortal:
        """Start the loop (once); with ``lifespan``, the app's startup runs now."""
        with self._lock:
            if self.portal is not None:
                return self.portal
            portal, thread = _start_portal(self._backend)
            serving = portal.wrap_async_context_manager(self.runner.running(lifespan=lifespan))
            try:
                serving.__enter__()
            except BaseException:
                _stop_portal(portal, thread)
                raise
            self._serving, self._thread, self.portal = serving, thread, portal
            return portal

    def stop(self) -> None:
        """Run the app's shutdown (if its lifespan ran) and stop the loop. Idempotent."""
        with self._lock:
            portal, serving, thread = self.portal, self._serving, self._thread
            self._serving = self._thread = self.portal = None
        if portal is None or serving is None or thread is None:
            return
        try:
            serving.__exit__(None, None, None)
        finally:
            _stop_portal(portal, thread)


def _stop_portal(portal: BlockingPortal, thread: threading.Thread) -> None:
    portal.call(portal.stop)
    thread.join()


class _SyncBody(httpx.SyncByteStream):
    """A response body read, chunk by chunk, from the loop thread."""

    __slots__ = ("_portal", "_response")

    def __init__(self, portal: BlockingPortal, response: AppResponse) -> None:
        self._portal = portal
        self._response = response

    def __iter__(self) -> Iterator[bytes]:
        while (chunk := self._portal.call(self._response.next_chunk)) is not None:
            yield chunk

    def close(self) -> None:
        with contextlib.suppress(RuntimeError):  # the client (and its loop) closed first
            self._portal.call(self._response.aclose)


class _SyncTransport(httpx.BaseTransport):
    """httpx transport handing each request to the app on the loop thread."""

    def __init__(self, loop: _LoopThread) -> None:
        self._loop = loop

    def __enter__(self) -> _SyncTransport:
        self._loop.start(lifespan=True)
        return self

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        portal = self._loop.start(lifespan=False)
        response = portal.call(self._loop.runner.start, request, body)
        return to_httpx(response, _SyncBody(portal, response))

    def close(self) -> None:
        self._loop.stop()


class TestClient(httpx.Client):
    """An ``httpx.Client`` that calls ``app`` in-process; ``with`` runs the app's lifespan.

    With ``raise_server_exceptions`` (the default) an exception the app lets
    escape is raised in the test; otherwise the test sees the 500 response.
    """

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        app: ASGIApp,
        base_url: str = "http://testserver",
        *,
        raise_server_exceptions: bool = True,
        follow_redirects: bool = True,
        cookies: httpx.Cookies | dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        root_path: str = "",
        client: tuple[str, int] = ("testclient", 50000),
        backend: str = "asyncio",
        **options: Any,
    ) -> None:
        self.app = app
        runner = ASGIRunner(
            app, raise_exceptions=raise_server_exceptions, root_path=root_path, client=client
        )
        self._loop = _LoopThread(runner, backend)
        super().__init__(
            base_url=base_url,
            transport=_SyncTransport(self._loop),
            follow_redirects=follow_redirects,
            cookies=cookies,
            headers=headers,
            trust_env=False,
            **options,
        )
        # A client never closed must not keep its loop thread alive.
        finalizer = weakref.finalize(self, self._loop.stop)
        finalizer.atexit = False

    @property
    def portal(self) -> BlockingPortal:
        """The blocking portal of the client's loop, to run coroutines on it from the test."""
        return self._loop.start(lifespan=False)
