"""The ``quarter``, ``week`` (ISO week number), ``iso_year`` and ``iso_week_day`` (1 = Monday)
parts of a date or date-time (in UTC), as integers: what ``ExtractQuarter``, ``ExtractWeek``
… compute, shaped as ``lookups.TRANSFORMS`` entries (``fn(expression, vendor)``) so
``pub__week=`` can reuse them. Depends on SQLAlchemy only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

__all__ = ["DATE_TRANSFORMS"]


def _utc(value: Any, vendor: str) -> Any:
    """A PostgreSQL ``timestamptz`` read in UTC (a literal zone: GROUP BY repeats it)."""
    if vendor == "postgresql" and isinstance(getattr(value, "type", None), sa.DateTime):
        return sa.func.timezone(sa.literal_column("'UTC'"), value)
    return value


def _int(value: Any) -> Any:
    return sa.cast(value, sa.Integer)


def _const(sql: str) -> Any:
    """A constant in the SQL text (a parameter would not match in GROUP BY)."""
    return sa.literal_column(sql, sa.Integer)


def _sqlite_thursday(value: Any, pattern: str) -> Any:
    """``strftime(pattern)`` of the Thursday of ``value``'s ISO week (SQLite before 3.46
    has no ``%V``/``%G``): back three days, then on to the next Thursday."""
    return sa.func.strftime(
        _const(f"'{pattern}'"), value, _const("'-3 days'"), _const("'weekday 4'")
    )


def _quarter(value: Any, vendor: str) -> Any:
    if vendor == "postgresql":
        return _int(sa.extract("quarter", _utc(value, vendor)))
    if vendor == "mysql":
        return _int(sa.func.quarter(value))
    month = _int(sa.func.strftime(_const("'%m'"), value))
    return (month + _const("2")) // _const("3")


def _week(value: Any, vendor: str) -> Any:
    if vendor == "postgresql":
        return _int(sa.extract("week", _utc(value, vendor)))
    if vendor == "mysql":
        return _int(sa.func.week(value, _const("3")))  # mode 3: ISO 8601
    return (_int(_sqlite_thursday(value, "%j")) - _const("1")) // _const("7") + _const("1")


def _iso_year(value: Any, vendor: str) -> Any:
    if vendor == "postgresql":
        return _int(sa.extract("isoyear", _utc(value, vendor)))
    if vendor == "mysql":
        return _int(sa.func.yearweek(value, _const("3"))) // _const("100")
    return _int(_sqlite_thursday(value, "%Y"))


def _iso_week_day(value: Any, vendor: str) -> Any:
    if vendor == "postgresql":
        return _int(sa.extract("isodow", _utc(value, vendor)))
    if vendor == "mysql":
        return _int(sa.func.weekday(value)) + _const("1")
    sunday_based = _int(sa.func.strftime(_const("'%w'"), value))  # 0 = Sunday
    return (sunday_based + _const("6")) % _const("7") + _const("1")


DATE_TRANSFORMS: dict[str, Callable[[Any, str], Any]] = {
    "quarter": _quarter,
    "week": _week,
    "iso_year": _iso_year,
    "iso_week_day": _iso_week_day,
}
