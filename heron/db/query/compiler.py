"""From a QuerySet to SQL text: built with SQLAlchemy once per query shape, then cached.

A query's *shape* is everything that changes its SQL — model, filter structure, lookups,
ordering, whether it is sliced — but not the filter values. ``collect()`` walks the
QuerySet once per call, returning the shape (the cache key) and the values in the order
the compiled statement binds them; the cached ``Statement`` turns those values into the
driver's parameter tuple. The one rule binding the two halves: the builders create bound
parameters (``Binder.bind``) in exactly the order ``collect()`` appends values.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from heron.db.models.exceptions import FieldError
from heron.db.query.expressions import (
    Aggregate,
    Case,
    Combinable,
    Combined,
    Exists,
    F,
    FilteredRelation,
    JoinScope,
    OrderBy,
    OuterRef,
    Q,
    Subquery,
    Value,
    refuse_filtered,
)
from heron.db.query.functions import Func
from heron.db.query.lookups import (
    KIND_FIELDS,
    LOOKUPS,
    TEXT_LOOKUPS,
    TRANSFORMS,
    date_difference,
    kind_of_field,
    kind_of_literal,
    prepare_value,
    shift_date,
    shift_time,
    time_difference,
    transform_preparer,
)
from heron.db.query.paths import Joins, Resolved, apply_transforms

if TYPE_CHECKING:
    from heron.db.query.queryset import QuerySet

__all__ = ["Binder", "Statement", "WhereBuilder", "collect", "compile_statement", "shape_of_value"]

Prep = Callable[[Any], Any] | None
EXPRESSIONS = (Combinable,)  # F, Value, arithmetic, aggregates, functions, Case, subqueries
DATES = ("date", "datetime")
TEMPORAL = (*DATES, "time")  # kinds whose + and - with a duration are date arithmetic

# The compiled statements: (shape..., dialect) -> Statement. Bounded by the number of
# distinct query shapes an application has, which is small and fixed.
CACHE: dict[Any, Statement] = {}


class Statement:
    """Compiled SQL plus how to order and convert the collected values into parameters.

    ``params`` holds ``(index, converter)`` per placeholder; indexes past the collected
    values point at ``constants`` (literals SQLAlchemy itself bound, such as a ``1``
    passed to a SQL function).
    """

    __slots__ = ("constants", "extra", "params", "sql")

    def __init__(
        self,
        sql: str,
        params: tuple[tuple[int, Prep], ...],
        extra: Any = None,
        constants: tuple[Any, ...] = (),
    ) -> None:
        self.sql = sql
        self.params = params
        self.extra = extra
        self.constants = constants

    def bind(self, values: Sequence[Any]) -> tuple[Any, ...]:
        """The driver parameters for ``values``."""
        if self.constants:
            values = [*values, *self.constants]
        return tuple(
            [prep(values[i]) if prep is not None else values[i] for i, prep in self.params]
        )


class Binder:
    """Hands out bound parameters ``p0, p1 …`` in collection order, with their converters."""

    __slots__ = ("preps",)

    def __init__(self) -> None:
        self.preps: list[Prep] = []

    def bind(self, prep: Prep = None, type_: Any = None) -> Any:
        """A new bound parameter for the next collected value."""
        name = f"p{len(self.preps)}"
        self.preps.append(prep)
        return sa.bindparam(name, type_=type_) if type_ is not None else sa.bindparam(name)


def compile_statement(stmt: Any, dialect: Any, binder: Binder, extra: Any = None) -> Statement:
    """Compile a SQLAlchemy statement for ``dialect`` into a ``Statement``."""
    compiled = stmt.compile(dialect=dialect)
    names = compiled.positiontup or []
    count = len(binder.preps)
    params: list[tuple[int, Prep]] = []
    constants: list[Any] = []
    for name in names:
        if name.startswith("p") and name[1:].isdigit():
            index = int(name[1:])
            params.append((index, binder.preps[index]))
        else:
            constants.append(compiled.binds[name].effective_value)
            params.append((count + len(constants) - 1, None))
    return Statement(compiled.string, tuple(params), extra, tuple(constants))


# -- collecting shape and values -----------------------------------------------------------


def in_bucket(count: int) -> int:
    """How many placeholders an ``IN`` of ``count`` values gets: the list is padded (by
    repeating its last value) to a power of two past 8, and to a multiple of 1024 past
    4096, so long lists share a few shapes (and stay under SQLite's 32,766 parameters)."""
    if count <= 8:
        return count
    if count <= 4096:
        return 1 << (count - 1).bit_length()
    return -(-count // 1024) * 1024


def shape_of_value(key: str, value: Any, values: list[Any]) -> Any:
    """The shape of one filter value, appending its bound values to ``values``."""
    if isinstance(value, EXPRESSIONS):
        return ("E", expr_shape(value, values))
    if key.endswith("__isnull"):
        return ("B", bool(value))
    if key.endswith("__in"):
        from heron.db.query.queryset import QuerySet

        if isinstance(value, QuerySet):
            return ("S", value._subquery_shape(values))
        items = list(value)
        size = in_bucket(len(items))
        values.extend(items)
        if size > len(items):
            values.extend([items[-1]] * (size - len(items)))
        return ("L", size)
    if key.endswith("__range"):
        low, high = value
        values.append(low)
        values.append(high)
        return "R"
    if value is None:
        return "N"
    values.append(value)
    return "VT" if isinstance(value, dt.timedelta) else "V"  # a duration binds differently


def expr_shape(expr: Any, values: list[Any]) -> Any:
    """The shape of an expression (F, arithmetic, Value, aggregate), appending literals."""
    if isinstance(expr, F):
        return ("F", expr.name)
    if isinstance(expr, Combined):
        return (expr.op, expr_shape(expr.lhs, values), expr_shape(expr.rhs, values))
    if isinstance(expr, Aggregate):
        return (
            type(expr),  # the class, not its name: two classes may share one
            expr.field if isinstance(expr.field, str) else expr_shape(expr.field, values),
            expr.distinct,
            where_shape((expr.filter,), values) if expr.filter is not None else None,
        )
    if isinstance(expr, Combinable) and not isinstance(expr, Value):
        return _composite_shape(expr, values)
    if expr.__class__ is FilteredRelation:  # an annotate() alias naming a join
        return ("FR", expr.relation_name, where_shape((expr.condition,), values))
    value = expr.value if isinstance(expr, Value) else expr
    values.append(value)
    # A date, date-time or timedelta changes the SQL of the arithmetic it is in; a float or
    # Decimal the type of its result (``F("pages") * 2.5`` is no integer).
    return kind_of_literal(value) or _NUMBER_SHAPES.get(type(value), "V")


def _composite_shape(expr: Any, values: list[Any]) -> Any:
    """The shape of a function, ``Case``, subquery or outer reference."""
    if isinstance(expr, Func):
        args = tuple(_result_shape(arg, values) for arg in expr.source_expressions)
        return (type(expr), args, field_key(expr.output_field), expr.structure())
    if isinstance(expr, Case):
        cases = tuple(
            (where_shape((case.condition,), values), _result_shape(case.result, values))
            for case in expr.cases
        )
        default = None if expr.default is None else _result_shape(expr.default, values)
        return ("CASE", cases, default, field_key(expr.output_field))
    if isinstance(expr, Exists):
        return ("EXISTS", expr.negated, expr.queryset._subquery_shape(values))
    if isinstance(expr, Subquery):
        shape = expr.queryset._subquery_shape(values)
        return ("SUBQUERY", shape, field_key(expr.output_field))
    if isinstance(expr, OuterRef):
        return ("OUTER", expr_shape(expr.target(), values))
    raise TypeError(f"Unsupported expression {expr!r}.")


def _result_shape(expr: Any, values: list[Any]) -> Any:
    """The shape of a value ``Case``/``Coalesce`` may return: a literal's Python type says
    how the result is read (``Value(True)``: a bool, from SQLite's 1)."""
    shape = expr_shape(expr, values)
    if isinstance(expr, Value):
        return (shape, type(expr.value))
    return shape


def field_key(field: Any) -> Any:
    """What of an ``output_field`` changes a statement (how its results are read)."""
    if field is None:
        return None
    return (
        type(field),
        getattr(field, "max_digits", None),
        getattr(field, "decimal_places", None),
        getattr(field, "max_length", None),
    )


_NUMBER_SHAPES = {float: "VF", decimal.Decimal: "VD"}
_NUMERIC = sa.Numeric()
_NUMBER_TYPES: dict[type, Any] = {float: sa.Float(), decimal.Decimal: _NUMERIC}


def where_shape(nodes: Sequence[Any], values: list[Any]) -> Any:
    """The shape of a sequence of Q objects and ``(key, value)`` leaves."""
    shape: list[Any] = []
    for node in nodes:
        if node.__class__ is tuple:
            key, value = node
            shape.append((key, shape_of_value(key, value, values)))
        elif isinstance(node, JoinScope):
            shape.append(("J", node.scope, where_shape(node.children, values)))
        elif isinstance(node, Q):
            shape.append((node.connector, node.negated, where_shape(node.children, values)))
        else:  # a conditional expression (``Exists``)
            shape.append(("X", expr_shape(node, values)))
    return tuple(shape)


def collect(qs: QuerySet[Any], values: list[Any]) -> Any:
    """The where-clause shape of ``qs``, appending its filter values to ``values``."""
    return where_shape(qs._where, values)


# -- building SQLAlchemy expressions --------------------------------------------------------


def _unwrap(prep: Prep, model: Any) -> Prep:
    """Accept instances of ``model`` where its primary key is expected (``author=user``)."""

    def unwrap(value: Any) -> Any:
        if hasattr(value, "_meta"):
            if model is not None and not isinstance(value, model):
                raise ValueError(
                    f'Cannot query "{value}": Must be "{model._meta.object_name}" instance.'
                )
            if value.pk is None:
                raise ValueError(
                    f"{type(value).__name__} instances passed to related filters must be "
                    "saved (this one has no primary key yet)."
                )
            value = value.pk
        return prep(value) if prep is not None else value

    return unwrap


class WhereBuilder:
    """Turns Q trees into SQLAlchemy conditions, binding values in collection order.

    Inside a negation (``exclude()``, ``~Q``) it follows Django: a condition on a column
    that may be NULL also requires the column to be NOT NULL (so NOT keeps the NULL rows),
    and a condition across a multi-valued relation becomes ``pk IN (subquery)``, so
    ``exclude(books__title="x")`` drops the authors having such a book.
    """

    def __init__(
        self,
        joins: Joins,
        binder: Binder,
        vendor: str,
        annotations: dict[str, Any] | None = None,
        outer: WhereBuilder | None = None,
    ) -> None:
        self.joins = joins
        self.binder = binder
        self.vendor = vendor
        self.annotations: dict[str, Any] = annotations or {}
        self.subqueries = False
        # The query enclosing this one when it is a subquery (what ``OuterRef`` reads).
        self.outer = outer
        self.depth: int = 0 if outer is None else outer.depth + 1

    def build(self, nodes: Sequence[Any], negated: bool = False) -> Any:
        """The AND of ``nodes`` (``None`` when there are none)."""
        clauses = [self._node(node, negated) for node in nodes]
        return sa.and_(*clauses) if clauses else None

    def _node(self, node: Any, negated: bool) -> Any:
        if isinstance(node, JoinScope):
            enclosing, self.joins.scope = self.joins.scope, node.scope
            try:
                return self.build(node.children, negated)
            finally:
                self.joins.scope = enclosing
        if isinstance(node, Q):
            inner = negated != node.negated
            parts = [self._node(child, inner) for child in node.children]
            if not parts:
                clause: Any = sa.true()
            else:
                clause = sa.and_(*parts) if node.connector == Q.AND else sa.or_(*parts)
            return sa.not_(clause) if node.negated else clause
        if node.__class__ is not tuple:  # a conditional expression (``Exists``)
            return self.expression(node, None)
        key, value = node
        return self.leaf(key, value, negated)

    def leaf(self, key: str, value: Any, negated: bool = False) -> Any:
        """The condition of one ``field__lookup=value``."""
        annotated = self._annotation_leaf(key, value)
        if annotated is not None:
            return annotated
        if negated and self.across_many(key):
            return self._excluded_through_subquery(key, value)
        resolved = self.joins.resolve(key)
        condition = self._condition(resolved, key, value)
        # Under NOT, ``col = x`` leaves out the NULL rows unless the column must be set;
        # ``col = None`` is ``col IS NULL``, whose negation needs no guard.
        if (
            negated
            and resolved.lookup != "isnull"
            and not (resolved.lookup == "exact" and value is None)
        ):
            nullable = [resolved.column] if self.joins.nullable(resolved) else []
            if isinstance(value, (F, Combined)):
                nullable += self._nullable_columns(value)
            if nullable:
                condition = sa.and_(condition, *[c.is_not(None) for c in nullable])
        return condition

    def across_many(self, key: str) -> bool:
        """Whether a negated condition on ``key`` is on a multi-valued relation (and so
        excludes through a subquery)."""
        return self.joins.multi_valued(key)

    def _nullable_columns(self, expr: Any) -> list[Any]:
        """The columns of the ``F()`` in ``expr`` that may be NULL (annotations aside)."""
        if isinstance(expr, Combined):
            return [*self._nullable_columns(expr.lhs), *self._nullable_columns(expr.rhs)]
        if not isinstance(expr, F) or expr.name in self.annotations:
            return []
        resolved = self.joins.resolve(expr.name, allow_lookup=False)
        return [resolved.column] if self.joins.nullable(resolved) else []

    def _excluded_through_subquery(self, key: str, value: Any) -> Any:
        """``pk IN (SELECT pk ... JOIN the multi-valued relation WHERE condition)``."""
        model = self.joins.model
        inner = Joins(model, filtered=self.joins.filtered)
        builder = WhereBuilder(inner, self.binder, self.vendor)
        condition = builder._condition(inner.resolve(key), key, value)
        pk = model._meta.pk.attname
        sub = sa.select(inner.base.c[pk]).select_from(inner.from_clause()).where(condition)
        self.subqueries = True
        return self.joins.base.c[pk].in_(sub)

    def _condition(self, resolved: Resolved, key: str, value: Any) -> Any:
        column = apply_transforms(resolved.column, resolved.transforms, self.vendor)
        lookup = resolved.lookup
        if lookup == "isnull":
            return column.is_(None) if value else column.is_not(None)
        if isinstance(value, EXPRESSIONS):
            rhs = self.expression(value, resolved)
            return LOOKUPS[lookup](column, [rhs], self.vendor)
        if lookup == "in":
            from heron.db.query.queryset import QuerySet

            if isinstance(value, QuerySet):
                self.subqueries = True
                return column.in_(value._as_subquery(self.binder, self.vendor))
            prep = self._prep(resolved, "exact")
            binds = [self.binder.bind(prep) for _ in range(in_bucket(len(value)))]
            return LOOKUPS["in"](column, binds, self.vendor)
        if lookup == "range":
            prep = self._prep(resolved, "exact")
            return LOOKUPS["range"](
                column, [self.binder.bind(prep), self.binder.bind(prep)], self.vendor
            )
        if value is None:
            if lookup not in ("exact", "iexact"):
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
        if lookup not in LOOKUPS and lookup != "isnull":
            raise FieldError(f"Unsupported lookup '{lookup}' on the annotation '{name}'.")
        if lookup == "isnull":
            return expr.is_(None) if value else expr.is_not(None)
        if isinstance(value, EXPRESSIONS):
            return LOOKUPS[lookup](expr, [self.expression(value, None)], self.vendor)
        if lookup in ("in", "range"):
            prep = _temporal_prep(expr.type, self.vendor)
            count = in_bucket(len(value)) if lookup == "in" else 2
            return LOOKUPS[lookup](
                expr, [self.binder.bind(prep) for _ in range(count)], self.vendor
            )
        if value is None:
            return expr.is_(None)
        if isinstance(value, dt.timedelta):  # compared with a duration (``F("b") - F("a")``)
            duration = KIND_FIELDS["duration"]
            bind = self.binder.bind(duration.db_preparer(self.vendor), duration.sa_type())
            return LOOKUPS[lookup](expr, [bind], self.vendor)
        prep = prepare_value(lookup, self.vendor) or _temporal_prep(expr.type, self.vendor)
        return LOOKUPS[lookup](expr, [self.binder.bind(prep)], self.vendor)

    def _prep(self, resolved: Resolved, lookup: str) -> Prep:
        vendor = self.vendor
        if lookup in TEXT_LOOKUPS:
            return prepare_value(lookup, vendor)
        if resolved.transforms:
            return transform_preparer(resolved.transforms[-1], vendor)
        field = resolved.field
        to_value = field.get_prep_value
        to_db = field.db_preparer(vendor)
        prep: Prep
        if to_db is None:
            prep = to_value
        else:

            def prep(value: Any) -> Any:
                value = to_value(value)
                return None if value is None else to_db(value)

        if field.is_relation:
            return _unwrap(prep, getattr(field, "remote_model", None))
        if resolved.path:
            return _unwrap(prep, resolved.model if field.primary_key else None)
        return prep

    def expression(self, expr: Any, resolved: Resolved | None) -> Any:
        """An F/Combined/Value/aggregate as SQL, binding literals in collection order."""
        if isinstance(expr, F):
            if expr.name in self.annotations:
                return self.annotations[expr.name]
            target = self.joins.resolve(expr.name, allow_lookup=False)
            return apply_transforms(target.column, target.transforms, self.vendor)
        if isinstance(expr, Combined):
            kinds = (self.kind(expr.lhs), self.kind(expr.rhs))
            if kinds[0] in TEMPORAL or kinds[1] in TEMPORAL:
                return self._date_arithmetic(expr, *kinds)
            lhs = self.expression(expr.lhs, resolved)
            rhs = self.expression(expr.rhs, resolved)
            return _binary(lhs, expr.op, rhs, self.vendor)
        if isinstance(expr, Aggregate):
            from heron.db.query.aggregates import aggregate_sql

            return aggregate_sql(expr, self)
        if isinstance(expr, Combinable) and not isinstance(expr, Value):
            return self._composite(expr, resolved)
        literal = expr.value if isinstance(expr, Value) else expr
        refuse_filtered(literal, "an expression")
        number_type = _NUMBER_TYPES.get(type(literal))
        if number_type is not None:  # typed, or it would take the other operand's (INTEGER)
            # sqlite3 takes no Decimal: its text, which SQLite reads as a number.
            prep = str if self.vendor == "sqlite" and number_type is _NUMERIC else None
            return self.binder.bind(prep, number_type)
        if resolved is not None and not resolved.transforms:
            return self.binder.bind(resolved.field.db_preparer(self.vendor))
        kind = kind_of_literal(literal)
        if kind is None:
            return self.binder.bind()
        field = KIND_FIELDS[kind]
        bind = self.binder.bind(field.db_preparer(self.vendor), field.sa_type())
        # MariaDB reads a bound date as text: date arithmetic on it would give text.
        return sa.cast(bind, field.sa_type()) if self.vendor == "mysql" and kind in DATES else bind

    def _composite(self, expr: Any, resolved: Resolved | None) -> Any:
        """A function, ``Case``, subquery or outer reference as SQL."""
        if isinstance(expr, Func):
            # A value among the arguments binds as the compared field's only where the
            # function gives a value of its arguments' type (``Coalesce``).
            typed = resolved if expr.typed_as_arguments else None
            args = [self.expression(arg, typed) for arg in expr.source_expressions]
            kinds = [self.kind(a) for a in expr.source_expressions] if expr.reads_kinds else []
            return expr.build(args, kinds, self.vendor)
        if isinstance(expr, Case):
            whens = [
                (self.build([case.condition]), self.expression(case.result, resolved))
                for case in expr.cases
            ]
            default = None if expr.default is None else self.expression(expr.default, resolved)
            return sa.case(*whens, else_=default)
        if isinstance(expr, Subquery):
            from heron.db.query.select import exists_subquery, scalar_subquery

            self.subqueries = True
            if isinstance(expr, Exists):
                exists = exists_subquery(expr.queryset, self)
                return sa.not_(exists) if expr.negated else exists
            return scalar_subquery(expr.queryset, self)
        if isinstance(expr, OuterRef):
            if self.outer is None:
                raise ValueError(
                    f"{expr!r} refers to an enclosing query: use it inside Subquery() or Exists()."
                )
            return self.outer.expression(expr.target(), None)
        raise TypeError(f"Unsupported expression {expr!r}.")

    def kind(self, expr: Any) -> str | None:
        """``"datetime"``, ``"date"``, ``"duration"`` … when ``expr`` gives such a value."""
        if isinstance(expr, F):
            if expr.name in self.annotations:
                return None
            target = self.joins.resolve(expr.name, allow_lookup=False)
            return kind_of_field(target.field, target.transforms)
        if isinstance(expr, Combined):
            lhs, rhs = self.kind(expr.lhs), self.kind(expr.rhs)
            if expr.op == "+" and lhs == "duration":
                lhs, rhs = rhs, lhs
            if expr.op in "+-" and rhs == "duration" and lhs in (*TEMPORAL, "duration"):
                return lhs
            return "duration" if expr.op == "-" and lhs == rhs and lhs in TEMPORAL else None
        if isinstance(expr, Aggregate):
            if expr.function in ("MIN", "MAX") and isinstance(expr.field, str):
                return self.kind(F(expr.field))
            return None
        if isinstance(expr, OuterRef):
            return self.outer.kind(expr.target()) if self.outer is not None else None
        if isinstance(expr, Func):
            return expr.result_kind([self.kind(arg) for arg in expr.source_expressions])
        if isinstance(expr, Combinable) and not isinstance(expr, Value):
            return None  # Case, subqueries: no date arithmetic on them
        return kind_of_literal(expr.value if isinstance(expr, Value) else expr)

    def _date_arithmetic(self, expr: Combined, lhs_kind: Any, rhs_kind: Any) -> Any:
        """A date or date-time ± a duration, or the duration between two of them."""
        # Each side binds its own literals (a timedelta is no value of the compared field).
        lhs = self.expression(expr.lhs, None)
        rhs = self.expression(expr.rhs, None)
        if expr.op == "+" and lhs_kind == "duration":
            lhs, rhs, lhs_kind, rhs_kind = rhs, lhs, rhs_kind, lhs_kind
        subtract = expr.op == "-"
        if expr.op in "+-" and lhs_kind == "time" and rhs_kind == "duration":
            return shift_time(lhs, rhs, subtract, self.vendor)
        if expr.op in "+-" and lhs_kind in DATES and rhs_kind == "duration":
            return shift_date(lhs, lhs_kind, rhs, subtract, self.vendor)
        if subtract and lhs_kind == rhs_kind == "time":
            return time_difference(lhs, rhs, self.vendor)
        if subtract and lhs_kind == rhs_kind:
            return date_difference(lhs, rhs, lhs_kind, self.vendor)
        raise FieldError(
            f"Unsupported date arithmetic {expr!r}: a date, date-time or time takes + or - a "
            "timedelta, or - another of its kind."
        )


def _temporal_prep(type_: Any, vendor: str) -> Prep:
    """How a value compared with an annotation of SQL type ``type_`` is bound: as a date
    or date-time field's value when the annotation is one (``TruncMonth``)."""
    if isinstance(type_, sa.DateTime):
        return KIND_FIELDS["datetime"].db_preparer(vendor)
    if isinstance(type_, sa.Date):
        return KIND_FIELDS["date"].db_preparer(vendor)
    if isinstance(type_, sa.Time):
        return KIND_FIELDS["time"].db_preparer(vendor)
    return None


def _binary(lhs: Any, op: str, rhs: Any, vendor: str) -> Any:
    if op == "+":
        return lhs + rhs
    if op == "-":
        return lhs - rhs
    if op == "*":
        return lhs * rhs
    if op == "/":
        # True division (SQLAlchemy's ``/``); MariaDB divides integers as a DECIMAL with
        # four decimals, "+ 0E0" makes it a double as on the other backends.
        if vendor == "mysql" and isinstance(lhs.type, sa.Integer):
            lhs = lhs + sa.literal_column("0E0")
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
        nulls = None
        if isinstance(term, OrderBy):
            name, descending, nulls = term.expression.name, term.descending, term.nulls
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
        clauses += ordering_terms(column, descending, nulls, vendor)
    return clauses


def ordering_terms(column: Any, descending: bool, nulls: str | None, vendor: str) -> list[Any]:
    """The ORDER BY terms of ``column`` ascending or descending, NULLs ``"first"``,
    ``"last"`` or where the database puts them (``None``)."""
    ordered = column.desc() if descending else column.asc()
    if nulls is None:
        return [ordered]
    if vendor == "mysql":  # no NULLS FIRST/LAST: order by "is it NULL" first
        is_null = column.is_(None)
        return [is_null.desc() if nulls == "first" else is_null.asc(), ordered]
    return [ordered.nulls_first() if nulls == "first" else ordered.nulls_last()]


def is_transform(name: str) -> bool:
    """True when ``name`` is a transform (``year``, ``date`` …)."""
    return name in TRANSFORMS
