"""``annotate()`` and ``aggregate()``: grouped, filtered aggregates across relations.

Aggregate results are converted as Django does: ``Count`` is an int, ``Avg`` a float (a
``Decimal`` over decimal fields), ``Sum`` follows its field (an int over integer fields,
whatever type the driver returned), ``Min``/``Max`` are values of the field. An aggregate of
an annotation follows the annotation's SQL type. ``/`` is true division on every backend:
integers divided give a float (as in Python, unlike Django's integer division on SQLite and
PostgreSQL). Date arithmetic gives a ``datetime``, ``date`` or ``timedelta``.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from heron.db.errors import NotSupportedError
from heron.db.models.exceptions import FieldError
from heron.db.query.collect import Collect, collect_converter, collect_sql
from heron.db.query.compiler import Binder, Statement, WhereBuilder, compile_statement, expr_shape
from heron.db.query.expressions import (
    Aggregate,
    Case,
    Combinable,
    Combined,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    Subquery,
    Value,
    is_hidden,
)
from heron.db.query.filtered import check_alias, filtered_first
from heron.db.query.functions import Func
from heron.db.query.lookups import KIND_FIELDS, kind_of_literal
from heron.db.query.paths import Joins, apply_transforms

if TYPE_CHECKING:
    from heron.db.query.queryset import QuerySet

__all__ = [
    "aggregate_sql",
    "aggregate_statement",
    "annotate",
    "contains_aggregate",
    "expression_converter",
]

Converter = Callable[[Any], Any]

_FUNCTIONS: dict[str, Any] = {
    "COUNT": sa.func.count,
    "SUM": sa.func.sum,
    "AVG": sa.func.avg,
    "MIN": sa.func.min,
    "MAX": sa.func.max,
}
# Aggregates read as Avg is: a float, or a Decimal over decimals (``statistics``: StdDev …).
_MEANS = frozenset({"AVG", "STDDEV_POP", "STDDEV_SAMP", "VAR_POP", "VAR_SAMP"})


def contains_aggregate(expr: Any, annotations: Mapping[str, Any] | None = None) -> bool:
    """True when ``expr`` is, or is built from, an aggregate (directly, or through the
    names of aggregate ``annotations`` it refers to)."""
    if isinstance(expr, Aggregate):
        return True
    if isinstance(expr, F):
        return annotations is not None and _names_aggregate(expr.name, annotations)
    if isinstance(expr, Combined):
        return contains_aggregate(expr.lhs, annotations) or contains_aggregate(
            expr.rhs, annotations
        )
    if isinstance(expr, Func):
        return any(contains_aggregate(arg, annotations) for arg in expr.source_expressions)
    if isinstance(expr, Case):
        for case in expr.cases:
            if contains_aggregate(case.result, annotations):
                return True
            condition = case.condition
            if (
                annotations
                and isinstance(condition, Q)
                and _reads_aggregate(condition, annotations)
            ):
                return True
        return contains_aggregate(expr.default, annotations)
    return False  # a subquery's aggregates are its own


def _reads_aggregate(condition: Q, annotations: Mapping[str, Any]) -> bool:
    """True when a lookup of ``condition`` reads an aggregate annotation."""
    return any(_names_aggregate(key, annotations) for key, _ in condition.leaves())


def _names_aggregate(key: str, annotations: Mapping[str, Any]) -> bool:
    """True when the lookup ``key`` reads an aggregate annotation (``n__gte``)."""
    name = key.partition("__")[0]
    return name in annotations and contains_aggregate(annotations[name], annotations)


def _source(expr: Aggregate, where: WhereBuilder) -> Any:
    if isinstance(expr.field, str):
        if expr.field == "*":
            return sa.literal_column("1" if expr.filter is not None else "*")
        if expr.field in where.annotations:
            return where.annotations[expr.field].element
        resolved = where.joins.resolve(expr.field, allow_lookup=False)
        return apply_transforms(resolved.column, resolved.transforms, where.vendor)
    return where.expression(expr.field, None)


def aggregate_sql(expr: Aggregate, where: WhereBuilder) -> Any:
    """The SQL of one aggregate, resolving its field (and joins) from the query's base."""
    if isinstance(expr, Collect):
        return collect_sql(expr, where)
    column = _source(expr, where)
    if expr.filter is not None:
        column = sa.case((where.build([expr.filter]), column), else_=None)
    return _call(expr, column, where.vendor, _field_of(expr, where))


def _call(expr: Aggregate, column: Any, vendor: str, field: Any) -> Any:
    """``FUNCTION([DISTINCT] column)``."""
    if isinstance(expr, Collect):
        raise NotSupportedError(f"{expr!r} over a combined QuerySet isn't supported.")
    decimal = _kind(field) == "decimal"
    if expr.function in _MEANS and vendor == "mysql" and (not decimal or expr.function != "AVG"):
        # MySQL averages integers as DECIMAL with 4 decimals; "+ 0E0" makes it a double.
        column = column + sa.literal_column("0E0")
        if expr.distinct and expr.function != "AVG":
            raise NotSupportedError(f"MariaDB/MySQL has no {expr.function}(DISTINCT ...).")
    if expr.distinct:
        column = sa.distinct(column)
    if expr.function in _MEANS:  # typed, for aggregates over this one (Sum of an Avg)
        name = expr.function.lower()
        if vendor == "sqlite" and name != "avg":
            name = f"heron_{name}"  # Python aggregates (heron.db.backends.sqlite_functions)
        type_ = sa.Numeric() if decimal else sa.Float()
        return getattr(sa.func, name)(column, type_=type_)
    return _FUNCTIONS[expr.function](column)


# -- converting results -------------------------------------------------------------------


def _field_of(expr: Any, where: WhereBuilder) -> Any:
    """The model field an expression reads (``F("x")``, ``Sum("x")``), if there is one."""
    name = expr.name if isinstance(expr, F) else getattr(expr, "field", None)
    if isinstance(expr, Combined):
        return _field_of(expr.lhs, where) or _field_of(expr.rhs, where)
    if isinstance(expr, Aggregate) and not isinstance(name, str):
        return _field_of(name, where)
    if not isinstance(name, str) or name == "*" or name in where.annotations:
        return None
    resolved = where.joins.resolve(name, allow_lookup=False)
    return None if resolved.transforms else resolved.field


def _kind(field: Any) -> str:
    from heron.db.fields.scalars import Float, Integer

    if isinstance(field, Integer):
        return "int"
    if isinstance(field, Float):
        return "float"
    if type(field).__name__ == "Decimal":
        return "decimal"
    return "other"


def _to_int(value: Any) -> Any:
    return int(value)


def _to_float(value: Any) -> Any:
    return float(value)


def _to_decimal(value: Any) -> Any:
    from decimal import Decimal

    return value if isinstance(value, Decimal) else Decimal(str(value))


_NUMERIC: dict[str, Converter] = {"int": _to_int, "float": _to_float, "decimal": _to_decimal}


def _sql_kind(type_: Any) -> str:
    """The numeric kind of a SQL expression's type (that of an annotation)."""
    if isinstance(type_, sa.Integer):
        return "int"
    if isinstance(type_, sa.Float):
        return "float"
    return "decimal" if isinstance(type_, sa.Numeric) else "other"


def _numeric_kind(expr: Any, field: Any, where: WhereBuilder) -> str:
    """The numeric kind of ``expr`` reading ``field``: dividing integers gives a float."""
    name = expr.name if isinstance(expr, F) else expr
    if isinstance(name, str) and name in where.annotations:
        return _sql_kind(where.annotations[name].type)
    kind = _kind(field) if field is not None else "other"
    if kind != "int":
        return kind
    if _has_division(expr) or float in _literal_types(expr):
        return "float"
    return "decimal" if decimal.Decimal in _literal_types(expr) else kind


def _literal_types(expr: Any) -> set[type]:
    """The types of the Python values in ``expr`` (``F("pages") * 2.5``: {float})."""
    if isinstance(expr, Combined):
        return _literal_types(expr.lhs) | _literal_types(expr.rhs)
    if isinstance(expr, (F, Aggregate, str)):
        return set()
    return {type(expr.value if isinstance(expr, Value) else expr)}


def expression_converter(expr: Any, where: WhereBuilder) -> Converter | None:
    """How the database's value of an annotation/aggregate becomes the Python value."""
    if isinstance(expr, Aggregate):
        if isinstance(expr, Collect):
            return collect_converter(expr, where)
        if expr.function == "COUNT":
            return _to_int
        field = _field_of(expr, where)
        kind = _numeric_kind(expr.field, field, where)
        if expr.function in _MEANS:
            return _to_decimal if kind == "decimal" else _to_float
        if kind == "decimal" and isinstance(expr.field, str) and field is not None:
            # Sum/Min/Max of a decimal field: its decimal places on every database (SQLite
            # computes in floats), as the field reads its own values.
            return field.db_converter(where.vendor) or _to_decimal
        if kind in _NUMERIC:
            return _NUMERIC[kind]
        return field.db_converter(where.vendor) if field is not None else None
    if isinstance(expr, Combinable) and not isinstance(expr, (F, Combined, Value)):
        return _composite_converter(expr, where)
    if isinstance(expr, (F, Combined)):
        temporal = where.kind(expr)
        if temporal is not None:
            return KIND_FIELDS[temporal].db_converter(where.vendor)
        field = _field_of(expr, where)
        if field is None:
            return None
        kind = _numeric_kind(expr, field, where)
        return _NUMERIC.get(kind) or field.db_converter(where.vendor)
    return None


def _to_bool(value: Any) -> Any:
    return bool(value)


_LITERAL_CONVERTERS: dict[type, Converter] = {
    bool: _to_bool,
    int: _to_int,
    float: _to_float,
    decimal.Decimal: _to_decimal,
}


def _result_converter(expr: Any, where: WhereBuilder) -> Converter | None:
    """How a result of ``Case``/``Coalesce`` coming from ``expr`` is read: as its field's
    value, or as a value of the Python literal's type (``True`` from SQLite's 1)."""
    if not isinstance(expr, Value):
        return expression_converter(expr, where)
    kind = kind_of_literal(expr.value)
    if kind is not None:
        return KIND_FIELDS[kind].db_converter(where.vendor)
    return _LITERAL_CONVERTERS.get(type(expr.value))


def _first_converter(exprs: list[Any], where: WhereBuilder) -> Converter | None:
    """The converter of the first of ``exprs`` that has one (NULLs and text have none)."""
    for expr in exprs:
        if expr is not None and not (isinstance(expr, Value) and expr.value is None):
            converter = _result_converter(expr, where)
            if converter is not None:
                return converter
    return None


def _composite_converter(expr: Any, where: WhereBuilder) -> Converter | None:
    """The converter of a function, ``Case`` or subquery: its ``output_field``'s, else
    inferred from what it returns."""
    output = getattr(expr, "output_field", None)
    if output is not None:
        from heron.db.fields.scalars import Boolean

        if isinstance(output, Boolean):  # also from a CASE of 0/1 on PostgreSQL
            return _to_bool
        return _NUMERIC.get(_kind(output)) or output.db_converter(where.vendor)
    if isinstance(expr, Exists):
        return _to_bool
    if isinstance(expr, Subquery):
        return _subquery_converter(expr.queryset, where)
    if isinstance(expr, Case):
        return _first_converter([c.result for c in expr.cases] + [expr.default], where)
    if isinstance(expr, Func):
        kind = where.kind(expr)
        if kind is not None:  # a date or date-time (``TruncMonth`` of either)
            return KIND_FIELDS[kind].db_converter(where.vendor)
        if expr.typed_as_arguments:
            return _first_converter(list(expr.source_expressions), where)
    return None


def _subquery_converter(qs: QuerySet[Any], where: WhereBuilder) -> Converter | None:
    """The converter of the field (or annotation) a ``Subquery`` selects."""
    from heron.db.query.select import base_query

    if not qs._fields:
        return qs.model._meta.pk.db_converter(where.vendor)  # type: ignore[no-any-return]
    name = qs._fields[0]
    if name in qs._annotations:
        # Built only to learn its types, binding into a scratch binder.
        _, inner, _ = base_query(qs, where.vendor, Binder(), outer=where)
        return expression_converter(qs._annotations[name], inner)
    resolved = Joins(qs.model).resolve(name, allow_lookup=False)
    if resolved.transforms:
        from heron.db.query.select import transform_conversion

        return transform_conversion(resolved.transforms[-1], where.vendor)[0]
    return resolved.field.db_converter(where.vendor)


def _has_division(expr: Any) -> bool:
    if isinstance(expr, Combined):
        return expr.op == "/" or _has_division(expr.lhs) or _has_division(expr.rhs)
    return False


# -- annotate() / aggregate() ----------------------------------------------------------------


def named(args: tuple[Any, ...], kwargs: dict[str, Any], method: str) -> dict[str, Any]:
    """Positional aggregates get their default names (``Count("books")`` → ``books__count``)."""
    expressions: dict[str, Any] = {}
    for expr in args:
        if not isinstance(expr, Aggregate):
            raise TypeError(f"{method}() takes positional aggregates only, not {expr!r}.")
        expressions[expr.default_alias()] = expr
    for name, expr in kwargs.items():
        if name in expressions:
            raise ValueError(f"{method}() got two expressions named '{name}'.")
        expressions[name] = expr
    return expressions


def annotate(qs: QuerySet[Any], expressions: dict[str, Any], *, selected: bool = True) -> Any:
    """Add ``expressions`` to each row; aggregates group by the row (or the ``values()``).
    ``selected=False``: only to order by (``order_by(Lower("name"))``), never loaded."""
    from heron.db.query.select import MODEL_GROUP

    new = qs._clone()
    meta = qs.model._meta
    filtered = False
    for name, expr in expressions.items():
        if isinstance(expr, FilteredRelation):
            _check_filtered(qs, name, expr)
            filtered = True
            continue
        if name in meta.fields_map or meta.reverse_relation(name) is not None:
            raise ValueError(f"The annotation '{name}' conflicts with a field on the model.")
        if isinstance(qs._annotations.get(name), FilteredRelation):
            raise ValueError(f"The annotation '{name}' conflicts with a FilteredRelation alias.")
        if isinstance(expr, OuterRef):
            raise ValueError(f"{expr!r} can only be used inside Subquery() or Exists().")
        if not isinstance(expr, Combinable):
            expressions[name] = Value(expr)
    new._annotations = {**qs._annotations, **expressions}
    if filtered:
        new._annotations = filtered_first(new._annotations)
    grouping = any(contains_aggregate(e, new._annotations) for e in expressions.values())
    if grouping and qs._group_by is None:
        if qs._fields is not None and qs._iterable != "model":
            # values("month") of a plain annotation (``TruncMonth``) groups by it too.
            new._group_by = tuple(
                f
                for f in qs._fields
                if f not in qs._annotations
                or not contains_aggregate(qs._annotations[f], qs._annotations)
            )
        else:
            new._group_by = MODEL_GROUP
    if selected and new._fields is not None and qs._iterable != "model":
        names = [n for n, e in expressions.items() if not isinstance(e, FilteredRelation)]
        new._fields = (*new._fields, *names)
    return new


def _check_filtered(qs: QuerySet[Any], name: str, relation: FilteredRelation) -> None:
    """Refuse a FilteredRelation alias taken by an annotation, a field or another relation."""
    if name in qs._annotations:
        raise ValueError(f"The FilteredRelation alias '{name}' is already an annotation.")
    check_alias(qs, name, relation)


def aggregate_shape(qs: QuerySet[Any], expressions: dict[str, Aggregate], values: list[Any]) -> Any:
    """The shape of the aggregates (their filters' values are appended after the query's)."""
    return tuple((name, expr_shape(expr, values)) for name, expr in expressions.items())


def aggregate_statement(
    qs: QuerySet[Any], expressions: dict[str, Aggregate], dialect: Any, vendor: str
) -> Statement:
    """One row of aggregates: over the filtered table, or over the QuerySet as a subquery
    when it is grouped, sliced or distinct."""
    from heron.db.query.select import finish, split_query

    binder = Binder()
    joins, where, clause, windows = split_query(qs, vendor, binder)
    nested = (
        qs._distinct
        or qs._low
        or qs._high is not None
        or qs._group_by is not None
        or windows is not None  # filtered on a window: over the rows the filter keeps
    )
    if not nested:
        columns = [aggregate_sql(expr, where).label(name) for name, expr in expressions.items()]
        converters = [expression_converter(expr, where) for expr in expressions.values()]
        stmt = sa.select(*columns).select_from(joins.from_clause())
        if clause is not None:
            stmt = stmt.where(clause)
        return compile_statement(stmt, dialect, binder, tuple(converters))
    model_columns = [joins.base.c[f.attname] for f in qs.model._meta.fields]
    if qs._fields is not None and qs._iterable != "model":
        from heron.db.query.select import values_columns

        names, inner_columns, _ = values_columns(qs, joins, where)
        inner_columns = [c.label(n) for c, n in zip(inner_columns, names, strict=True)]
    else:
        visible = [c for name, c in where.annotations.items() if not is_hidden(name)]
        inner_columns = [*model_columns, *visible]
    inner = finish(
        sa.select(*inner_columns),
        qs,
        joins,
        where,
        clause,
        binder,
        model_columns=model_columns,
        ordered=qs._low > 0 or qs._high is not None,
        windows=windows,
    ).subquery("q")
    columns = []
    for name, expr in expressions.items():
        if expr.filter is not None or not isinstance(expr.field, str):
            raise FieldError("aggregate() over a grouped or sliced QuerySet takes plain fields.")
        source: Any
        if expr.field == "*":
            source = sa.literal_column("*")
        elif expr.field in inner.c:
            source = inner.c[expr.field]
        else:
            attname = qs.model._meta.get_field(expr.field).attname
            source = inner.c[attname]
        columns.append(_call(expr, source, vendor, _field_of(expr, where)).label(name))
    converters = [expression_converter(expr, where) for expr in expressions.values()]
    return compile_statement(sa.select(*columns), dialect, binder, tuple(converters))


def column_aggregate(
    expr: Aggregate, column: Any, where: WhereBuilder, vendor: str
) -> tuple[Any, Converter | None]:
    """``expr`` computed over ``column`` of a derived table whose values are those of
    ``expr.field`` in ``where``'s query (``aggregate()`` after ``union()``): its SQL and
    how its value is read."""
    sql = _call(expr, column, vendor, _field_of(expr, where))
    return sql, expression_converter(expr, where)


def aggregate_result(
    names: list[str], converters: tuple[Converter | None, ...], row: Any
) -> dict[str, Any]:
    """The aggregate row as a dict, converted."""
    return {
        name: conv(value) if conv is not None and value is not None else value
        for name, value, conv in zip(names, row, converters, strict=True)
    }
