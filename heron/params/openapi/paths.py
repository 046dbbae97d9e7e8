"""Heron rules as OpenAPI path templates, and what each path converter accepts."""

from __future__ import annotations

import re
from typing import Any

from heron.routing.converters import (
    AnyConverter,
    Converter,
    FloatConverter,
    IntegerConverter,
    PathConverter,
    UUIDConverter,
)

_PARAMETER = re.compile(r"<(?:[A-Za-z_]\w*(?:\(.*?\))?:)?([A-Za-z_]\w*)>")


def path_template(rule: str) -> str:
    """``/items/<int:id>`` as ``/items/{id}``."""
    return _PARAMETER.sub(r"{\1}", rule)


def _bounds(schema: dict[str, Any], converter: IntegerConverter | FloatConverter) -> None:
    low = converter.min if converter.min is not None else (None if converter.signed else 0)
    if low is not None:
        schema["minimum"] = low
    if converter.max is not None:
        schema["maximum"] = converter.max


def converter_schema(converter: Converter) -> dict[str, Any]:
    """The JSON Schema of the values ``converter`` matches."""
    if isinstance(converter, IntegerConverter):
        schema: dict[str, Any] = {"type": "integer"}
        _bounds(schema, converter)
        return schema
    if isinstance(converter, FloatConverter):
        schema = {"type": "number"}
        _bounds(schema, converter)
        return schema
    if isinstance(converter, UUIDConverter):
        return {"type": "string", "format": "uuid"}
    if isinstance(converter, AnyConverter):
        return {"type": "string", "enum": sorted(converter.items)}
    if isinstance(converter, PathConverter):
        return {"type": "string"}
    return {"type": "string", "pattern": f"^(?:{converter.regex})$"}


_TEXT_TYPES = (None, "string")


def merge_converter(schema: dict[str, Any], converter: Converter | None) -> dict[str, Any]:
    """A path parameter's schema from its annotation, narrowed by the rule's converter.

    A bare or ``str`` annotation on a number converter takes the converter's schema; an
    annotation of the converter's own type gains its bounds or pattern where it has none.
    """
    if converter is None:
        return schema
    matched = converter_schema(converter)
    kind = schema.get("type")
    if kind in _TEXT_TYPES and not _composite(schema) and matched["type"] != "string":
        return {**schema, **matched}
    if kind == matched["type"]:
        return {**matched, **schema}
    return schema


def _composite(schema: dict[str, Any]) -> bool:
    return any(key in schema for key in ("$ref", "anyOf", "oneOf", "allOf", "enum", "const"))
