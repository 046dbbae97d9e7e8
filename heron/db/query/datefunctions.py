"""Date functions: ``Trunc`` (``TruncMonth`` …, ``TruncTime``) and ``Extract``
(``ExtractYear`` …, ``ExtractWeek``/``ExtractIsoYear``/``ExtractIsoWeekDay``: ISO 8601).

Date-times are stored in UTC, and these work in UTC, like the ``__year``/``__date``
lookups whose SQL they reuse, unless ``tzinfo=`` names a zone: the date-time is then read
as that zone's wall time (``timezones``), and a truncated date-time is the instant that
wall time starts. A truncated date-time is a date-time (Heron's UTC text on SQLite, so it
compares and sorts like a stored one), a truncated date a date.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from heron.db.fields.scalars import Integer
from heron.db.query.datetransforms import DATE_TRANSFORMS
from heron.db.query.functions import Func
from heron.db.query.lookups import TRANSFORMS, TRANSFORMS_OF, kind_of_field
from heron.db.query.timezones import to_local, to_utc, trunc_local, zone_name

__all__ = [
    "DATE_KINDS",
    "TIME_KINDS",
    "Extract",
    "ExtractDay",
    "ExtractHour",
    "ExtractIsoWeekDay",
    "ExtractIsoYear",
    "ExtractMinute",
    "ExtractMonth",
    "ExtractQuarter",
    "ExtractSecond",
    "ExtractWeek",
    "ExtractWeekDay",
    "ExtractYear",
    "Trunc",
    "TruncDate",
    "TruncDay",
    "TruncHour",
    "TruncMinute",
    "TruncMonth",
    "TruncQuarter",
    "TruncSecond",
    "TruncTime",
    "TruncWeek",
    "TruncYear",
]

#: What a date (and a date-time) truncates to; what only a date-time does.
DATE_KINDS = ("year", "month", "week", "day")
TIME_KINDS = ("hour", "minute", "second")


def sql_kind(value: Any) -> str | None:
    """The kind of a built SQL expression from its type (an annotation's, say)."""
    type_ = getattr(value, "type", None)
    if isinstance(type_, sa.DateTime):
        return "datetime"
    if isinstance(type_, sa.Date):
        return "date"
    if isinstance(type_, sa.Time):
        return "time"
    return None


class _Temporal(Func):
    """A function of one date or date-time, whose SQL depends on its kind."""

    __slots__ = ("kind", "tzinfo", "zone")
    arity = 1
    reads_kinds = True
    default_kind = ""  # the kind of the subclasses (``TruncMonth``: "month")
    kinds: tuple[str, ...] = ()  # the kinds it takes

    def __init__(
        self,
        expression: Any,
        kind: str | None = None,
        output_field: Any = None,
        tzinfo: Any = None,
    ) -> None:
        super().__init__(expression, output_field=output_field)
        self.kind = kind or self.default_kind
        if self.kind not in self.kinds:
            raise ValueError(
                f"{type(self).__name__}() takes one of {', '.join(self.kinds)}, not {self.kind!r}."
            )
        self.tzinfo = tzinfo
        self.zone = zone_name(tzinfo)

    def structure(self) -> tuple[Any, ...]:
        return (self.kind, self.zone)

    def local(self, value: Any, source: str, vendor: str) -> Any:
        """``value`` as the wall time of ``tzinfo`` (a date-time; a date stays as it is)."""
        if self.zone is None or source != "datetime":
            return value
        return to_local(value, self.zone, vendor)

    def _source(self, arg: Any, kind: str | None) -> str:
        source = kind or sql_kind(arg)
        if source not in ("date", "datetime") or (source == "date" and self.kind in TIME_KINDS):
            wanted = "date-time" if self.kind in TIME_KINDS else "date or date-time"
            raise ValueError(f"{self!r} takes a {wanted}, not a {source or 'non-date'} value.")
        return source

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.source_expressions[0]!r}, {self.kind!r})"


# -- truncation ---------------------------------------------------------------------------------

# strftime()/DATE_FORMAT() patterns of the start of each period, date-time then date.
_SQLITE = {
    "year": "%Y-01-01",
    "month": "%Y-%m-01",
    "day": "%Y-%m-%d",
    "hour": "%Y-%m-%d %H:00:00",
    "minute": "%Y-%m-%d %H:%M:00",
    "second": "%Y-%m-%d %H:%M:%S",
}
_MYSQL = {**_SQLITE, "minute": "%Y-%m-%d %H:%i:00", "second": "%Y-%m-%d %H:%i:%s"}
_MIDNIGHT = " 00:00:00"


def _pattern(patterns: dict[str, str], kind: str, datetime: bool, suffix: str) -> Any:
    pattern = patterns[kind]
    if datetime:
        pattern = (pattern if kind in TIME_KINDS else pattern + _MIDNIGHT) + suffix
    return sa.literal_column(f"'{pattern}'")


def _week_start(value: Any, datetime: bool, vendor: str, type_: Any) -> Any:
    """The Monday of ``value``'s ISO week (its midnight for a date-time), MariaDB and SQLite
    (PostgreSQL's ``date_trunc('week', ...)`` is that already)."""
    if vendor == "mysql":
        day = TRANSFORMS["date"](value, vendor)
        return sa.cast(sa.func.subdate(day, sa.func.weekday(value)), type_)
    # SQLite: on to the coming Sunday (or stay on this one), then back six days.
    day = sa.func.date(value, sa.literal_column("'weekday 0'"), sa.literal_column("'-6 days'"))
    if datetime:
        day = day.op("||")(sa.literal_column(f"'{_MIDNIGHT}.000000'"))
    return sa.type_coerce(day, type_)


def _quarter_start(value: Any, datetime: bool, vendor: str, type_: Any) -> Any:
    """The first day of ``value``'s quarter (its midnight for a date-time), MariaDB and SQLite."""
    quarter = DATE_TRANSFORMS["quarter"](value, vendor)
    months_in = sa.literal_column("3") * (quarter - sa.literal_column("1"))
    if vendor == "mysql":
        january = sa.func.makedate(sa.func.year(value), sa.literal_column("1"))
        return sa.cast(sa.func.timestampadd(sa.literal_column("MONTH"), months_in, january), type_)
    # SQLite: back from the start of the month to the quarter's first ("-2 months").
    month = sa.cast(sa.func.strftime(sa.literal_column("'%m'"), value), sa.Integer)
    back = month - sa.literal_column("1") - months_in
    shift = (
        sa.literal_column("'-'")
        .op("||")(back.self_group())
        .op("||")(sa.literal_column("' months'"))
    )
    day: Any = sa.func.date(value, sa.literal_column("'start of month'"), shift)
    if datetime:
        day = day.op("||")(sa.literal_column(f"'{_MIDNIGHT}.000000'"))
    return sa.type_coerce(day, type_)


def trunc_sql(value: Any, kind: str, source: str, vendor: str, type_: Any) -> Any:
    """``value`` (a ``source``: "date" or "datetime") truncated to the start of its ``kind``
    (a week starts on Monday)."""
    datetime = source == "datetime"
    if kind == "week" and vendor != "postgresql":
        return _week_start(value, datetime, vendor, type_)
    if kind == "quarter" and vendor != "postgresql":
        return _quarter_start(value, datetime, vendor, type_)
    if vendor == "postgresql":
        unit: Any = sa.literal_column(f"'{kind}'")
        if not datetime:
            return sa.cast(sa.func.date_trunc(unit, value), sa.Date)
        utc: Any = sa.literal_column("'UTC'")
        return sa.func.timezone(
            utc, sa.func.date_trunc(unit, sa.func.timezone(utc, value)), type_=type_
        )
    if vendor == "mysql":
        text = sa.func.date_format(value, _pattern(_MYSQL, kind, datetime, ""))
        return sa.cast(text, type_)
    return sa.type_coerce(
        sa.func.strftime(_pattern(_SQLITE, kind, datetime, ".000000"), value), type_
    )


class Trunc(_Temporal):
    """A date or date-time truncated to the start of its year, quarter, month, week (Monday),
    day, hour, minute or second (the last three for date-times only); ``output_field=Date()``
    makes a date."""

    kinds = (*DATE_KINDS, "quarter", *TIME_KINDS)

    def build(self, args: list[Any], kinds: Sequence[str | None], vendor: str) -> Any:
        source = self._source(args[0], kinds[0])
        type_ = args[0].type if source == "datetime" else sa.Date()
        if self.zone is not None and source == "datetime":
            return self._build_in_zone(args[0], vendor, type_, kinds)
        value = trunc_sql(args[0], self.kind, source, vendor, type_)
        if source == "datetime" and self.result_kind(kinds) == "date":
            return TRANSFORMS["date"](value, vendor)
        return value

    def _build_in_zone(
        self, value: Any, vendor: str, type_: Any, kinds: Sequence[str | None]
    ) -> Any:
        """Truncate the wall time in ``tzinfo``; a date-time result is that wall time's
        instant (in UTC, as Heron stores them), a date result its date."""
        assert self.zone is not None
        local = to_local(value, self.zone, vendor)
        if vendor == "postgresql":
            truncated = trunc_local(local, self.kind, vendor)
        else:
            truncated = trunc_sql(local, self.kind, "datetime", vendor, type_)
        if self.result_kind(kinds) == "date":
            return TRANSFORMS["date"](truncated, vendor)
        return to_utc(truncated, self.zone, vendor, type_)

    def result_kind(self, kinds: Sequence[str | None]) -> str | None:
        if self.output_field is not None:
            return kind_of_field(self.output_field)
        return kinds[0] if kinds[0] in ("date", "datetime") else None


class TruncYear(Trunc):
    """The first moment (or day) of the year."""

    default_kind = "year"


class TruncQuarter(Trunc):
    """The first moment (or day) of the quarter."""

    default_kind = "quarter"


class TruncMonth(Trunc):
    """The first moment (or day) of the month."""

    default_kind = "month"


class TruncWeek(Trunc):
    """The first moment (or day) of the ISO week, a Monday."""

    default_kind = "week"


class TruncDay(Trunc):
    """The start of the day."""

    default_kind = "day"


class TruncHour(Trunc):
    """The start of the hour."""

    default_kind = "hour"


class TruncMinute(Trunc):
    """The start of the minute."""

    default_kind = "minute"


class TruncSecond(Trunc):
    """The date-time without its microseconds."""

    default_kind = "second"


class TruncDate(_Temporal):
    """The (UTC) date of a date-time, as the ``__date`` lookup."""

    default_kind = "date"
    kinds = ("date",)

    def __init__(self, expression: Any, output_field: Any = None, tzinfo: Any = None) -> None:
        super().__init__(expression, output_field=output_field, tzinfo=tzinfo)

    def build(self, args: list[Any], kinds: Sequence[str | None], vendor: str) -> Any:
        if self._source(args[0], kinds[0]) == "date":
            return args[0]
        local = self.local(args[0], "datetime", vendor)
        return sa.type_coerce(TRANSFORMS["date"](local, vendor), sa.Date())

    def result_kind(self, kinds: Sequence[str | None]) -> str | None:
        return "date"


class TruncTime(_Temporal):
    """The (UTC) time of day of a date-time, a ``datetime.time``."""

    default_kind = "time"
    kinds = ("time",)

    def __init__(self, expression: Any, output_field: Any = None, tzinfo: Any = None) -> None:
        super().__init__(expression, output_field=output_field, tzinfo=tzinfo)

    def build(self, args: list[Any], kinds: Sequence[str | None], vendor: str) -> Any:
        value = args[0]
        source = kinds[0] or sql_kind(value)
        if source != "datetime":
            raise ValueError(f"{self!r} takes a date-time, not a {source or 'non-date'} value.")
        if self.zone is not None:
            value = self.local(value, source, vendor)
            if vendor == "postgresql":
                return sa.cast(value, sa.Time())
        if vendor == "sqlite":  # Heron's UTC text: "YYYY-MM-DD HH:MM:SS.ffffff"
            return sa.type_coerce(sa.func.substr(value, sa.literal_column("12")), sa.Time())
        if vendor == "mysql":  # TIME() keeps the microseconds, CAST(AS TIME) drops them
            return sa.func.time(value, type_=sa.Time())
        return sa.cast(sa.func.timezone(sa.literal_column("'UTC'"), value), sa.Time())

    def result_kind(self, kinds: Sequence[str | None]) -> str | None:
        return "time"


# -- extraction ---------------------------------------------------------------------------------

_INTEGER = Integer()


def extract_sql(value: Any, part: str, vendor: str) -> Any:
    """The ``part`` of ``value`` as an integer (in UTC)."""
    if part in DATE_TRANSFORMS:
        return DATE_TRANSFORMS[part](value, vendor)
    return TRANSFORMS[part](value, vendor)


class Extract(_Temporal):
    """A part of a date, date-time or time as an int: ``year``, ``quarter``, ``month``,
    ``day``, ``week_day`` (1 = Sunday … 7 = Saturday), ``hour``, ``minute``, ``second``, and
    ISO 8601's ``week``, ``iso_year`` and ``iso_week_day`` (1 = Monday … 7 = Sunday)."""

    kinds = (
        "year",
        "quarter",
        "month",
        "day",
        "week_day",
        "hour",
        "minute",
        "second",
        *DATE_TRANSFORMS,
    )
    default_output_field = _INTEGER

    def __init__(
        self,
        expression: Any,
        lookup_name: str | None = None,
        output_field: Any = None,
        tzinfo: Any = None,
    ) -> None:
        super().__init__(expression, lookup_name, output_field=output_field, tzinfo=tzinfo)

    @property
    def lookup_name(self) -> str:
        return self.kind

    def build(self, args: list[Any], kinds: Sequence[str | None], vendor: str) -> Any:
        source = kinds[0] or sql_kind(args[0])
        allowed = TRANSFORMS_OF.get(source, frozenset(self.kinds))
        if source in ("date", "datetime"):
            allowed = allowed | DATE_TRANSFORMS.keys()
        if self.kind not in allowed:
            raise ValueError(f"{self!r}: a {source} has no {self.kind}.")
        return extract_sql(self.local(args[0], source or "", vendor), self.kind, vendor)

    def result_kind(self, kinds: Sequence[str | None]) -> str | None:
        return None


class ExtractYear(Extract):
    """The year."""

    default_kind = "year"


class ExtractQuarter(Extract):
    """The quarter of the year, 1 to 4."""

    default_kind = "quarter"


class ExtractMonth(Extract):
    """The month, 1 to 12."""

    default_kind = "month"


class ExtractDay(Extract):
    """The day of the month."""

    default_kind = "day"


class ExtractWeekDay(Extract):
    """The day of the week, 1 (Sunday) to 7 (Saturday), as in Django."""

    default_kind = "week_day"


class ExtractWeek(Extract):
    """The ISO 8601 week number, 1 to 53 (week 1 holds the year's first Thursday)."""

    default_kind = "week"


class ExtractIsoYear(Extract):
    """The ISO 8601 week-numbering year (2024-12-30 is in 2025's week 1)."""

    default_kind = "iso_year"


class ExtractIsoWeekDay(Extract):
    """The day of the week, 1 (Monday) to 7 (Sunday), as ISO 8601."""

    default_kind = "iso_week_day"


class ExtractHour(Extract):
    """The hour, 0 to 23 (UTC)."""

    default_kind = "hour"


class ExtractMinute(Extract):
    """The minute."""

    default_kind = "minute"


class ExtractSecond(Extract):
    """The second."""

    default_kind = "second"
