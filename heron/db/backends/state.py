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

    Also the state of a held connection (``hold()``), which has no levels. ``lock`` (a
    ``threading.Lock``, or ``Turns`` for async connections) serialises statements when
    tasks or threads that inherited the context use the connection at the same time.
    ``ended`` turns true when the outermost block (or the hold) ends: a task or thread
    that inherited the context and outlives the block must not use the connection, which
    is back in the pool.
    """

    __slots__ = (
        "callbacks",
        "conn",
        "counter",
        "ended",
        "levels",
        "lock",
        "rollback_only",
        "token",
    )

    def __init__(self, conn: Any, lock: Any) -> None:
        self.conn = conn
        self.lock = lock
        self.levels: list[Level] = []
        self.callbacks: list[tuple[Callable[[], Any], bool]] = []
        self.rollback_only = False
        self.ended = False
        self.counter = 0
        self.token: Token[TransactionState | None] | None = None


def open_state(state: TransactionState | None) -> TransactionState | None:
    """``state``, unless it is None or has ended (a block a task or thread outlived)."""
    return state if state is not None and not state.ended else None


def live_state(
    transaction: TransactionState | None, held: TransactionState | None
) -> TransactionState | None:
    """The context's transaction, else its held connection, leaving out ended ones."""
    return open_state(transaction) or open_state(held)
