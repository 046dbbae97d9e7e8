"""Query expressions: ``Q`` (combinable conditions), ``F`` (column references), aggregates,
``Case``/``When``, subqueries (``Subquery``, ``Exists``, ``OuterRef``) and
``FilteredRelation`` (a relation joined with an extra ON condition).

The classes hold the user's intent only; ``compiler`` turns them into shapes and SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sized
from typing import Any

__all__ = [
    "HIDDEN",
    "Aggregate",
    "Avg",
    "Case",
    "Combined",
    "Count",
    "Exists",
    "Expression",
    "F",
    "FilteredRelation",
    "JoinScope",
    "Max",
    "Min",
    "OuterRef",
    "Q",
    "Subquery",
    "Sum",
    "Value",
    "When",
    "condition_reads_window",
    "contains_window",
    "is_hidden",
    "materialised",
    "names_window",
    "parse",
    "refuse_filtered",
]

# Prefix of the annotations ``order_by(Lower("name"))`` adds: used to order, never loaded.
HIDDEN = "__order_"


def is_hidden(name: str) -> bool:
    """True for an annotation added by ``order_by()`` for an expression."""
    return name.startswith(HIDDEN)


def materialised(key: str, value: Any) -> Any:
    """An ``__in``/``__range`` value read once (a generator) as a tuple, so that every
    evaluation of the query sees its values; a ``FilteredRelation`` is refused (it is no
    value)."""
    if value.__class__ is FilteredRelation:
        refuse_filtered(value, "a filter")
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
        self,
        *args: Q | Expression,
        _connector: str = "AND",
        _negated: bool = False,
        **kwargs: Any,
    ) -> None:
        self.children: list[Q | Expression | tuple[str, Any]] = [
            *args,
            *sorted((key, materialised(key, value)) for key, value in kwargs.items()),
        ]
        self.connector = _connector
        self.negated = _negated

    def _combine(self, other: object, connector: str) -> Q:
        if getattr(other, "conditional", False):
            other = Q(other)  # type: ignore[arg-type]  # a conditional Expression
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
        """Every ``(lookup, value)`` pair, depth first (conditional expressions aside)."""
        for child in self.children:
            if isinstance(child, Q):
                yield from child.leaves()
            elif isinstance(child, tuple):
                yield child


class JoinScope(Q):
    """The conditions of one ``filter()`` call after an earlier call that also crossed a
    multi-valued relation: their reverse-foreign-key and many-to-many hops get joins of
    their own (Django's rule), so ``filter(tags__name="a").filter(tags__name="b")`` finds
    rows having both tags, where one call with both conditions needs one tag matching both.
    """

    __slots__ = ("scope",)

    def __init__(self, *nodes: Any, scope: int) -> None:
        super().__init__(*nodes)
        self.scope = scope

    def _copy(self) -> Q:
        q = JoinScope(*self.children, scope=self.scope)
        q.negated = self.negated
        return q


class FilteredRelation:
    """A relation path (``"reviews"``, ``"author__books"``) whose LEFT OUTER JOIN carries
    ``condition`` in its ON clause, named by ``annotate(name=FilteredRelation(...))``; the
    name then stands for the relation in filters, ``values()``, ordering and aggregates.

    The condition reads the relation's own fields (``reviews__stars__gte=4``) and plain
    fields of the queried model; it is no expression of its own.
    """

    __slots__ = ("condition", "relation_name")

    def __init__(self, relation_name: str, *, condition: Q | None = None) -> None:
        if not isinstance(relation_name, str) or not relation_name:
            raise ValueError("FilteredRelation() takes a relation name, such as 'reviews'.")
        if condition is None:
            condition = Q()
        if not isinstance(condition, Q):
            raise ValueError(
                f"FilteredRelation(condition=...) takes a Q object, not {condition!r}."
            )
        self.relation_name = relation_name
        self.condition = condition

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, FilteredRelation)
            and self.relation_name == other.relation_name
            and self.condition == other.condition
        )

    def __hash__(self) -> int:
        return hash((FilteredRelation, self.relation_name, self.condition))

    def __repr__(self) -> str:
        return f"FilteredRelation({self.relation_name!r}, condition={self.condition!r})"


def refuse_filtered(value: Any, where: str) -> None:
    """A ``FilteredRelation`` is no value: it only names a join in ``annotate()``."""
    if isinstance(value, FilteredRelation):
        raise TypeError(
            f"{value!r} can't be used in {where}: name it with annotate() or alias(), then "
            "use that name in paths (name__field)."
        )


class Combinable:
    """Arithmetic between expressions and values: ``F("views") + 1``."""

    __slots__ = ()
    # True for ``Window`` (``windows.py``): computed over other rows, so never in an
    # aggregate, a GROUP BY or a WHERE.
    contains_over = False

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

    def asc(self, *, nulls_first: bool = False, nulls_last: bool = False) -> OrderBy:
        return OrderBy(self, False, _nulls(nulls_first, nulls_last))

    def desc(self, *, nulls_first: bool = False, nulls_last: bool = False) -> OrderBy:
        return OrderBy(self, True, _nulls(nulls_first, nulls_last))

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
    """An ordering term built by ``F(...).asc()`` / ``.desc()`` (or of any expression);
    ``nulls`` is ``"first"``, ``"last"`` or None (the database's own place for NULLs)."""

    __slots__ = ("descending", "expression", "nulls")

    def __init__(self, expression: Any, descending: bool, nulls: str | None = None) -> None:
        self.expression = expression
        self.descending = descending
        self.nulls = nulls

    def reversed(self) -> OrderBy:
        """The opposite order, NULLs on the other side too (``reverse()``, ``last()``)."""
        nulls = {"first": "last", "last": "first"}.get(self.nulls or "")
        return OrderBy(self.expression, not self.descending, nulls)


def _nulls(first: bool, last: bool) -> str | None:
    if first and last:
        raise ValueError("nulls_first and nulls_last are mutually exclusive.")
    return "first" if first else "last" if last else None


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
        if not isinstance(field, str) and contains_window(field):
            raise TypeError(
                f"{type(self).__name__}() can't aggregate a window expression ({field!r}): "
                "compute the aggregate over the window instead, Window(Sum(...), ...)."
            )
        self.field = field
        self.distinct = distinct
        self.filter = filter

    def asc(self, *, nulls_first: bool = False, nulls_last: bool = False) -> OrderBy:
        return OrderBy(self, False, _nulls(nulls_first, nulls_last))

    def desc(self, *, nulls_first: bool = False, nulls_last: bool = False) -> OrderBy:
        return OrderBy(self, True, _nulls(nulls_first, nulls_last))

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


def contains_window(
    expr: Any, annotations: Mapping[str, Any] | None = None, seen: frozenset[str] = frozenset()
) -> bool:
    """True when ``expr`` is computed from a ``Window``: directly, through the names of the
    ``annotations`` it reads, or in a ``When`` condition (``Case(When(rank=1, then=...))``).
    Walked when a statement is built, never when a cached one runs."""
    if not isinstance(expr, Combinable):
        return False
    if expr.contains_over:
        return True
    if isinstance(expr, F):
        return names_window(expr.name, annotations, seen)
    if isinstance(expr, Combined):
        return contains_window(expr.lhs, annotations, seen) or contains_window(
            expr.rhs, annotations, seen
        )
    if isinstance(expr, Aggregate):
        field = F(expr.field) if isinstance(expr.field, str) else expr.field
        return contains_window(field, annotations, seen)
    if isinstance(expr, Case):
        for case in expr.cases:
            if contains_window(case.result, annotations, seen) or condition_reads_window(
                case.condition, annotations, seen
            ):
                return True
        return contains_window(expr.default, annotations, seen)
    sources = getattr(expr, "source_expressions", ())  # a function's arguments
    return any(contains_window(s, annotations, seen) for s in sources)


def names_window(
    name: str, annotations: Mapping[str, Any] | None, seen: frozenset[str] = frozenset()
) -> bool:
    """Whether the annotation ``name`` (if it is one) is computed from a window."""
    expr = annotations.get(name) if annotations else None
    if expr is None or name in seen:
        return False
    return contains_window(expr, annotations, seen | {name})


def condition_reads_window(
    node: Any, annotations: Mapping[str, Any] | None, seen: frozenset[str] = frozenset()
) -> bool:
    """Whether the filter ``node`` (a ``Q`` or a ``(key, value)`` leaf) reads a window."""
    if isinstance(node, Q):
        return any(condition_reads_window(child, annotations, seen) for child in node.children)
    if isinstance(node, tuple):
        key, value = node
        name = key.partition("__")[0]
        return names_window(name, annotations, seen) or contains_window(value, annotations, seen)
    return False  # Exists(): a query of its own


def parse(arg: Any) -> Any:
    """An argument of a function, ``When`` or ``Case``: a string names a field (``F``), an
    expression stays, anything else is a ``Value``."""
    if isinstance(arg, str):
        return F(arg)
    if isinstance(arg, Combinable):
        return arg
    return Value(arg)


class Expression(Combinable):
    """Base of functions, ``Case`` and subqueries: combinable and orderable."""

    __slots__ = ()
    # True when the expression is a condition usable in filter() and Q (``Exists``).
    conditional = False

    def asc(self, *, nulls_first: bool = False, nulls_last: bool = False) -> OrderBy:
        return OrderBy(self, False, _nulls(nulls_first, nulls_last))

    def desc(self, *, nulls_first: bool = False, nulls_last: bool = False) -> OrderBy:
        return OrderBy(self, True, _nulls(nulls_first, nulls_last))


class OuterRef(Combinable):
    """A field of the query enclosing a ``Subquery``/``Exists`` (``OuterRef("pk")``);
    ``OuterRef(OuterRef("pk"))`` reaches two levels out."""

    __slots__ = ("name",)

    def __init__(self, name: str | OuterRef) -> None:
        self.name = name

    def target(self) -> F | OuterRef:
        """What the reference means in the enclosing query."""
        return self.name if isinstance(self.name, OuterRef) else F(self.name)

    def __repr__(self) -> str:
        return f"OuterRef({self.name!r})"


class Subquery(Expression):
    """The single value (first row, single field) of a QuerySet, as an expression:
    ``Subquery(Book.objects.filter(author=OuterRef("pk")).values("title")[:1])``."""

    __slots__ = ("output_field", "queryset")

    def __init__(self, queryset: Any, output_field: Any = None) -> None:
        if not hasattr(queryset, "_subquery_shape"):
            raise TypeError(f"{type(self).__name__}() takes a QuerySet, not {queryset!r}.")
        self.queryset = queryset
        self.output_field = output_field

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.queryset.model.__name__})"


class Exists(Subquery):
    """True when the QuerySet has a row: ``filter(Exists(...))``, ``~Exists(...)``,
    ``Exists(...) | Q(...)`` or ``annotate(has=Exists(...))``."""

    __slots__ = ("negated",)
    conditional = True

    def __init__(self, queryset: Any, negated: bool = False) -> None:
        super().__init__(queryset)
        self.negated = negated

    def __invert__(self) -> Exists:
        return Exists(self.queryset, negated=not self.negated)

    def __and__(self, other: object) -> Q:
        return Q(self) & other

    def __or__(self, other: object) -> Q:
        return Q(self) | other

    def __repr__(self) -> str:
        return f"{'~' if self.negated else ''}{super().__repr__()}"


class When:
    """One branch of ``Case``: ``When(Q(...) | Exists(...), then=...)`` or
    ``When(field=value, then=...)``; ``then`` may be a value, an expression or a field name."""

    __slots__ = ("condition", "result")

    def __init__(self, condition: Any = None, then: Any = None, **lookups: Any) -> None:
        if lookups:
            condition = Q(condition, **lookups) if condition is not None else Q(**lookups)
        if not (isinstance(condition, Q) or getattr(condition, "conditional", False)):
            raise TypeError("When() takes a Q object, a boolean expression or lookups.")
        if isinstance(condition, Q) and not condition:
            raise ValueError("An empty Q() can't be used as a When() condition.")
        self.condition = condition
        self.result = parse(then)

    def __repr__(self) -> str:
        return f"When({self.condition!r}, then={self.result!r})"


class Case(Expression):
    """The result of the first ``When`` whose condition holds, else ``default`` (NULL when
    not given): ``Case(When(pages__gt=500, then=Value("long")), default=Value("short"))``."""

    __slots__ = ("cases", "default", "output_field")

    def __init__(self, *cases: When, default: Any = None, output_field: Any = None) -> None:
        if not cases or not all(isinstance(case, When) for case in cases):
            raise TypeError("Case() takes one or more When() objects.")
        self.cases = cases
        self.default = None if default is None else parse(default)
        self.output_field = output_field

    def __repr__(self) -> str:
        return f"Case({', '.join(map(repr, self.cases))}, default={self.default!r})"
