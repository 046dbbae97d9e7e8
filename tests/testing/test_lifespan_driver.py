"""LifespanManager on its own: the protocol as a server drives it."""

from __future__ import annotations

import pytest

from heron.http.types import Receive, Scope, Send
from heron.testing import LifespanError, LifespanManager
from tests.testing.testclient_apps import LifespanApp, no_lifespan

pytestmark = pytest.mark.anyio


async def test_startup_and_shutdown_in_order() -> None:
    app = LifespanApp()
    async with LifespanManager(app) as manager:
        assert app.events == ["startup"]
        assert manager.state == {"pool": "connected"}
    assert app.events == ["startup", "shutdown"]


async def test_app_without_lifespan_support_is_tolerated() -> None:
    async with LifespanManager(no_lifespan):
        pass


async def test_app_returning_at_once_is_tolerated() -> None:
    async def returns(scope: Scope, receive: Receive, send: Send) -> None:
        return None

    async with LifespanManager(returns):
        pass


async def test_app_returning_during_startup_is_an_error() -> None:
    async def returns_after_reading(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()

    with pytest.raises(LifespanError, match="without completing"):
        async with LifespanManager(returns_after_reading):
            pass  # pragma: no cover - never entered


async def test_unexpected_message_is_an_error() -> None:
    async def wrong(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "lifespan.shutdown.complete"})

    with pytest.raises(LifespanError, match="unexpected"):
        async with LifespanManager(wrong):
            pass  # pragma: no cover - never entered


async def test_failures_raise() -> None:
    with pytest.raises(LifespanError, match="refused"):
        async with LifespanManager(LifespanApp(fail_startup="refused")):
            pass  # pragma: no cover - never entered
    with pytest.raises(LifespanError, match="pool leaked"):
        async with LifespanManager(LifespanApp(fail_shutdown=True)):
            pass


async def test_exception_during_shutdown_raises() -> None:
    async def crashes_on_shutdown(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "lifespan.startup.complete"})
        await receive()
        raise OSError("disk gone")

    with pytest.raises(LifespanError, match="disk gone"):
        async with LifespanManager(crashes_on_shutdown):
            pass
