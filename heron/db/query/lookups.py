"""Lookups (``__gt``, ``__icontains`` …) and transforms (``__year`` …) as SQLAlchemy expressions.

A lookup receives the column expression, the bound parameter(s) already created for
its values and the database vendor; ``prepare_value`` says how a lookup adapts its value
before binding (the ``%`` and ``_`` of a ``contains`` value are escaped there, so user
input is never a pattern). Case rules follow Django's documentation, with two
deliberate improvements: ``contains``/``startswith``/``endswith`` are case-sensitive on
SQLite too (``GLOB`` with its wildcards escaped), and ``iexact``/``icontains`` … are
case-insensitive on every backend. As in Django, ``exact`` on MySQL/MariaDB follows the
column's collation (case-insensitive by default there).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

from heron.db.fields.temporal import Date, DateTime, Duration, Time
from heron.db.query.datetransforms import DATE_TRANSFORMS
from heron.db.query.jsonpaths import KeyPath

__all__ = [
    "KEY_LOOKUPS",
    "KIND_FIELDS",
    "LOOKUPS",
    "TEXT_LOOKUPS",
    "TRANSFORMS",
    "TRANSFORMS_OF",
    "date_difference",
    "escape_like",
    "is_lookup",
    "kind_of_field",
    "kind_of_literal",
    "prepare_value",
    "shift_date",
    "transform_preparer",
]

Expr = Any
LookupFn = Callable[[Expr, Sequence[Expr], str], Expr]

ESCAPE = "\\"


def escape_like(value: str) -> str:
    """Escape LIKE's wildcards (and the escape character) so the value matches literally."""
    return value.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


def escape_glob(value: str) -> str:
    """Escape GLOB's wildcards (SQLite) by putting each in a one-character class."""
    return value.replace("[", "[[]").replace("*", "[*]").replace("?", "[?]")


def _like_pattern(kind: str, vendor: str) -> Callable[[Any], str]:
    if vendor == "sqlite" and kind in CASE_SENSITIVE:
        escape, wild = escape_glob, "*"
    else:
        escape, wild = escape_like, "%"
    head = wild if kind.endswith("contains") or kind.endswith("endswith") else ""
    tail = wild if kind.endswith("contains") or kind.endswith("startswith") else ""

    def pattern(value: Any) -> str:
        return f"{head}{escape(str(value))}{tail}"

    return pattern


def _case_sensitive_like(lhs: Expr, b: Sequence[Expr], vendor: str) -> Expr:
    if vendor == "sqlite":
        return lhs.op("GLOB", is_comparison=True)(b[0])
    if vendor == "mysql":
        return lhs.op("LIKE BINARY", is_comparison=True)(b[0])
    return lhs.like(b[0], escape=ESCAPE)


def _insensitive_like(lhs: Expr, b: Sequence[Expr], vendor: str) -> Expr:
    if vendor == "postgresql":
        return lhs.ilike(b[0], escape=ESCAPE)
    if vendor == "mysql":
        # The default collations compare case-insensitively; LIKE's escape is "\".
        return lhs.op("LIKE", is_comparison=True)(b[0])
    # SQLite's LIKE ignores ASCII case; ESCAPE must be spelled out there.
    return lhs.like(b[0], escape=ESCAPE)


def _exact(lhs: Expr, b: Sequence[Expr], vendor: str) -> Expr:
    if _is_key(lhs):
        return _json("exact")(lhs, b, vendor)
    return lhs == b[0]


def _iexact(lhs: Expr, b: Sequence[Expr], vendor: str) -> Expr:
    if vendor == "postgresql":
        return sa.func.upper(sa.cast(lhs, sa.Text)) == sa.func.upper(b[0])
    return sa.func.upper(lhs) == sa.func.upper(b[0])


def _in(lhs: Expr, b: Sequence[Expr], vendor: str) -> Expr:
    if not b:
        return sa.false()
    if _is_key(lhs):
        return _json("in")(lhs, b, vendor)
    return lhs.in_(list(b))


def _range(lhs: Expr, b: Sequence[Expr], vendor: str) -> Expr:
    if _is_key(lhs):
        return _json("range")(lhs, b, vendor)
    return lhs.between(b[0], b[1])


def _regex(lhs: Expr, b: Sequence[Expr], vendor: str) -> Expr:
    if vendor == "postgresql":
        return lhs.op("~", is_comparison=True)(b[0])
    if vendor == "mysql":
        return lhs.op("REGEXP BINARY", is_comparison=True)(b[0])
    return lhs.op("REGEXP", is_comparison=True)(b[0])


def _iregex(lhs: Expr, b: Sequence[Expr], vendor: str) -> Expr:
    if vendor == "postgresql":
        return lhs.op("~*", is_comparison=True)(b[0])
    # SQLite's REGEXP is Python's re (see prepare_value: the pattern gets "(?i)");
    # MariaDB/MySQL's REGEXP follows the (case-insensitive) collation.
    return lhs.op("REGEXP", is_comparison=True)(b[0])


LOOKUPS: dict[str, LookupFn] = {
    "exact": _exact,
    "iexact": _iexact,
    "gt": lambda lhs, b, v: lhs > b[0],
    "gte": lambda lhs, b, v: lhs >= b[0],
    "lt": lambda lhs, b, v: lhs < b[0],
    "lte": lambda lhs, b, v: lhs <= b[0],
    "in": _in,
    "range": _range,
    "contains": _case_sensitive_like,
    "icontains": _insensitive_like,
    "startswith": _case_sensitive_like,
    "istartswith": _insensitive_like,
    "endswith": _case_sensitive_like,
    "iendswith": _insensitive_like,
    "regex": _regex,
    "iregex": _iregex,
}

# -- JSON ---------------------------------------------------------------------------------------
#
# A JSON field's lookups (and those after one of its keys) are ``json:<name>``: the resolver
# (``jsonlookups.resolve_key``) renames them so that the compiler binds their values with
# the field's preparer; ``exact``/``in``/``range`` keep their names and detect a key path.

KEY_LOOKUPS = (
    *("gt", "gte", "lt", "lte", "iexact", "icontains", "startswith", "istartswith"),
    *("endswith", "iendswith", "regex", "iregex"),
    *("contains", "contained_by", "has_key", "has_keys", "has_any_keys"),
)


def _is_key(lhs: Expr) -> bool:
    return isinstance(lhs, KeyPath) and lhs.form == "json"


def _json(name: str) -> LookupFn:
    def lookup(lhs: Expr, b: Sequence[Expr], vendor: str) -> Expr:
        from heron.db.query.jsonlookups import json_lookup

        return json_lookup(name, lhs, b, vendor)

    return lookup


LOOKUPS.update({f"json:{name}": _json(name) for name in KEY_LOOKUPS})

# isnull is special: its value decides the SQL shape, so it takes no parameter.
NO_PARAM_LOOKUPS = frozenset({"isnull"})

CASE_SENSITIVE = frozenset({"contains", "startswith", "endswith"})
PATTERN_LOOKUPS = frozenset(
    {"contains", "icontains", "startswith", "istartswith", "endswith", "iendswith"}
)
# Lookups whose value is text whatever the field (a pattern), so the field's own
# conversion is skipped.
TEXT_LOOKUPS = frozenset({*PATTERN_LOOKUPS, "regex", "iregex", "iexact"})


def _insensitive_regex(value: Any) -> str:
    return f"(?i){value}"


def prepare_value(lookup: str, vendor: str) -> Callable[[Any], Any] | None:
    """How a text lookup adapts its value before binding (``None``: bound as given)."""
    if lookup in PATTERN_LOOKUPS:
        return _like_pattern(lookup, vendor)
    if lookup == "iregex" and vendor == "sqlite":
        return _insensitive_regex
    if lookup in TEXT_LOOKUPS:
        return str
    return None


# -- transforms -------------------------------------------------------------------------------


def _utc(lhs: Expr, vendor: str) -> Expr:
    # timestamptz values are read in the session's time zone; Heron's transforms work in UTC.
    if vendor == "postgresql" and isinstance(getattr(lhs, "type", None), sa.DateTime):
        # A literal, not a parameter: GROUP BY must repeat the SELECT expression exactly.
        return sa.func.timezone(sa.literal_column("'UTC'"), lhs)
    return lhs


def _extract(part: str) -> Callable[[Expr, str], Expr]:
    def transform(lhs: Expr, vendor: str) -> Expr:
        return sa.cast(sa.extract(part, _utc(lhs, vendor)), sa.Integer)

    return transform


def _week_day(lhs: Expr, vendor: str) -> Expr:
    """1 (Sunday) to 7 (Saturday), as Django's ``week_day``."""
    if vendor == "mysql":
        return sa.func.dayofweek(lhs)
    one: Any = sa.literal_column("1")
    if vendor == "sqlite":
        return sa.cast(sa.func.strftime(sa.literal_column("'%w'"), lhs), sa.Integer) + one
    return sa.cast(sa.extract("dow", _utc(lhs, vendor)), sa.Integer) + one


def _date(lhs: Expr, vendor: str) -> Expr:
    if vendor == "sqlite":
        return sa.func.date(lhs)
    return sa.cast(_utc(lhs, vendor), sa.Date)


TRANSFORMS: dict[str, Callable[[Expr, str], Expr]] = {
    "year": _extract("year"),
    "month": _extract("month"),
    "day": _extract("day"),
    "hour": _extract("hour"),
    "minute": _extract("minute"),
    "second": _extract("second"),
    "week_day": _week_day,
    "date": _date,
    **DATE_TRANSFORMS,  # quarter, week (ISO), iso_year, iso_week_day
}

_DATE_PARTS = frozenset({"year", "month", "day", "week_day", *DATE_TRANSFORMS})
_TIME_PARTS = frozenset({"hour", "minute", "second"})
# The transforms each kind of value accepts (as in Django: no ``hour`` of a date).
TRANSFORMS_OF: dict[str | None, frozenset[str]] = {
    "datetime": _DATE_PARTS | _TIME_PARTS | {"date"},
    "date": _DATE_PARTS,
    "time": _TIME_PARTS,
}


def _int(value: Any) -> int:
    return int(value)


def _iso_date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.isoformat() if isinstance(value, dt.date) else value


def _as_date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value


def transform_preparer(last: str, vendor: str) -> Callable[[Any], Any]:
    """How a value compared with the output of the transform ``last`` is bound."""
    if last == "date":
        return _iso_date if vendor == "sqlite" else _as_date
    return _int


def is_lookup(name: str) -> bool:
    """True when ``name`` is a lookup (``exact``, ``in``, ``isnull`` …)."""
    return name in LOOKUPS or name in NO_PARAM_LOOKUPS


# -- date arithmetic ----------------------------------------------------------------------------
#
# A value's *kind* ("datetime", "date", "time", "duration") decides the SQL of ``+``/``-``.
# Durations are intervals on PostgreSQL and integer microseconds elsewhere (as the
# ``Duration`` field stores them); SQLite date-times are Heron's UTC text
# ``YYYY-MM-DD HH:MM:SS.ffffff``, which date arithmetic keeps to the microsecond.

KIND_FIELDS = {"datetime": DateTime(), "date": Date(), "time": Time(), "duration": Duration()}


def kind_of_field(field: Any, transforms: Sequence[str] = ()) -> str | None:
    """The kind of a field's value (after ``transforms``), ``None`` when not temporal."""
    if transforms:
        return "date" if transforms[-1] == "date" else None
    if getattr(field, "generated", False):  # a GeneratedField reads as its output field
        field = field.output_field
    for kind, sample in KIND_FIELDS.items():
        if isinstance(field, type(sample)):
            return kind
    return None


def kind_of_literal(value: Any) -> str | None:
    """The kind of a Python value used in an expression (a timedelta is a duration)."""
    if isinstance(value, dt.timedelta):
        return "duration"
    if isinstance(value, dt.datetime):
        return "datetime"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, dt.time):
        return "time"
    return None


_US: Expr = sa.literal_column("1000000")  # microseconds in a second


def _sqlite_whole(value: Expr) -> Expr:
    """``YYYY-MM-DD HH:MM:SS`` in UTC of SQLite date-time text: Heron's own, or text with a
    ``T``, a ``Z`` or an offset that another program wrote (SQLite's ``datetime()`` reads
    them all)."""
    return sa.func.datetime(value)


def _lit(sql: str) -> Expr:
    return sa.literal_column(sql)


def _sqlite_fraction(value: Expr) -> Expr:
    """The microseconds of SQLite date-time text: the digits after the seconds' point, up to
    an offset or ``Z`` if any, padded to six (0 without a point)."""
    after = sa.func.substr(value, _lit("21"))
    end = sa.func.min(
        *(sa.func.instr(after.op("||")(_lit(f"'{c}'")), _lit(f"'{c}'")) for c in "+-Z")
    )
    digits = sa.func.substr(after, _lit("1"), end.op("-")(_lit("1")))
    padded = sa.func.substr(digits.op("||")(_lit("'000000'")), _lit("1"), _lit("6"))
    return sa.case(
        (sa.func.substr(value, _lit("20"), _lit("1")) == _lit("'.'"), sa.cast(padded, sa.Integer)),
        else_=_lit("0"),
    )


def _sqlite_seconds(micros: Expr) -> tuple[Expr, Expr]:
    """``micros`` as whole seconds (floored, also below zero) and the microseconds left."""
    left = micros.op("%")(_US).op("+")(_US).op("%")(_US)
    return micros.op("-")(left).op("/")(_US), left


def _sqlite_micros(value: Expr, kind: str) -> Expr:
    """A SQLite date or date-time as microseconds since 1970."""
    micros = sa.func.strftime(sa.literal_column("'%s'"), _sqlite_whole(value)).op("*")(_US)
    return micros.op("+")(_sqlite_fraction(value)) if kind == "datetime" else micros


def shift_date(value: Expr, kind: str, delta: Expr, subtract: bool, vendor: str) -> Expr:
    """``value ± delta``: a date or date-time moved by a duration, of the same kind (a date
    moved by part of a day is the day the moment falls on)."""
    if vendor == "postgresql":
        moved = value.op("-" if subtract else "+")(delta)
        return sa.cast(moved, sa.Date) if kind == "date" else moved
    if vendor == "mysql":
        step = sa.func.timestampadd(
            sa.literal_column("MICROSECOND"), -delta if subtract else delta, value
        )
        return sa.cast(step, sa.Date) if kind == "date" else step
    if kind == "date":
        seconds, _ = _sqlite_seconds(-delta if subtract else delta)
        return sa.func.date(value, seconds.op("||")(sa.literal_column("' seconds'")))
    fraction = _sqlite_fraction(value)
    seconds, micros = _sqlite_seconds(fraction.op("-" if subtract else "+")(delta))
    whole = sa.func.datetime(
        _sqlite_whole(value), seconds.op("||")(sa.literal_column("' seconds'"))
    )
    return whole.op("||")(sa.func.printf(sa.literal_column("'.%06d'"), micros))


_DAY = 86_400_000_000  # microseconds in a day


def _time_micros(value: Expr, vendor: str) -> Expr:
    """A time of day as microseconds since midnight (MariaDB, SQLite)."""
    if vendor == "mysql":
        return sa.cast(sa.func.time_to_sec(value) * _lit("1000000"), sa.BigInteger)
    hours, minutes, seconds = (
        sa.cast(sa.func.substr(value, _lit(start), _lit("2")), sa.BigInteger)
        for start in ("1", "4", "7")
    )
    padded = sa.func.substr(value, _lit("10")).op("||")(_lit("'000000'"))
    fraction = sa.case(
        (
            sa.func.substr(value, _lit("9"), _lit("1")) == _lit("'.'"),
            sa.cast(sa.func.substr(padded, _lit("1"), _lit("6")), sa.BigInteger),
        ),
        else_=sa.cast(_lit("0"), sa.BigInteger),
    )
    whole = hours * _lit("3600") + minutes * _lit("60") + seconds
    return whole * _lit("1000000") + fraction


def shift_time(value: Expr, delta: Expr, subtract: bool, vendor: str) -> Expr:
    """``value ± delta``: a time of day moved by a duration, wrapping around midnight (as
    PostgreSQL's ``time + interval`` does)."""
    if vendor == "postgresql":
        return sa.type_coerce(value.op("-" if subtract else "+")(delta), sa.Time())
    delta = sa.type_coerce(delta, sa.BigInteger)
    start = _time_micros(value, vendor)
    moved = start - delta if subtract else start + delta
    day = _lit(str(_DAY))
    micros = (moved % day + day) % day
    if vendor == "mysql":
        # SEC_TO_TIME of the whole seconds, then the microseconds added as a time: a
        # division would keep only four decimals.
        whole = sa.func.sec_to_time(micros.op("DIV")(_lit("1000000")))
        rest = sa.func.lpad(micros % _lit("1000000"), _lit("6"), _lit("'0'"))
        fraction = sa.cast(sa.func.concat(_lit("'00:00:00.'"), rest), mysql_time())
        return sa.cast(sa.func.addtime(whole, fraction), mysql_time())
    seconds = micros // _lit("1000000")
    parts = (seconds // _lit("3600"), seconds // _lit("60") % _lit("60"), seconds % _lit("60"))
    text = sa.func.printf(_lit("'%02d:%02d:%02d.%06d'"), *parts, micros % _lit("1000000"))
    return sa.type_coerce(text, sa.Time())  # as Heron stores a time on SQLite


def mysql_time() -> Any:
    """MariaDB's ``TIME(6)``, what a Heron ``Time`` column is there."""
    return KIND_FIELDS["time"].sa_type()


def time_difference(lhs: Expr, rhs: Expr, vendor: str) -> Expr:
    """``lhs - rhs`` of two times of day, as a duration."""
    if vendor == "postgresql":
        diff = lhs.op("-")(rhs)
    else:
        diff = _time_micros(lhs, vendor) - _time_micros(rhs, vendor)
    return sa.type_coerce(diff, KIND_FIELDS["duration"].sa_type())


def date_difference(lhs: Expr, rhs: Expr, kind: str, vendor: str) -> Expr:
    """``lhs - rhs`` of two dates or two date-times, as a duration (typed as one, so that a
    value compared with it is bound as a duration)."""
    if vendor == "postgresql":
        days = lhs.op("-")(rhs)
        diff = days.op("*")(sa.literal_column("INTERVAL '1 day'")) if kind == "date" else days
    elif vendor == "mysql":
        diff = sa.func.timestampdiff(sa.literal_column("MICROSECOND"), rhs, lhs)
    else:
        diff = _sqlite_micros(lhs, kind).op("-")(_sqlite_micros(rhs, kind))
    return sa.type_coerce(diff, KIND_FIELDS["duration"].sa_type())
