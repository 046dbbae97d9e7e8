"""Database functions: ``Coalesce`` and the text functions ``Lower``, ``Upper``, ``Length``.

A function's arguments are field names (strings), expressions or plain values (bound as
parameters, never inlined). ``sql()`` receives them already built by the compiler.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from heron.db.query.expressions import Expression, parse

__all__ = ["Coalesce", "Func", "Length", "Lower", "Upper"]


class Func(Expression):
    """A SQL function over expressions; ``output_field`` says how its result is read."""

    __slots__ = ("output_field", "source_expressions")
    function = ""
    arity: int | None = None
    # True when the result is of its arguments' type (a value compared with, or written
    # to, a field binds as that field's value in every argument).
    typed_as_arguments = False

    def __init__(self, *expressions: Any, output_field: Any = None) -> None:
        if self.arity is not None and len(expressions) != self.arity:
            raise TypeError(
                f"{type(self).__name__}() takes {self.arity} argument(s), got {len(expressions)}."
            )
        self.source_expressions = tuple(parse(e) for e in expressions)
        self.output_field = output_field

    def sql(self, args: list[Any], vendor: str) -> Any:
        """The SQL of the call over the built ``args``."""
        return getattr(sa.func, self.function)(*args)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(map(repr, self.source_expressions))})"


class Coalesce(Func):
    """The first of its arguments that is not NULL (two or more)."""

    function = "coalesce"
    typed_as_arguments = True

    def __init__(self, *expressions: Any, output_field: Any = None) -> None:
        if len(expressions) < 2:
            raise ValueError("Coalesce() needs at least two expressions.")
        super().__init__(*expressions, output_field=output_field)


class Lower(Func):
    """The text in lower case."""

    function = "lower"
    arity = 1

    def sql(self, args: list[Any], vendor: str) -> Any:
        return sa.func.lower(*args, type_=sa.String())


class Upper(Func):
    """The text in upper case."""

    function = "upper"
    arity = 1

    def sql(self, args: list[Any], vendor: str) -> Any:
        return sa.func.upper(*args, type_=sa.String())


class Length(Func):
    """The number of characters of the text (not bytes: ``CHAR_LENGTH`` on MariaDB)."""

    function = "length"
    arity = 1

    def sql(self, args: list[Any], vendor: str) -> Any:
        name = "length" if vendor == "sqlite" else "char_length"
        return getattr(sa.func, name)(*args, type_=sa.Integer())
