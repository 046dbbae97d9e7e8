"""``Model.objects.raw(sql, params)``: model instances from your own SQL.

Write ``%s`` for each parameter (``%%`` for a literal percent sign) whatever the
database; Heron rewrites the placeholders for the driver and binds the values — they are
never put into the SQL text. Columns are matched to fields by name (the attribute name
``author_id`` or the column name); a field the query does not return is loaded on first
access, and extra columns become attributes of the instances.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Generator, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from heron.db.connections import connections
from heron.db.models.exceptions import FieldError
from heron.db.query.queryset import sync_only
from heron.db.signals import announce_loaded, init_hooks

if TYPE_CHECKING:
    from heron.db.models.base import Model

__all__ = ["RawQuerySet", "translate_placeholders"]

M = TypeVar("M", bound="Model")

_PLACEHOLDER = re.compile(r"%[s%]")


def translate_placeholders(sql: str, paramstyle: str) -> str:
    """``%s``/``%%`` SQL in the driver's paramstyle (``?``, ``%s`` or ``$1``)."""
    if paramstyle == "format":
        return sql
    counter = iter(range(1, sql.count("%s") + 1))

    def replace(match: re.Match[str]) -> str:
        if match.group() == "%%":
            return "%"
        return "?" if paramstyle == "qmark" else f"${next(counter)}"

    return _PLACEHOLDER.sub(replace, sql)


class RawQuerySet(Generic[M]):
    """The instances a raw SQL query returns; iterate it (``async for``) or ``await`` it."""

    def __init__(
        self,
        model: type[M],
        sql: str,
        params: Sequence[Any] = (),
        using: str | None = None,
        prefetch: tuple[Any, ...] = (),
    ) -> None:
        if isinstance(params, (str, bytes)) or not isinstance(params, Sequence):
            raise TypeError("raw() takes its parameters as a list or tuple.")
        self.model = model
        self.raw_query = sql
        self.params = tuple(params)
        self._db = using
        self._prefetch = prefetch
        self._result_cache: list[M] | None = None

    @property
    def db(self) -> str:
        """The database alias the query runs on."""
        return self._db or "default"

    def using(self, alias: str | None) -> RawQuerySet[M]:
        """The same query on another database."""
        return RawQuerySet(self.model, self.raw_query, self.params, alias, self._prefetch)

    def prefetch_related(self, *lookups: Any) -> RawQuerySet[M]:
        """Load relations of the instances with one query each, as ``QuerySet`` does."""
        prefetch = () if lookups == (None,) else (*self._prefetch, *lookups)
        return RawQuerySet(self.model, self.raw_query, self.params, self._db, prefetch)

    # -- running ------------------------------------------------------------------------------

    def _fetch_all(self) -> list[M]:
        if self._result_cache is None:
            sync_only("raw")
            db = connections[self.db]
            sql = translate_placeholders(self.raw_query, db.paramstyles[0])
            names, rows = _fetch_described(db, sql, self.params)
            objs = self._instances(db, names, rows)
            if self._prefetch and objs:
                from heron.db.query.prefetch import prefetch_related_objects

                prefetch_related_objects(objs, *self._prefetch)
            self._result_cache = objs
        return self._result_cache

    async def _afetch_all(self) -> list[M]:
        if self._result_cache is None:
            db = connections[self.db]
            sql = translate_placeholders(self.raw_query, db.paramstyles[1])
            names, rows = await _afetch_described(db, sql, self.params)
            objs = self._instances(db, names, rows)
            if self._prefetch and objs:
                from heron.db.query.prefetch import aprefetch_related_objects

                await aprefetch_related_objects(objs, *self._prefetch)
            self._result_cache = objs
        return self._result_cache

    def _instances(self, db: Any, names: Sequence[str], rows: Sequence[Any]) -> list[M]:
        if not rows:
            return []
        meta = self.model._meta
        by_column = {f.column: f for f in meta.fields}
        plan = []
        for index, name in enumerate(names):
            field = meta.fields_map.get(name) or by_column.get(name)
            if field is not None and (field.many_to_many or not field.concrete):
                field = None
            conv = field.db_converter(db.vendor) if field is not None else None
            plan.append((index, field.attname if field is not None else name, conv))
        if not any(key == meta.pk.attname for _, key, _ in plan):
            raise FieldError(f"Raw query must include the primary key of {meta.object_name}.")
        alias = None if db.alias == "default" else db.alias
        model = self.model
        objs = []
        for row in rows:
            data: dict[str, Any] = {"_persisted": True}
            for index, key, conv in plan:
                value = row[index]
                data[key] = conv(value) if conv is not None and value is not None else value
            if alias is not None:
                data["_db"] = alias
            obj = model.__new__(model)
            obj.__dict__ = data
            if init_hooks:
                announce_loaded(obj)
            objs.append(obj)
        return objs

    def __iter__(self) -> Iterator[M]:
        return iter(self._fetch_all())

    def __len__(self) -> int:
        return len(self._fetch_all())

    def __bool__(self) -> bool:
        return bool(self._fetch_all())

    def __getitem__(self, key: int | slice) -> Any:
        return self._fetch_all()[key]

    def __await__(self) -> Generator[Any, None, list[M]]:
        return self._afetch_all().__await__()

    async def __aiter__(self) -> AsyncIterator[M]:
        for obj in await self._afetch_all():
            yield obj

    @property
    def columns(self) -> list[str]:
        """The column names the query returned (runs it if needed)."""
        db = connections[self.db]
        sql = translate_placeholders(self.raw_query, db.paramstyles[0])
        return list(_fetch_described(db, sql, self.params)[0])

    def __repr__(self) -> str:
        return f"<RawQuerySet: {self.raw_query}>"


# -- fetching rows with their column names ----------------------------------------------------
# The database layer's fetchall() returns bare rows; a raw query needs the column names too,
# so these run through its pooled, transaction-aware execution with an operation of their
# own. (To be replaced by a public Database method returning names with the rows.)


def _described(conn: Any, sql: str, params: Any) -> tuple[list[str], list[Any]]:
    cursor = conn.cursor()
    try:
        cursor.execute(sql, params)
        names = [d[0] for d in cursor.description or ()]
        return names, list(cursor.fetchall())
    finally:
        cursor.close()


def _fetch_described(db: Any, sql: str, params: tuple[Any, ...]) -> tuple[list[str], list[Any]]:
    result: tuple[list[str], list[Any]] = db._run(_described, sql, params, "fetchall")
    return result


async def _afetch_described(
    db: Any, sql: str, params: tuple[Any, ...]
) -> tuple[list[str], list[Any]]:
    if db.vendor == "postgresql":  # asyncpg records carry their column names
        rows = await db.afetchall(sql, params)
        return (list(rows[0].keys()) if rows else []), rows
    if db.vendor == "sqlite":

        async def in_thread(conn: Any, sql: str, params: Any) -> Any:
            return await conn.run(_described, conn.raw, sql, params)

        result: tuple[list[str], list[Any]] = await db._arun(in_thread, sql, params)
        return result

    async def with_cursor(conn: Any, sql: str, params: Any) -> Any:
        async with conn.cursor() as cursor:
            await cursor.execute(sql, params)
            names = [d[0] for d in cursor.description or ()]
            return names, list(await cursor.fetchall())

    result = await db._arun(with_cursor, sql, params)
    return result
