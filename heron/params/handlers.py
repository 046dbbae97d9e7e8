"""Turn a user handler into a fast ``invoke(request)`` coroutine, analysing its signature once."""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Awaitable, Callable, Collection
from typing import Any

from heron.http.request import Request

Invoker = Callable[[Request], Awaitable[Any]]


class HandlerSignatureError(TypeError):
    """A handler asks for a parameter Heron cannot supply."""


def is_async_callable(obj: Any) -> bool:
    """True for coroutine functions, partials of them and objects with an async ``__call__``."""
    while isinstance(obj, functools.partial):
        obj = obj.func
    return inspect.iscoroutinefunction(obj) or inspect.iscoroutinefunction(
        getattr(obj, "__call__", None)  # noqa: B004 - looking for an async __call__
    )


async def run_sync(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a blocking callable in the default thread pool; context variables follow it."""
    return await asyncio.to_thread(func, *args, **kwargs)


def _wants_request(param: inspect.Parameter, hints: dict[str, Any]) -> bool:
    annotation = hints.get(param.name, param.annotation)
    if isinstance(annotation, type) and issubclass(annotation, Request):
        return True
    return param.name == "request" and annotation in (inspect.Parameter.empty, Any, "Request")


def _type_hints(handler: Callable[..., Any]) -> dict[str, Any]:
    try:
        return dict(inspect.get_annotations(handler, eval_str=True))
    except Exception:  # unresolvable forward references: fall back to the raw annotations
        return dict(getattr(handler, "__annotations__", {}))


def compile_handler(
    handler: Callable[..., Any], path_params: Collection[str], *, rule: str = ""
) -> Invoker:
    """Return ``invoke(request)`` that calls ``handler`` with what its signature asks for.

    A parameter named ``request`` or annotated ``Request`` gets the request; one named as a
    path parameter gets its converted value, and ``**kwargs`` gets the path parameters no
    other parameter took. Sync handlers run in the thread pool.
    """
    signature = inspect.signature(handler)
    hints = _type_hints(handler)
    takes_request: list[str] = []
    from_path: list[str] = []
    takes_any_keyword = False
    for param in signature.parameters.values():
        if param.kind is inspect.Parameter.VAR_KEYWORD:
            takes_any_keyword = True
            continue
        if param.kind is inspect.Parameter.VAR_POSITIONAL:
            continue
        if param.name in path_params:
            from_path.append(param.name)
        elif _wants_request(param, hints):
            takes_request.append(param.name)
        elif param.default is inspect.Parameter.empty:
            name = getattr(handler, "__qualname__", repr(handler))
            raise HandlerSignatureError(
                f"{name}() takes a parameter {param.name!r} that is neither `request` nor a "
                f"path parameter of {rule!r} (path parameters: {sorted(path_params) or 'none'})"
            )
    if takes_any_keyword:  # Flask style: every path parameter as a keyword argument
        from_path += [name for name in path_params if name not in from_path]
    return _build_invoker(handler, takes_request, from_path, is_async_callable(handler))


def _build_invoker(
    handler: Callable[..., Any], takes_request: list[str], from_path: list[str], is_async: bool
) -> Invoker:
    if not from_path and not takes_request:
        if is_async:
            return lambda request: handler()
        return lambda request: run_sync(handler)
    if not from_path and len(takes_request) == 1:
        name = takes_request[0]
        if is_async:
            return lambda request: handler(**{name: request})
        return lambda request: run_sync(handler, **{name: request})

    def arguments(request: Request) -> dict[str, Any]:
        kwargs = {name: request for name in takes_request}
        params = request.path_params
        for name in from_path:
            kwargs[name] = params[name]
        return kwargs

    if is_async:
        return lambda request: handler(**arguments(request))
    return lambda request: run_sync(handler, **arguments(request))
