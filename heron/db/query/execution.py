"""Running QuerySets: find (or build) the cached statement, bind the values, execute, load.

Each operation has a sync and an async function that differ only in how the database is
called; everything else (shape, binding, loading) is shared.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

from heron.db.connections import connections
from heron.db.errors import AsyncContextError, TransactionManagementError
from heron.db.query import select
from heron.db.query.compiler import CACHE, Statement, collect, expr_shape, where_shape
from heron.db.query.expressions import F, OrderBy

if TYPE_CHECKING:
    from heron.db.models.base import Model
    from heron.db.query.compiler import Binder
    from heron.db.query.queryset import QuerySet

__all__ = [
    "QueryText",
    "acount",
    "aexists",
    "afetch",
    "aget_by_pk",
    "count",
    "exists",
    "fetch",
    "get_by_pk",
    "prepared",
    "shape_and_values",
]

MAX_CACHED_SHAPES = 4096

# How an operation finds its statement and parameters: ``(qs, db, dialect)``. Each operation
# takes one (its usual one by default); a combined query (``union()``…) passes its own.
StatementFor = Callable[[Any, Any, Any], tuple[Statement, tuple[Any, ...]]]


def _order_shape(order: tuple[Any, ...] | None) -> Any:
    if order is None:
        return None
    out: list[Any] = []
    for term in order:
        if isinstance(term, OrderBy):
            out.append((term.expression.name, term.descending, term.nulls))
        elif isinstance(term, F):
            out.append((term.name, False))
        else:
            out.append(term)
    return tuple(out)


def shape_and_values(qs: QuerySet[Any], kind: str) -> tuple[Any, list[Any]]:
    """The cache key of ``qs`` for ``kind`` and its values in binding order."""
    values: list[Any] = []
    annotations = (
        tuple((name, expr_shape(expr, values)) for name, expr in qs._annotations.items())
        if qs._annotations
        else ()
    )
    where = where_shape(qs._where, values) if qs._where else ()
    having = where_shape(qs._having, values) if qs._having else ()
    high = qs._high
    if high is not None:
        values.append(high - qs._low)
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
        high is not None,
        qs._distinct,
        qs._distinct_fields,
        qs._related,
        qs._fields,
        qs._only,
        qs._defer,
        qs._group_by,
        qs._none,
        None if qs._for_update is None else tuple(sorted(qs._for_update.items())),
    )
    return key, values


def cached(key: Any, build: Callable[[], Statement]) -> Statement:
    """The statement cached under ``key``, built on a miss."""
    stmt = CACHE.get(key)
    if stmt is None:
        if len(CACHE) >= MAX_CACHED_SHAPES:
            CACHE.clear()
        stmt = build()
        CACHE[key] = stmt
    return stmt


def prepared(
    qs: QuerySet[Any], db: Any, dialect: Any, kind: str, build: Callable[[], Statement]
) -> tuple[Statement, tuple[Any, ...]]:
    """The cached statement for ``qs`` (built by ``build`` on a miss) and its parameters."""
    key, values = shape_and_values(qs, kind)
    stmt = cached((key, dialect), build)
    return stmt, stmt.bind(values)


def select_statement(qs: QuerySet[Any], db: Any, dialect: Any) -> tuple[Statement, tuple[Any, ...]]:
    """The SELECT of ``qs`` (instances or values) and its parameters."""
    if qs._iterable == "model":
        return prepared(
            qs, db, dialect, "select", lambda: select.build_select(qs, dialect, db.vendor, db.alias)
        )
    return prepared(qs, db, dialect, "values", lambda: select.build_values(qs, dialect, db.vendor))


def rows_statement(qs: QuerySet[Any], db: Any, dialect: Any) -> tuple[Statement, tuple[Any, ...]]:
    """``select_statement`` for a query about to run: a row lock outside a transaction,
    which would end as soon as the rows are read, is refused."""
    if qs._for_update is not None and not db.in_transaction():
        raise TransactionManagementError(
            "select_for_update() cannot be used outside a transaction: the rows would be "
            "unlocked as soon as they are read; run the query inside atomic()"
        )
    return select_statement(qs, db, dialect)


def materialise(qs: QuerySet[Any], stmt: Statement, rows: Any) -> list[Any]:
    """Rows as instances, dicts, tuples or flat values, as ``qs`` asks."""
    if qs._iterable == "model":
        objs: list[Any] = stmt.extra(rows)
        return objs
    values: list[Any] = stmt.extra(qs._iterable, rows)
    return values


def fetch(qs: QuerySet[Any], statement: StatementFor = rows_statement) -> list[Any]:
    """Run a SELECT and load the rows (sync)."""
    if qs._none:
        return []
    db = connections[qs.db]
    stmt, params = statement(qs, db, db.sync_dialect)
    result = materialise(qs, stmt, db.fetchall(stmt.sql, params))
    if qs._prefetch and result and qs._iterable == "model":
        from heron.db.query.prefetch import prefetch_related_objects

        prefetch_related_objects(result, *qs._prefetch)
    return result


async def afetch(qs: QuerySet[Any], statement: StatementFor = rows_statement) -> list[Any]:
    """Run a SELECT and load the rows (async)."""
    if qs._none:
        return []
    db = connections[qs.db]
    stmt, params = statement(qs, db, db.async_dialect)
    result = materialise(qs, stmt, await db.afetchall(stmt.sql, params))
    if qs._prefetch and result and qs._iterable == "model":
        from heron.db.query.prefetch import aprefetch_related_objects

        await aprefetch_related_objects(result, *qs._prefetch)
    return result


# -- get by primary key: the hot path ---------------------------------------------------------


class PkGetter:
    """The compiled ``SELECT ... WHERE pk = ?`` of one model on one database and driver."""

    __slots__ = ("load", "model", "native", "prep", "sql")

    def __init__(self, model: type[Model], db: Any, dialect: Any) -> None:
        from heron.db.fields.scalars import Integer, String, Text
        from heron.db.query.queryset import QuerySet

        qs: QuerySet[Any] = QuerySet(model).filter(pk=0)
        qs._order = ()
        stmt = select.build_select(qs, dialect, db.vendor, db.alias)
        ((_, prep),) = stmt.params
        pk = model._meta.pk
        self.sql = stmt.sql
        self.prep: Callable[[Any], Any] = prep or _same
        self.load: Callable[[Any], Any] = stmt.extra.one()
        # A value of this type needs no conversion before binding.
        native: type | None = None
        if pk.db_preparer(db.vendor) is None:
            native = (
                int if isinstance(pk, Integer) else str if isinstance(pk, (String, Text)) else None
            )
        self.native = native
        self.model = model

    def one(self, rows: list[Any]) -> Any:
        """The instance of the fetched row; ``DoesNotExist`` when there is none."""
        if rows:
            return self.load(rows[0])
        raise _missing(self.model)


def _same(value: Any) -> Any:
    return value


_PK: dict[type[Model], dict[Any, PkGetter]] = {}
_APK: dict[type[Model], dict[Any, PkGetter]] = {}


def _getter(
    cache: dict[type[Model], dict[Any, PkGetter]], model: type[Model], db: Any, dialect: Any
) -> PkGetter:
    getter = PkGetter(model, db, dialect)
    cache.setdefault(model, {})[db] = getter
    return getter


def _missing(model: type[Model]) -> Exception:
    return model.DoesNotExist(f"{model._meta.object_name} matching query does not exist.")


def get_by_pk(model: type[Model], alias: str, value: Any) -> Any:
    """``Model.objects.get(pk=value)`` without building a QuerySet."""
    db = connections[alias]
    try:
        getter = _PK[model][db]
    except KeyError:
        getter = _getter(_PK, model, db, db.sync_dialect)
    params = (
        (value,) if type(value) is getter.native else (getter.prep(value),)
    )  # bound as is when native
    # The key is unique: one step of the statement finds the row (no second step for its end).
    try:
        row = db.fetchone(getter.sql, params)
    except AsyncContextError:  # the database's own check, named for the ORM call
        raise AsyncContextError("QuerySet.get()", "aget()") from None
    if row is not None:
        return getter.load(row)
    raise _missing(model)


def aget_by_pk(model: type[Model], alias: str, value: Any) -> Awaitable[Any]:
    """``await Model.objects.aget(pk=value)`` without building a QuerySet (and without a
    coroutine of its own: the database's runner builds the instance, ``PkGetter.one``)."""
    db = connections[alias]
    try:
        getter = _APK[model][db]
    except KeyError:
        getter = _getter(_APK, model, db, db.async_dialect)
    params = (
        (value,) if type(value) is getter.native else (getter.prep(value),)
    )  # bound as is when native
    return db.afetchall(getter.sql, params, getter.one)


# -- COUNT, EXISTS ----------------------------------------------------------------------------


def _count_stmt(qs: QuerySet[Any], db: Any, dialect: Any) -> tuple[Statement, tuple[Any, ...]]:
    return prepared(qs, db, dialect, "count", lambda: select.build_count(qs, dialect, db.vendor))


def count(qs: QuerySet[Any], statement: StatementFor = _count_stmt) -> int:
    """``SELECT COUNT(*)`` (sync)."""
    if qs._none:
        return 0
    db = connections[qs.db]
    stmt, params = statement(qs, db, db.sync_dialect)
    row = db.fetchone(stmt.sql, params)
    return int(row[0]) if row is not None else 0


async def acount(qs: QuerySet[Any], statement: StatementFor = _count_stmt) -> int:
    """``SELECT COUNT(*)`` (async)."""
    if qs._none:
        return 0
    db = connections[qs.db]
    stmt, params = statement(qs, db, db.async_dialect)
    row = await db.afetchone(stmt.sql, params)
    return int(row[0]) if row is not None else 0


def _exists_stmt(qs: QuerySet[Any], db: Any, dialect: Any) -> tuple[Statement, tuple[Any, ...]]:
    return prepared(qs, db, dialect, "exists", lambda: select.build_exists(qs, dialect, db.vendor))


def exists(qs: QuerySet[Any], statement: StatementFor = _exists_stmt) -> bool:
    """``SELECT 1 ... LIMIT 1`` (sync)."""
    if qs._none:
        return False
    db = connections[qs.db]
    stmt, params = statement(qs, db, db.sync_dialect)
    return db.fetchone(stmt.sql, params) is not None


async def aexists(qs: QuerySet[Any], statement: StatementFor = _exists_stmt) -> bool:
    """``SELECT 1 ... LIMIT 1`` (async)."""
    if qs._none:
        return False
    db = connections[qs.db]
    stmt, params = statement(qs, db, db.async_dialect)
    return await db.afetchone(stmt.sql, params) is not None


# -- streaming ------------------------------------------------------------------------------


def iterate(
    qs: QuerySet[Any], chunk_size: int, statement: StatementFor = rows_statement
) -> Iterator[Any]:
    """Stream rows in chunks, loading (and prefetching for) each chunk as it arrives."""
    if qs._none:
        return
    db = connections[qs.db]
    stmt, params = statement(qs, db, db.sync_dialect)
    prefetch = qs._prefetch if qs._iterable == "model" else ()
    chunk: list[Any] = []
    rows = db.iterate(stmt.sql, params, chunk_size)
    try:
        for row in rows:
            chunk.append(row)
            if len(chunk) >= chunk_size:
                yield from _loaded_chunk(qs, stmt, chunk, prefetch)
                chunk = []
        if chunk:
            yield from _loaded_chunk(qs, stmt, chunk, prefetch)
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()


def _loaded_chunk(qs: QuerySet[Any], stmt: Statement, rows: list[Any], prefetch: Any) -> list[Any]:
    objs = materialise(qs, stmt, rows)
    if prefetch:
        from heron.db.query.prefetch import prefetch_related_objects

        prefetch_related_objects(objs, *prefetch)
    return objs


async def aiterate(
    qs: QuerySet[Any], chunk_size: int, statement: StatementFor = rows_statement
) -> AsyncIterator[Any]:
    """``iterate`` on the async driver."""
    if qs._none:
        return
    db = connections[qs.db]
    stmt, params = statement(qs, db, db.async_dialect)
    prefetch = qs._prefetch if qs._iterable == "model" else ()
    chunk: list[Any] = []
    rows = db.aiterate(stmt.sql, params, chunk_size)
    try:
        async for row in rows:
            chunk.append(row)
            if len(chunk) >= chunk_size:
                for obj in await _aloaded_chunk(qs, stmt, chunk, prefetch):
                    yield obj
                chunk = []
        if chunk:
            for obj in await _aloaded_chunk(qs, stmt, chunk, prefetch):
                yield obj
    finally:
        aclose = getattr(rows, "aclose", None)
        if aclose is not None:
            await aclose()


async def _aloaded_chunk(
    qs: QuerySet[Any], stmt: Statement, rows: list[Any], prefetch: Any
) -> list[Any]:
    objs = materialise(qs, stmt, rows)
    if prefetch:
        from heron.db.query.prefetch import aprefetch_related_objects

        await aprefetch_related_objects(objs, *prefetch)
    return objs


# -- UPDATE ------------------------------------------------------------------------------------


def update_statement(
    qs: QuerySet[Any], db: Any, dialect: Any, values: dict[str, Any]
) -> tuple[Statement, tuple[Any, ...]]:
    """The cached ``UPDATE ... SET ... WHERE`` for ``qs`` and its parameters."""
    from heron.db.query.update import build_update, update_shape

    assignments, set_values = update_shape(qs.model, values)
    key, where_values = shape_and_values(qs, "update")
    stmt = cached(
        ((key, assignments), dialect), lambda: build_update(qs, dialect, db.vendor, values)
    )
    return stmt, stmt.bind([*set_values, *where_values])


def update(qs: QuerySet[Any], values: dict[str, Any]) -> int:
    """``UPDATE`` (sync); the number of matched rows."""
    if qs._none or not values:
        return 0
    db = connections[qs.db]
    stmt, params = update_statement(qs, db, db.sync_dialect, values)
    return int(db.execute(stmt.sql, params))


async def aupdate(qs: QuerySet[Any], values: dict[str, Any]) -> int:
    """``UPDATE`` (async); the number of matched rows."""
    if qs._none or not values:
        return 0
    db = connections[qs.db]
    stmt, params = update_statement(qs, db, db.async_dialect, values)
    return int(await db.aexecute(stmt.sql, params))


# -- aggregate() -----------------------------------------------------------------------------


def _aggregate_stmt(
    qs: QuerySet[Any], expressions: dict[str, Any], db: Any, dialect: Any
) -> tuple[Statement, tuple[Any, ...]]:
    from heron.db.query.aggregates import aggregate_shape, aggregate_statement

    key, values = shape_and_values(qs, "aggregate")
    shape = aggregate_shape(qs, expressions, values)
    stmt = cached(
        ((key, shape), dialect),
        lambda: aggregate_statement(qs, expressions, dialect, db.vendor),
    )
    return stmt, stmt.bind(values)


AggregateFor = Callable[[Any, dict[str, Any], Any, Any], tuple[Statement, tuple[Any, ...]]]


def aggregate(
    qs: QuerySet[Any], expressions: dict[str, Any], statement: AggregateFor = _aggregate_stmt
) -> dict[str, Any]:
    """One row of aggregates (sync)."""
    from heron.db.query.aggregates import aggregate_result

    db = connections[qs.db]
    stmt, params = statement(qs, expressions, db, db.sync_dialect)
    row = db.fetchone(stmt.sql, params) if not qs._none else None
    return aggregate_result(list(expressions), stmt.extra, row or [None] * len(expressions))


async def aaggregate(
    qs: QuerySet[Any], expressions: dict[str, Any], statement: AggregateFor = _aggregate_stmt
) -> dict[str, Any]:
    """One row of aggregates (async)."""
    from heron.db.query.aggregates import aggregate_result

    db = connections[qs.db]
    stmt, params = statement(qs, expressions, db, db.async_dialect)
    row = await db.afetchone(stmt.sql, params) if not qs._none else None
    return aggregate_result(list(expressions), stmt.extra, row or [None] * len(expressions))


# -- SQL text, EXPLAIN, subqueries ---------------------------------------------------------------


class QueryText:
    """``str(qs.query)``: the SQL of a QuerySet for the sync dialect of its database."""

    def __init__(self, qs: QuerySet[Any], statement: StatementFor | None = None) -> None:
        self.qs = qs
        self.statement = statement or select_statement

    def sql_and_params(self) -> tuple[str, tuple[Any, ...]]:
        """The SQL text and its parameters, as they would be sent to the sync driver."""
        db = connections[self.qs.db]
        stmt, params = self.statement(self.qs, db, db.sync_dialect)
        return stmt.sql, params

    def __str__(self) -> str:
        return self.sql_and_params()[0]

    def __repr__(self) -> str:
        return f"<Query {self}>"


def _explain_sql(db: Any, sql: str, options: dict[str, Any]) -> str:
    if db.vendor == "sqlite":
        if options:
            raise ValueError("SQLite's EXPLAIN QUERY PLAN takes no options.")
        return f"EXPLAIN QUERY PLAN {sql}"
    if db.vendor == "postgresql" and options:
        flags = []
        for name, value in options.items():
            if not name.isidentifier():
                raise ValueError(f"Unknown EXPLAIN option {name!r}.")
            if name.lower() == "format":
                if str(value).upper() not in ("TEXT", "JSON", "YAML", "XML"):
                    raise ValueError(f"Unknown EXPLAIN format {value!r}.")
                flags.append(f"FORMAT {str(value).upper()}")
            else:
                flags.append(f"{name.upper()} {'TRUE' if value else 'FALSE'}")
        return f"EXPLAIN ({', '.join(flags)}) {sql}"
    if db.vendor == "mysql":
        return _mysql_explain(sql, options)
    return f"EXPLAIN {sql}"


def _mysql_explain(sql: str, options: dict[str, Any]) -> str:
    """MariaDB/MySQL: ``analyze`` (run it: ``ANALYZE``) and ``format`` (TEXT or JSON)."""
    unknown = sorted(set(options) - {"analyze", "format"})
    if unknown:
        raise ValueError(f"Unknown EXPLAIN options for MariaDB/MySQL: {', '.join(unknown)}.")
    fmt = str(options.get("format", "TEXT")).upper()
    if fmt not in ("TEXT", "JSON"):
        raise ValueError(f"Unknown EXPLAIN format {options['format']!r} (TEXT or JSON).")
    verb = "ANALYZE" if options.get("analyze") else "EXPLAIN"
    return f"{verb} FORMAT=JSON {sql}" if fmt == "JSON" else f"{verb} {sql}"


def _explain_text(rows: Any) -> str:
    return "\n".join(" ".join(str(v) for v in row) for row in rows)


def explain(
    qs: QuerySet[Any], options: dict[str, Any], statement: StatementFor | None = None
) -> str:
    """The database's plan for ``qs`` (sync)."""
    db = connections[qs.db]
    stmt, params = (statement or select_statement)(qs, db, db.sync_dialect)
    return _explain_text(db.fetchall(_explain_sql(db, stmt.sql, options), params))


async def aexplain(
    qs: QuerySet[Any], options: dict[str, Any], statement: StatementFor | None = None
) -> str:
    """The database's plan for ``qs`` (async)."""
    db = connections[qs.db]
    stmt, params = (statement or select_statement)(qs, db, db.async_dialect)
    return _explain_text(await db.afetchall(_explain_sql(db, stmt.sql, options), params))


def subquery_shape(qs: QuerySet[Any], values: list[Any]) -> Any:
    """The shape of ``qs`` used as ``field__in=qs``, appending its values."""
    key, sub_values = shape_and_values(qs, "subquery")
    values.extend(sub_values)
    return key


def as_subquery(qs: QuerySet[Any], binder: Binder, vendor: str) -> Any:
    """``qs`` as a one-column SELECT, binding into the outer statement's ``binder``."""
    return select.select_subquery(qs, binder, vendor)


__all__ += ["collect"]
