"""Math functions: ``Ceil``, ``Floor``, ``Sign``, ``Mod`` (read as their first argument:
an int, ``Decimal`` or float), and ``Sqrt``, ``Power``, ``Ln``, ``Log``, trigonometry,
``Pi`` and ``Random``, computed in double precision and read as floats on every backend.

On SQLite these are its own math functions, or Python ones where its build lacks them
(``heron.db.backends.sqlite_functions``). Outside a function's domain (``Sqrt(-1)``,
``Ln(0)``) SQLite and MariaDB give NULL; PostgreSQL raises ``DataError``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from heron.db.fields.scalars import Float
from heron.db.query.functions import Func, bound_as

__all__ = [
    "ACos",
    "ASin",
    "ATan",
    "ATan2",
    "Ceil",
    "Cos",
    "Cot",
    "Degrees",
    "Exp",
    "Floor",
    "Ln",
    "Log",
    "Mod",
    "Pi",
    "Power",
    "Radians",
    "Random",
    "Sign",
    "Sin",
    "Sqrt",
    "Tan",
]

_DOUBLE = sa.Float()
_NUMERIC = sa.Numeric()


def _is_decimal(arg: Any) -> bool:
    type_ = getattr(arg, "type", None)
    return isinstance(type_, sa.Numeric) and not isinstance(type_, sa.Float)


# -- read as the argument -------------------------------------------------------------------


class _Typed(Func):
    """A function of numbers whose result is read as its first argument is."""

    arity = 1
    typed_as_arguments = True

    def sql(self, args: list[Any], vendor: str) -> Any:
        value = getattr(sa.func, self.function)(*args, type_=args[0].type)
        if vendor == "sqlite" and _is_decimal(args[0]) and self.function != "mod":
            # SQLite's ceil(10.5) is the real 11.0; the others give a whole DECIMAL.
            return sa.type_coerce(sa.cast(value, sa.Integer()), args[0].type)
        return value


class Ceil(_Typed):
    """The smallest whole number not below the value."""

    function = "ceil"


class Floor(_Typed):
    """The largest whole number not above the value."""

    function = "floor"


class Sign(_Typed):
    """-1, 0 or 1 as the value is negative, zero or positive."""

    function = "sign"


class Mod(_Typed):
    """The remainder of ``x / y``, with the sign of ``x`` (as C's ``fmod``)."""

    function = "mod"
    arity = 2

    def sql(self, args: list[Any], vendor: str) -> Any:
        if vendor == "postgresql":  # mod() there takes integers or numerics
            args = [
                sa.cast(a, _NUMERIC)
                if isinstance(a, sa.BindParameter) or isinstance(a.type, sa.Float)
                else a
                for a in args
            ]
        return super().sql(args, vendor)


# -- read as a float ------------------------------------------------------------------------


class _Double(Func):
    """A function computed in double precision (a parameter binds as one on PostgreSQL)."""

    arity = 1
    default_output_field = Float()

    def sql(self, args: list[Any], vendor: str) -> Any:
        doubles = [bound_as(arg, _DOUBLE, vendor) for arg in args]
        return getattr(sa.func, self.function)(*doubles, type_=_DOUBLE)


class Sqrt(_Double):
    """The square root."""

    function = "sqrt"


class Exp(_Double):
    """*e* to the power of the value."""

    function = "exp"


class Ln(_Double):
    """The natural logarithm."""

    function = "ln"


class Log(_Double):
    """The logarithm of ``x`` to ``base`` (Django's order: ``Log(base, x)``)."""

    function = "log"
    arity = 2

    def sql(self, args: list[Any], vendor: str) -> Any:
        if vendor == "postgresql":  # log(b, x) there takes numerics only
            return sa.func.log(*(sa.cast(a, _NUMERIC) for a in args), type_=_DOUBLE)
        return super().sql(args, vendor)


class Power(_Double):
    """``x`` to the power ``y``."""

    function = "power"
    arity = 2


class Pi(_Double):
    """π."""

    function = "pi"
    arity = 0

    def sql(self, args: list[Any], vendor: str) -> Any:
        if vendor == "mysql":  # PI() is sent with six decimals; as a double it is whole
            return sa.func.pi(type_=_DOUBLE) + sa.literal_column("0E0")
        return super().sql(args, vendor)


class Degrees(_Double):
    """Radians converted to degrees."""

    function = "degrees"


class Radians(_Double):
    """Degrees converted to radians."""

    function = "radians"


class Sin(_Double):
    """The sine (of radians)."""

    function = "sin"


class Cos(_Double):
    """The cosine."""

    function = "cos"


class Tan(_Double):
    """The tangent."""

    function = "tan"


class Cot(_Double):
    """The cotangent (``1 / tan`` on SQLite, which has no ``cot``)."""

    function = "cot"

    def sql(self, args: list[Any], vendor: str) -> Any:
        if vendor == "sqlite":
            return sa.literal_column("1.0", _DOUBLE) / sa.func.tan(args[0], type_=_DOUBLE)
        return super().sql(args, vendor)


class ASin(_Double):
    """The arcsine, in radians."""

    function = "asin"


class ACos(_Double):
    """The arccosine, in radians."""

    function = "acos"


class ATan(_Double):
    """The arctangent, in radians."""

    function = "atan"


class ATan2(_Double):
    """The arctangent of ``y / x`` in the right quadrant (``ATan2(y, x)``)."""

    function = "atan2"
    arity = 2


class Random(_Double):
    """A random float in [0, 1), new for each row."""

    arity = 0

    def sql(self, args: list[Any], vendor: str) -> Any:
        if vendor == "mysql":
            return sa.func.rand(type_=_DOUBLE)
        if vendor == "postgresql":
            return sa.func.random(type_=_DOUBLE)
        # SQLite's random() is a 64-bit int: its low 53 bits over 2**53.
        bits = sa.func.random().op("&")(sa.literal_column(str(2**53 - 1)))
        return sa.type_coerce(bits / sa.literal_column(f"{float(2**53)!r}"), _DOUBLE)
