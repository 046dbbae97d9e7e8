"""Numbers, text and booleans."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from heron.db.fields.base import Converter, Field
from heron.db.models.exceptions import ValidationError

__all__ = [
    "AutoField",
    "BigAutoField",
    "BigInteger",
    "Boolean",
    "Float",
    "Integer",
    "SmallInteger",
    "String",
    "Text",
]


class Integer(Field):
    """A 32-bit signed integer."""

    min_value = -(2**31)
    max_value = 2**31 - 1

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return sa.Integer()

    def to_python(self, value: Any) -> Any:
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        try:
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            return int(value)
        except (TypeError, ValueError):
            raise ValidationError(f"'{value}' is not a whole number.", code="invalid") from None

    def validate(self, value: Any, instance: Any = None) -> None:
        super().validate(value, instance)
        if value is not None and not self.min_value <= value <= self.max_value:
            raise ValidationError(
                f"Ensure this value is between {self.min_value} and {self.max_value}.",
                code="out_of_range",
            )


class SmallInteger(Integer):
    """A 16-bit signed integer."""

    min_value = -(2**15)
    max_value = 2**15 - 1

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return sa.SmallInteger()


class BigInteger(Integer):
    """A 64-bit signed integer."""

    min_value = -(2**63)
    max_value = 2**63 - 1

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return sa.BigInteger()


class AutoField(Integer):
    """An auto-incrementing integer primary key."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("primary_key", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def sa_column_kwargs(self) -> dict[str, Any]:
        kwargs = super().sa_column_kwargs()
        kwargs["autoincrement"] = True
        return kwargs

    def validate(self, value: Any, instance: Any = None) -> None:
        if value is not None:
            super().validate(value, instance)


class BigAutoField(AutoField):
    """An auto-incrementing 64-bit primary key: the default ``id`` of every model."""

    min_value = BigInteger.min_value
    max_value = BigInteger.max_value

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        # SQLite only auto-increments an INTEGER PRIMARY KEY (which is 64-bit there anyway).
        return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class Float(Field):
    """A double-precision float."""

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return sa.Float()

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, float):
            return value
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ValidationError(f"'{value}' is not a number.", code="invalid") from None


class Boolean(Field):
    """True or False (``null=True`` allows None)."""

    empty_values = (None,)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return sa.Boolean(create_constraint=False)

    def db_converter(self, vendor: str) -> Converter | None:
        return None if vendor == "postgresql" else _to_bool

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, bool):
            return value
        if value in (1, "1", "true", "True", "t", "yes", "on"):
            return True
        if value in (0, "0", "false", "False", "f", "no", "off", ""):
            return False
        raise ValidationError(f"'{value}' must be either True or False.", code="invalid")


def _to_bool(value: Any) -> Any:
    return None if value is None else bool(value)


class String(Field):
    """A string of at most ``max_length`` characters (``VARCHAR``)."""

    def __init__(self, *args: Any, max_length: int = 255, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if max_length is None or max_length < 1:
            raise ValueError("String fields need a positive max_length.")
        self.max_length = max_length

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return sa.String(self.max_length)

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value
        return str(value)

    def validate(self, value: Any, instance: Any = None) -> None:
        super().validate(value, instance)
        if value is not None and len(value) > self.max_length:
            raise ValidationError(
                f"Ensure this value has at most {self.max_length} characters "
                f"(it has {len(value)}).",
                code="max_length",
            )


class Text(Field):
    """Text of any length."""

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return sa.Text()

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value
        return str(value)
