"""Adapt user callbacks (request hooks, error handlers) to one async calling convention.

Every callback is called as ``await cb(request, *extra)``. A user function receives the
last N of those arguments, where N is how many positional parameters it declares, so
Flask-style ``after_request(response)`` and Heron-style ``after_request(request,
response)`` both work. Sync callbacks run in the thread pool, like sync handlers.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from heron.params import is_async_callable, run_sync

Callback = Callable[..., Awaitable[Any]]


def _positional_count(func: Callable[..., Any]) -> int:
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return 0
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params):
        return 99
    return sum(1 for p in params if p.kind in kinds)


def adapt_callback(func: Callable[..., Any], available: int) -> Callback:
    """Wrap ``func`` to take ``available`` arguments and pass it the last ones it wants."""
    wanted = min(_positional_count(func), available)
    skip = available - wanted
    if is_async_callable(func):

        async def call_async(*args: Any) -> Any:
            return await func(*args[skip:])

        return call_async

    async def call_sync(*args: Any) -> Any:
        return await run_sync(func, *args[skip:])

    return call_sync
