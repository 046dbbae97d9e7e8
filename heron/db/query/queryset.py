"""``QuerySet``: a lazy, chainable, immutable description of a query, run sync or async.

Every method that runs SQL has an ``a``-prefixed twin for async code (``get``/``aget`` …);
``await qs`` and ``async for obj in qs`` fetch the rows. A sync method called from a
running event loop raises ``AsyncContextError`` naming its twin.
"""

from __future__ import annotations

from asyncio import _get_running_loop
from collections.abc import AsyncIterator, Generator, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from heron.db.errors import AsyncContextError, IntegrityError
from heron.db.models.exceptions import FieldError
from heron.db.query import execution
from heron.db.query.chain import ChainableQuerySet
from heron.db.query.compiler import EXPRESSIONS
from heron.db.query.expressions import Q
from heron.db.query.select import MODEL_GROUP

if TYPE_CHECKING:
    from heron.db.models.base import Model
    from heron.db.query.manager import Manager

__all__ = ["QuerySet"]

M = TypeVar("M", bound="Model")
MAX_GET_RESULTS = 21
IN_BULK_BATCH = 4096


# Blocking calls whose async way is not the a-prefixed twin: (what was called, the way).
_ASYNC_WAYS = {
    "raw": (
        "Evaluating a raw() query (iterating, len(), list())",
        "`await Model.objects.raw(...)` or `async for obj in Model.objects.raw(...)`",
    ),
}


def sync_only(method: str) -> None:
    """Refuse a blocking QuerySet method inside a running event loop, naming its twin."""
    if _get_running_loop() is not None:
        what, way = _ASYNC_WAYS.get(method) or (f"QuerySet.{method}()", f"a{method}()")
        raise AsyncContextError(what, way)


def _no_iteration_in_loop() -> None:
    if _get_running_loop() is not None:
        raise AsyncContextError(
            "Evaluating a QuerySet (iterating, len(), bool(), list())",
            "`await queryset` or `async for obj in queryset`",
        )


class QuerySet(ChainableQuerySet[M]):
    """Rows of ``model`` matching the filters. Nothing runs until the results are needed:
    iterate it (or ``async for``), ``await`` it, slice it, or call a terminal method."""

    # -- evaluation ---------------------------------------------------------------------------

    def _fetch_all(self) -> list[Any]:
        if self._result_cache is None:
            self._result_cache = execution.fetch(self)
        return self._result_cache

    async def _afetch_all(self) -> list[Any]:
        if self._result_cache is None:
            self._result_cache = await execution.afetch(self)
        return self._result_cache

    def __iter__(self) -> Iterator[Any]:
        if self._result_cache is None:
            _no_iteration_in_loop()
        return iter(self._fetch_all())

    def __len__(self) -> int:
        if self._result_cache is None:
            _no_iteration_in_loop()
        return len(self._fetch_all())

    def __bool__(self) -> bool:
        if self._result_cache is None:
            _no_iteration_in_loop()
        return bool(self._fetch_all())

    def __await__(self) -> Generator[Any, None, list[Any]]:
        return self._afetch_all().__await__()

    async def __aiter__(self) -> AsyncIterator[Any]:
        for item in await self._afetch_all():
            yield item

    def __repr__(self) -> str:
        if self._result_cache is None and _get_running_loop() is not None:
            return f"<QuerySet of {self.model.__name__} (not evaluated)>"
        items = list(self[:21]) if self._result_cache is None else self._result_cache[:21]
        tail = ", ..." if len(items) > 20 else ""
        return f"<QuerySet [{', '.join(repr(i) for i in items[:20])}{tail}]>"

    # -- get() and friends -------------------------------------------------------------------

    def _pk_value(self, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
        """The value of a plain ``get(pk=value)`` that can skip the QuerySet machinery."""
        if args or len(kwargs) != 1 or not self._plain or type(self) is not QuerySet:
            return _NO_PK
        ((key, value),) = kwargs.items()
        pk = self.model._meta.pk
        if key != "pk" and key != pk.name and key != pk.attname:
            return _NO_PK
        if value is None or isinstance(value, EXPRESSIONS) or hasattr(value, "_meta"):
            return _NO_PK
        return value

    def get(self, *args: Q, **kwargs: Any) -> M:
        """The one row matching the conditions; ``Model.DoesNotExist`` when there is none,
        ``Model.MultipleObjectsReturned`` when there are several."""
        sync_only("get")
        value = self._pk_value(args, kwargs)
        if value is not _NO_PK:
            return execution.get_by_pk(self.model, self.db, value)  # type: ignore[no-any-return]
        qs = self._for_get(args, kwargs)
        return self._one(qs._fetch_all())

    async def aget(self, *args: Q, **kwargs: Any) -> M:
        """``get()`` on the async driver."""
        value = self._pk_value(args, kwargs)
        if value is not _NO_PK:
            return await execution.aget_by_pk(self.model, self.db, value)  # type: ignore[no-any-return]
        qs = self._for_get(args, kwargs)
        return self._one(await qs._afetch_all())

    def _for_get(self, args: Sequence[Q], kwargs: dict[str, Any]) -> QuerySet[M]:
        qs: QuerySet[M] = self.filter(*args, **kwargs) if args or kwargs else self._clone()
        if qs._low == 0 and qs._high is None and not qs._distinct:
            qs._order = ()
            qs._high = MAX_GET_RESULTS
        return qs

    def _one(self, rows: list[Any]) -> M:
        if len(rows) == 1:
            return rows[0]  # type: ignore[no-any-return]
        name = self.model._meta.object_name
        if not rows:
            raise self.model.DoesNotExist(f"{name} matching query does not exist.")
        more = "more than 20" if len(rows) >= MAX_GET_RESULTS else str(len(rows))
        raise self.model.MultipleObjectsReturned(
            f"get() returned more than one {name} -- it returned {more}!"
        )

    @classmethod
    def as_manager(cls) -> Manager[Any]:
        """A manager offering this QuerySet's methods: ``objects = PostQuerySet.as_manager()``
        (``Manager.from_queryset``, as in Django)."""
        from heron.db.query.manager import Manager

        return Manager.from_queryset(cls)()

    as_manager.__func__.queryset_only = True  # type: ignore[attr-defined]

    def get_or_404(self, *args: Q, **kwargs: Any) -> M:
        """``get()`` for views: a missing row raises ``HTTPException(404)`` instead."""
        sync_only("get_or_404")
        try:
            return self.get(*args, **kwargs)
        except self.model.DoesNotExist:
            raise self._not_found() from None

    async def aget_or_404(self, *args: Q, **kwargs: Any) -> M:
        """``get_or_404()`` on the async driver."""
        try:
            return await self.aget(*args, **kwargs)
        except self.model.DoesNotExist:
            raise self._not_found() from None

    def _not_found(self) -> Exception:
        from heron.http.exceptions import HTTPException

        return HTTPException(404, f"No {self.model._meta.object_name} matches the given query.")

    def first(self) -> M | None:
        """The first row (by the ordering, else by primary key), or ``None``."""
        sync_only("first")
        rows = self._first_qs("first")._fetch_all()
        return rows[0] if rows else None

    async def afirst(self) -> M | None:
        """``first()`` on the async driver."""
        rows = await self._first_qs("first")._afetch_all()
        return rows[0] if rows else None

    def last(self) -> M | None:
        """The last row (by the ordering, else by primary key), or ``None``."""
        sync_only("last")
        rows = self._first_qs("last")._fetch_all()
        return rows[0] if rows else None

    async def alast(self) -> M | None:
        """``last()`` on the async driver."""
        rows = await self._first_qs("last")._afetch_all()
        return rows[0] if rows else None

    def _first_qs(self, method: str) -> QuerySet[M]:
        qs: QuerySet[M]
        if self.ordered:
            qs = self.all()  # not self: slicing a fetched QuerySet gives a list
        else:
            self._check_pk_grouped(method)
            qs = self.order_by("-pk" if self._reversed else "pk")
        if method == "last":
            qs = qs.reverse()
        return qs[:1]  # type: ignore[no-any-return]

    def _check_pk_grouped(self, method: str) -> None:
        """Ordering by pk a ``values()`` query grouped without it would split the groups."""
        group = self._group_by
        pk = self.model._meta.pk
        if group not in (None, MODEL_GROUP) and not {"pk", pk.name, pk.attname} & set(group):
            raise TypeError(
                f"Cannot use QuerySet.{method}() on an unordered queryset performing "
                "aggregation. Add an ordering with order_by()."
            )

    def earliest(self, *fields: str) -> M:
        """The first row ordered by ``fields`` (else ``Meta.get_latest_by``); ``DoesNotExist``
        when there is none."""
        sync_only("earliest")
        return self._one(self._earliest_qs(fields, False)._fetch_all())

    async def aearliest(self, *fields: str) -> M:
        """``earliest()`` on the async driver."""
        return self._one(await self._earliest_qs(fields, False)._afetch_all())

    def latest(self, *fields: str) -> M:
        """The last row ordered by ``fields`` (else ``Meta.get_latest_by``)."""
        sync_only("latest")
        return self._one(self._earliest_qs(fields, True)._fetch_all())

    async def alatest(self, *fields: str) -> M:
        """``latest()`` on the async driver."""
        return self._one(await self._earliest_qs(fields, True)._afetch_all())

    def _earliest_qs(self, fields: Sequence[str], latest: bool) -> QuerySet[M]:
        if not fields:
            by = self.model._meta.get_latest_by
            if not by:
                raise ValueError(
                    "earliest() and latest() need field names, or 'get_latest_by' in the "
                    "model's Meta."
                )
            fields = (by,) if isinstance(by, str) else tuple(by)
        qs: QuerySet[M] = self.order_by(*fields)
        if latest:
            qs = qs.reverse()
        return qs[:1]  # type: ignore[no-any-return]

    # -- counting ------------------------------------------------------------------------------

    def count(self) -> int:
        """The number of matching rows (``SELECT COUNT(*)``)."""
        sync_only("count")
        if self._result_cache is not None:
            return len(self._result_cache)
        return execution.count(self)

    async def acount(self) -> int:
        """``count()`` on the async driver."""
        if self._result_cache is not None:
            return len(self._result_cache)
        return await execution.acount(self)

    def exists(self) -> bool:
        """Whether any row matches (``SELECT 1 ... LIMIT 1``)."""
        sync_only("exists")
        if self._result_cache is not None:
            return bool(self._result_cache)
        return execution.exists(self)

    async def aexists(self) -> bool:
        """``exists()`` on the async driver."""
        if self._result_cache is not None:
            return bool(self._result_cache)
        return await execution.aexists(self)

    def contains(self, obj: M) -> bool:
        """Whether ``obj`` is one of the rows: ``exists()`` on its primary key, or a look
        at the rows once the QuerySet is evaluated."""
        sync_only("contains")
        if not self._may_contain(obj):
            return False
        if self._result_cache is not None:
            return obj in self._result_cache
        return self.filter(pk=obj.pk).exists()  # type: ignore[no-any-return]

    async def acontains(self, obj: M) -> bool:
        """``contains()`` on the async driver."""
        if not self._may_contain(obj):
            return False
        if self._result_cache is not None:
            return obj in self._result_cache
        return await self.filter(pk=obj.pk).aexists()  # type: ignore[no-any-return]

    def _may_contain(self, obj: Any) -> bool:
        """False for an instance of another model; an error for what cannot be a row."""
        if self._iterable != "model":
            raise TypeError("Cannot call QuerySet.contains() after values() or values_list().")
        if not hasattr(obj, "_meta"):
            raise TypeError(f"contains() takes a model instance, not {obj!r}.")
        if obj.pk is None:
            raise ValueError("QuerySet.contains() cannot be used on unsaved objects.")
        return isinstance(obj, self.model)

    def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """One dict of aggregates over the rows: ``aggregate(Avg("pages"), n=Count("id"))``;
        ``{}`` without a query when none is given."""
        sync_only("aggregate")
        expressions = self._aggregates(args, kwargs)
        if not expressions or self._none:
            return over_no_rows(expressions)
        return execution.aggregate(self, expressions)

    async def aaggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """``aggregate()`` on the async driver."""
        expressions = self._aggregates(args, kwargs)
        if not expressions or self._none:
            return over_no_rows(expressions)
        return await execution.aaggregate(self, expressions)

    def _aggregates(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        from heron.db.query.aggregates import named
        from heron.db.query.expressions import Aggregate

        expressions = named(args, kwargs, "aggregate")
        for name, expr in expressions.items():
            if not isinstance(expr, Aggregate):
                raise TypeError(f"aggregate() takes aggregates (Count, Sum …); {name} is {expr!r}.")
        return expressions

    # -- streaming -------------------------------------------------------------------------------

    def iterator(self, chunk_size: int = 2000) -> Iterator[Any]:
        """Stream the rows in chunks without caching them (a server-side cursor where the
        driver has one); ``prefetch_related`` runs once per chunk."""
        sync_only("iterator")
        if chunk_size <= 0:
            raise ValueError("chunk_size must be positive.")
        return execution.iterate(self, chunk_size)

    def aiterator(self, chunk_size: int = 2000) -> AsyncIterator[Any]:
        """``iterator()`` on the async driver: ``async for obj in qs.aiterator()``."""
        if chunk_size <= 0:
            raise ValueError("chunk_size must be positive.")
        return execution.aiterate(self, chunk_size)

    def in_bulk(
        self, id_list: Iterable[Any] | None = None, *, field_name: str = "pk"
    ) -> dict[Any, M]:
        """``{value: instance}`` for the rows whose ``field_name`` is in ``id_list`` (all rows
        when ``None``); ``field_name`` must be unique."""
        sync_only("in_bulk")
        result: dict[Any, M] = {}
        for qs in self._in_bulk_batches(id_list, field_name):
            self._in_bulk_add(result, qs._fetch_all(), field_name)
        return result

    async def ain_bulk(
        self, id_list: Iterable[Any] | None = None, *, field_name: str = "pk"
    ) -> dict[Any, M]:
        """``in_bulk()`` on the async driver."""
        result: dict[Any, M] = {}
        for qs in self._in_bulk_batches(id_list, field_name):
            self._in_bulk_add(result, await qs._afetch_all(), field_name)
        return result

    def _in_bulk_batches(self, id_list: Iterable[Any] | None, field_name: str) -> list[Any]:
        self._check_unsliced("use in_bulk() on")
        if self._iterable != "model":
            raise TypeError("in_bulk() cannot be used with values() or values_list().")
        meta = self.model._meta
        field = meta.get_field(field_name)
        if field_name != "pk" and not field.unique:
            raise ValueError(f"in_bulk()'s field_name must be a unique field, not {field_name!r}.")
        if id_list is None:
            return [self]
        ids = list(dict.fromkeys(id_list))
        lookup = f"{field_name}__in"
        return [
            self.filter(**{lookup: ids[i : i + IN_BULK_BATCH]})
            for i in range(0, len(ids), IN_BULK_BATCH)
        ]

    def _in_bulk_add(self, result: dict[Any, M], rows: list[Any], field_name: str) -> None:
        attname = self.model._meta.get_field(field_name).attname
        for obj in rows:
            result[obj.__dict__.get(attname)] = obj

    # -- writes ------------------------------------------------------------------------------

    def create(self, **values: Any) -> M:
        """Create, save and return an instance."""
        sync_only("create")
        obj = self.model(**values)
        obj.save(force_insert=True, using=self._db)
        return obj

    async def acreate(self, **values: Any) -> M:
        """``create()`` on the async driver."""
        obj = self.model(**values)
        await obj.asave(force_insert=True, using=self._db)
        return obj

    def get_or_create(
        self, defaults: dict[str, Any] | None = None, **kwargs: Any
    ) -> tuple[M, bool]:
        """``(instance, created)``: the row matching ``kwargs``, else a new one made from
        ``kwargs`` and ``defaults`` (a concurrent insert of the same row is recovered)."""
        sync_only("get_or_create")
        from heron.db.transaction import atomic

        try:
            return self.get(**kwargs), False
        except self.model.DoesNotExist:
            params = self._create_params(kwargs, defaults)
        try:
            with atomic(using=self.db):
                return self.create(**_resolved(params)), True
        except IntegrityError:
            try:
                return self.get(**kwargs), False
            except self.model.DoesNotExist:
                pass
            raise

    async def aget_or_create(
        self, defaults: dict[str, Any] | None = None, **kwargs: Any
    ) -> tuple[M, bool]:
        """``get_or_create()`` on the async driver."""
        from heron.db.transaction import atomic

        try:
            return await self.aget(**kwargs), False
        except self.model.DoesNotExist:
            params = self._create_params(kwargs, defaults)
        try:
            async with atomic(using=self.db):
                return await self.acreate(**_resolved(params)), True
        except IntegrityError:
            try:
                return await self.aget(**kwargs), False
            except self.model.DoesNotExist:
                pass
            raise

    def _create_params(
        self, kwargs: dict[str, Any], defaults: dict[str, Any] | None
    ) -> dict[str, Any]:
        params = {k: v for k, v in kwargs.items() if "__" not in k}
        params.update(defaults or {})
        meta = self.model._meta
        invalid = [name for name in params if name != "pk" and name not in meta.fields_map]
        if invalid:
            raise FieldError(
                f"Invalid field name(s) for model {meta.object_name}: "
                f"{', '.join(repr(n) for n in sorted(invalid))}."
            )
        return params

    def update_or_create(
        self,
        defaults: dict[str, Any] | None = None,
        create_defaults: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> tuple[M, bool]:
        """``(instance, created)``: update the row matching ``kwargs`` with ``defaults`` (the
        row locked meanwhile), or create it from ``kwargs`` and ``create_defaults``
        (``defaults`` when not given) — atomically."""
        sync_only("update_or_create")
        from heron.db.transaction import atomic

        updates = defaults or {}
        with atomic(using=self.db):
            obj, created = self.select_for_update().get_or_create(
                create_defaults if create_defaults is not None else updates, **kwargs
            )
            if created:
                return obj, True
            fields = self._apply(obj, updates)
            obj.save(using=self.db, update_fields=fields)
        return obj, False

    async def aupdate_or_create(
        self,
        defaults: dict[str, Any] | None = None,
        create_defaults: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> tuple[M, bool]:
        """``update_or_create()`` on the async driver."""
        from heron.db.transaction import atomic

        updates = defaults or {}
        async with atomic(using=self.db):
            obj, created = await self.select_for_update().aget_or_create(
                create_defaults if create_defaults is not None else updates, **kwargs
            )
            if created:
                return obj, True
            fields = self._apply(obj, updates)
            await obj.asave(using=self.db, update_fields=fields)
        return obj, False

    def _apply(self, obj: M, updates: dict[str, Any]) -> list[str]:
        """Set ``updates`` on ``obj``; the fields to save: those and the ``auto_now`` ones
        (none: ``save()`` runs no query, as in Django)."""
        meta = self.model._meta
        names = []
        for name, value in _resolved(updates).items():
            setattr(obj, name, value)
            names.append(meta.get_field(name).name)
        names += [f.name for f in meta.fields if getattr(f, "auto_now", False)]
        return list(dict.fromkeys(names))

    def bulk_create(
        self,
        objs: Iterable[M],
        batch_size: int | None = None,
        ignore_conflicts: bool = False,
        update_conflicts: bool = False,
        update_fields: Sequence[str] | None = None,
        unique_fields: Sequence[str] | None = None,
    ) -> list[M]:
        """Insert many instances with multi-row INSERTs (``batch_size`` rows each, in one
        transaction); primary keys are set from ``RETURNING`` where the database has it."""
        sync_only("bulk_create")
        from heron.db.query.bulk import bulk_create

        return bulk_create(
            self,
            list(objs),
            batch_size,
            ignore_conflicts,
            update_conflicts,
            update_fields,
            unique_fields,
        )

    async def abulk_create(
        self,
        objs: Iterable[M],
        batch_size: int | None = None,
        ignore_conflicts: bool = False,
        update_conflicts: bool = False,
        update_fields: Sequence[str] | None = None,
        unique_fields: Sequence[str] | None = None,
    ) -> list[M]:
        """``bulk_create()`` on the async driver."""
        from heron.db.query.bulk import abulk_create

        return await abulk_create(
            self,
            list(objs),
            batch_size,
            ignore_conflicts,
            update_conflicts,
            update_fields,
            unique_fields,
        )

    def bulk_update(
        self, objs: Iterable[M], fields: Sequence[str], batch_size: int | None = None
    ) -> int:
        """Write ``fields`` of many instances, one ``UPDATE ... CASE`` per batch; returns the
        number of rows matched."""
        sync_only("bulk_update")
        from heron.db.query.bulk import bulk_update

        return bulk_update(self, list(objs), fields, batch_size)

    async def abulk_update(
        self, objs: Iterable[M], fields: Sequence[str], batch_size: int | None = None
    ) -> int:
        """``bulk_update()`` on the async driver."""
        from heron.db.query.bulk import abulk_update

        return await abulk_update(self, list(objs), fields, batch_size)

    def update(self, **values: Any) -> int:
        """Set fields on every matching row in one UPDATE (values or ``F()`` expressions);
        returns the number of rows matched."""
        sync_only("update")
        self._check_writable("update")
        return execution.update(self, values)

    async def aupdate(self, **values: Any) -> int:
        """``update()`` on the async driver."""
        self._check_writable("update")
        return await execution.aupdate(self, values)

    def delete(self) -> tuple[int, dict[str, int]]:
        """Delete the matching rows (and what ``on_delete`` says), atomically; returns the
        total and the count per model (``{"blog.Post": 3}``)."""
        sync_only("delete")
        from heron.db.query.deletion import delete_queryset

        self._check_writable("delete")
        return delete_queryset(self)

    async def adelete(self) -> tuple[int, dict[str, int]]:
        """``delete()`` on the async driver."""
        from heron.db.query.deletion import adelete_queryset

        self._check_writable("delete")
        return await adelete_queryset(self)

    def _check_writable(self, action: str) -> None:
        if self._low or self._high is not None:
            raise TypeError(f"Cannot {action} a QuerySet once a slice has been taken.")
        if self._fields is not None and action == "delete":
            raise TypeError("Cannot call delete() after values() or values_list().")
        if self._distinct and action == "delete":
            raise TypeError("Cannot call delete() after distinct().")
        if self._annotations and (self._where or self._having):
            from heron.db.query.windowfilters import fetch_only, window_filters

            nodes = (*self._where, *self._having)
            plan = window_filters(self._annotations, nodes)
            if plan is not None:  # whether models point at this one or not
                raise fetch_only(plan, nodes)

    # -- SQL -------------------------------------------------------------------------------

    def explain(self, **options: Any) -> str:
        """The database's query plan (``explain(analyze=True)`` on PostgreSQL/MariaDB)."""
        sync_only("explain")
        return execution.explain(self, options)

    async def aexplain(self, **options: Any) -> str:
        """``explain()`` on the async driver."""
        return await execution.aexplain(self, options)

    @property
    def query(self) -> execution.QueryText:
        """``str(qs.query)`` is the SQL this QuerySet runs (parameters as placeholders)."""
        return execution.QueryText(self)

    # -- subqueries ------------------------------------------------------------------------

    def _subquery_shape(self, values: list[Any]) -> Any:
        return execution.subquery_shape(self, values)

    def _as_subquery(self, binder: Any, vendor: str) -> Any:
        return execution.as_subquery(self, binder, vendor)


class _NoPk:
    __slots__ = ()


_NO_PK: Any = _NoPk()


def over_no_rows(expressions: dict[str, Any]) -> dict[str, Any]:
    """What aggregates give over no rows, without a query (``none()``): 0 for ``Count``."""
    from heron.db.query.expressions import Count

    return {name: 0 if isinstance(expr, Count) else None for name, expr in expressions.items()}


def _resolved(params: dict[str, Any]) -> dict[str, Any]:
    """Values with callables called (``defaults={"created": now}``)."""
    return {k: v() if callable(v) else v for k, v in params.items()}
