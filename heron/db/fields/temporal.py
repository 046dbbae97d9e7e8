"""Dates and times."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from heron.db.fields.base import Converter, Field
from heron.db.models.exceptions import ValidationError

__all__ = ["DateTime", "now"]


def now() -> dt.datetime:
    """The current time, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)


class DateTime(Field):
    """A timezone-aware date and time, stored in UTC.

    ``auto_now_add`` sets it when the row is created, ``auto_now`` on every save. Naive
    values are taken to be UTC.
    """

    def __init__(
        self, *args: Any, auto_now: bool = False, auto_now_add: bool = False, **kwargs: Any
    ) -> None:
        if auto_now or auto_now_add:
            kwargs.setdefault("editable", False)
            kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)
        self.auto_now = auto_now
        self.auto_now_add = auto_now_add

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return sa.DateTime(timezone=True)

    def pre_save(self, instance: Any, add: bool) -> Any:
        if self.auto_now or (self.auto_now_add and add):
            value = now()
            instance.__dict__[self.attname] = value
            return value
        return super().pre_save(instance, add)

    def to_python(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        if isinstance(value, dt.date):
            return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
        if isinstance(value, str):
            try:
                parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                raise ValidationError(
                    f"'{value}' is not a valid date and time (use ISO 8601).", code="invalid"
                ) from None
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
        raise ValidationError(f"'{value}' is not a valid date and time.", code="invalid")

    def db_preparer(self, vendor: str) -> Converter | None:
        if vendor == "postgresql":
            return _aware_utc
        if vendor == "sqlite":
            return _sqlite_text
        return _naive_utc

    def db_converter(self, vendor: str) -> Converter | None:
        if vendor == "postgresql":
            return _utc_from_aware
        if vendor == "sqlite":
            return _from_sqlite_text
        return _attach_utc


def _aware_utc(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return value


def _naive_utc(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _sqlite_text(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return _naive_utc(value).isoformat(sep=" ")
    return value


def _utc_from_aware(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None and value.utcoffset():
        return value.astimezone(dt.UTC)
    return value


def _attach_utc(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def _from_sqlite_text(value: Any) -> Any:
    if isinstance(value, str):
        parsed = dt.datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return value
