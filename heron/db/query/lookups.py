"""Lookups (``__gt``, ``__icontains`` …) and transforms (``__year`` …) as SQLAlchemy expressions.

A lookup receives the column expression, the bound parameter(s) already created for
its values and the database vendor; ``PREPARERS`` adapt a lookup's value before binding
(the ``%`` and ``_`` of a ``contains`` value are escaped there, so user input is never a
pattern).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

__all__ = [
    "LOOKUPS",
    "PREPARERS",
    "TRANSFORMS",
    "escape_like",
    "is_lookup",
    "is_transform",
    "prepare_value",
]

Expr = Any
LookupFn = Callable[[Expr, Sequence[Expr], str], Expr]

ESCAPE = "\\"


def escape_like(value: str) -> str:
    """Escape LIKE's wildcards so the value matches literally."""
    return value.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


def _contains_value(value: Any) -> str:
    return f"%{escape_like(str(value))}%"


def _startswith_value(value: Any) -> str:
    return f"{escape_like(str(value))}%"


def _endswith_value(value: Any) -> str:
    return f"%{escape_like(str(value))}"


def _case_sensitive(kind: str) -> LookupFn:
    def lookup(lhs: Expr, b: Sequence[Expr], vendor: str) -> Expr:
        if vendor == "postgresql":
            return lhs.like(b[0], escape=ESCAPE)
        if vendor == "mysql":
            return lhs.op("LIKE BINARY")(b[0])
        # SQLite's LIKE ignores ASCII case, so compare the plain value (see prepare_value).
        if kind == "contains":
            return sa.func.instr(lhs, b[0]) > 0
        if kind == "startswith":
            return sa.func.substr(lhs, 1, sa.func.length(b[0])) == b[0]
        return sa.func.substr(lhs, -sa.func.length(b[0])) == b[0]

    return lookup


def _insensitive_like(lhs: Expr, pattern: Expr, vendor: str) -> Expr:
    if vendor == "postgresql":
        return lhs.ilike(pattern, escape=ESCAPE)
    return sa.func.lower(lhs).like(sa.func.lower(pattern), escape=ESCAPE)


def _exact(lhs: Expr, b: Sequence[Expr], vendor: str) -> Expr:
    return lhs == b[0]


def _iexact(lhs: Expr, b: Sequence[Expr], vendor: str) -> Expr:
    return sa.func.lower(lhs) == sa.func.lower(b[0])


def _in(lhs: Expr, b: Sequence[Expr], vendor: str) -> Expr:
    if not b:
        return sa.false()
    return lhs.in_(list(b))


def _range(lhs: Expr, b: Sequence[Expr], vendor: str) -> Expr:
    return lhs.between(b[0], b[1])


def _regex(lhs: Expr, b: Sequence[Expr], vendor: str) -> Expr:
    if vendor == "mysql":
        return lhs.op("REGEXP BINARY")(b[0])
    return lhs.regexp_match(b[0])


def _iregex(lhs: Expr, b: Sequence[Expr], vendor: str) -> Expr:
    if vendor == "postgresql":
        return lhs.op("~*")(b[0])
    return lhs.regexp_match(b[0], flags="i") if vendor == "sqlite" else lhs.op("REGEXP")(b[0])


LOOKUPS: dict[str, LookupFn] = {
    "exact": _exact,
    "iexact": _iexact,
    "gt": lambda lhs, b, v: lhs > b[0],
    "gte": lambda lhs, b, v: lhs >= b[0],
    "lt": lambda lhs, b, v: lhs < b[0],
    "lte": lambda lhs, b, v: lhs <= b[0],
    "in": _in,
    "range": _range,
    "contains": _case_sensitive("contains"),
    "icontains": lambda lhs, b, v: _insensitive_like(lhs, b[0], v),
    "startswith": _case_sensitive("startswith"),
    "istartswith": lambda lhs, b, v: _insensitive_like(lhs, b[0], v),
    "endswith": _case_sensitive("endswith"),
    "iendswith": lambda lhs, b, v: _insensitive_like(lhs, b[0], v),
    "regex": _regex,
    "iregex": _iregex,
}

# isnull is special: its value decides the SQL shape, so it takes no parameter.
NO_PARAM_LOOKUPS = frozenset({"isnull"})

PREPARERS: dict[str, Callable[[Any], Any]] = {
    "contains": _contains_value,
    "icontains": _contains_value,
    "startswith": _startswith_value,
    "istartswith": _startswith_value,
    "endswith": _endswith_value,
    "iendswith": _endswith_value,
}

CASE_SENSITIVE = frozenset({"contains", "startswith", "endswith"})


def prepare_value(lookup: str, vendor: str) -> Callable[[Any], Any] | None:
    """How a lookup's value is adapted before binding (``None``: bound as the field says)."""
    if vendor == "sqlite" and lookup in CASE_SENSITIVE:
        return str
    return PREPARERS.get(lookup)


# Lookups whose value is text whatever the field (a pattern), so the field's own
# conversion is skipped.
TEXT_LOOKUPS = frozenset({*PREPARERS, "regex", "iregex"})


def _extract(part: str) -> Callable[[Expr, str], Expr]:
    def transform(lhs: Expr, vendor: str) -> Expr:
        return sa.cast(sa.extract(part, lhs), sa.Integer)

    return transform


def _date(lhs: Expr, vendor: str) -> Expr:
    if vendor == "sqlite":
        return sa.func.date(lhs)
    return sa.cast(lhs, sa.Date)


TRANSFORMS: dict[str, Callable[[Expr, str], Expr]] = {
    "year": _extract("year"),
    "month": _extract("month"),
    "day": _extract("day"),
    "hour": _extract("hour"),
    "minute": _extract("minute"),
    "week_day": _extract("dow"),
    "date": _date,
}


def is_lookup(name: str) -> bool:
    return name in LOOKUPS or name in NO_PARAM_LOOKUPS


def is_transform(name: str) -> bool:
    return name in TRANSFORMS
