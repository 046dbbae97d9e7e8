"""``AsyncTestClient``: call an ASGI app from async tests through httpx.

``async with AsyncTestClient(app)`` runs the app's lifespan and streams
response bodies; used without ``async with``, each request runs the app to
its end and returns the whole response.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Any

import httpx

from heron.http.types import ASGIApp
from heron.testing.asgi import ASGIRunner, to_httpx

__all__ = ["AsyncTestClient"]


class _AsyncTransport(httpx.AsyncBaseTransport):
    """httpx transport calling the app on the test's own event loop."""

    def __init__(self, runner: ASGIRunner) -> None:
        self._runner = runner
        self._serving: AbstractAsyncContextManager[None] | None = None

    async def __aenter__(self) -> _AsyncTransport:
        serving = self._runner.running(lifespan=True)
        await serving.__aenter__()
        self._serving = serving
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc: BaseException | None = None,
        tb: TracebackType | None = None,
    ) -> None:
        await self.aclose()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        if self._runner.task_group is None:
            return await self._runner.buffered(request, body)
        response = await self._runner.start(request, body)
        return to_httpx(response, response)

    async def aclose(self) -> None:
        serving, self._serving = self._serving, None
        if serving is not None:
            await serving.__aexit__(None, None, None)


class AsyncTestClient(httpx.AsyncClient):
    """An ``httpx.AsyncClient`` calling ``app`` in-process; ``async with`` runs its lifespan."""

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
        **options: Any,
    ) -> None:
        self.app = app
        runner = ASGIRunner(
            app, raise_exceptions=raise_server_exceptions, root_path=root_path, client=client
        )
        super().__init__(
            base_url=base_url,
            transport=_AsyncTransport(runner),
            follow_redirects=follow_redirects,
            cookies=cookies,
            headers=headers,
            trust_env=False,
            **options,
        )
