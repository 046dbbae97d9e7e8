"""Signature analysis: what each handler or dependency argument is, decided once.

``analyse_call`` turns a callable into a ``CallSpec`` (its request, path, query,
header, cookie, body and dependency arguments); ``analyse_endpoint`` adds the
request body and response model of a whole route. The OpenAPI generator reads
the same specs, so what is documented is what is validated.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import functools
import inspect
import types
from collections.abc import Callable, Collection, Iterator, Sequence
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from heron.http.request import Request
from heron.http.uploads import UploadFile
from heron.params.markers import (
    Body,
    Cookie,
    Depends,
    File,
    Form,
    Header,
    Param,
    Path,
    Query,
    Security,
    SecurityScopes,
    Undefined,
)


class HandlerSignatureError(TypeError):
    """A handler asks for a parameter Heron cannot supply."""


SEQUENCE_ORIGINS = (list, set, frozenset, tuple, Collection)


@dataclasses.dataclass(eq=False)
class ParamSpec:
    """One argument read from the path, query string, headers, cookies or body."""

    name: str  # the Python argument name
    alias: str  # the name on the wire
    location: str  # "path", "query", "header", "cookie", "body", "form" or "file"
    annotation: Any  # the declared type, without Annotated metadata
    field: FieldInfo  # default, constraints and documentation, as pydantic sees them
    marker: Param
    is_sequence: bool = False  # list[...] and friends: every repeated value

    @property
    def required(self) -> bool:
        return self.field.is_required()

    @property
    def include_in_schema(self) -> bool:
        return self.marker.include_in_schema

    @property
    def deprecated(self) -> bool | None:
        return self.marker.deprecated

    @property
    def description(self) -> str | None:
        return self.field.description


@dataclasses.dataclass(eq=False)
class DependencySpec:
    """An argument computed by a dependency."""

    name: str  # "" for a route's dependencies=[...]: run for its effect, value unused
    call: Callable[..., Any]
    use_cache: bool
    scopes: list[str]


@dataclasses.dataclass(eq=False)
class CallSpec:
    """A handler's or dependency's arguments, grouped by where they come from."""

    call: Callable[..., Any]
    is_async: bool
    is_generator: bool  # a dependency that yields: cleaned up after the response
    request_args: list[str]
    params: list[ParamSpec]  # path, query, header, cookie
    body: list[ParamSpec]  # body, form, file
    dependencies: list[tuple[DependencySpec, CallSpec]]
    var_keyword: bool = False  # **kwargs: takes the path parameters nobody else took
    scopes_args: list[str] = dataclasses.field(default_factory=list)  # SecurityScopes

    def reads_scopes(self) -> bool:
        """Whether this call or one of its dependencies takes ``SecurityScopes``."""
        return any(spec.scopes_args for spec in self.walk())

    def walk(self) -> Iterator[CallSpec]:
        """This spec and its dependencies' specs, depth first (dependencies first)."""
        for _, sub in self.dependencies:
            yield from sub.walk()
        yield self


class UnresolvedAnnotation:
    """A string annotation that names something not visible from the function's module."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def type_hints(call: Callable[..., Any]) -> dict[str, Any]:
    """Resolved annotations, including ``Annotated`` metadata.

    Each string annotation that cannot be evaluated (a name local to another function,
    under ``from __future__ import annotations``) becomes an ``UnresolvedAnnotation``.
    """
    target: Any = call
    if inspect.isclass(target):
        target = target.__init__
    elif not (inspect.isfunction(target) or inspect.ismethod(target)):
        target = getattr(call, "__call__", call)  # noqa: B004 - a callable instance
    try:
        return dict(inspect.get_annotations(target, eval_str=True))
    except Exception:
        raw = inspect.get_annotations(target)
    namespace = getattr(inspect.unwrap(target), "__globals__", {})
    hints: dict[str, Any] = {}
    for name, annotation in raw.items():
        if isinstance(annotation, str):
            try:
                annotation = eval(annotation, namespace)  # the same evaluation eval_str does
            except Exception:
                annotation = UnresolvedAnnotation(annotation)
        hints[name] = annotation
    return hints


def is_async_callable(obj: Any) -> bool:
    """True for coroutine functions, partials of them and objects with an async ``__call__``."""
    while isinstance(obj, functools.partial):
        obj = obj.func
    return inspect.iscoroutinefunction(obj) or inspect.iscoroutinefunction(
        getattr(obj, "__call__", None)  # noqa: B004 - looking for an async __call__
    )


def _is_generator(obj: Any) -> bool:
    target = getattr(obj, "__call__", None) if not inspect.isroutine(obj) else obj  # noqa: B004
    return inspect.isgeneratorfunction(target) or inspect.isasyncgenfunction(target)


def _is_async_generator(obj: Any) -> bool:
    target = getattr(obj, "__call__", None) if not inspect.isroutine(obj) else obj  # noqa: B004
    return inspect.isasyncgenfunction(target)


def _split_annotated(annotation: Any) -> tuple[Any, list[Any]]:
    if get_origin(annotation) is Annotated:
        base, *metadata = get_args(annotation)
        return base, metadata
    return annotation, []


def is_sequence(annotation: Any) -> bool:
    """``list[int]``, ``set[str]``, ``tuple[str, ...]`` (or an optional one)."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return any(is_sequence(arg) for arg in get_args(annotation) if arg is not type(None))
    return annotation in SEQUENCE_ORIGINS or origin in SEQUENCE_ORIGINS


def _is_body_type(annotation: Any) -> bool:
    """A pydantic model, dataclass, TypedDict or dict (or a list or optional of one) is a body."""
    origin = get_origin(annotation)
    if origin in (dict, collections.abc.Mapping):
        return True
    if origin in (Union, types.UnionType, list):
        return any(_is_body_type(arg) for arg in get_args(annotation) if arg is not type(None))
    if not isinstance(annotation, type):
        return False
    return (
        annotation is dict
        or issubclass(annotation, BaseModel)
        or dataclasses.is_dataclass(annotation)
        or (issubclass(annotation, dict) and hasattr(annotation, "__total__"))
    )


def _is_upload(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType, list):
        return any(_is_upload(arg) for arg in get_args(annotation))
    return annotation is UploadFile


def _wants_request(name: str, annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, Request):
        return True
    return name == "request" and annotation in (inspect.Parameter.empty, Any, "Request")


def _marker_of(param: inspect.Parameter, metadata: list[Any]) -> Param | Depends | None:
    for item in metadata:
        if isinstance(item, Param | Depends):
            return item
    if isinstance(param.default, Param | Depends):
        return param.default
    return None


def _field_for(marker: Param, param: inspect.Parameter, extra: list[Any]) -> FieldInfo:
    default = marker.default
    if (
        default is Undefined
        and param.default is not inspect.Parameter.empty
        and not isinstance(param.default, Param | Depends)
    ):
        default = param.default
    field = marker.field_info(default)
    if extra:  # other Annotated metadata (annotated_types constraints, Field(...)) applies too
        field = FieldInfo.merge_field_infos(field, *_as_field_infos(extra))
    return field


def _as_field_infos(metadata: list[Any]) -> list[FieldInfo]:
    infos = []
    for item in metadata:
        if isinstance(item, FieldInfo):
            infos.append(item)
        else:
            infos.append(FieldInfo.from_annotation(Annotated[Any, item]))  # type: ignore[arg-type]
    return infos


def _alias(marker: Param, name: str) -> str:
    if marker.alias:
        return marker.alias
    if isinstance(marker, Header) and marker.convert_underscores:
        return name.replace("_", "-")
    return name


def analyse_call(
    call: Callable[..., Any],
    path_params: Collection[str],
    *,
    rule: str = "",
    method_is_safe: bool = False,
    _seen: tuple[Callable[..., Any], ...] = (),
) -> CallSpec:
    """Analyse a handler or dependency signature.

    Unmarked arguments are path parameters when the rule names them, the request when
    named ``request`` or annotated ``Request``, the JSON body when annotated with a
    pydantic model, dataclass or TypedDict, and query parameters otherwise.
    """
    if call in _seen:
        raise HandlerSignatureError(f"dependency cycle through {_name(call)}")
    hints = type_hints(call)
    spec = CallSpec(
        call=call,
        is_async=is_async_callable(call) or _is_async_generator(call),
        is_generator=_is_generator(call),
        request_args=[],
        params=[],
        body=[],
        dependencies=[],
    )
    for param in inspect.signature(call).parameters.values():
        if param.kind is inspect.Parameter.VAR_KEYWORD:
            spec.var_keyword = True
            continue
        if param.kind is inspect.Parameter.VAR_POSITIONAL:
            continue
        annotation, metadata = _split_annotated(hints.get(param.name, param.annotation))
        if isinstance(annotation, UnresolvedAnnotation):
            if _wants_request(param.name, annotation.text):
                spec.request_args.append(param.name)
                continue
            if annotation.text == "SecurityScopes":
                spec.scopes_args.append(param.name)
                continue
            raise HandlerSignatureError(
                f"cannot resolve the annotation {annotation.text!r} of parameter "
                f"{param.name!r} of {_name(call)}(): define the names it uses at module level"
            )
        marker = _marker_of(param, metadata)
        if isinstance(marker, Depends):
            spec.dependencies.append(
                _dependency(param.name, marker, annotation, path_params, rule, (*_seen, call))
            )
            continue
        if marker is None:
            if _wants_request(param.name, annotation):
                spec.request_args.append(param.name)
                continue
            if annotation is SecurityScopes:
                spec.scopes_args.append(param.name)
                continue
            marker = _implicit_marker(param.name, annotation, path_params)
        extra = [item for item in metadata if not isinstance(item, Param | Depends)]
        if annotation is inspect.Parameter.empty:
            annotation = Any if marker.location != "path" else str
        entry = ParamSpec(
            name=param.name,
            alias=_alias(marker, param.name),
            location=marker.location,
            annotation=annotation,
            field=_field_for(marker, param, extra),
            marker=marker,
            is_sequence=is_sequence(annotation),
        )
        if entry.location == "path" and entry.alias not in path_params:
            raise HandlerSignatureError(
                f"{_name(call)}() declares path parameter {entry.alias!r}, which {rule!r} "
                f"does not have (path parameters: {sorted(path_params) or 'none'})"
            )
        (spec.body if entry.location in ("body", "form", "file") else spec.params).append(entry)
    return spec


def _implicit_marker(name: str, annotation: Any, path_params: Collection[str]) -> Param:
    if name in path_params:
        return Path()
    if _is_upload(annotation):
        return File()
    if _is_body_type(annotation):
        return Body()
    return Query()


def route_dependencies(
    markers: Sequence[Any], path_params: Collection[str], rule: str
) -> list[tuple[DependencySpec, CallSpec]]:
    """The ``dependencies=[Depends(...)]`` of a route or blueprint: run, values unused."""
    found = []
    for marker in markers:
        if not isinstance(marker, Depends):
            raise HandlerSignatureError(
                f"dependencies= of {rule!r} takes Depends(...) markers, not {marker!r}"
            )
        found.append(_dependency("", marker, None, path_params, rule, ()))
    return found


def _dependency(
    name: str,
    marker: Depends,
    annotation: Any,
    path_params: Collection[str],
    rule: str,
    seen: tuple[Callable[..., Any], ...],
) -> tuple[DependencySpec, CallSpec]:
    call = marker.dependency if marker.dependency is not None else annotation
    if not callable(call):
        raise HandlerSignatureError(f"Depends() for {name!r} needs a callable")
    scopes = marker.scopes if isinstance(marker, Security) else []
    sub = analyse_call(call, path_params, rule=rule, _seen=seen)
    return DependencySpec(name, call, marker.use_cache, scopes), sub


def _name(call: Callable[..., Any]) -> str:
    return getattr(call, "__qualname__", None) or type(call).__name__


__all__ = [
    "Body",
    "CallSpec",
    "Cookie",
    "DependencySpec",
    "File",
    "Form",
    "HandlerSignatureError",
    "Header",
    "ParamSpec",
    "Query",
    "analyse_call",
    "is_async_callable",
    "type_hints",
]
