"""SQL functions SQLite lacks, written in Python and registered on every new connection.

SQLite's math functions (``sqrt``, ``ln``, ``sin`` …) are optional in its build: each one
missing from the linked library gets a Python version under the same name (checked once per
process), so the SQL is the same either way. What SQLite never has gets a ``heron_`` name:
``heron_reverse``, ``heron_repeat``, ``heron_lpad``/``heron_rpad``, ``heron_digest``
(MD5 and SHA), the time-zone conversions ``heron_local``/``heron_utc`` and the
``heron_stddev_pop`` … aggregates. All are deterministic (NULL in, NULL out) and, like
SQLite's own, give NULL where the math is undefined. The ``heron_string_agg`` and
``heron_array_agg`` aggregates collect values in a given order.
"""

from __future__ import annotations

import hashlib
import json
import math
import sqlite3
from collections.abc import Callable
from typing import Any

from heron.db.backends.sqlite_zones import ZONE_FUNCTIONS

__all__ = ["register_functions"]


def _nullsafe(func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` returning NULL for a NULL argument or a value outside its domain."""

    def call(*args: Any) -> Any:
        if any(arg is None for arg in args):
            return None
        try:
            return func(*args)
        except (ValueError, ZeroDivisionError, OverflowError, TypeError):
            return None

    return call


def _rounded(func: Callable[[float], float]) -> Callable[[Any], Any]:
    """``ceil``/``floor`` as SQLite's: an integer stays one, a real gives a real."""
    return lambda x: x if isinstance(x, int) else float(func(float(x)))


def _base(base: Any) -> float:
    """A logarithm's base: as SQLite's log(B, X), NULL (here: ValueError) unless above 1."""
    if float(base) <= 1:
        raise ValueError(base)
    return float(base)


def _mod(x: Any, y: Any) -> float:
    if float(y) == 0:
        raise ZeroDivisionError
    return math.fmod(float(x), float(y))


# SQLite's math functions: name -> (number of arguments, Python version).
_MATH: dict[str, tuple[int, Callable[..., Any]]] = {
    "ceil": (1, _rounded(math.ceil)),
    "floor": (1, _rounded(math.floor)),
    "mod": (2, _mod),
    "power": (2, lambda x, y: math.pow(float(x), float(y))),
    "sqrt": (1, lambda x: math.sqrt(float(x))),
    "exp": (1, lambda x: math.exp(float(x))),
    "ln": (1, lambda x: math.log(float(x))),
    "log": (2, lambda base, x: math.log(float(x), _base(base))),
    "pi": (0, lambda: math.pi),
    "degrees": (1, lambda x: math.degrees(float(x))),
    "radians": (1, lambda x: math.radians(float(x))),
    "sin": (1, lambda x: math.sin(float(x))),
    "cos": (1, lambda x: math.cos(float(x))),
    "tan": (1, lambda x: math.tan(float(x))),
    "asin": (1, lambda x: math.asin(float(x))),
    "acos": (1, lambda x: math.acos(float(x))),
    "atan": (1, lambda x: math.atan(float(x))),
    "atan2": (2, lambda y, x: math.atan2(float(y), float(x))),
    "sign": (1, lambda x: (x > 0) - (x < 0)),
}


def _pad(left: bool) -> Callable[[str, int, str], str]:
    """PostgreSQL's ``lpad``/``rpad``: cut to ``length``, or filled with repeats of ``fill``."""

    def pad(text: str, length: int, fill: str) -> str:
        text, length, fill = str(text), int(length), str(fill)
        if length <= len(text) or not fill:
            return text[: max(length, 0)]
        padding = (fill * (length // len(fill) + 1))[: length - len(text)]
        return padding + text if left else text + padding

    return pad


_DIGESTS: dict[str, Callable[..., Any]] = {
    "md5": hashlib.md5,
    "sha1": hashlib.sha1,
    "sha224": hashlib.sha224,
    "sha256": hashlib.sha256,
    "sha384": hashlib.sha384,
    "sha512": hashlib.sha512,
}


def _digest(algorithm: str, text: Any) -> str:
    """The hex digest of the UTF-8 text (a number or blob as SQLite's text of it)."""
    data = text if isinstance(text, bytes) else str(text).encode()
    return str(_DIGESTS[algorithm](data).hexdigest())


_HERON: dict[str, tuple[int, Callable[..., Any]]] = {
    "heron_reverse": (1, _nullsafe(lambda text: str(text)[::-1])),
    "heron_repeat": (2, _nullsafe(lambda text, number: str(text) * int(number))),
    "heron_lpad": (3, _nullsafe(_pad(left=True))),
    "heron_rpad": (3, _nullsafe(_pad(left=False))),
    "heron_digest": (2, _nullsafe(_digest)),
}


class _Moments:
    """Welford's running variance of the non-NULL values (the ``heron_var_*`` aggregates)."""

    sample = False
    root = False

    def __init__(self) -> None:
        self.count = 0
        self.mean = 0.0
        self.squares = 0.0

    def step(self, value: Any) -> None:
        if value is None:
            return
        self.count += 1
        delta = float(value) - self.mean
        self.mean += delta / self.count
        self.squares += delta * (float(value) - self.mean)

    def finalize(self) -> float | None:
        size = self.count - 1 if self.sample else self.count
        if size <= 0:
            return None
        variance = self.squares / size
        return math.sqrt(variance) if self.root else variance


class _VarPop(_Moments):
    pass


class _VarSamp(_Moments):
    sample = True


class _StdDevPop(_Moments):
    root = True


class _StdDevSamp(_Moments):
    sample = root = True


_AGGREGATES: dict[str, type[_Moments]] = {
    "heron_var_pop": _VarPop,
    "heron_var_samp": _VarSamp,
    "heron_stddev_pop": _StdDevPop,
    "heron_stddev_samp": _StdDevSamp,
}


def _sqlite_order(value: Any) -> tuple[int, Any]:
    """A sort key ordering values as SQLite does: NULL, numbers, text, then blobs."""
    if value is None:
        return (0, 0)
    if isinstance(value, (int, float)):
        return (1, value)
    return (2, value) if isinstance(value, str) else (3, value)


class _Collected:
    """The non-NULL values of a group, sorted and made distinct at the end (the
    ``heron_string_agg``/``heron_array_agg`` aggregates: ``StringAgg``/``ArrayAgg`` with
    ``order_by``, which SQLite before 3.44 can't order). Called as ``(value[, delimiter],
    distinct, key, how, key, how ...)``, ``how`` a bit set: 1 descending, 2 NULLs first,
    4 NULLs last."""

    takes_delimiter = False

    def __init__(self) -> None:
        self.rows: list[tuple[Any, ...]] = []
        self.delimiter = ""
        self.distinct = False
        self.ways: tuple[int, ...] = ()

    def step(self, value: Any, *args: Any) -> None:
        if value is None:
            return
        if self.takes_delimiter:
            self.delimiter, args = args[0], args[1:]
        self.distinct = bool(args[0])
        self.ways = args[2::2]
        self.rows.append((value, *args[1::2]))

    def values(self) -> list[Any]:
        rows = self.rows
        for index in reversed(range(len(self.ways))):  # stable: the last key first
            how = self.ways[index]
            descending = bool(how & 1)
            place = 0 if how & 6 == 0 else (-1 if how & 2 else 1) * (-1 if descending else 1)

            def key(row: tuple[Any, ...], i: int = index + 1, place: int = place) -> Any:
                null = row[i] is None
                return (place if null else 0, _sqlite_order(row[i]))

            rows = sorted(rows, key=key, reverse=descending)
        values = [row[0] for row in rows]
        return list(dict.fromkeys(values)) if self.distinct else values


class _StringAgg(_Collected):
    takes_delimiter = True

    def finalize(self) -> str | None:
        if not self.rows:
            return None
        return str(self.delimiter).join(str(v) for v in self.values())


class _ArrayAgg(_Collected):
    def finalize(self) -> str:
        return json.dumps(self.values())


_COLLECTING: dict[str, type[_Collected]] = {
    "heron_string_agg": _StringAgg,
    "heron_array_agg": _ArrayAgg,
}

_missing: dict[str, tuple[int, Callable[..., Any]]] | None = None


def _missing_math() -> dict[str, tuple[int, Callable[..., Any]]]:
    """The math functions the linked SQLite lacks (found once, on a scratch connection)."""
    global _missing
    if _missing is None:
        probe = sqlite3.connect(":memory:")
        try:
            found = {}
            for name, (arity, func) in _MATH.items():
                args = ", ".join(["1"] * arity)
                try:
                    probe.execute(f"SELECT {name}({args})")
                except sqlite3.OperationalError:
                    found[name] = (arity, _nullsafe(func))
        finally:
            probe.close()
        _missing = found
    return _missing


def register_functions(conn: Any) -> None:
    """Register Heron's functions (and the missing math ones) on a new connection: a
    sqlite3 one, or SQLAlchemy's aiosqlite adapter (whose own thread then registers them)."""
    if isinstance(conn, sqlite3.Connection):
        _register(conn)
        return
    from sqlalchemy.util import await_only

    driver = conn._connection  # the aiosqlite connection, running a sqlite3 one in its thread
    await_only(driver._execute(_register, driver._conn))


def _register(conn: sqlite3.Connection) -> None:
    functions = (*_missing_math().items(), *_HERON.items(), *ZONE_FUNCTIONS.items())
    for name, (arity, func) in functions:
        conn.create_function(name, arity, func, deterministic=True)
    for name, aggregate in _AGGREGATES.items():
        conn.create_aggregate(name, 1, aggregate)  # type: ignore[arg-type]  # float results
    for name, collecting in _COLLECTING.items():
        conn.create_aggregate(name, -1, collecting)  # type: ignore[arg-type]  # text results
