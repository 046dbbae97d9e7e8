"""The ASGI lifespan protocol: start-up and shutdown of a Heron application."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from heron.http.types import Receive, Scope, Send

if TYPE_CHECKING:
    from heron.app import Heron

logger = logging.getLogger("heron.lifespan")


async def run_lifespan(app: Heron, scope: Scope, receive: Receive, send: Send) -> None:
    """Answer the server's lifespan messages; a failing start-up stops the server."""
    message = await receive()
    if message["type"] != "lifespan.startup":  # pragma: no cover - protocol violation
        return
    try:
        await app.startup()
    except BaseException as exc:
        logger.error("Heron application failed to start", exc_info=exc)
        await send({"type": "lifespan.startup.failed", "message": f"{type(exc).__name__}: {exc}"})
        return
    await send({"type": "lifespan.startup.complete"})
    message = await receive()
    try:
        await app.shutdown()
    except BaseException as exc:
        logger.error("Heron application failed to shut down cleanly", exc_info=exc)
        await send({"type": "lifespan.shutdown.failed", "message": f"{type(exc).__name__}: {exc}"})
        return
    await send({"type": "lifespan.shutdown.complete"})
