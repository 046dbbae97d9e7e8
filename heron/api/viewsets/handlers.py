"""Generated handler functions with real signatures, so Heron's parameter analysis (and
the OpenAPI document built from it) sees typed arguments, bodies and response models."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from heron.http.request import Request
from heron.params import Path

__all__ = ["keyword", "path_parameter", "request_parameter", "typed_handler"]


def typed_handler(
    name: str,
    qualname: str,
    impl: Callable[..., Awaitable[Any]],
    parameters: list[inspect.Parameter],
    returns: Any,
) -> Callable[..., Awaitable[Any]]:
    """An async function called ``name`` with the signature ``parameters -> returns``
    that passes its keyword arguments on to ``impl``."""

    async def handler(**kwargs: Any) -> Any:
        return await impl(**kwargs)

    handler.__name__ = name
    handler.__qualname__ = qualname
    handler.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        parameters, return_annotation=returns
    )
    handler.__annotations__ = {p.name: p.annotation for p in parameters}
    handler.__annotations__["return"] = returns
    return handler


def keyword(
    name: str, annotation: Any, default: Any = inspect.Parameter.empty
) -> inspect.Parameter:
    """A keyword-only parameter."""
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
    )


def request_parameter() -> inspect.Parameter:
    return keyword("request", Request)


def path_parameter(annotation: Any) -> inspect.Parameter:
    """The object's primary key, taken from the path."""
    return keyword("pk", Annotated[annotation, Path(description="The primary key.")])
