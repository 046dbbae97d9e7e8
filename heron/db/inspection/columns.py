"""Which Heron field a reflected column becomes, and the options it needs."""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql

__all__ = ["FieldSource", "attribute_name", "field_type"]


@dataclass
class FieldSource:
    """One field as it is written: ``name = fields.Kind(args, option=value)  # notes``."""

    name: str
    kind: str
    args: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        parts = [*self.args, *(f"{key}={value!r}" for key, value in self.options.items())]
        text = f"    {self.name} = fields.{self.kind}({', '.join(parts)})"
        return text + (f"  # {'; '.join(self.notes)}" if self.notes else "")


def attribute_name(column: str, taken: set[str]) -> str:
    """A Python attribute for ``column``: lower case, other characters as ``_``, a keyword
    or a name already taken given a ``_field`` suffix."""
    name = re.sub(r"\W", "_", column.lower()).strip("_") or "field"
    if name[0].isdigit():
        name = f"number_{name}"
    if keyword.iskeyword(name) or name in ("pk", "objects") or "__" in name:
        name = name.replace("__", "_") + "_field"
    while name in taken:
        name += "_field"
    return name


def field_type(column_type: Any) -> tuple[str, dict[str, Any], list[str]]:
    """The field class, its options and notes for a reflected SQLAlchemy type."""
    if isinstance(column_type, sa.Boolean) or _is_mysql_flag(column_type):
        return "Boolean", {}, []
    if isinstance(column_type, sa.Integer):
        if isinstance(column_type, sa.BigInteger):
            return "BigInteger", {}, []
        if isinstance(column_type, (sa.SmallInteger, mysql.TINYINT)):
            return "SmallInteger", {}, []
        return "Integer", {}, []
    if isinstance(column_type, sa.Float):
        return "Float", {}, []
    if isinstance(column_type, sa.Numeric):
        return _decimal(column_type)
    if isinstance(column_type, sa.DateTime):
        return "DateTime", {}, []
    if isinstance(column_type, sa.Date):
        return "Date", {}, []
    if isinstance(column_type, sa.Time):
        return "Time", {}, []
    if isinstance(column_type, (sa.Interval, postgresql.INTERVAL)):
        return "Duration", {}, []
    if isinstance(column_type, sa.Uuid):
        return "UUID", {}, []
    if isinstance(column_type, sa.JSON):
        return "JSON", {}, []
    if isinstance(column_type, (sa.LargeBinary, sa.types._Binary)):
        return "Binary", {}, []
    if isinstance(column_type, sa.Enum):
        longest = max((len(v) for v in column_type.enums), default=1)
        return "String", {"max_length": longest}, [f"an enum of {', '.join(column_type.enums)}"]
    if isinstance(column_type, sa.Text):
        return "Text", {}, []
    if isinstance(column_type, sa.String):
        if column_type.length:
            return "String", {"max_length": column_type.length}, []
        return "Text", {}, []
    return "Text", {}, [f"the type {column_type} is a guess"]


def _decimal(column_type: sa.Numeric[Any]) -> tuple[str, dict[str, Any], list[str]]:
    if column_type.precision is None:
        options = {"max_digits": 20, "decimal_places": 10}
        return "Decimal", options, ["max_digits and decimal_places are guesses"]
    places = column_type.scale or 0
    return "Decimal", {"max_digits": column_type.precision, "decimal_places": places}, []


def _is_mysql_flag(column_type: Any) -> bool:
    """MySQL's ``TINYINT(1)``: how it spells a boolean."""
    return isinstance(column_type, mysql.TINYINT) and column_type.display_width == 1
