"""Turn what a handler returns into a ``Response``, following Flask's conventions."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from heron.http.responses import HTMLResponse, JSONResponse, Response


def _html(rv: Any, status_code: int) -> Response:
    return HTMLResponse(rv, status_code=status_code)


def _json(rv: Any, status_code: int) -> Response:
    return JSONResponse(rv, status_code=status_code)


def _empty(rv: Any, status_code: int) -> Response:
    return Response(status_code=204 if status_code == 200 else status_code)


_BY_TYPE: dict[type, Callable[[Any, int], Response]] = {
    str: _html,
    bytes: _html,
    dict: _json,
    list: _json,
    type(None): _empty,
}


def make_response(rv: Any, status_code: int = 200) -> Response:
    """Convert a handler's return value.

    ``str``/``bytes`` → HTML, ``dict``/``list``/dataclass/pydantic model/an object with
    ``__json__()`` (a Heron model instance) → JSON,
    ``None`` → 204, a ``Response`` as it is, and tuples ``(body, status)``,
    ``(body, headers)`` or ``(body, status, headers)``. ``status_code`` is the
    route's default status for bodies that are not already a ``Response``.
    """
    convert = _BY_TYPE.get(type(rv))
    if convert is not None:
        return convert(rv, status_code)
    if isinstance(rv, Response):
        return rv
    if isinstance(rv, tuple):
        return _from_tuple(rv, status_code)
    if isinstance(rv, str | bytes):
        return _html(rv, status_code)
    if (
        isinstance(rv, dict | list)
        or hasattr(rv, "model_dump")
        or hasattr(type(rv), "__json__")
        or (dataclasses.is_dataclass(rv) and not isinstance(rv, type))
    ):
        return _json(rv, status_code)
    raise TypeError(
        f"a handler returned {type(rv).__name__}, which Heron cannot turn into a response; "
        "return str, bytes, dict, list, a pydantic model, a dataclass, None, a tuple "
        "(body, status[, headers]) or a Response"
    )


def _from_tuple(rv: tuple[Any, ...], status_code: int) -> Response:
    headers: Mapping[str, str] | None = None
    if len(rv) == 3:
        body, status_code, headers = rv
    elif len(rv) == 2 and isinstance(rv[1], int):
        body, status_code = rv
    elif len(rv) == 2:
        body, headers = rv
    else:
        raise TypeError(
            "a handler returned a tuple of length "
            f"{len(rv)}; use (body, status), (body, headers) or (body, status, headers)"
        )
    if isinstance(body, Response):
        response = body
        response.status_code = status_code
    else:
        response = make_response(body, status_code)
    if headers:
        for name, value in dict(headers).items():
            response.headers[name] = value
    return response
