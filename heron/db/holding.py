"""``hold_connection()``: run a block's statements on one pooled connection."""

from __future__ import annotations

from asyncio import _get_running_loop
from contextvars import ContextVar
from types import TracebackType
from typing import Any

from heron.db.connections import DEFAULT_DB_ALIAS, connections
from heron.db.errors import AsyncContextError

__all__ = ["hold_connection"]

# The holds entered in this context, innermost last. Kept per context, not on the
# ``hold_connection`` object, so one object may be entered by several tasks at once.
_entered: ContextVar[tuple[Any, ...]] = ContextVar("heron.db.hold_connection", default=())


def _push(manager: Any) -> None:
    _entered.set((*_entered.get(), manager))


def _pop() -> Any:
    *outer, manager = _entered.get()
    _entered.set(tuple(outer))
    return manager


class hold_connection:
    """``with hold_connection():`` or ``async with hold_connection():``.

    The block's statements on ``using`` (outside ``atomic()``) share one pooled connection
    instead of taking and returning one each: worth it for a handler that runs many
    queries, such as a page that loads twenty rows one by one. Statements stay in
    autocommit mode. One object may be entered by several tasks or threads at once.
    """

    __slots__ = ("using",)

    def __init__(self, using: str | None = None) -> None:
        self.using = using or DEFAULT_DB_ALIAS

    def __enter__(self) -> None:
        if _get_running_loop() is not None:
            raise AsyncContextError("`with hold_connection()`", "`async with hold_connection()`")
        manager = connections[self.using].hold()
        manager.__enter__()
        _push(manager)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        _pop().__exit__(exc_type, exc, tb)

    async def __aenter__(self) -> None:
        manager = connections[self.using].ahold()
        await manager.__aenter__()
        _push(manager)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await _pop().__aexit__(exc_type, exc, tb)
