"""Per-context transaction state: the connection a transaction holds and its atomic levels."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import Token
from typing import Any


class Level:
    """One entered ``atomic()`` block: its savepoint (None: none) and where its callbacks start."""

    __slots__ = ("mark", "owner", "sid", "testing")

    def __init__(self, sid: str | None, mark: int, owner: object, testing: bool) -> None:
        self.sid = sid
        self.mark = mark
        self.owner = owner
        self.testing = testing


class TransactionState:
    """The transaction open in one context on one database: its connection and atomic levels.

    ``lock`` serialises statements when tasks or threads that inherited the context use
    the transaction's connection at the same time.
    """

    __slots__ = ("callbacks", "conn", "counter", "levels", "lock", "rollback_only", "token")

    def __init__(self, conn: Any, lock: Any) -> None:
        self.conn = conn
        self.lock = lock
        self.levels: list[Level] = []
        self.callbacks: list[tuple[Callable[[], Any], bool]] = []
        self.rollback_only = False
        self.counter = 0
        self.token: Token[TransactionState | None] | None = None
