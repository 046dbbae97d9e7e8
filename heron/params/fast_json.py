"""A faster JSON dump for plain response models, with pydantic's output.

pydantic-core spends ~50 ns per field serialising a model; orjson writes the same
JSON from the instance's ``__dict__`` about three times faster (measured in
docs/architecture.md). That is only the same JSON for "plain" models: fields of
JSON-native types, no aliases, serializers, computed or excluded fields, no
extra fields kept (a float field holding an int default, ``weight: float = 0``, is
written ``0`` rather than ``0.0``: the same number). ``plain_dumper`` checks a
response annotation once and returns ``None`` when it does not qualify; at request
time an instance of another class (a subclass may carry more fields) makes the
dumper answer ``None`` so the caller falls back to pydantic.

``any_dumper`` does the same for ``dict[str, Any]``, ``list[Any]`` and
``list[dict[str, Any]]``: validating ``Any`` keeps every value as it is, so pydantic
only checks the containers, and orjson writes JSON-native values as pydantic does.
"""

from __future__ import annotations

import datetime
import enum
import types
import uuid
from collections.abc import Callable
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
import orjson
from pydantic import BaseModel
from pydantic.fields import FieldInfo

_SCALARS = (str, int, float, bool, datetime.datetime, datetime.date, datetime.time, uuid.UUID)
_OPTIONS = orjson.OPT_UTC_Z
# Under ``Any``, orjson raises on dataclasses (and on Decimal, bytes, sets, models...),
# which then go to pydantic.
_ANY_OPTIONS = _OPTIONS | orjson.OPT_PASSTHROUGH_DATACLASS

Dumper = Callable[[Any], bytes | None]


def _plain_type(annotation: Any, models: set[type[BaseModel]]) -> bool:
    """Whether values of ``annotation`` serialise to the same JSON through orjson."""
    if annotation in _SCALARS or annotation is type(None):
        return True
    if isinstance(annotation, type):
        if issubclass(annotation, enum.Enum):
            return True
        if issubclass(annotation, BaseModel):
            return _plain_model(annotation, models)
        return False
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Annotated:  # constraints do not change the output; serializers would
        return all(_constraint_only(item) for item in args[1:]) and _plain_type(args[0], models)
    if origin in (Union, types.UnionType):
        return all(_plain_type(arg, models) for arg in args)
    if origin is Literal:
        return all(isinstance(arg, str | int | bool) for arg in args)
    if origin is list:
        return len(args) == 1 and _plain_type(args[0], models)
    if origin is dict:
        return len(args) == 2 and args[0] is str and _plain_type(args[1], models)
    return False


def _constraint_only(metadata: Any) -> bool:
    """``Annotated`` metadata that only validates (``Field(gt=0)``, ``MaxLen``...)."""
    if isinstance(metadata, FieldInfo):
        return not (metadata.alias or metadata.serialization_alias or metadata.exclude) and all(
            _constraint_only(item) for item in metadata.metadata
        )
    return isinstance(metadata, annotated_types.BaseMetadata | annotated_types.GroupedMetadata)


def _plain_model(model: type[BaseModel], models: set[type[BaseModel]]) -> bool:
    if model in models:
        return True
    config = model.model_config
    if config.get("extra") == "allow" or model.__pydantic_computed_fields__:
        return False
    decorators = model.__pydantic_decorators__
    if decorators.field_serializers or decorators.model_serializers:
        return False
    models.add(model)  # before the fields: a model may refer to itself
    for field in model.model_fields.values():
        if (
            field.alias
            or field.serialization_alias
            or field.exclude
            or not all(_constraint_only(item) for item in field.metadata)
        ):
            models.discard(model)
            return False
        if not _plain_type(field.annotation, models):
            models.discard(model)
            return False
    return True


def plain_models(model: type[BaseModel]) -> frozenset[type[BaseModel]] | None:
    """``model`` and the models its fields hold, if all are plain (None: not plain)."""
    models: set[type[BaseModel]] = set()
    return frozenset(models) if _plain_model(model, models) else None


def model_of(annotation: Any) -> tuple[type[BaseModel], bool] | None:
    """``(Model, many)`` for a ``Model`` or ``list[Model]`` annotation, else None."""
    many = get_origin(annotation) is list
    item = (get_args(annotation) or (None,))[0] if many else annotation
    if not (isinstance(item, type) and issubclass(item, BaseModel)):
        return None
    return item, many


def plain_dumper(annotation: Any) -> Dumper | None:
    """A dumper for ``Model`` or ``list[Model]`` of plain models (None: use pydantic)."""
    found = model_of(annotation)
    models = plain_models(found[0]) if found is not None else None
    if found is None or models is None:
        return None
    item, many = found
    return _list_dumper(item, models) if many else _model_dumper(item, models)


def _default_for(models: frozenset[type[BaseModel]]) -> Callable[[Any], Any]:
    def default(value: Any) -> Any:
        if type(value) in models:
            return value.__dict__
        raise _NotPlain

    return default


class _NotPlain(TypeError):
    """A nested value was not an instance of a plain model: fall back to pydantic."""


def _model_dumper(model: type[BaseModel], models: frozenset[type[BaseModel]]) -> Dumper:
    default = _default_for(models)

    def dump(value: Any) -> bytes | None:
        if type(value) is not model:
            return None
        try:
            return orjson.dumps(value.__dict__, default=default, option=_OPTIONS)
        except TypeError:
            return None

    return dump


def _list_dumper(model: type[BaseModel], models: frozenset[type[BaseModel]]) -> Dumper:
    default = _default_for(models)

    def dump(value: Any) -> bytes | None:
        if type(value) is not list:
            return None
        rows = []
        for item in value:
            if type(item) is not model:
                return None
            rows.append(item.__dict__)
        try:
            return orjson.dumps(rows, default=default, option=_OPTIONS)
        except TypeError:
            return None

    return dump


def any_dumper(annotation: Any) -> Dumper | None:
    """A dumper for ``dict[str, Any]``, ``list[Any]`` or ``list[dict[str, Any]]`` values
    that orjson writes as pydantic would (None: another annotation)."""
    if _is_any_dict(annotation):
        return _any_dump(_is_dict)
    if get_origin(annotation) is list and len(args := get_args(annotation)) == 1:
        if args[0] is Any:
            return _any_dump(_is_list)
        if _is_any_dict(args[0]):
            return _any_dump(_is_list_of_dicts)
    return None


def _is_any_dict(annotation: Any) -> bool:
    return get_origin(annotation) is dict and get_args(annotation) == (str, Any)


def _is_dict(value: Any) -> bool:
    return type(value) is dict


def _is_list(value: Any) -> bool:
    return type(value) is list


def _is_list_of_dicts(value: Any) -> bool:
    return type(value) is list and all(type(item) is dict for item in value)


def _any_dump(shape: Callable[[Any], bool]) -> Dumper:
    def dump(value: Any) -> bytes | None:
        if not shape(value):
            return None
        try:
            return orjson.dumps(value, option=_ANY_OPTIONS)
        except TypeError:  # a value orjson does not write (or a key that is not a str)
            return None

    return dump
