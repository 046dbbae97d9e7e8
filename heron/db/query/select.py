"""SELECT statements for QuerySets: model rows, values, counts and existence checks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from heron.db.models.exceptions import FieldError
from heron.db.query.compiler import (
    Binder,
    Statement,
    WhereBuilder,
    compile_statement,
    order_clauses,
)
from heron.db.query.loading import ModelLoader, RelatedLoader
from heron.db.query.paths import Joins, apply_transforms

if TYPE_CHECKING:
    from heron.db.fields.base import Field
    from heron.db.models.base import Model
    from heron.db.query.queryset import QuerySet

__all__ = ["build_count", "build_exists", "build_select", "selected_fields"]


def selected_fields(qs: QuerySet[Any], model: type[Model], prefix: str = "") -> list[Field]:
    """The concrete fields loaded for ``model`` under ``only()``/``defer()`` (pk always)."""
    fields = model._meta.fields
    only, defer = qs._only, qs._defer
    if only is None and not defer:
        return fields
    pk = model._meta.pk
    chosen = []
    for field in fields:
        name = prefix + field.name
        if field is pk:
            chosen.append(field)
        elif (
            (only is not None and name not in only and prefix + field.attname not in only)
            or name in defer
            or prefix + field.attname in defer
        ):
            continue
        else:
            chosen.append(field)
    return chosen


def _base(qs: QuerySet[Any], vendor: str, binder: Binder) -> tuple[Joins, WhereBuilder, Any]:
    joins = Joins(qs.model)
    where = WhereBuilder(joins, binder, vendor)
    where.annotations = _annotations(qs, where)
    clause = where.build(qs._where)
    return joins, where, clause


def _annotations(qs: QuerySet[Any], where: WhereBuilder) -> dict[str, Any]:
    if not qs._annotations:
        return {}
    built: dict[str, Any] = {}
    for name, expr in qs._annotations.items():
        where.annotations = built
        built[name] = where.expression(expr, None).label(name)
    return built


def _finish(
    stmt: Any,
    qs: QuerySet[Any],
    joins: Joins,
    where: WhereBuilder,
    clause: Any,
    binder: Binder,
    *,
    ordered: bool = True,
) -> Any:
    if clause is not None:
        stmt = stmt.where(clause)
    if qs._group_by is not None:
        stmt = stmt.group_by(*qs._group_by_columns(joins, where))
        having = qs._having
        if having:
            stmt = stmt.having(where.build(having))
    if ordered:
        order = qs._effective_order()
        if order:
            stmt = stmt.order_by(*order_clauses(joins, order, where.vendor, where.annotations))
    if qs._distinct_fields:
        stmt = stmt.distinct(*[joins.resolve(f).column for f in qs._distinct_fields])
    elif qs._distinct:
        stmt = stmt.distinct()
    if qs._high is not None:
        stmt = stmt.limit(binder.bind())
    if qs._low:
        if qs._high is None and where.vendor in ("sqlite", "mysql"):
            stmt = stmt.limit(
                sa.literal_column("-1" if where.vendor == "sqlite" else "18446744073709551615")
            )
        stmt = stmt.offset(binder.bind())
    if qs._for_update:
        stmt = stmt.with_for_update(**qs._for_update)
    return stmt.select_from(joins.from_clause())


def build_select(qs: QuerySet[Any], dialect: Any, vendor: str, alias: str) -> Statement:
    """The statement for iterating ``qs`` as model instances; ``extra`` is the row loader."""
    binder = Binder()
    joins, where, clause = _base(qs, vendor, binder)
    base_fields = selected_fields(qs, qs.model)
    columns: list[Any] = [joins.base.c[f.attname] for f in base_fields]
    loader = ModelLoader(qs.model, base_fields, vendor, alias)
    for path in qs._related:
        _add_related(qs, joins, path, columns, loader, vendor)
    annotation_names = list(where.annotations)
    columns.extend(where.annotations.values())
    stmt = _finish(sa.select(*columns), qs, joins, where, clause, binder)
    return compile_statement(stmt, dialect, binder, (loader, annotation_names, len(columns)))


def _add_related(
    qs: QuerySet[Any],
    joins: Joins,
    path: str,
    columns: list[Any],
    loader: ModelLoader,
    vendor: str,
) -> None:
    parts = path.split("__")
    parent_loaders: list[RelatedLoader] = loader.related
    model = qs.model
    walked: tuple[str, ...] = ()
    for part in parts:
        field = model._meta.fields_map.get(part)
        if field is None or not field.is_relation or field.many_to_many:
            raise FieldError(
                f"select_related('{path}'): '{part}' is not a foreign key or one-to-one "
                f"field of {model._meta.object_name}."
            )
        walked = (*walked, part)
        alias, remote = joins.join_forward(walked, field)
        existing = next((r for r in parent_loaders if r.cache == f"_cache_{part}"), None)
        if existing is None:
            fields = selected_fields(qs, remote, "__".join(walked) + "__")
            rel = RelatedLoader(remote, fields, f"_cache_{part}", len(columns), vendor)
            columns.extend(alias.c[f.attname] for f in fields)
            parent_loaders.append(rel)
            existing = rel
        parent_loaders = existing.children
        model = remote


def build_values(qs: QuerySet[Any], dialect: Any, vendor: str) -> Statement:
    """``values()``/``values_list()``: chosen columns; ``extra`` is (names, converters)."""
    binder = Binder()
    joins, where, clause = _base(qs, vendor, binder)
    names = list(qs._fields or ())
    if not names:
        names = [f.attname for f in qs.model._meta.fields] + list(where.annotations)
    columns = []
    converters = []
    for index, name in enumerate(names):
        if name in where.annotations:
            columns.append(where.annotations[name])
            converters.append(None)
            continue
        resolved = joins.resolve(name, allow_lookup=False)
        column = apply_transforms(resolved.column, resolved.transforms, vendor)
        columns.append(column.label(f"c{index}"))
        converters.append(None if resolved.transforms else resolved.field.db_converter(vendor))
    stmt = _finish(sa.select(*columns), qs, joins, where, clause, binder)
    return compile_statement(stmt, dialect, binder, (names, converters))


def build_count(qs: QuerySet[Any], dialect: Any, vendor: str) -> Statement:
    """``SELECT COUNT(*)`` of the rows ``qs`` would return."""
    binder = Binder()
    joins, where, clause = _base(qs, vendor, binder)
    if qs._distinct or qs._high is not None or qs._low or qs._group_by is not None:
        inner = _finish(
            sa.select(*_identity_columns(qs, joins, where)),
            qs,
            joins,
            where,
            clause,
            binder,
            ordered=False,
        )
        stmt = sa.select(sa.func.count()).select_from(inner.subquery("q"))
    else:
        stmt = sa.select(sa.func.count()).select_from(joins.from_clause())
        if clause is not None:
            stmt = stmt.where(clause)
    return compile_statement(stmt, dialect, binder)


def _identity_columns(qs: QuerySet[Any], joins: Joins, where: WhereBuilder) -> list[Any]:
    if qs._fields:
        return [
            joins.resolve(n, allow_lookup=False).column
            for n in qs._fields
            if n not in where.annotations
        ] + [where.annotations[n] for n in qs._fields if n in where.annotations]
    return [joins.base.c[f.attname] for f in qs.model._meta.fields]


def build_exists(qs: QuerySet[Any], dialect: Any, vendor: str) -> Statement:
    """``SELECT 1 ... LIMIT 1``."""
    binder = Binder()
    joins, where, clause = _base(qs, vendor, binder)
    if qs._high is not None or qs._low:
        inner = _finish(
            sa.select(joins.base.c[qs.model._meta.pk.attname]),
            qs,
            joins,
            where,
            clause,
            binder,
            ordered=False,
        )
        stmt = sa.select(sa.literal_column("1")).select_from(inner.subquery("q")).limit(1)
    else:
        stmt = sa.select(sa.literal_column("1")).select_from(joins.from_clause())
        if clause is not None:
            stmt = stmt.where(clause)
        stmt = stmt.limit(1)
    return compile_statement(stmt, dialect, binder)
