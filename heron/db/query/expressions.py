"""Query expressions: ``Q`` (combinable conditions), ``F`` (column references) and aggregates."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sized
from typing import Any

__all__ = [
    "Aggregate",
    "Avg",
    "Combined",
    "Count",
    "F",
    "Max",
    "Min",
    "Q",
    "Sum",
    "Value",
    "materialised",
]


def materialised(key: str, value: Any) -> Any:
    """An ``__in``/``__range`` value read once (a generator) as a tuple, so that every
    evaluation of the query sees its values."""
    if (
        key.endswith(("__in", "__range"))
        and isinstance(value, Iterable)
        and not isinstance(value, Sized)
    ):
        return tuple(value)
    return value


class Q:
    """Conditions combined with ``&``, ``|`` and ``~``: ``Q(a=1) | ~Q(b__gt=2)``."""

    AND = "AND"
    OR = "OR"
    __slots__ = ("children", "connector", "negated")

    def __init__(
        self, *args: Q, _connector: str = "AND", _negated: bool = False, **kwargs: Any
    ) -> None:
        self.children: list[Q | tuple[str, Any]] = [
            *args,
            *sorted((key, materialised(key, value)) for key, value in kwargs.items()),
        ]
        self.connector = _connector
        self.negated = _negated

    def _combine(self, other: object, connector: str) -> Q:
        if not isinstance(other, Q):
            raise TypeError(f"Cannot combine Q with {type(other).__name__}.")
        if not other.children:
            return self._copy()
        if not self.children:
            return other._copy()
        return Q(self, other, _connector=connector)

    def _copy(self) -> Q:
        q = Q(_connector=self.connector, _negated=self.negated)
        q.children = list(self.children)
        return q

    def __and__(self, other: object) -> Q:
        return self._combine(other, self.AND)

    def __or__(self, other: object) -> Q:
        return self._combine(other, self.OR)

    def __invert__(self) -> Q:
        q = self._copy()
        q.negated = not self.negated
        return q

    def __bool__(self) -> bool:
        return bool(self.children)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Q)
            and self.children == other.children
            and self.connector == other.connector
            and self.negated == other.negated
        )

    def __hash__(self) -> int:
        return hash((self.connector, self.negated, len(self.children)))

    def __repr__(self) -> str:
        inner = f" {self.connector} ".join(repr(c) for c in self.children)
        return f"<Q: {'NOT ' if self.negated else ''}({inner})>"

    def leaves(self) -> Iterator[tuple[str, Any]]:
        """Every ``(lookup, value)`` pair, depth first."""
        for child in self.children:
            if isinstance(child, Q):
                yield from child.leaves()
            else:
                yield child


class Combinable:
    """Arithmetic between expressions and values: ``F("views") + 1``."""

    __slots__ = ()

    def _combine(self, other: Any, op: str, reversed_: bool = False) -> Combined:
        if reversed_:
            return Combined(other, op, self)
        return Combined(self, op, other)

    def __add__(self, other: Any) -> Combined:
        return self._combine(other, "+")

    def __sub__(self, other: Any) -> Combined:
        return self._combine(other, "-")

    def __mul__(self, other: Any) -> Combined:
        return self._combine(other, "*")

    def __truediv__(self, other: Any) -> Combined:
        return self._combine(other, "/")

    def __mod__(self, other: Any) -> Combined:
        return self._combine(other, "%")

    def __radd__(self, other: Any) -> Combined:
        return self._combine(other, "+", True)

    def __rsub__(self, other: Any) -> Combined:
        return self._combine(other, "-", True)

    def __rmul__(self, other: Any) -> Combined:
        return self._combine(other, "*", True)

    def __rtruediv__(self, other: Any) -> Combined:
        return self._combine(other, "/", True)


class F(Combinable):
    """A reference to a field of the row (``F("author__name")`` across relations)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def asc(self) -> OrderBy:
        return OrderBy(self, descending=False)

    def desc(self) -> OrderBy:
        return OrderBy(self, descending=True)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, F) and other.name == self.name

    def __hash__(self) -> int:
        return hash(("F", self.name))

    def __repr__(self) -> str:
        return f"F({self.name})"


class Value(Combinable):
    """A literal value used as an expression (always sent as a bound parameter)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"Value({self.value!r})"


class Combined(Combinable):
    """``lhs <op> rhs``, where each side is an expression or a plain value."""

    __slots__ = ("lhs", "op", "rhs")

    def __init__(self, lhs: Any, op: str, rhs: Any) -> None:
        self.lhs = lhs
        self.op = op
        self.rhs = rhs

    def __repr__(self) -> str:
        return f"({self.lhs!r} {self.op} {self.rhs!r})"


class OrderBy:
    """An ordering term built by ``F(...).asc()`` / ``.desc()``."""

    __slots__ = ("descending", "expression")

    def __init__(self, expression: F, descending: bool) -> None:
        self.expression = expression
        self.descending = descending


class Aggregate(Combinable):
    """An aggregate function over a field (``"*"`` for rows, or an expression such as
    ``F("price") * F("quantity")``) with optional ``distinct`` and ``filter``."""

    __slots__ = ("distinct", "field", "filter")
    function = ""

    def __init__(
        self, field: str | Combinable = "*", *, distinct: bool = False, filter: Q | None = None
    ) -> None:
        if filter is not None and not isinstance(filter, Q):
            raise TypeError(f"{type(self).__name__}(filter=...) takes a Q object.")
        self.field = field
        self.distinct = distinct
        self.filter = filter

    def default_alias(self) -> str:
        """The name ``aggregate(Count("books"))`` gives the result: ``books__count``."""
        if not isinstance(self.field, str):
            raise TypeError(f"{self!r} over an expression needs a name: aggregate(name=...).")
        if self.field == "*":
            return self.function.lower()
        return f"{self.field}__{self.function.lower()}"

    def __repr__(self) -> str:
        distinct = ", distinct=True" if self.distinct else ""
        return f"{type(self).__name__}({self.field!r}{distinct})"


class Count(Aggregate):
    """Number of rows (``Count("*")``) or of non-null values."""

    function = "COUNT"

    def __init__(self, field: str = "*", **kwargs: Any) -> None:
        super().__init__(field, **kwargs)


class Sum(Aggregate):
    """Sum of a field."""

    function = "SUM"


class Avg(Aggregate):
    """Average of a field."""

    function = "AVG"


class Min(Aggregate):
    """Smallest value of a field."""

    function = "MIN"


class Max(Aggregate):
    """Largest value of a field."""

    function = "MAX"
