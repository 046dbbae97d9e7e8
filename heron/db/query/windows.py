"""Window functions: ``Window(expression, partition_by=..., order_by=..., frame=...)`` over a
window function (``RowNumber``, ``Rank``, ``Lag`` …) or an aggregate (``Sum``, ``Avg`` …).

``Window`` is a ``Func`` to the compiler: its source expressions are the function's
arguments, then the partition terms, then the ordering terms (built, and their values
bound, in that order); everything else that changes the SQL — the function, how many of
each kind of term there are, ASC/DESC and NULLS placement, the frame, a ``Lag`` offset, an
``NTile`` bucket count — is in ``structure()``, part of the statement-cache shape. Frame
offsets, offsets and bucket counts are validated ints written into the SQL (not every
database takes a parameter there); values (a ``Lag`` default) are always bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from heron.db.errors import NotSupportedError
from heron.db.fields.scalars import Float, Integer
from heron.db.models.exceptions import FieldError
from heron.db.query.compiler import ordering_terms
from heron.db.query.expressions import (
    Aggregate,
    Avg,
    Case,
    Combinable,
    Count,
    F,
    OrderBy,
    Value,
    When,
    contains_window,
    parse,
)
from heron.db.query.functions import Func
from heron.db.query.lookups import kind_of_field
from heron.db.query.windowfunctions import (
    CumeDist,
    DenseRank,
    FirstValue,
    Frame,
    Lag,
    LastValue,
    Lead,
    NthValue,
    NTile,
    PercentRank,
    Rank,
    RowNumber,
    RowRange,
    ValueRange,
    WindowFunction,
)

__all__ = [
    "CumeDist",
    "DenseRank",
    "FirstValue",
    "Lag",
    "LastValue",
    "Lead",
    "NTile",
    "NthValue",
    "PercentRank",
    "Rank",
    "RowNumber",
    "RowRange",
    "ValueRange",
    "Window",
    "WindowFunction",
    "window_converter",
]

# -- Window -----------------------------------------------------------------------------------

_INTEGER, _FLOAT = Integer(), Float()


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _term(value: Any, what: str) -> Any:
    """A partition or ordering expression: a field name, or an expression (not a window)."""
    if isinstance(value, str):
        return F(value)
    if not isinstance(value, Combinable) or isinstance(value, Value):
        raise TypeError(f"Window({what}=...) takes field names or expressions, not {value!r}.")
    if contains_window(value):
        raise FieldError(f"Window({what}=...) can't contain another window: {value!r}.")
    return value


def _ordering(value: Any) -> tuple[Any, bool, str | None]:
    """``(expression, descending, nulls)`` of one ``order_by`` term."""
    if isinstance(value, OrderBy):
        return _term(value.expression, "order_by"), value.descending, value.nulls
    if isinstance(value, str):
        name = value.lstrip("-+")
        if not name or name == "?":
            raise ValueError(f"Window(order_by=...) can't order by {value!r}.")
        return F(name), value.startswith("-"), None
    return _term(value, "order_by"), False, None


def _aggregate_arguments(expr: Aggregate) -> tuple[Any, ...]:
    """The arguments of an aggregate computed over a window (its filter as a CASE)."""
    if expr.distinct:
        raise NotSupportedError(
            f"{type(expr).__name__}(distinct=True) can't be computed over a window "
            "(no database supports DISTINCT in a window aggregate)."
        )
    field = expr.field
    if field == "*":
        if expr.filter is None:
            return ()
        return (Case(When(expr.filter, then=Value(1))),)
    source = parse(field)
    if expr.filter is not None:
        source = Case(When(expr.filter, then=source))
    return (source,)


class Window(Func):
    """``expression OVER (PARTITION BY ... ORDER BY ... frame)``: a window function or an
    aggregate computed, for each row, over the rows of its partition (all rows when no
    ``partition_by``) in ``order_by`` order, limited to ``frame``."""

    __slots__ = ("arguments", "frame", "ordering", "partitions", "source")
    function = "over"
    typed_as_arguments = True
    contains_over = True

    def __init__(
        self,
        expression: Any,
        partition_by: Any = None,
        order_by: Any = None,
        frame: RowRange | ValueRange | None = None,
    ) -> None:
        if isinstance(expression, Window):
            raise TypeError("Window() can't take another Window().")
        if isinstance(expression, Aggregate):
            if contains_window(expression):
                raise FieldError(f"{expression!r} can't be computed over a window of a window.")
            arguments: tuple[Any, ...] = _aggregate_arguments(expression)
            output: Any = _INTEGER if isinstance(expression, Count) else None
            if isinstance(expression, Avg):
                output = _FLOAT  # refined by window_converter() once the field is known
        elif isinstance(expression, WindowFunction):
            arguments = expression.source_expressions
            output = expression.output_field
        else:
            raise TypeError(
                "Window() takes a window function (RowNumber, Rank, Lag …) or an aggregate "
                f"(Sum, Avg, Count, Min, Max), not {expression!r}."
            )
        if frame is not None and not isinstance(frame, Frame):
            raise TypeError(f"Window(frame=...) takes RowRange() or ValueRange(), not {frame!r}.")
        partitions = [_term(p, "partition_by") for p in _as_list(partition_by)]
        orders = [_ordering(o) for o in _as_list(order_by)]
        self.source = expression
        self.arguments = len(arguments)
        self.partitions = len(partitions)
        self.ordering = tuple((descending, nulls) for _, descending, nulls in orders)
        self.frame = frame
        self.output_field = output
        self.source_expressions = (*arguments, *partitions, *(o[0] for o in orders))

    def structure(self) -> tuple[Any, ...]:
        source = self.source
        inner = source.structure() if isinstance(source, WindowFunction) else ()
        return (
            type(source).__name__,
            inner,
            self.arguments,
            self.partitions,
            self.ordering,
            None if self.frame is None else self.frame.structure(),
        )

    def result_kind(self, kinds: Sequence[str | None]) -> str | None:
        """A value of the function's first argument keeps its kind (``Lag`` of a date)."""
        if self.output_field is not None:
            return kind_of_field(self.output_field)
        source = self.source
        if isinstance(source, Aggregate) and source.function not in ("MIN", "MAX"):
            return None
        return kinds[0] if self.arguments else None

    def build(self, args: list[Any], kinds: Sequence[str | None], vendor: str) -> Any:
        call_args = args[: self.arguments]
        rest = args[self.arguments :]
        partition, order_terms = rest[: self.partitions], rest[self.partitions :]
        order: list[Any] = []
        for column, (descending, nulls) in zip(order_terms, self.ordering, strict=True):
            order += ordering_terms(column, descending, nulls, vendor)
        window: dict[str, Any] = {}
        if partition:
            window["partition_by"] = partition
        if order:
            window["order_by"] = order
        if self.frame is not None:
            window[self.frame.kind] = self.frame.clause()
        source = self.source
        if isinstance(source, WindowFunction):
            return source.over(call_args, window, vendor)
        return _aggregate_call(source, call_args, vendor).over(**window)

    def __repr__(self) -> str:
        frame = "" if self.frame is None else f", frame={self.frame!r}"
        return f"Window({self.source!r}{frame})"


def _aggregate_call(expr: Aggregate, args: list[Any], vendor: str) -> Any:
    """``SUM(x)``, ``COUNT(*)`` … of a window; AVG as the aggregate computes it."""
    if not args:
        return sa.func.count(sa.literal_column("*"))
    column = args[0]
    if expr.function == "AVG":
        decimal = isinstance(column.type, sa.Numeric) and not isinstance(column.type, sa.Float)
        if vendor == "mysql" and not decimal:
            column = column + sa.literal_column("0E0")  # a double, not DECIMAL(…, 4)
        return sa.func.avg(column, type_=sa.Numeric() if decimal else sa.Float())
    type_ = None if expr.function == "COUNT" else column.type
    return getattr(sa.func, expr.function.lower())(column, type_=type_)


def window_converter(expr: Window, where: Any) -> Any:
    """How a value of the window annotation ``expr`` is read: as the aggregate computed
    alone would be (``Avg`` of a decimal field: a ``Decimal``), as the function's
    argument for ``Lag``/``FirstValue`` …, else as its output field."""
    from heron.db.query.aggregates import expression_converter

    source = expr.source
    if isinstance(source, Aggregate):
        return expression_converter(source, where)
    if source.value_of_argument:
        return expression_converter(expr.source_expressions[0], where)
    return expression_converter(expr, where)
