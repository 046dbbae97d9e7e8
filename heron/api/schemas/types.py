"""The Python type (and pydantic constraints) of each Heron field, for input and output.

Input types validate what a client may send: lengths, ranges, digits, choices, and the
field's own validators (e-mail, URL, slug, file extensions ...). Output types describe
what the database holds, without constraints, so a row that predates a tighter rule is
still served.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, JsonValue
from pydantic_core import PydanticCustomError

from heron.db import ValidationError, fields

__all__ = ["Text", "input_type", "output_type"]

_TEMPORAL: tuple[tuple[type[fields.Field], type], ...] = (
    (fields.DateTime, dt.datetime),
    (fields.Date, dt.date),
    (fields.Time, dt.time),
    (fields.Duration, dt.timedelta),
)
_FORMATS: tuple[tuple[type[fields.Field], str], ...] = (
    (fields.Email, "email"),
    (fields.URL, "uri"),
)


def _base_type(field: fields.Field) -> Any:
    """The plain Python type of a field's values."""
    if isinstance(field, fields.ForeignKey):
        return _base_type(field.target())
    if isinstance(field, fields.Enum):
        return field.enum_class
    if isinstance(field, fields.Boolean):
        return bool
    if isinstance(field, fields.Integer):
        return int
    if isinstance(field, fields.Float):
        return float
    if isinstance(field, fields.Decimal):
        return decimal.Decimal
    if isinstance(field, fields.UUID):
        return uuid.UUID
    if isinstance(field, fields.JSON):
        return JsonValue
    if isinstance(field, fields.Binary):
        return bytes
    for kind, python_type in _TEMPORAL:
        if isinstance(field, kind):
            return python_type
    if isinstance(field, (fields.String, fields.Text)):
        return str
    return Any


def _choices(field: fields.Field) -> Any | None:
    """``Literal[...]`` of a field's choices (an ``Enum`` field keeps its enum class)."""
    if not field.choices or isinstance(field, fields.Enum):
        return None
    return Literal[tuple(value for value, _label in field.choices)]


def output_type(field: fields.Field) -> Any:
    """The type of the field's value in a response (``None`` allowed when nullable)."""
    annotation = _base_type(field)
    return annotation | None if field.null and annotation is not Any else annotation


def _clean_text(value: str) -> str:
    """Refuse text no database stores: NUL characters and unpaired surrogates."""
    if "\x00" in value:
        raise PydanticCustomError("string_nul", "Text may not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError("string_unicode", "Text must be valid Unicode") from None
    return value


#: ``str`` that every database can store (no NUL, valid Unicode)
Text = Annotated[str, AfterValidator(_clean_text)]


def _run_validators(field: fields.Field) -> Callable[[Any], Any]:
    """An after-validator running the field's own validators (Heron's messages)."""

    def check(value: Any) -> Any:
        try:
            field.run_validators(value)
        except ValidationError as exc:
            raise PydanticCustomError(
                exc.code or "value_error", "{message}", {"message": " ".join(exc.messages)}
            ) from None
        return value

    return check


def _constraints(field: fields.Field) -> dict[str, Any]:
    """pydantic ``Field`` keyword arguments bounding the field's values."""
    target = field.target() if isinstance(field, fields.ForeignKey) else field
    if isinstance(target, fields.Integer):
        return {"ge": target.min_value, "le": target.max_value}
    if isinstance(target, fields.Float):
        return {"allow_inf_nan": False}
    if isinstance(target, fields.Decimal):
        return {
            "max_digits": target.max_digits,
            "decimal_places": target.decimal_places,
            "allow_inf_nan": False,
        }
    if isinstance(target, fields.String) and not target.choices:
        extra: dict[str, Any] = {"max_length": target.max_length}
        if isinstance(target, fields.Slug):
            extra["pattern"] = r"^[-\w]+$" if target.allow_unicode else r"^[-a-zA-Z0-9_]+$"
        for kind, json_format in _FORMATS:
            if isinstance(target, kind):
                extra["json_schema_extra"] = {"format": json_format}
        return extra
    if isinstance(target, fields.Binary) and target.max_length is not None:
        return {"max_length": target.max_length}
    return {}


def input_type(field: fields.Field) -> Any:
    """The type a client sends for the field: constrained, ``None`` allowed when nullable."""
    base = _choices(field) or _base_type(field)
    metadata: list[Any] = []
    constraints = _constraints(field)
    if constraints:
        metadata.append(Field(**constraints))
    if base is str:
        metadata.append(AfterValidator(_clean_text))
    target = field.target() if isinstance(field, fields.ForeignKey) else field
    if target.validators:
        metadata.append(AfterValidator(_run_validators(target)))
    annotation = Annotated[(base, *metadata)] if metadata else base
    return annotation | None if field.null and base is not Any else annotation
