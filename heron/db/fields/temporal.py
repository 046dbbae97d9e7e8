"""Dates, times and durations.

Storage per database: PostgreSQL uses ``timestamptz``, ``date``, ``time`` and
``interval``; MariaDB/MySQL ``DATETIME(6)`` (UTC), ``DATE``, ``TIME(6)`` and a
``BIGINT`` of microseconds; SQLite ISO 8601 text (UTC for date-times, so text order is
time order) and a ``BIGINT`` of microseconds.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql

from heron.db.errors import DataError
from heron.db.fields.base import Converter, Field, Inline
from heron.db.fields.neighbours import neighbour_methods
from heron.db.models.exceptions import ValidationError

if TYPE_CHECKING:
    from heron.db.models.base import Model

__all__ = ["Date", "DateTime", "Duration", "Time", "now", "parse_duration"]

_MYSQL = ("mysql", "mariadb")


def now() -> dt.datetime:
    """The current time, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)


class _AutoNow(Field):
    """``auto_now`` (set on every save) and ``auto_now_add`` (set when created)."""

    def __init__(
        self, *args: Any, auto_now: bool = False, auto_now_add: bool = False, **kwargs: Any
    ) -> None:
        if auto_now and auto_now_add:
            raise ValueError("auto_now and auto_now_add are mutually exclusive.")
        if auto_now or auto_now_add:
            kwargs.setdefault("editable", False)
            kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)
        self.auto_now = auto_now
        self.auto_now_add = auto_now_add
        self.fills_on_save = auto_now or auto_now_add

    def current(self) -> Any:
        """The value ``auto_now``/``auto_now_add`` write."""
        raise NotImplementedError

    def contribute_to_class(self, model: type[Model], name: str) -> None:
        super().contribute_to_class(model, name)
        if not self.null and not isinstance(self, Time):  # a date or a date-time, never NULL
            for method_name, method in neighbour_methods(self).items():
                if method_name not in model.__dict__:
                    setattr(model, method_name, method)

    @property
    def reads_value_on_save(self) -> bool:
        return not (self.auto_now or self.auto_now_add)

    def pre_save(self, instance: Any, add: bool) -> Any:
        if self.auto_now or (self.auto_now_add and add):
            value = self.current()
            instance.__dict__[self.attname] = value
            return value
        return super().pre_save(instance, add)


class DateTime(_AutoNow):
    """A timezone-aware date and time, stored in UTC; loaded values are aware, in UTC.

    ``auto_now_add`` sets it when the row is created, ``auto_now`` on every save. Naive
    values are taken to be UTC.
    """

    #: Writes skip ``to_python`` for datetimes: every vendor's preparer reads a naive value
    #: as UTC, as ``to_python`` does.
    python_type = dt.datetime

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), *_MYSQL)

    def current(self) -> Any:
        return now()

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
                    f"'{value}' is not a valid date and time (use ISO 8601, e.g. "
                    "2024-05-01T13:30:00+00:00).",
                    code="invalid",
                ) from None
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
        raise ValidationError(f"'{value}' is not a valid date and time.", code="invalid")

    def validate(self, value: Any, instance: Any = None) -> None:
        super().validate(value, instance)
        if value is not None:
            try:
                value.astimezone(dt.UTC)
            except OverflowError:
                raise ValidationError(_utc_out_of_range(value), code="out_of_range") from None

    def db_preparer(self, vendor: str) -> Converter | None:
        if vendor == "postgresql":
            return _aware_utc
        if vendor == "sqlite":
            return _sqlite_text
        return _naive_utc

    def db_converter(self, vendor: str) -> Converter | None:
        if vendor == "postgresql":
            # Heron's PostgreSQL sessions run in UTC: both drivers already return aware
            # datetimes in datetime.UTC, so there is nothing to convert.
            return None
        if vendor == "sqlite":
            return _from_sqlite_text
        return _attach_utc

    def db_inline(self, vendor: str) -> Inline | None:
        # Heron's own naive UTC text; anything else makes fromisoformat raise ValueError
        # (an offset twice) or TypeError (not a str), and the loader falls back.
        return _UTC_TEXT_INLINE if vendor == "sqlite" else None


class Date(_AutoNow):
    """A calendar date (``datetime.date``); ``auto_now``/``auto_now_add`` use today in UTC."""

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return sa.Date()

    def current(self) -> Any:
        return now().date()

    def to_python(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            if value.tzinfo is not None:
                value = value.astimezone(dt.UTC)
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                raise ValidationError(
                    f"'{value}' is not a valid date (use YYYY-MM-DD).", code="invalid"
                ) from None
        raise ValidationError(f"'{value}' is not a valid date.", code="invalid")

    def db_preparer(self, vendor: str) -> Converter | None:
        return _isoformat if vendor == "sqlite" else None

    def db_converter(self, vendor: str) -> Converter | None:
        return _date_from_text if vendor == "sqlite" else None


class Time(_AutoNow):
    """A time of day without a time zone (``datetime.time``, microsecond precision).

    ``auto_now``/``auto_now_add`` use the current UTC time.
    """

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return sa.Time().with_variant(mysql.TIME(fsp=6), *_MYSQL)

    def current(self) -> Any:
        return now().time()

    def to_python(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            value = value.timetz()
        if isinstance(value, dt.time):
            if value.tzinfo is not None:
                raise ValidationError(
                    "Time fields store times without a time zone; convert the value "
                    "first (e.g. value.replace(tzinfo=None)).",
                    code="aware_time",
                )
            return value
        if isinstance(value, str):
            try:
                return self.to_python(dt.time.fromisoformat(value.strip()))
            except ValueError:
                raise ValidationError(
                    f"'{value}' is not a valid time (use HH:MM[:SS[.ffffff]]).", code="invalid"
                ) from None
        raise ValidationError(f"'{value}' is not a valid time.", code="invalid")

    def db_preparer(self, vendor: str) -> Converter | None:
        return _isoformat if vendor == "sqlite" else None

    def db_converter(self, vendor: str) -> Converter | None:
        if vendor == "sqlite":
            return _time_from_text
        if vendor == "mysql":
            return _time_from_mysql
        return None


class Duration(Field):
    """A span of time (``datetime.timedelta``): ``interval`` on PostgreSQL, elsewhere a
    ``BIGINT`` of microseconds (so it compares and sorts as a number)."""

    def sa_type(self) -> sa.types.TypeEngine[Any]:
        return sa.BigInteger().with_variant(postgresql.INTERVAL(), "postgresql")

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, dt.timedelta):
            return value
        try:
            parsed = _to_timedelta(value)
        except OverflowError:
            raise ValidationError(
                f"'{value}' is out of range for a duration (at most 999999999 days).",
                code="out_of_range",
            ) from None
        if parsed is not None:
            return parsed
        raise ValidationError(
            f"'{value}' is not a valid duration (use [DD] [[HH:]MM:]ss[.uuuuuu] or ISO 8601 "
            "like P3DT4H).",
            code="invalid",
        )

    def db_preparer(self, vendor: str) -> Converter | None:
        return None if vendor == "postgresql" else _microseconds

    def db_converter(self, vendor: str) -> Converter | None:
        return None if vendor == "postgresql" else _from_microseconds


def _to_timedelta(value: Any) -> dt.timedelta | None:
    """Seconds or duration text as a timedelta; ``None`` for anything else."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return dt.timedelta(seconds=value)
    if isinstance(value, str):
        return parse_duration(value)
    return None


# -- duration text --------------------------------------------------------------------------

_PLAIN_DURATION = re.compile(
    r"^(?:(?P<days>-?\d+) days?,? )?(?P<sign>-?)"
    r"(?:(?:(?P<hours>\d+):)?(?P<minutes>\d+):)?(?P<seconds>\d+(?:\.\d{1,6})?)$"
)
_ISO_DURATION = re.compile(
    r"^(?P<sign>[-+]?)P(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def parse_duration(text: str) -> dt.timedelta | None:
    """``"3 days, 4:05:06"`` (``str(timedelta)``), ``"04:05:06.5"``, ``"90"`` (seconds) or
    ISO 8601 ``"P3DT4H"``; ``None`` when the text is none of these."""
    text = text.strip()
    plain = _PLAIN_DURATION.match(text)
    if plain is not None:
        days = dt.timedelta(days=int(plain.group("days") or 0))
        clock = dt.timedelta(
            hours=int(plain.group("hours") or 0),
            minutes=int(plain.group("minutes") or 0),
            seconds=float(plain.group("seconds")),
        )
        return days - clock if plain.group("sign") == "-" else days + clock
    iso = _ISO_DURATION.match(text)
    if iso is None:
        return None
    parts = {k: float(v) for k, v in iso.groupdict().items() if v and k != "sign"}
    if not parts:
        return None
    delta = dt.timedelta(**parts)
    return -delta if iso.group("sign") == "-" else delta


# -- conversions ------------------------------------------------------------------------------

_MICROSECOND = dt.timedelta(microseconds=1)


def _microseconds(value: Any) -> Any:
    return value // _MICROSECOND if isinstance(value, dt.timedelta) else value


def _from_microseconds(value: Any) -> Any:
    return dt.timedelta(microseconds=int(value))


def _aware_utc(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        try:
            return value.astimezone(dt.UTC)
        except OverflowError:
            raise DataError(_utc_out_of_range(value)) from None
    return value


def _naive_utc(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        try:
            return value.astimezone(dt.UTC).replace(tzinfo=None)
        except OverflowError:
            raise DataError(_utc_out_of_range(value)) from None
    return value


def _utc_out_of_range(value: dt.datetime) -> str:
    return (
        f"{value.isoformat()} is out of range once converted to UTC, where date-times are "
        "stored (years 1 to 9999)."
    )


_UTC_TEXT = "%04d-%02d-%02d %02d:%02d:%02d.%06d"  # what isoformat(" ", "microseconds") writes


def _sqlite_text(value: Any) -> Any:
    if type(value) is dt.datetime and value.tzinfo is dt.UTC:  # the usual case, made short
        return _UTC_TEXT % (
            value.year,
            value.month,
            value.day,
            value.hour,
            value.minute,
            value.second,
            value.microsecond,
        )
    if isinstance(value, dt.datetime):
        # Always six fractional digits, so text comparison is chronological.
        return _naive_utc(value).isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, dt.date):
        return f"{value.isoformat()} 00:00:00.000000"
    return value


def _isoformat(value: Any) -> Any:
    if isinstance(value, dt.time):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _attach_utc(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


_UTC_TEXT_INLINE = Inline(
    "{fromiso}({value} + '+00:00')", {"fromiso": dt.datetime.fromisoformat}, ("UTC_TEXT", 0)
)


def _from_sqlite_text(value: Any) -> Any:
    if isinstance(value, str):
        try:  # Heron writes naive UTC text: parsing it with the offset appended is fastest
            return dt.datetime.fromisoformat(value + "+00:00")
        except ValueError:
            parsed = dt.datetime.fromisoformat(value)
            if parsed.tzinfo is None:
                return parsed.replace(tzinfo=dt.UTC)
            return parsed.astimezone(dt.UTC)
    return value


def _date_from_text(value: Any) -> Any:
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value


def _time_from_text(value: Any) -> Any:
    if isinstance(value, str):
        return dt.time.fromisoformat(value)
    return value


def _time_from_mysql(value: Any) -> Any:
    # The MySQL drivers return TIME columns as timedelta since midnight.
    if isinstance(value, dt.timedelta):
        seconds, micro = divmod(value // _MICROSECOND, 1_000_000)
        hours, rest = divmod(seconds, 3600)
        return dt.time(hours % 24, rest // 60, rest % 60, micro)
    return value
