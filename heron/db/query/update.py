"""``QuerySet.update()``: one UPDATE for every matching row, values and F expressions alike.

``matching()`` (the rows an UPDATE or DELETE of a QuerySet changes) and ``assigned()`` (an
expression written to a field) serve ``delete()``, ``save()`` and ``bulk_update()`` too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from heron.db.fields.scalars import Decimal as DecimalField
from heron.db.models.exceptions import FieldError
from heron.db.query.compiler import Binder, Statement, WhereBuilder, compile_statement, expr_shape
from heron.db.query.expressions import Combinable
from heron.db.query.paths import Joins, Resolved
from heron.db.query.persistence import field_preparer

if TYPE_CHECKING:
    from heron.db.fields.base import Field
    from heron.db.models.base import Model
    from heron.db.query.queryset import QuerySet

__all__ = ["assigned", "build_update", "matching", "update_shape"]

_EXPRESSIONS = (Combinable,)  # every expression class (F, Value, aggregates, functions, ...)


def assigned(setter: WhereBuilder, field: Field, expr: Any) -> Any:
    """``expr`` as the SQL written to ``field``, binding its literals in collection order.

    On SQLite, which has no decimal type, a Decimal field gets ``ROUND(expr, places)``: half
    away from zero, as PostgreSQL and MariaDB round a value written to ``NUMERIC(p, s)``.
    """
    column = setter.joins.base.c[field.attname]
    value = setter.expression(expr, Resolved(column, field, [], "exact"))
    if setter.joins.joins:
        raise FieldError("Expressions written to a row can only refer to its model's own fields.")
    if setter.vendor == "sqlite" and isinstance(field, DecimalField):
        value = sa.func.round(value, sa.literal_column(str(field.decimal_places)))
    return value


def matching(qs: QuerySet[Any], binder: Binder, vendor: str) -> Any:
    """The WHERE of an UPDATE or DELETE of ``qs`` (None: every row).

    A filter on the table's own columns is used as it is. Otherwise rows match by primary key
    a SELECT with the joins, annotations, grouping and aggregate filters (HAVING) of ``qs``,
    as a derived table (MySQL refuses a subquery on the table being changed).
    """
    pk = qs.model._meta.table.c[qs.model._meta.pk.attname]
    if qs._annotations:
        inner = _annotated(qs, binder, vendor)
    else:
        joins = Joins(qs.model)
        where = WhereBuilder(joins, binder, vendor)
        clause = where.build(qs._where)
        if clause is None or not (joins.joins or (where.subqueries and vendor == "mysql")):
            return clause
        inner = sa.select(pk).select_from(joins.from_clause()).where(clause)
    derived = inner.subquery("matched")
    return pk.in_(sa.select(derived.c[pk.key]))


def _annotated(qs: QuerySet[Any], binder: Binder, vendor: str) -> Any:
    """``SELECT pk`` of the rows an annotated ``qs`` covers, grouped as ``qs`` without its
    ordering (which would add GROUP BY columns); a row of a ``values()`` group is covered
    when it passes the WHERE and its group the HAVING."""
    from heron.db.query.select import MODEL_GROUP, base_query, finish, group_key

    qs = qs.order_by()
    qs._for_update = None  # the UPDATE locks its rows; PostgreSQL refuses FOR UPDATE with GROUP BY
    joins, where, clause = base_query(qs, vendor, binder)
    pk = joins.base.c[qs.model._meta.pk.attname]
    model_columns = [joins.base.c[f.attname] for f in qs.model._meta.fields]

    def select(*columns: Any) -> Any:
        stmt = sa.select(*columns)
        return finish(
            stmt, qs, joins, where, clause, binder, model_columns=model_columns, ordered=False
        )

    if qs._group_by is None or qs._group_by == MODEL_GROUP:
        return select(pk)
    keys = [group_key(joins, where, name) for name in qs._group_by]
    labelled = [key.label(f"k{i}") for i, key in enumerate(keys)]
    groups = select(*labelled or [sa.literal_column("1")]).subquery("g")
    same = [groups.c[f"k{i}"].is_not_distinct_from(key) for i, key in enumerate(keys)]
    # The WHERE is written twice (for the rows and in the groups), its parameters bound once.
    rows = (
        sa.select(pk)
        .select_from(joins.from_clause())
        .where(sa.exists().select_from(groups).where(*same))
    )
    return rows.where(clause) if clause is not None else rows


def _fields(model: type[Model], values: dict[str, Any]) -> list[tuple[str, Any]]:
    result = []
    for name in sorted(values):
        field = model._meta.get_field(name)
        if field.many_to_many or not field.concrete:
            raise FieldError(f"update() cannot set the many-to-many field '{name}'.")
        if field.primary_key and isinstance(values[name], _EXPRESSIONS):
            raise FieldError("update() cannot set the primary key from an expression.")
        if field.generated:
            raise FieldError(
                f"{name} is a GeneratedField: the database computes it, so update() "
                "cannot write it."
            )
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
                value = field.get_prep_value(value)  # its pk; another model's is refused
            collected.append(value)
            shape.append((field.attname, "V"))
    return tuple(shape), collected


def build_update(qs: QuerySet[Any], dialect: Any, vendor: str, values: dict[str, Any]) -> Statement:
    """``UPDATE t SET ... WHERE ...``, the rows chosen by ``matching()``."""
    if qs._low or qs._high is not None:
        raise TypeError("Cannot update a QuerySet once it has been sliced.")
    table = qs.model._meta.table
    binder = Binder()
    setter = WhereBuilder(Joins(qs.model), binder, vendor)
    assignments = {}
    for name, field in _fields(qs.model, values):
        value = values[name]
        if isinstance(value, _EXPRESSIONS):
            assignments[table.c[field.attname]] = assigned(setter, field, value)
        else:
            assignments[table.c[field.attname]] = binder.bind(field_preparer(field, vendor))
    stmt = sa.update(table).values(assignments)
    clause = matching(qs, binder, vendor)
    if clause is not None:
        stmt = stmt.where(clause)
    return compile_statement(stmt, dialect, binder)
