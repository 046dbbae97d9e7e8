"""``dates()`` and ``datetimes()``: the distinct values of a date or date-time field cut
down to a year, month, ISO week (from Monday), day — or hour, minute, second — in UTC.

The truncation is a ``Trunc`` annotation selected with ``values_list(flat=True).distinct()``:
the rows, their conversion (SQLite gives text) and the statement cache are those of any
``values_list()`` query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from heron.db.fields.temporal import Date, DateTime
from heron.db.query.datefunctions import DATE_KINDS, TIME_KINDS, Trunc
from heron.db.query.paths import Joins

if TYPE_CHECKING:
    from heron.db.query.queryset import QuerySet

__all__ = ["DATETIME_KINDS", "date_list"]

DATETIME_KINDS = (*DATE_KINDS, *TIME_KINDS)
# The name of the truncated value in the query (never seen by the caller).
COLUMN = "heron_datelist"


def _check(qs: QuerySet[Any], field_name: str, kind: str, order: str, to_date: bool) -> None:
    kinds = DATE_KINDS if to_date else DATETIME_KINDS
    if kind not in kinds:
        listed = ", ".join(repr(k) for k in kinds[:-1])
        raise ValueError(f"'kind' must be one of {listed}, or {kinds[-1]!r}.")
    if order not in ("ASC", "DESC"):
        raise ValueError("'order' must be either 'ASC' or 'DESC'.")
    field = Joins(qs.model).resolve(field_name, allow_lookup=False).field
    if not isinstance(field, (Date, DateTime)):
        raise TypeError(f"{field_name!r} isn't a Date or DateTime field.")
    if not to_date and not isinstance(field, DateTime):
        raise ValueError(f"Cannot truncate Date field {field_name!r} to a date-time.")


def date_list(qs: Any, field_name: str, kind: str, order: str, to_date: bool) -> Any:
    """``qs.dates()`` (``to_date``) or ``qs.datetimes()``: a flat ``values_list`` QuerySet."""
    _check(qs, field_name, kind, order, to_date)
    cut = Trunc(field_name, kind, output_field=Date() if to_date else DateTime())
    return (
        qs.annotate(**{COLUMN: cut})
        .values_list(COLUMN, flat=True)
        .distinct()
        .filter(**{f"{field_name}__isnull": False})
        .order_by(f"-{COLUMN}" if order == "DESC" else COLUMN)
    )
