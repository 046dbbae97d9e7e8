"""Database work written once for both drivers.

A *plan* is a generator that yields ``(method, sql, params)`` requests — ``method`` being
``fetchall``, ``fetchone``, ``execute`` or ``executemany`` — and receives each result;
its return value is the plan's result. ``run`` drives it on the sync driver and
``arun`` on the async one, so multi-statement operations (saves, cascading deletes,
bulk writes) are not written twice.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any, TypeVar

__all__ = ["Plan", "Request", "arun", "run"]

T = TypeVar("T")
Request = tuple[str, str, Any]
Plan = Generator[Request, Any, T]


def run(db: Any, make: Callable[[Any], Plan[T]]) -> T:
    """Run the plan ``make(db.sync_dialect)`` on the sync driver."""
    plan = make(db.sync_dialect)
    try:
        method, sql, params = next(plan)
        while True:
            result = getattr(db, method)(sql, params)
            method, sql, params = plan.send(result)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


async def arun(db: Any, make: Callable[[Any], Plan[T]]) -> T:
    """Run the plan ``make(db.async_dialect)`` on the async driver."""
    plan = make(db.async_dialect)
    try:
        method, sql, params = next(plan)
        while True:
            result = await getattr(db, "a" + method)(sql, params)
            method, sql, params = plan.send(result)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
