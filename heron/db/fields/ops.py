"""Relation-manager operations written once for both drivers.

An operation is a generator yielding ``Call(target, method, args, kwargs)`` requests
(``qs.update(...)``, ``obj.save()``, ``Fetch(qs)``…) and receiving each result;
``run_sync`` performs them with the sync methods inside ``atomic()``, ``run_async`` with
their ``a``-prefixed twins inside ``async with atomic()``.
"""

from __future__ import annotations

from asyncio import _get_running_loop
from collections.abc import Callable, Generator
from typing import Any, TypeVar

from heron.db.errors import AsyncContextError

__all__ = ["Call", "Fetch", "Operation", "run_async", "run_sync"]

T = TypeVar("T")


class Call:
    """``target.method(*args, **kwargs)`` (``await target.amethod(...)`` when async)."""

    __slots__ = ("args", "kwargs", "method", "target")

    def __init__(self, target: Any, method: str, *args: Any, **kwargs: Any) -> None:
        self.target = target
        self.method = method
        self.args = args
        self.kwargs = kwargs


class Fetch:
    """The rows of a QuerySet as a list (``list(qs)`` / ``await qs``)."""

    __slots__ = ("qs",)

    def __init__(self, qs: Any) -> None:
        self.qs = qs


Request = Call | Fetch
Operation = Generator[Request, Any, T]


def run_sync(method: str, make: Callable[[], Operation[T]], using: str, atomic: bool = True) -> T:
    """Run the operation of the manager's ``method`` on the sync driver (in one transaction
    when ``atomic``); in a running event loop, refuse before anything runs, naming the
    method's async twin."""
    from heron.db.transaction import atomic as atomic_block

    if _get_running_loop() is not None:
        raise AsyncContextError(f"{method}()", f"a{method}()")

    if not atomic:
        return _drive(make())
    with atomic_block(using=using):
        return _drive(make())


def _drive(op: Operation[T]) -> T:
    result: Any = None
    try:
        while True:
            request = op.send(result)
            if isinstance(request, Fetch):
                result = list(request.qs)
            else:
                method = getattr(request.target, request.method)
                result = method(*request.args, **request.kwargs)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


async def run_async(make: Callable[[], Operation[T]], using: str, atomic: bool = True) -> T:
    """Run the operation on the async driver (in one transaction when ``atomic``)."""
    from heron.db.transaction import atomic as atomic_block

    if not atomic:
        return await _adrive(make())
    async with atomic_block(using=using):
        return await _adrive(make())


async def _adrive(op: Operation[T]) -> T:
    result: Any = None
    try:
        while True:
            request = op.send(result)
            if isinstance(request, Fetch):
                result = await request.qs
            else:
                method = getattr(request.target, "a" + request.method)
                result = await method(*request.args, **request.kwargs)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
