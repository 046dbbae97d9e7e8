"""``hold_connection()``: run a block's statements on one pooled connection."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from heron.db.connections import DEFAULT_DB_ALIAS, connections

__all__ = ["hold_connection"]


class hold_connection:
    """``with hold_connection():`` or ``async with hold_connection():``.

    The block's statements on ``using`` (outside ``atomic()``) share one pooled connection
    instead of taking and returning one each: worth it for a handler that runs many
    queries, such as a page that loads twenty rows one by one. Statements stay in
    autocommit mode.
    """

    __slots__ = ("_entered", "using")

    def __init__(self, using: str | None = None) -> None:
        self.using = using or DEFAULT_DB_ALIAS
        self._entered: list[Any] = []

    def __enter__(self) -> None:
        manager = connections[self.using].hold()
        manager.__enter__()
        self._entered.append(manager)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._entered.pop().__exit__(exc_type, exc, tb)

    async def __aenter__(self) -> None:
        manager = connections[self.using].ahold()
        await manager.__aenter__()
        self._entered.append(manager)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._entered.pop().__aexit__(exc_type, exc, tb)
