"""UUID, JSON, binary and enumeration fields."""

from __future__ import annotations

import enum
import math
import uuid
from collections.abc import Callable
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql

from heron.db.fields.base import Converter, Field, enum_label
from heron.db.models.exceptions import ValidationError

__all__ = ["JSON", "UUID", "Binary", "Enum"]


class UUID(Field):
    """A ``uuid.UUID``: native ``uuid`` on PostgreSQL, ``CHAR(32)`` hex elsewhere.

    A primary key of this type needs a default: ``fields.UUID(primary_key=True,
    default=uuid.uuid4)``.
    """

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return sa.Uuid(as_uuid=True)

    def to_python(self, value: Any) -> Any:
        if value is None or type(value) is uuid.UUID:
            return value
        try:
            if isinstance(value, uuid.UUID):
                return uuid.UUID(int=value.int)
            if isinstance(value, int) and not isinstance(value, bool):
                return uuid.UUID(int=value)
            if isinstance(value, bytes) and len(value) == 16:
                return uuid.UUID(bytes=value)
            return uuid.UUID(str(value).strip())
        except (ValueError, TypeError, AttributeError):
            raise ValidationError(f"'{value}' is not a valid UUID.", code="invalid") from None

    def db_preparer(self, vendor: str) -> Converter | None:
        return None if vendor == "postgresql" else _uuid_hex

    def db_converter(self, vendor: str) -> Converter | None:
        return _uuid_from_db


def _uuid_hex(value: Any) -> Any:
    return value.hex if isinstance(value, uuid.UUID) else value


def _uuid_from_db(value: Any) -> Any:
    if type(value) is uuid.UUID:
        return value
    if isinstance(value, uuid.UUID):  # asyncpg's own UUID subclass
        return uuid.UUID(int=value.int)
    if isinstance(value, bytes):
        value = value.decode("ascii")
    return uuid.UUID(value)


JSONEncoder = Callable[[Any], Any]


class JSON(Field):
    """Any JSON value (dicts, lists, strings, numbers, booleans).

    Stored as ``jsonb`` on PostgreSQL, ``JSON`` on MariaDB/MySQL (``LONGTEXT`` with a
    validity check on MariaDB) and text on SQLite; encoded with orjson. ``encoder`` is
    orjson's ``default`` hook for types it does not know (``Decimal`` …). Python ``None``
    is SQL ``NULL`` (so it needs ``null=True``).
    """

    empty_values = (None,)

    def __init__(self, *args: Any, encoder: JSONEncoder | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.encoder = encoder

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return (
            sa.JSON()
            .with_variant(postgresql.JSONB(), "postgresql")
            .with_variant(mysql.JSON(), "mysql", "mariadb")
            .with_variant(sa.Text(), "sqlite")
        )

    def dumps(self, value: Any) -> str:
        """The JSON text of ``value``."""
        try:
            return orjson.dumps(value, default=self.encoder).decode()
        except TypeError as exc:
            raise ValidationError(
                f"Value of type {type(value).__name__} is not JSON serializable ({exc}).",
                code="invalid",
            ) from None

    def to_python(self, value: Any) -> Any:
        return value

    def validate(self, value: Any, instance: Any = None) -> None:
        super().validate(value, instance)
        if value is not None:
            self.dumps(value)
            if _has_non_finite(value):
                raise ValidationError(
                    "JSON has no NaN and Infinity (they would be stored as null).",
                    code="invalid",
                )

    def db_preparer(self, vendor: str) -> Converter | None:
        return self.dumps

    def db_converter(self, vendor: str) -> Converter | None:
        return _json_loads


def _has_non_finite(value: Any) -> bool:
    """Whether a float NaN or infinity is anywhere in ``value`` (orjson writes them as null)."""
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(map(_has_non_finite, value.values()))
    if isinstance(value, (list, tuple)):
        return any(map(_has_non_finite, value))
    return False


def _json_loads(value: Any) -> Any:
    # Heron's PostgreSQL backend has both drivers return json/jsonb as text, like the
    # other databases; anything else is taken as already decoded.
    if isinstance(value, (str, bytes, bytearray, memoryview)):
        return orjson.loads(value)
    return value


class Binary(Field):
    """Raw bytes (``bytea``/``LONGBLOB``/``BLOB``)."""

    empty_values = (None, b"")

    def __init__(self, *args: Any, max_length: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_length = max_length

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return sa.LargeBinary().with_variant(mysql.LONGBLOB(), "mysql", "mariadb")

    def to_python(self, value: Any) -> Any:
        if value is None or type(value) is bytes:
            return value
        if isinstance(value, (bytes, bytearray, memoryview)):
            return bytes(value)
        raise ValidationError(
            f"Binary fields take bytes, not {type(value).__name__}.", code="invalid"
        )

    def validate(self, value: Any, instance: Any = None) -> None:
        super().validate(value, instance)
        if value is not None and self.max_length is not None and len(value) > self.max_length:
            raise ValidationError(
                f"Ensure this value has at most {self.max_length} bytes (it has {len(value)}).",
                code="max_length",
            )

    def db_converter(self, vendor: str) -> Converter | None:
        return _to_bytes


def _to_bytes(value: Any) -> Any:
    return value if type(value) is bytes else bytes(value)


class Enum(Field):
    """A member of a Python ``enum.Enum``, stored as its value.

    ``fields.Enum(Color)`` stores ``Color.RED.value``: a ``VARCHAR`` (as long as the
    longest value, or ``max_length``) for text values, an ``INTEGER`` for whole numbers.
    Loaded values are members; ``get_<name>_display()`` gives the member's ``label`` if
    it has one, else its name in words.
    """

    def __init__(
        self, enum_class: type[enum.Enum], *args: Any, max_length: int | None = None, **kwargs: Any
    ) -> None:
        if not (isinstance(enum_class, type) and issubclass(enum_class, enum.Enum)):
            raise TypeError("fields.Enum takes an enum.Enum subclass.")
        members = list(enum_class)
        if not members:
            raise TypeError(f"{enum_class.__name__} has no members.")
        values = [m.value for m in members]
        if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            self.storage = "int"
        elif all(isinstance(v, str) for v in values):
            self.storage = "str"
        else:
            raise TypeError(
                f"fields.Enum needs {enum_class.__name__}'s values to be all str or all int."
            )
        longest = max(len(v) for v in values) if self.storage == "str" else 0
        self.max_length = max_length or max(longest, 1)
        default = kwargs.get("default")
        if isinstance(default, enum.Enum) and not isinstance(default, enum_class):
            raise TypeError(f"The default must be a {enum_class.__name__} member.")
        kwargs["choices"] = [(m.value, enum_label(m)) for m in members]
        super().__init__(*args, **kwargs)
        self.enum_class = enum_class

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        if self.storage == "int":
            return sa.Integer()
        return sa.String(self.max_length)

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, self.enum_class):
            return value
        try:
            return self.enum_class(value)
        except ValueError:
            pass
        if isinstance(value, str):
            member = self.enum_class.__members__.get(value)
            if member is not None:
                return member
            if self.storage == "int" and value.strip().lstrip("-").isdigit():
                return self.to_python(int(value))
        allowed = ", ".join(repr(m.value) for m in self.enum_class)
        raise ValidationError(
            f"{value!r} is not a valid {self.enum_class.__name__} (choose one of {allowed}).",
            code="invalid_choice",
        )

    def validate(self, value: Any, instance: Any = None) -> None:
        # Membership is checked by to_python; only null/blank remain.
        if value is None and not self.null:
            raise ValidationError("This field cannot be null.", code="null")

    def db_preparer(self, vendor: str) -> Converter | None:
        return _enum_value

    def db_converter(self, vendor: str) -> Converter | None:
        return self._member

    def _member(self, value: Any) -> Any:
        try:
            return self.enum_class(value)
        except ValueError:
            # A value no longer in the Enum: keep the raw value rather than fail the load.
            return value


def _enum_value(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value
