"""Database functions: ``Coalesce``, ``Greatest``/``Least``, ``NullIf``, ``Cast``, ``Now``,
``ExpressionWrapper``, math (``Abs``, ``Round``) and text functions (``Concat``, ``Lower``,
``Substr``, ``Replace`` …). Date functions (``TruncMonth``, ``ExtractYear`` …) are in
``datefunctions``.

A function's arguments are field names (strings), expressions or plain values (bound as
parameters, never inlined). ``sql()`` receives them already built by the compiler; what
else changes the SQL (a ``Round`` precision, a ``Cast`` target) is in ``structure()``,
part of the statement-cache shape.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import reduce
from typing import Any

import sqlalchemy as sa

from heron.db.errors import NotSupportedError
from heron.db.fields.scalars import Float, Integer
from heron.db.fields.temporal import DateTime
from heron.db.query.expressions import Expression, Value, parse
from heron.db.query.lookups import TRANSFORMS, kind_of_field

__all__ = [
    "Abs",
    "Cast",
    "Coalesce",
    "Concat",
    "ExpressionWrapper",
    "Func",
    "Greatest",
    "LTrim",
    "Least",
    "Left",
    "Length",
    "Lower",
    "Now",
    "NullIf",
    "RTrim",
    "Replace",
    "Right",
    "Round",
    "StrIndex",
    "Substr",
    "Trim",
    "Upper",
]

_INTEGER = Integer()
_TEXT_TYPE = sa.Text()
_STRING = sa.String()


class Func(Expression):
    """A SQL function over expressions; ``output_field`` says how its result is read.

    ``Func(F("title"), function="LOWER")`` calls any SQL function by name (letters, digits,
    underscores and dots only); subclasses name theirs in the class.
    """

    __slots__ = ("named", "output_field", "source_expressions")
    function = ""
    arity: int | None = None
    # True when the result is of its arguments' type (a value compared with, or written
    # to, a field binds as that field's value in every argument).
    typed_as_arguments = False
    # The output_field when none is given (``Length``: an int).
    default_output_field: Any = None
    # True when ``build()`` needs the kinds ("date", "datetime" …) of its arguments.
    reads_kinds = False

    def __init__(
        self, *expressions: Any, output_field: Any = None, function: str | None = None
    ) -> None:
        if self.arity is not None and len(expressions) != self.arity:
            raise TypeError(
                f"{type(self).__name__}() takes {self.arity} argument(s), got {len(expressions)}."
            )
        self.named = _checked_name(type(self), function)
        self.source_expressions = tuple(parse(e) for e in expressions)
        default = type(self).default_output_field  # a field: a descriptor on instances
        self.output_field = output_field if output_field is not None else default

    def sql(self, args: list[Any], vendor: str) -> Any:
        """The SQL of the call over the built ``args``."""
        name = self.named or self.function
        return reduce(getattr, name.split("."), sa.func)(*args)

    def build(self, args: list[Any], kinds: Sequence[str | None], vendor: str) -> Any:
        """The SQL, knowing the kinds of the arguments when ``reads_kinds`` (else empty)."""
        return self.sql(args, vendor)

    def structure(self) -> tuple[Any, ...]:
        """The constant arguments that change the SQL (part of the statement shape): the
        function's name when given as ``function=``."""
        return (self.named,) if self.named else ()

    def result_kind(self, kinds: Sequence[str | None]) -> str | None:
        """The kind of the result ("datetime", "date" …) given those of the arguments."""
        if self.output_field is not None:
            return kind_of_field(self.output_field)
        if self.typed_as_arguments:
            return next((kind for kind in kinds if kind is not None), None)
        return None

    def __repr__(self) -> str:
        named = [f"function={self.named!r}"] if self.named else []
        args = [*map(repr, self.source_expressions), *named]
        return f"{type(self).__name__}({', '.join(args)})"


_FUNCTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


def _checked_name(cls: type[Func], function: str | None) -> str | None:
    """``function=`` checked: a plain SQL name, on a class whose SQL and shape use it."""
    if function is None:
        if cls is Func:
            raise TypeError('Func() needs function="NAME" (or subclass it).')
        return None
    if cls.sql is not Func.sql or cls.structure is not Func.structure:
        raise TypeError(f"{cls.__name__}() takes no function= (it builds its own SQL).")
    if not isinstance(function, str) or not _FUNCTION_NAME.fullmatch(function):
        raise ValueError(f"Not a SQL function name: {function!r}.")
    return function


def bound_as(arg: Any, type_: Any, vendor: str) -> Any:
    """``arg``, cast to ``type_`` on PostgreSQL when it is a bare parameter (whose type
    the server could not infer inside ``concat()`` and the like)."""
    if vendor == "postgresql" and isinstance(arg, sa.BindParameter):
        return sa.cast(arg, type_)
    return arg


class _Variadic(Func):
    """A function of two or more expressions."""

    def __init__(self, *expressions: Any, output_field: Any = None) -> None:
        if len(expressions) < 2:
            raise ValueError(f"{type(self).__name__}() needs at least two expressions.")
        super().__init__(*expressions, output_field=output_field)


class Coalesce(_Variadic):
    """The first of its arguments that is not NULL (two or more)."""

    function = "coalesce"
    typed_as_arguments = True


class Greatest(_Variadic):
    """The largest of its arguments (NULL if any is NULL, except on PostgreSQL, which
    ignores NULLs)."""

    typed_as_arguments = True

    def sql(self, args: list[Any], vendor: str) -> Any:
        return (sa.func.max if vendor == "sqlite" else sa.func.greatest)(*args)


class Least(_Variadic):
    """The smallest of its arguments (NULLs as in ``Greatest``)."""

    typed_as_arguments = True

    def sql(self, args: list[Any], vendor: str) -> Any:
        return (sa.func.min if vendor == "sqlite" else sa.func.least)(*args)


class NullIf(Func):
    """NULL when both arguments are equal, else the first."""

    function = "nullif"
    arity = 2
    typed_as_arguments = True


class ExpressionWrapper(Func):
    """An expression read as ``output_field`` says (``F("a") * F("b")`` as a ``Decimal``)."""

    arity = 1
    typed_as_arguments = True

    def __init__(self, expression: Any, output_field: Any) -> None:
        super().__init__(expression, output_field=output_field)

    def sql(self, args: list[Any], vendor: str) -> Any:
        return sa.type_coerce(args[0], self.output_field.sa_type())


class Now(Func):
    """The current date and time (of the statement on PostgreSQL), in UTC."""

    arity = 0
    default_output_field = DateTime()

    def sql(self, args: list[Any], vendor: str) -> Any:
        type_ = self.output_field.sa_type()
        if vendor == "postgresql":
            return sa.func.statement_timestamp(type_=type_)
        if vendor == "mysql":
            return sa.func.utc_timestamp(sa.literal_column("6"), type_=type_)
        # Heron's UTC text, to the microsecond (SQLite's clock has milliseconds).
        text = sa.func.strftime(sa.literal_column("'%Y-%m-%d %H:%M:%f000'"), "now")
        return sa.type_coerce(text, type_)


class Cast(Func):
    """The expression converted to ``output_field``'s type, and read as that field."""

    arity = 1
    reads_kinds = True

    def __init__(self, expression: Any, output_field: Any) -> None:
        if output_field is None or not hasattr(output_field, "sa_type"):
            raise TypeError("Cast() takes a field instance as output_field.")
        super().__init__(expression, output_field=output_field)

    def structure(self) -> tuple[Any, ...]:
        return (getattr(self.output_field, "max_length", None),)

    def build(self, args: list[Any], kinds: Sequence[str | None], vendor: str) -> Any:
        value, source, field = args[0], kinds[0], self.output_field
        target = kind_of_field(field)
        if target == "date" and source == "datetime":
            return TRANSFORMS["date"](value, vendor)  # the UTC date, as ``__date``
        if vendor == "sqlite" and target in ("date", "datetime"):
            return sa.type_coerce(_sqlite_temporal(value, source, target), field.sa_type())
        if vendor == "mysql" and isinstance(field, Float):  # no CAST(... AS DOUBLE) there
            return sa.type_coerce(value + sa.literal_column("0E0"), field.sa_type())
        return sa.cast(value, field.sa_type())


def _sqlite_temporal(value: Any, source: str | None, target: str) -> Any:
    """SQLite text of a date, or Heron's UTC text of a date-time (its CAST gives numbers)."""
    if target == "date":
        return sa.func.date(value)
    if source == "datetime":
        return value
    if source == "date":
        return value.op("||")(sa.literal_column("' 00:00:00.000000'"))
    return sa.func.strftime(sa.literal_column("'%Y-%m-%d %H:%M:%f000'"), value)


# -- math -------------------------------------------------------------------------------------


class Abs(Func):
    """The absolute value."""

    function = "abs"
    arity = 1
    typed_as_arguments = True


class Round(Func):
    """The number rounded to ``precision`` decimal places (half away from zero, except for
    floats on MariaDB); read as the number given."""

    __slots__ = ("precision",)
    arity = 1
    typed_as_arguments = True

    def __init__(self, expression: Any, precision: int = 0, output_field: Any = None) -> None:
        if type(precision) is not int:
            raise TypeError("Round() takes an int precision.")
        super().__init__(expression, output_field=output_field)
        self.precision = precision

    def structure(self) -> tuple[Any, ...]:
        return (self.precision,)

    def sql(self, args: list[Any], vendor: str) -> Any:
        value = args[0]
        if vendor == "sqlite" and self.precision < 0:
            raise NotSupportedError("SQLite does not round to a negative precision.")
        if vendor == "postgresql":  # round(double precision) has no precision, rounds to even
            value = sa.cast(value, sa.Numeric())
        return sa.func.round(value, sa.literal_column(str(self.precision)), type_=args[0].type)


# -- text ---------------------------------------------------------------------------------------


class _Text(Func):
    """A function whose arguments and result are text."""

    def sql(self, args: list[Any], vendor: str) -> Any:
        texts = [bound_as(arg, _TEXT_TYPE, vendor) for arg in args]
        return getattr(sa.func, self.function)(*texts, type_=_STRING)


class Lower(_Text):
    """The text in lower case."""

    function = "lower"
    arity = 1


class Upper(_Text):
    """The text in upper case."""

    function = "upper"
    arity = 1


class Trim(_Text):
    """The text without leading and trailing spaces."""

    function = "trim"
    arity = 1


class LTrim(_Text):
    """The text without leading spaces."""

    function = "ltrim"
    arity = 1


class RTrim(_Text):
    """The text without trailing spaces."""

    function = "rtrim"
    arity = 1


class Replace(_Text):
    """Every occurrence of ``text`` replaced by ``replacement`` (as in Django, strings name
    fields: wrap text in ``Value()``)."""

    function = "replace"

    def __init__(self, expression: Any, text: Any, replacement: Any = None) -> None:
        super().__init__(expression, text, Value("") if replacement is None else replacement)


class Length(Func):
    """The number of characters of the text (not bytes: ``CHAR_LENGTH`` on MariaDB)."""

    arity = 1
    default_output_field = _INTEGER

    def sql(self, args: list[Any], vendor: str) -> Any:
        name = "length" if vendor == "sqlite" else "char_length"
        return getattr(sa.func, name)(bound_as(args[0], _TEXT_TYPE, vendor), type_=sa.Integer())


class StrIndex(Func):
    """The 1-based position of ``substring`` in ``string``, 0 when it is not there."""

    arity = 2
    default_output_field = _INTEGER

    def sql(self, args: list[Any], vendor: str) -> Any:
        text, part = (bound_as(arg, _TEXT_TYPE, vendor) for arg in args)
        if vendor == "postgresql":
            return sa.func.strpos(text, part, type_=sa.Integer())
        return sa.func.instr(text, part, type_=sa.Integer())


class Concat(_Variadic):
    """The texts (or values) joined; a NULL counts as an empty text, as in Django."""

    def sql(self, args: list[Any], vendor: str) -> Any:
        if vendor == "postgresql":  # concat() skips NULLs
            return sa.func.concat(*(sa.cast(arg, _TEXT_TYPE) for arg in args), type_=_STRING)
        empty: Any = sa.literal_column("''")
        if vendor == "mysql":  # CONCAT_WS skips NULLs (CONCAT would be NULL)
            return sa.func.concat_ws(empty, *args, type_=_STRING)
        parts: list[Any] = [sa.func.coalesce(arg, empty) for arg in args]
        return sa.type_coerce(reduce(lambda a, b: a.op("||")(b), parts), _STRING)


def _integer(arg: Any, vendor: str) -> Any:
    return bound_as(arg, sa.Integer(), vendor)


class Substr(Func):
    """``length`` characters (all the rest when ``None``) from the 1-based ``pos``."""

    def __init__(self, expression: Any, pos: Any, length: Any = None) -> None:
        if isinstance(pos, int) and pos < 1:
            raise ValueError("Substr() positions start at 1.")
        args = (expression, pos) if length is None else (expression, pos, length)
        super().__init__(*args)

    def sql(self, args: list[Any], vendor: str) -> Any:
        text, *numbers = args
        numbers = [_integer(n, vendor) for n in numbers]
        return sa.func.substr(bound_as(text, _TEXT_TYPE, vendor), *numbers, type_=_STRING)


class Left(Func):
    """The first ``length`` characters."""

    arity = 2

    def sql(self, args: list[Any], vendor: str) -> Any:
        text, length = bound_as(args[0], _TEXT_TYPE, vendor), _integer(args[1], vendor)
        if vendor == "sqlite":
            return sa.func.substr(text, sa.literal_column("1"), length, type_=_STRING)
        return sa.func.left(text, length, type_=_STRING)


class Right(Func):
    """The last ``length`` characters."""

    arity = 2

    def sql(self, args: list[Any], vendor: str) -> Any:
        text, length = bound_as(args[0], _TEXT_TYPE, vendor), _integer(args[1], vendor)
        if vendor == "sqlite":
            start = sa.func.length(text).op("-")(length).op("+")(sa.literal_column("1"))
            return sa.func.substr(text, sa.func.max(start, sa.literal_column("1")), type_=_STRING)
        return sa.func.right(text, length, type_=_STRING)
