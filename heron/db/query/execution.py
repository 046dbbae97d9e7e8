"""Running QuerySets: find (or build) the cached statement, bind the values, execute, load.

Each operation has a sync and an async function that differ only in how the database is
called; everything else (shape, binding, loading) is shared.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from heron.db.connections import connections
from heron.db.query import compiler, select
from heron.db.query.compiler import CACHE, Binder, Statement, collect
from heron.db.query.expressions import F, OrderBy

if TYPE_CHECKING:
    from heron.db.query.queryset import QuerySet

__all__ = ["QueryText", "acount", "aexists", "afetch", "count", "exists", "fetch"]

MAX_CACHED_SHAPES = 4096
Builder = Callable[["QuerySet[Any]", Any, str], Statement]


def _order_shape(order: tuple[Any, ...] | None) -> Any:
    if order is None:
        return None
    out: list[Any] = []
    for term in order:
        if isinstance(term, OrderBy):
            out.append((term.expression.name, term.descending))
        elif isinstance(term, F):
            out.append((term.name, False))
        else:
            out.append(term)
    return tuple(out)


def shape_and_values(qs: QuerySet[Any], kind: str) -> tuple[Any, list[Any]]:
    """The cache key of ``qs`` for ``kind`` and its values in binding order."""
    values: list[Any] = []
    annotations = (
        tuple((name, compiler._expr_shape(expr, values)) for name, expr in qs._annotations.items())
        if qs._annotations
        else ()
    )
    where = collect(qs, values)
    having = compiler._where_shape(qs._having, values) if qs._having else ()
    if qs._high is not None:
        values.append(qs._high - qs._low)
    if qs._low:
        values.append(qs._low)
    key = (
        kind,
        qs.model,
        where,
        annotations,
        having,
        _order_shape(qs._order),
        qs._low > 0,
        qs._high is not None,
        qs._distinct,
        qs._distinct_fields,
        qs._related,
        qs._fields,
        qs._only,
        qs._defer,
        qs._group_by,
        None if qs._for_update is None else tuple(sorted(qs._for_update.items())),
    )
    return key, values


def prepared(
    qs: QuerySet[Any], db: Any, dialect: Any, kind: str, build: Callable[[], Statement]
) -> tuple[Statement, tuple[Any, ...]]:
    """The cached statement for ``qs`` (built by ``build`` on a miss) and its parameters."""
    key, values = shape_and_values(qs, kind)
    full_key = (key, dialect)
    stmt = CACHE.get(full_key)
    if stmt is None:
        if len(CACHE) >= MAX_CACHED_SHAPES:
            CACHE.clear()
        stmt = build()
        CACHE[full_key] = stmt
    return stmt, stmt.bind(values)


def _select(qs: QuerySet[Any], db: Any, dialect: Any) -> tuple[Statement, tuple[Any, ...]]:
    if qs._iterable == "model":
        return prepared(
            qs,
            db,
            dialect,
            "select",
            lambda: select.build_select(qs, dialect, db.vendor, db.alias),
        )
    return prepared(qs, db, dialect, "values", lambda: select.build_values(qs, dialect, db.vendor))


def materialise(qs: QuerySet[Any], stmt: Statement, rows: Any) -> list[Any]:
    """Rows as instances, dicts, tuples or flat values, as ``qs`` asks."""
    if qs._iterable == "model":
        loader, annotation_names, width = stmt.extra
        objs: list[Any] = loader(rows)
        if annotation_names:
            start = width - len(annotation_names)
            for obj, row in zip(objs, rows, strict=True):
                for offset, name in enumerate(annotation_names):
                    obj.__dict__[name] = row[start + offset]
        return objs
    names, converters = stmt.extra
    if any(c is not None for c in converters):
        rows = [
            tuple(
                conv(v) if conv is not None and v is not None else v
                for v, conv in zip(row, converters, strict=True)
            )
            for row in rows
        ]
    if qs._iterable == "flat":
        return [row[0] for row in rows]
    if qs._iterable == "dict":
        return [dict(zip(names, row, strict=True)) for row in rows]
    if qs._iterable == "named":
        from collections import namedtuple

        row_type = namedtuple("Row", names)  # type: ignore[misc]
        return [row_type(*row) for row in rows]
    return [tuple(row) for row in rows]


def fetch(qs: QuerySet[Any]) -> list[Any]:
    """Run a SELECT and load the rows (sync)."""
    if qs._none:
        return []
    db = connections[qs.db]
    stmt, params = _select(qs, db, db.sync_dialect)
    result = materialise(qs, stmt, db.fetchall(stmt.sql, params))
    if qs._prefetch and result and qs._iterable == "model":
        from heron.db.query.prefetch import prefetch_related_objects

        prefetch_related_objects(result, *qs._prefetch)
    return result


async def afetch(qs: QuerySet[Any]) -> list[Any]:
    """Run a SELECT and load the rows (async)."""
    if qs._none:
        return []
    db = connections[qs.db]
    stmt, params = _select(qs, db, db.async_dialect)
    result = materialise(qs, stmt, await db.afetchall(stmt.sql, params))
    if qs._prefetch and result and qs._iterable == "model":
        from heron.db.query.prefetch import aprefetch_related_objects

        await aprefetch_related_objects(result, *qs._prefetch)
    return result


def _count_stmt(qs: QuerySet[Any], db: Any, dialect: Any) -> tuple[Statement, tuple[Any, ...]]:
    return prepared(qs, db, dialect, "count", lambda: select.build_count(qs, dialect, db.vendor))


def count(qs: QuerySet[Any]) -> int:
    if qs._none:
        return 0
    db = connections[qs.db]
    stmt, params = _count_stmt(qs, db, db.sync_dialect)
    row = db.fetchone(stmt.sql, params)
    return int(row[0])


async def acount(qs: QuerySet[Any]) -> int:
    if qs._none:
        return 0
    db = connections[qs.db]
    stmt, params = _count_stmt(qs, db, db.async_dialect)
    row = await db.afetchone(stmt.sql, params)
    return int(row[0])


def _exists_stmt(qs: QuerySet[Any], db: Any, dialect: Any) -> tuple[Statement, tuple[Any, ...]]:
    return prepared(qs, db, dialect, "exists", lambda: select.build_exists(qs, dialect, db.vendor))


def exists(qs: QuerySet[Any]) -> bool:
    if qs._none:
        return False
    db = connections[qs.db]
    stmt, params = _exists_stmt(qs, db, db.sync_dialect)
    return db.fetchone(stmt.sql, params) is not None


async def aexists(qs: QuerySet[Any]) -> bool:
    if qs._none:
        return False
    db = connections[qs.db]
    stmt, params = _exists_stmt(qs, db, db.async_dialect)
    return await db.afetchone(stmt.sql, params) is not None


def iterate(qs: QuerySet[Any], chunk_size: int) -> Iterator[Any]:
    """Stream rows in chunks, loading each chunk as it arrives."""
    if qs._none:
        return
    db = connections[qs.db]
    stmt, params = _select(qs, db, db.sync_dialect)
    chunk: list[Any] = []
    for row in db.iterate(stmt.sql, params, chunk_size):
        chunk.append(row)
        if len(chunk) >= chunk_size:
            yield from materialise(qs, stmt, chunk)
            chunk = []
    if chunk:
        yield from materialise(qs, stmt, chunk)


async def aiterate(qs: QuerySet[Any], chunk_size: int) -> AsyncIterator[Any]:
    """``iterate`` on the async driver."""
    if qs._none:
        return
    db = connections[qs.db]
    stmt, params = _select(qs, db, db.async_dialect)
    chunk: list[Any] = []
    async for row in db.aiterate(stmt.sql, params, chunk_size):
        chunk.append(row)
        if len(chunk) >= chunk_size:
            for obj in materialise(qs, stmt, chunk):
                yield obj
            chunk = []
    if chunk:
        for obj in materialise(qs, stmt, chunk):
            yield obj


# -- UPDATE ------------------------------------------------------------------------------------


def _update_stmt(
    qs: QuerySet[Any], db: Any, dialect: Any, values: dict[str, Any]
) -> tuple[Statement, tuple[Any, ...]]:
    from heron.db.query.update import build_update, update_shape

    assignments, set_values = update_shape(qs.model, values)
    key, where_values = shape_and_values(qs, "update")
    full_key = ((key, assignments), dialect)
    stmt = CACHE.get(full_key)
    if stmt is None:
        stmt = build_update(qs, dialect, db.vendor, values)
        CACHE[full_key] = stmt
    return stmt, stmt.bind([*set_values, *where_values])


def update(qs: QuerySet[Any], values: dict[str, Any]) -> int:
    if qs._none or not values:
        return 0
    db = connections[qs.db]
    stmt, params = _update_stmt(qs, db, db.sync_dialect, values)
    return int(db.execute(stmt.sql, params))


async def aupdate(qs: QuerySet[Any], values: dict[str, Any]) -> int:
    if qs._none or not values:
        return 0
    db = connections[qs.db]
    stmt, params = _update_stmt(qs, db, db.async_dialect, values)
    return int(await db.aexecute(stmt.sql, params))


# -- SQL text, EXPLAIN, subqueries ---------------------------------------------------------------


class QueryText:
    """``str(qs.query)``: the SQL of a QuerySet for the default dialect of its database."""

    def __init__(self, qs: QuerySet[Any]) -> None:
        self.qs = qs

    def sql_and_params(self) -> tuple[str, tuple[Any, ...]]:
        db = connections[self.qs.db]
        stmt, params = _select(self.qs, db, db.sync_dialect)
        return stmt.sql, params

    def __str__(self) -> str:
        return self.sql_and_params()[0]

    def __repr__(self) -> str:
        return f"<Query {self}>"


def _explain_sql(db: Any, sql: str, options: dict[str, Any]) -> str:
    if db.vendor == "sqlite":
        return f"EXPLAIN QUERY PLAN {sql}"
    if db.vendor == "postgresql" and options:
        flags = ", ".join(f"{k.upper()} {'TRUE' if v else 'FALSE'}" for k, v in options.items())
        return f"EXPLAIN ({flags}) {sql}"
    return f"EXPLAIN {sql}"


def explain(qs: QuerySet[Any], options: dict[str, Any]) -> str:
    db = connections[qs.db]
    stmt, params = _select(qs, db, db.sync_dialect)
    rows = db.fetchall(_explain_sql(db, stmt.sql, options), params)
    return "\n".join(" ".join(str(v) for v in row) for row in rows)


async def aexplain(qs: QuerySet[Any], options: dict[str, Any]) -> str:
    db = connections[qs.db]
    stmt, params = _select(qs, db, db.async_dialect)
    rows = await db.afetchall(_explain_sql(db, stmt.sql, options), params)
    return "\n".join(" ".join(str(v) for v in row) for row in rows)


def subquery_shape(qs: QuerySet[Any], values: list[Any]) -> Any:
    """The shape of ``qs`` used as ``field__in=qs``, appending its values."""
    key, sub_values = shape_and_values(qs, "subquery")
    values.extend(sub_values)
    return key


def as_subquery(qs: QuerySet[Any], binder: Binder, vendor: str) -> Any:
    """``qs`` as a SELECT of one column (its ``values_list`` field, else the pk)."""
    from heron.db.query.compiler import WhereBuilder
    from heron.db.query.paths import Joins

    joins = Joins(qs.model)
    where = WhereBuilder(joins, binder, vendor)
    clause = where.build(qs._where)
    if qs._fields:
        column = joins.resolve(qs._fields[0], allow_lookup=False).column
    else:
        column = joins.base.c[qs.model._meta.pk.attname]
    stmt = sa.select(column)
    if clause is not None:
        stmt = stmt.where(clause)
    if qs._high is not None:
        stmt = stmt.limit(binder.bind())
    if qs._low:
        stmt = stmt.offset(binder.bind())
    return stmt.select_from(joins.from_clause())
