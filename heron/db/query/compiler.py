"""From a QuerySet to SQL text: built with SQLAlchemy once per query shape, then cached.

A query's *shape* is everything that changes its SQL — model, filter structure, lookups,
ordering, whether it is sliced — but not the filter values. ``collect()`` walks the
QuerySet once per call, returning the shape (the cache key) and the values in the order
the compiled statement binds them; the cached ``Statement`` turns those values into the
driver's parameter tuple.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from heron.db.models.exceptions import FieldError
from heron.db.query.expressions import Aggregate, Combined, F, OrderBy, Q, Value
from heron.db.query.lookups import LOOKUPS, TEXT_LOOKUPS, prepare_value
from heron.db.query.paths import Joins, Resolved, apply_transforms

if TYPE_CHECKING:
    from heron.db.query.queryset import QuerySet

__all__ = ["Binder", "Statement", "collect", "compile_statement", "shape_of_value"]

Prep = Callable[[Any], Any] | None

# The compiled statements: (shape..., dialect) -> Statement. Bounded by the number of
# distinct query shapes an application has, which is small and fixed.
CACHE: dict[Any, Statement] = {}


class Statement:
    """Compiled SQL plus how to order and convert the collected values into parameters.

    ``consts`` are values SQLAlchemy bound itself (a dialect's implicit ``OFFSET 0``);
    they follow the collected values in the index space of ``params``.
    """

    __slots__ = ("consts", "extra", "params", "sql")

    def __init__(
        self,
        sql: str,
        params: tuple[tuple[int, Prep], ...],
        extra: Any = None,
        consts: tuple[Any, ...] = (),
    ):
        self.sql = sql
        self.params = params
        self.extra = extra
        self.consts = consts

    def bind(self, values: Sequence[Any]) -> tuple[Any, ...]:
        """The driver parameters for ``values``."""
        if self.consts:
            values = [*values, *self.consts]
        return tuple([prep(values[i]) if prep is not None else values[i] for i, prep in self.params])


class Binder:
    """Hands out bound parameters ``p0, p1 …`` in collection order, with their converters."""

    def __init__(self) -> None:
        self.preps: list[Prep] = []

    def bind(self, prep: Prep = None, type_: Any = None) -> Any:
        name = f"p{len(self.preps)}"
        self.preps.append(prep)
        return sa.bindparam(name, type_=type_) if type_ is not None else sa.bindparam(name)

    def skip(self, count: int) -> None:
        """Values collected but bound elsewhere (none today; kept for symmetry)."""
        self.preps.extend([None] * count)


def compile_statement(stmt: Any, dialect: Any, binder: Binder, extra: Any = None) -> Statement:
    """Compile a SQLAlchemy statement for ``dialect`` into a cached ``Statement``."""
    compiled = stmt.compile(dialect=dialect)
    names = compiled.positiontup or []
    count = len(binder.preps)
    consts: list[Any] = []
    params = []
    for name in names:
        if name.startswith("p") and name[1:].isdigit():
            index = int(name[1:])
            params.append((index, binder.preps[index]))
        else:
            params.append((count + len(consts), None))
            consts.append(compiled.params[name])
    return Statement(compiled.string, tuple(params), extra, tuple(consts))


# -- collecting shape and values -----------------------------------------------------------


def shape_of_value(key: str, value: Any, values: list[Any]) -> Any:
    """The shape of one filter value, appending its bound values to ``values``."""
    if isinstance(value, (F, Combined, Value, Aggregate)):
        return ("E", _expr_shape(value, values))
    if key.endswith("__isnull"):
        return ("B", bool(value))
    if key.endswith("__in"):
        from heron.db.query.queryset import QuerySet

        if isinstance(value, QuerySet):
            return ("S", value._subquery_shape(values))
        items = list(value)
        values.extend(items)
        return ("L", len(items))
    if key.endswith("__range"):
        low, high = value
        values.append(low)
        values.append(high)
        return "R"
    if value is None:
        return "N"
    values.append(value)
    return "V"


def _expr_shape(expr: Any, values: list[Any]) -> Any:
    if isinstance(expr, F):
        return ("F", expr.name)
    if isinstance(expr, Combined):
        return (expr.op, _expr_shape(expr.lhs, values), _expr_shape(expr.rhs, values))
    if isinstance(expr, Aggregate):
        return (
            type(expr).__name__,
            expr.field,
            expr.distinct,
            _where_shape((expr.filter,), values) if expr.filter is not None else None,
        )
    if isinstance(expr, Value):
        values.append(expr.value)
        return "V"
    values.append(expr)
    return "V"


def _where_shape(nodes: Sequence[Any], values: list[Any]) -> Any:
    shape = []
    for node in nodes:
        if isinstance(node, Q):
            shape.append((node.connector, node.negated, _where_shape(node.children, values)))
        else:
            key, value = node
            shape.append((key, shape_of_value(key, value, values)))
    return tuple(shape)


def collect(qs: QuerySet[Any], values: list[Any]) -> Any:
    """The where-clause shape of ``qs``, appending its filter values to ``values``."""
    return _where_shape(qs._where, values)


# -- building SQLAlchemy expressions --------------------------------------------------------


class WhereBuilder:
    """Turns Q trees into SQLAlchemy conditions, binding values in collection order."""

    def __init__(self, joins: Joins, binder: Binder, vendor: str, annotations: Any = None):
        self.joins = joins
        self.binder = binder
        self.vendor = vendor
        self.annotations = annotations or {}

    def build(self, nodes: Sequence[Any]) -> Any:
        clauses = [self._node(node) for node in nodes]
        return sa.and_(*clauses) if clauses else None

    def _node(self, node: Any) -> Any:
        if isinstance(node, Q):
            parts = [self._node(child) for child in node.children]
            if not parts:
                clause: Any = sa.true()
            else:
                clause = sa.and_(*parts) if node.connector == Q.AND else sa.or_(*parts)
            return sa.not_(clause) if node.negated else clause
        key, value = node
        return self.leaf(key, value)

    def leaf(self, key: str, value: Any) -> Any:
        annotated = self._annotation_leaf(key, value)
        if annotated is not None:
            return annotated
        resolved = self.joins.resolve(key)
        column = apply_transforms(resolved.column, resolved.transforms, self.vendor)
        lookup = resolved.lookup
        if lookup == "isnull":
            return column.is_(None) if value else column.is_not(None)
        if isinstance(value, (F, Combined, Value, Aggregate)):
            rhs = self.expression(value, resolved)
            return LOOKUPS[lookup](column, [rhs], self.vendor)
        if lookup == "in":
            from heron.db.query.queryset import QuerySet

            if isinstance(value, QuerySet):
                sub = value._as_subquery(self.binder, self.vendor)
                return column.in_(sub)
            binds = [self.binder.bind(self._prep(resolved, "exact")) for _ in value]
            return LOOKUPS["in"](column, binds, self.vendor)
        if lookup == "range":
            prep = self._prep(resolved, "exact")
            return LOOKUPS["range"](
                column, [self.binder.bind(prep), self.binder.bind(prep)], self.vendor
            )
        if value is None:
            if lookup != "exact":
                raise FieldError(f"None is only allowed with exact or isnull lookups ({key}).")
            return column.is_(None)
        bind = self.binder.bind(self._prep(resolved, lookup))
        return LOOKUPS[lookup](column, [bind], self.vendor)

    def _annotation_leaf(self, key: str, value: Any) -> Any:
        name, _, lookup = key.partition("__")
        if name not in self.annotations:
            return None
        expr = self.annotations[name]
        lookup = lookup or "exact"
        if lookup == "isnull":
            return expr.is_(None) if value else expr.is_not(None)
        if isinstance(value, (F, Combined, Value, Aggregate)):
            return LOOKUPS[lookup](expr, [self.expression(value, None)], self.vendor)
        if lookup == "in":
            return LOOKUPS["in"](expr, [self.binder.bind() for _ in value], self.vendor)
        if lookup == "range":
            return LOOKUPS["range"](expr, [self.binder.bind(), self.binder.bind()], self.vendor)
        return LOOKUPS[lookup](
            expr, [self.binder.bind(prepare_value(lookup, self.vendor))], self.vendor
        )

    def _prep(self, resolved: Resolved, lookup: str) -> Prep:
        vendor = self.vendor
        if lookup in TEXT_LOOKUPS:
            return prepare_value(lookup, vendor)
        if resolved.transforms:
            return None  # year/month/... compare integers or dates as given
        field = resolved.field
        to_value = field.get_prep_value
        to_db = field.db_preparer(vendor)
        special = prepare_value(lookup, vendor)
        if lookup == "iexact":
            return str
        if to_db is None and special is None:
            return to_value
        if special is not None:
            return special

        def prep(value: Any) -> Any:
            value = to_value(value)
            return None if value is None else to_db(value)

        return prep

    def expression(self, expr: Any, resolved: Resolved | None) -> Any:
        """An F/Combined/Value/aggregate as SQL, binding literals in collection order."""
        if isinstance(expr, F):
            if expr.name in self.annotations:
                return self.annotations[expr.name]
            target = self.joins.resolve(expr.name, allow_lookup=False)
            return apply_transforms(target.column, target.transforms, self.vendor)
        if isinstance(expr, Combined):
            lhs = self.expression(expr.lhs, resolved)
            rhs = self.expression(expr.rhs, resolved)
            return _binary(lhs, expr.op, rhs)
        if isinstance(expr, Aggregate):
            from heron.db.query.aggregates import aggregate_sql

            return aggregate_sql(expr, self)
        prep = None
        if resolved is not None and not resolved.transforms:
            prep = resolved.field.db_preparer(self.vendor)
        return self.binder.bind(prep)


def _binary(lhs: Any, op: str, rhs: Any) -> Any:
    if op == "+":
        return lhs + rhs
    if op == "-":
        return lhs - rhs
    if op == "*":
        return lhs * rhs
    if op == "/":
        return lhs / rhs
    if op == "%":
        return lhs % rhs
    raise FieldError(f"Unsupported operator {op!r}.")


def order_clauses(
    joins: Joins, order: Sequence[Any], vendor: str, annotations: dict[str, Any]
) -> list[Any]:
    """ORDER BY terms for ``order`` (``"-field"``, ``"rel__field"``, ``"?"``, ``F().desc()``)."""
    clauses: list[Any] = []
    for term in order:
        if isinstance(term, OrderBy):
            name, descending = term.expression.name, term.descending
        elif isinstance(term, F):
            name, descending = term.name, False
        else:
            if term == "?":
                clauses.append(sa.func.rand() if vendor == "mysql" else sa.func.random())
                continue
            descending = term.startswith("-")
            name = term.lstrip("-+")
        if name in annotations:
            column = annotations[name]
        else:
            resolved = joins.resolve(name, allow_lookup=False)
            column = apply_transforms(resolved.column, resolved.transforms, vendor)
            if resolved.field.is_relation and not resolved.transforms and resolved.path == ():
                column = resolved.column
        clauses.append(column.desc() if descending else column.asc())
    return clauses
