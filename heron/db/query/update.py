"""``QuerySet.update()``: one UPDATE for every matching row, values and F expressions alike."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from heron.db.models.exceptions import FieldError
from heron.db.query.compiler import Binder, Statement, WhereBuilder, compile_statement, expr_shape
from heron.db.query.expressions import Aggregate, Combined, F, Value
from heron.db.query.paths import Joins, Resolved
from heron.db.query.persistence import field_preparer

if TYPE_CHECKING:
    from heron.db.models.base import Model
    from heron.db.query.queryset import QuerySet

__all__ = ["build_update", "update_shape"]

_EXPRESSIONS = (F, Combined, Value, Aggregate)


def _fields(model: type[Model], values: dict[str, Any]) -> list[tuple[str, Any]]:
    result = []
    for name in sorted(values):
        field = model._meta.get_field(name)
        if field.many_to_many or not field.concrete:
            raise FieldError(f"update() cannot set the many-to-many field '{name}'.")
        if field.primary_key and isinstance(values[name], _EXPRESSIONS):
            raise FieldError("update() cannot set the primary key from an expression.")
        result.append((name, field))
    return result


def update_shape(model: type[Model], values: dict[str, Any]) -> tuple[Any, list[Any]]:
    """The shape of the SET clause and its values in binding order."""
    shape = []
    collected: list[Any] = []
    for name, field in _fields(model, values):
        value = values[name]
        if isinstance(value, _EXPRESSIONS):
            shape.append((field.attname, expr_shape(value, collected)))
        else:
            if hasattr(value, "_meta") and field.is_relation:
                value = value.pk
            collected.append(value)
            shape.append((field.attname, "V"))
    return tuple(shape), collected


def build_update(qs: QuerySet[Any], dialect: Any, vendor: str, values: dict[str, Any]) -> Statement:
    """``UPDATE t SET ... WHERE ...`` (matching through a subquery when the filter joins)."""
    if qs._low or qs._high is not None:
        raise TypeError("Cannot update a QuerySet once it has been sliced.")
    model = qs.model
    table = model._meta.table
    binder = Binder()
    own = Joins(model)
    setter = WhereBuilder(own, binder, vendor)
    assignments = {}
    for name, field in _fields(model, values):
        value = values[name]
        if isinstance(value, _EXPRESSIONS):
            resolved = Resolved(table.c[field.attname], field, [], "exact")
            assignments[table.c[field.attname]] = setter.expression(value, resolved)
        else:
            assignments[table.c[field.attname]] = binder.bind(field_preparer(field, vendor))
    if own.joins:
        raise FieldError("update() values can only refer to the model's own fields.")
    joins = Joins(model)
    where = WhereBuilder(joins, binder, vendor)
    clause = where.build(qs._where)
    stmt = sa.update(table).values(assignments)
    if clause is not None:
        if joins.joins or (where.subqueries and vendor == "mysql"):
            pk = table.c[model._meta.pk.attname]
            inner = sa.select(pk).select_from(joins.from_clause()).where(clause)
            # MySQL refuses a subquery on the table being updated unless it is materialised.
            derived = inner.subquery("matched")
            clause = pk.in_(sa.select(derived.c[pk.key]))
        stmt = stmt.where(clause)
    return compile_statement(stmt, dialect, binder)
