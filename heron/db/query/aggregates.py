"""``annotate()`` and ``aggregate()``: grouped, filtered aggregates across relations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from heron.db.connections import connections
from heron.db.models.exceptions import FieldError
from heron.db.query.compiler import Binder, Statement, WhereBuilder, compile_statement
from heron.db.query.execution import prepared
from heron.db.query.expressions import Aggregate, Combined
from heron.db.query.paths import Joins, apply_transforms

if TYPE_CHECKING:
    from heron.db.query.queryset import QuerySet

__all__ = ["aaggregate", "aggregate", "aggregate_sql", "annotate"]

_FUNCTIONS = {
    "COUNT": sa.func.count,
    "SUM": sa.func.sum,
    "AVG": sa.func.avg,
    "MIN": sa.func.min,
    "MAX": sa.func.max,
}


def _contains_aggregate(expr: Any) -> bool:
    if isinstance(expr, Aggregate):
        return True
    if isinstance(expr, Combined):
        return _contains_aggregate(expr.lhs) or _contains_aggregate(expr.rhs)
    return False


def aggregate_sql(expr: Aggregate, where: WhereBuilder) -> Any:
    """The SQL of one aggregate, resolving its field (and joins) from the query's base."""
    if expr.field == "*":
        column: Any = sa.literal_column("*")
        if expr.filter is not None:
            column = sa.literal_column("1")
    else:
        resolved = where.joins.resolve(expr.field, allow_lookup=False)
        column = apply_transforms(resolved.column, resolved.transforms, where.vendor)
    if expr.filter is not None:
        column = sa.case((where.build([expr.filter]), column), else_=None)
    if expr.distinct:
        column = sa.distinct(column)
    return _FUNCTIONS[expr.function](column)


def annotate(qs: QuerySet[Any], expressions: dict[str, Any]) -> Any:
    """Add ``expressions`` to each row; aggregates group by the row (or the ``values()``)."""
    new = qs._clone()
    for name in expressions:
        if name in qs.model._meta.fields_map:
            raise FieldError(f"The annotation '{name}' conflicts with a field on the model.")
    new._annotations = {**qs._annotations, **expressions}
    if any(_contains_aggregate(e) for e in expressions.values()):
        if qs._fields is not None:
            new._group_by = tuple(f for f in qs._fields if f not in qs._annotations)
            new._fields = (*qs._fields, *expressions)
        else:
            new._group_by = tuple(f.attname for f in qs.model._meta.fields)
    elif new._fields is not None:
        new._fields = (*new._fields, *expressions)
    return new


def _aggregate_statement(
    qs: QuerySet[Any], expressions: dict[str, Aggregate], dialect: Any, vendor: str
) -> Statement:
    binder = Binder()
    joins = Joins(qs.model)
    where = WhereBuilder(joins, binder, vendor)
    columns = [aggregate_sql(expr, where).label(name) for name, expr in expressions.items()]
    clause = where.build(qs._where)
    if qs._distinct or qs._low or qs._high is not None or qs._group_by is not None:
        raise FieldError(
            "aggregate() over a sliced, distinct or grouped QuerySet is not supported; "
            "aggregate before slicing."
        )
    stmt = sa.select(*columns).select_from(joins.from_clause())
    if clause is not None:
        stmt = stmt.where(clause)
    return compile_statement(stmt, dialect, binder)


def _prepare(qs: QuerySet[Any], args: tuple[Aggregate, ...], kwargs: dict[str, Aggregate]) -> Any:
    expressions: dict[str, Aggregate] = {}
    for expr in args:
        expressions[expr.default_alias()] = expr
    expressions.update(kwargs)
    for name, expr in expressions.items():
        if not isinstance(expr, Aggregate):
            raise TypeError(
                f"aggregate() takes aggregates (Count, Sum ...), not {expr!r} ({name})."
            )
    shaped = qs._clone()
    shaped._annotations = dict(expressions)
    return shaped, expressions


def _convert(names: list[str], row: Any) -> dict[str, Any]:
    return dict(zip(names, row, strict=True))


def aggregate(qs: QuerySet[Any], *args: Aggregate, **kwargs: Aggregate) -> dict[str, Any]:
    """One row of aggregates over the whole QuerySet."""
    shaped, expressions = _prepare(qs, args, kwargs)
    db = connections[qs.db]
    stmt, params = prepared(
        shaped,
        db,
        db.sync_dialect,
        "aggregate",
        lambda: _aggregate_statement(qs, expressions, db.sync_dialect, db.vendor),
    )
    return _convert(list(expressions), db.fetchone(stmt.sql, params))


async def aaggregate(qs: QuerySet[Any], *args: Aggregate, **kwargs: Aggregate) -> dict[str, Any]:
    """``aggregate()`` on the async driver."""
    shaped, expressions = _prepare(qs, args, kwargs)
    db = connections[qs.db]
    stmt, params = prepared(
        shaped,
        db,
        db.async_dialect,
        "aggregate",
        lambda: _aggregate_statement(qs, expressions, db.async_dialect, db.vendor),
    )
    return _convert(list(expressions), await db.afetchone(stmt.sql, params))
