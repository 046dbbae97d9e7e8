"""Response models: a handler's return value validated and serialised to JSON by pydantic."""

from __future__ import annotations

import collections.abc
import dataclasses
import inspect
import types
from collections.abc import Callable, Mapping
from typing import Any, Union, get_args, get_origin

from pydantic import TypeAdapter, ValidationError

from heron.http.responses import Response
from heron.params.errors import ResponseValidationError, translate_errors
from heron.params.fast_json import any_dumper, plain_dumper
from heron.params.fast_rows import row_dumper
from heron.params.spec import UnresolvedAnnotation, type_hints

_NOT_MODELS: tuple[Any, ...] = (
    str,
    bytes,
    type(None),
    None,
    Any,
    object,
    dict,
    list,
    tuple,
    inspect.Parameter.empty,
)
_NOT_MODEL_ORIGINS = (
    tuple,
    collections.abc.Awaitable,
    collections.abc.Coroutine,
    collections.abc.Iterator,
    collections.abc.AsyncIterator,
    collections.abc.Generator,
    collections.abc.AsyncGenerator,
)
DUMP_OPTIONS = (
    "response_model_include",
    "response_model_exclude",
    "response_model_by_alias",
    "response_model_exclude_unset",
    "response_model_exclude_defaults",
    "response_model_exclude_none",
)


def wants_model(annotation: Any) -> bool:
    """Whether a return annotation describes JSON to validate (not HTML, a Response, ...)."""
    if annotation in _NOT_MODELS or isinstance(annotation, UnresolvedAnnotation):
        return False
    if isinstance(annotation, type) and issubclass(annotation, Response):
        return False
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return all(wants_model(arg) or arg is type(None) for arg in get_args(annotation))
    return origin not in _NOT_MODEL_ORIGINS


class EncodedJSONResponse(Response):
    """JSON a response model has already encoded to bytes."""

    __slots__ = ()
    default_media_type = "application/json"


@dataclasses.dataclass(eq=False)
class ResponseSpec:
    """The type a handler's result is validated against, and how it is dumped."""

    annotation: Any
    status_code: int
    adapter: TypeAdapter[Any]
    dump_options: dict[str, Any]
    endpoint: str

    def __post_init__(self) -> None:
        annotation = self.annotation
        self._exact = annotation if isinstance(annotation, type) else None
        self._dump: Callable[..., bytes] = self.adapter.dump_json
        only_alias = set(self.dump_options) <= {"by_alias"}
        self._fast = (plain_dumper(annotation) or any_dumper(annotation)) if only_alias else None
        self._rows = row_dumper(annotation) if only_alias else None

    def render(self, rv: Any) -> Response:
        """``rv`` (or the body of a ``(body, status[, headers])`` tuple) as a JSON response."""
        if isinstance(rv, Response):
            return rv
        status = self.status_code
        headers: Mapping[str, str] | None = None
        if type(rv) is tuple:
            rv, status, headers = _unpack(rv, status)
        if rv is None:
            return Response(None, 204 if status == 200 else status, headers)
        return EncodedJSONResponse(self.dump(rv), status, headers)

    def dump(self, value: Any) -> bytes:
        """Validate ``value`` (ORM objects read by attribute) and dump it as JSON bytes."""
        if self._fast is not None:
            content = self._fast(value)
            if content is not None:
                return content
        if type(value) is not self._exact:
            if self._rows is not None:
                content = self._rows(value)
                if content is not None:
                    return content
            try:
                value = self.adapter.validate_python(value, from_attributes=True)
            except ValidationError as exc:
                errors = translate_errors(exc, lambda loc: ["response", *loc])
                raise ResponseValidationError(self.endpoint, errors) from None
            if self._fast is not None:  # validated: exact instances now
                content = self._fast(value)
                if content is not None:
                    return content
        return self._dump(value, **self.dump_options)


def _unpack(rv: tuple[Any, ...], status: int) -> tuple[Any, int, Mapping[str, str] | None]:
    if len(rv) == 3:
        return rv[0], rv[1], rv[2]
    if len(rv) == 2 and isinstance(rv[1], int):
        return rv[0], rv[1], None
    if len(rv) == 2:
        return rv[0], status, rv[1]
    raise TypeError(
        f"a handler returned a tuple of length {len(rv)}; "
        "use (body, status), (body, headers) or (body, status, headers)"
    )


def build_response(
    handler: Callable[..., Any], options: Mapping[str, Any], endpoint: str
) -> ResponseSpec | None:
    """The response spec from ``response_model=`` or the return annotation (None: none)."""
    if "response_model" in options:
        annotation = options["response_model"]
        if annotation is None:
            return None
    else:
        annotation = type_hints(handler).get("return", inspect.Parameter.empty)
        if not wants_model(annotation):
            return None
    dump_options = {
        name.removeprefix("response_model_"): options[name]
        for name in DUMP_OPTIONS
        if options.get(name) is not None
    }
    dump_options.setdefault("by_alias", True)
    status = int(options.get("status_code", 200))
    return ResponseSpec(annotation, status, TypeAdapter(annotation), dump_options, endpoint)
