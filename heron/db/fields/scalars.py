"""Numbers, text and booleans."""

from __future__ import annotations

import decimal
import enum
import math
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from heron.db.errors import DataError
from heron.db.fields.base import Converter, Field, Inline
from heron.db.models.exceptions import ValidationError

__all__ = [
    "AutoField",
    "BigAutoField",
    "BigInteger",
    "Boolean",
    "Decimal",
    "Float",
    "Integer",
    "SmallInteger",
    "String",
    "Text",
]


class Integer(Field):
    """A 32-bit signed integer."""

    python_type = int
    min_value = -(2**31)
    max_value = 2**31 - 1

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return sa.Integer()

    def to_python(self, value: Any) -> Any:
        if value is None or type(value) is int:
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            # An int subclass (``class Rank(int, Enum)``): drivers may write its str().
            return int(value)
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

    fills_on_save = True

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
    """A double-precision float (``DOUBLE PRECISION``/``DOUBLE``/``REAL``)."""

    python_type = float

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return sa.Double()

    def db_converter(self, vendor: str) -> Converter | None:
        # SQLite hands back an integer when a REAL column holds a whole number.
        return float if vendor == "sqlite" else None

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, float):
            return value
        if isinstance(value, bool):
            raise ValidationError(f"'{value}' is not a number.", code="invalid")
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ValidationError(f"'{value}' is not a number.", code="invalid") from None


# Significant digits SQLite keeps exactly: it stores NUMERIC values as 64-bit floats.
SQLITE_DECIMAL_DIGITS = 15


class Decimal(Field):
    """A fixed-point number: ``max_digits`` in total, ``decimal_places`` after the point.

    Values are ``decimal.Decimal``. PostgreSQL and MariaDB/MySQL store them exactly
    (``NUMERIC(p, s)``/``DECIMAL(p, s)``). SQLite has no decimal type: the column has
    NUMERIC affinity, which keeps 15 significant digits exactly, so a value with more
    digits is refused with ``DataError`` rather than rounded; comparisons, ordering and
    aggregates stay numeric. A value with more decimal places than the field's is rounded
    half away from zero when written, as PostgreSQL and MariaDB/MySQL round it.
    """

    def __init__(
        self, *args: Any, max_digits: int = 10, decimal_places: int = 2, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if max_digits < 1 or decimal_places < 0 or decimal_places > max_digits:
            raise ValueError(
                "Decimal fields need max_digits >= 1 and 0 <= decimal_places <= max_digits."
            )
        self.max_digits = max_digits
        self.decimal_places = decimal_places
        self.quantum = decimal.Decimal(1).scaleb(-decimal_places)
        self._context = decimal.Context(prec=max(28, max_digits))
        # SQLite hands NUMERIC values back as float (or int when whole); for the 15
        # significant digits it keeps, "%.<places>f" writes exactly the stored decimal.
        self._sqlite_format = f"%.{decimal_places}f"

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return sa.Numeric(self.max_digits, self.decimal_places, asdecimal=True)

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, decimal.Decimal):
            if value is not None and not value.is_finite():
                raise ValidationError(f"'{value}' is not a finite number.", code="invalid")
            return value
        if isinstance(value, bool):
            raise ValidationError(f"'{value}' is not a decimal number.", code="invalid")
        if isinstance(value, float):
            if not math.isfinite(value):
                raise ValidationError(f"'{value}' is not a finite number.", code="invalid")
            # repr() is the shortest text that round-trips, so 0.1 becomes Decimal("0.1").
            return decimal.Decimal(repr(value))
        try:
            result = decimal.Decimal(str(value).strip() if isinstance(value, str) else value)
        except (decimal.InvalidOperation, TypeError, ValueError):
            raise ValidationError(f"'{value}' is not a decimal number.", code="invalid") from None
        if not result.is_finite():
            raise ValidationError(f"'{value}' is not a finite number.", code="invalid")
        return result

    def validate(self, value: Any, instance: Any = None) -> None:
        super().validate(value, instance)
        if value is None:
            return
        _sign, digit_tuple, exponent = value.as_tuple()
        assert isinstance(exponent, int)
        if exponent >= 0:
            digits = len(digit_tuple) + exponent if digit_tuple != (0,) else 1
            decimals = 0
        else:
            digits = max(len(digit_tuple), -exponent)
            decimals = -exponent
        whole = digits - decimals
        if digits > self.max_digits:
            raise ValidationError(
                f"Ensure that there are no more than {self.max_digits} digits in total.",
                code="max_digits",
            )
        if decimals > self.decimal_places:
            raise ValidationError(
                f"Ensure that there are no more than {self.decimal_places} decimal places.",
                code="max_decimal_places",
            )
        if whole > self.max_digits - self.decimal_places:
            raise ValidationError(
                "Ensure that there are no more than "
                f"{self.max_digits - self.decimal_places} digits before the decimal point.",
                code="max_whole_digits",
            )

    def db_preparer(self, vendor: str) -> Converter | None:
        return self._to_sqlite if vendor == "sqlite" else None

    def db_converter(self, vendor: str) -> Converter | None:
        return self._from_sqlite if vendor == "sqlite" else None

    def db_inline(self, vendor: str) -> Inline | None:
        if vendor != "sqlite":
            return None
        return Inline(
            f"{{D}}({self._sqlite_format!r} % {{value}})",
            {"D": decimal.Decimal},
            ("DECIMAL", self.decimal_places),
        )

    def _to_sqlite(self, value: Any) -> Any:
        if isinstance(value, decimal.Decimal):
            text = str(value)
            if self._over_precise(text):
                value = value.quantize(self.quantum, decimal.ROUND_HALF_UP, self._context)
                text = str(value)
            if (  # a short text has few digits: count them only for long ones
                len(text) > SQLITE_DECIMAL_DIGITS
                and len(value.normalize().as_tuple().digits) > SQLITE_DECIMAL_DIGITS
            ):
                raise DataError(
                    f"{value} has more than {SQLITE_DECIMAL_DIGITS} significant digits, which "
                    "SQLite cannot store exactly; use PostgreSQL or MariaDB/MySQL for such values."
                )
            return text
        return value

    def _over_precise(self, text: str) -> bool:
        """Whether ``str()`` of a Decimal shows more decimal places than the field keeps."""
        if "E" in text:
            return True
        point = text.find(".")
        return point >= 0 and len(text) - point - 1 > self.decimal_places

    def _from_sqlite(self, value: Any) -> Any:
        if type(value) is float or type(value) is int:
            return decimal.Decimal(self._sqlite_format % value)
        if not isinstance(value, decimal.Decimal):
            value = decimal.Decimal(str(value))
        return value.quantize(self.quantum, context=self._context)


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

    def db_inline(self, vendor: str) -> Inline | None:
        return None if vendor == "postgresql" else _BOOL_INLINE

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, bool):
            return value
        if value in (1, "1", "true", "True", "t", "yes", "on"):
            return True
        if value in (0, "0", "false", "False", "f", "no", "off", ""):
            return False
        raise ValidationError(f"'{value}' must be either True or False.", code="invalid")


_BOOL_INLINE = Inline("bool({value})", native=("BOOL", 0))


def _to_bool(value: Any) -> Any:
    return None if value is None else bool(value)


def to_text(value: Any) -> Any:
    """``value`` as text for a text column: an Enum member (``choices=Color``) as its value."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, enum.Enum):
        return to_text(value.value)
    return str(value)


class String(Field):
    """A string of at most ``max_length`` characters (``VARCHAR``)."""

    empty_strings_allowed = True
    python_type = str

    def __init__(self, *args: Any, max_length: int = 255, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if max_length is None or max_length < 1:
            raise ValueError("String fields need a positive max_length.")
        self.max_length = max_length

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return sa.String(self.max_length)

    to_python = staticmethod(to_text)

    def validate(self, value: Any, instance: Any = None) -> None:
        super().validate(value, instance)
        if value is not None and len(value) > self.max_length:
            raise ValidationError(
                f"Ensure this value has at most {self.max_length} characters "
                f"(it has {len(value)}).",
                code="max_length",
            )


class Text(Field):
    """Text of any length (``TEXT``; ``LONGTEXT`` on MariaDB/MySQL)."""

    empty_strings_allowed = True
    python_type = str

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")

    to_python = staticmethod(to_text)
