"""Validate plain rows (dicts) against a response model without building model instances.

A handler returning dicts (rows from a driver, ``values()``) has them validated
through its response model, then dumped. For a "plain" model (see ``fast_json``)
that also validates nothing in Python (no validators, no ``__init__`` or
``model_post_init``, extra keys ignored), validating the dicts into dicts with
the same field schemas accepts and produces the same values as validating into
instances: pydantic-core only skips creating the objects, about 40 % of the time
(measured in docs/architecture.md). orjson then writes the dicts as the fast dumper
writes instances.

``row_dumper`` checks an annotation once and returns ``None`` when it does not
qualify. At request time, the dumper answers ``None`` for anything but dicts, and
on a validation error, so the caller falls back to pydantic, which reports it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import SchemaValidator, core_schema

from heron.params.fast_json import Dumper, model_of, plain_models

_OPTIONS = orjson.OPT_UTC_Z


class _NotPlainRows(Exception):
    """The schema holds something the dict form could not validate the same way."""


def row_dumper(annotation: Any) -> Dumper | None:
    """A validate-and-dump for dicts returned as ``Model`` or ``list[Model]`` (None: no)."""
    found = model_of(annotation)
    models = plain_models(found[0]) if found is not None else None
    if found is None or models is None or not all(map(_validates_only_fields, models)):
        return None
    try:
        schema = _as_dicts(TypeAdapter(annotation).core_schema, models)
    except _NotPlainRows:
        return None
    return _dumper(SchemaValidator(schema), many=found[1])


def _validates_only_fields(model: type[BaseModel]) -> bool:
    """No Python runs while validating ``model``, and extra keys are dropped."""
    decorators = model.__pydantic_decorators__
    return not (
        decorators.validators
        or decorators.field_validators
        or decorators.root_validators
        or decorators.model_validators
        or model.__pydantic_post_init__
        or model.__pydantic_custom_init__
        or model.model_config.get("extra") not in (None, "ignore")
    )


def _as_dicts(schema: Any, models: frozenset[type[BaseModel]]) -> Any:
    """``schema`` with every model schema replaced by a typed-dict schema of its fields."""
    if isinstance(schema, list):
        return [_as_dicts(item, models) for item in schema]
    if not isinstance(schema, dict):
        return schema
    kind = schema.get("type")
    if kind == "model":
        return _model_as_dict(schema, models)
    if kind == "tagged-union" or (kind == "union" and _models_among(schema["choices"]) > 1):
        raise _NotPlainRows  # choosing between models may differ from choosing between dicts
    return {key: _as_dicts(value, models) for key, value in schema.items()}


def _model_as_dict(schema: dict[str, Any], models: frozenset[type[BaseModel]]) -> Any:
    fields_schema = schema["schema"]
    if schema["cls"] not in models or fields_schema.get("type") != "model-fields":
        raise _NotPlainRows
    fields = {}
    for name, field in fields_schema["fields"].items():
        inner = _as_dicts(field["schema"], models)
        required = inner.get("type") != "default"
        fields[name] = core_schema.typed_dict_field(inner, required=required)
    return core_schema.typed_dict_schema(
        fields, extra_behavior="ignore", ref=schema.get("ref"), config=schema.get("config")
    )


def _models_among(choices: list[Any]) -> int:
    """How many union choices are models (or references, which may be models)."""
    count = 0
    for choice in choices:
        inner = choice[0] if isinstance(choice, tuple) else choice
        count += inner.get("type") in ("model", "definition-ref")
    return count


def _dumper(validator: SchemaValidator, *, many: bool) -> Dumper:
    validate: Callable[[Any], Any] = validator.validate_python

    def dump(value: Any) -> bytes | None:
        if many:
            if type(value) is not list or not value or type(value[0]) is not dict:
                return None
        elif type(value) is not dict:
            return None
        try:
            return orjson.dumps(validate(value), option=_OPTIONS)
        except (ValidationError, TypeError):  # TypeError: orjson refuses a 65-bit int
            return None  # the caller goes through the model, which reports or writes it

    return dump
