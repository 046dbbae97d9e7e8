"""``QuerySet``: a lazy, chainable, immutable description of a query, run sync or async."""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from heron.db.query import execution
from heron.db.query.expressions import F, OrderBy, Q

if TYPE_CHECKING:
    from heron.db.models.base import Model

__all__ = ["QuerySet"]

M = TypeVar("M", bound="Model")
MAX_GET_RESULTS = 21


class QuerySet(Generic[M]):
    """Rows of ``model`` matching the filters. Nothing runs until the results are needed:
    iterate it (or ``async for``), ``await`` it, slice it, or call a terminal method."""

    __slots__ = (
        "_annotations",
        "_db",
        "_defer",
        "_distinct",
        "_distinct_fields",
        "_fields",
        "_for_update",
        "_group_by",
        "_having",
        "_high",
        "_iterable",
        "_low",
        "_none",
        "_only",
        "_order",
        "_prefetch",
        "_related",
        "_result_cache",
        "_where",
        "model",
    )

    def __init__(self, model: type[M], using: str | None = None) -> None:
        self.model = model
        self._db = using
        self._where: tuple[Any, ...] = ()
        self._order: tuple[Any, ...] | None = None
        self._low = 0
        self._high: int | None = None
        self._distinct = False
        self._distinct_fields: tuple[str, ...] = ()
        self._related: tuple[str, ...] = ()
        self._prefetch: tuple[Any, ...] = ()
        self._fields: tuple[str, ...] | None = None
        self._iterable = "model"
        self._only: frozenset[str] | None = None
        self._defer: frozenset[str] = frozenset()
        self._annotations: dict[str, Any] = {}
        self._group_by: tuple[str, ...] | None = None
        self._having: tuple[Any, ...] = ()
        self._for_update: dict[str, Any] | None = None
        self._none = False
        self._result_cache: list[Any] | None = None

    def _clone(self) -> QuerySet[M]:
        new = object.__new__(type(self))
        for slot in QuerySet.__slots__:
            setattr(new, slot, getattr(self, slot))
        new._result_cache = None
        return new

    # -- chaining -----------------------------------------------------------------------------

    def all(self) -> QuerySet[M]:
        """A copy of this QuerySet."""
        return self._clone()

    def none(self) -> QuerySet[M]:
        """A QuerySet that matches nothing and never queries."""
        qs = self._clone()
        qs._none = True
        return qs

    def using(self, alias: str | None) -> QuerySet[M]:
        """Run against the database ``alias`` (see ``DATABASES``)."""
        qs = self._clone()
        qs._db = alias
        return qs

    def filter(self, *args: Q, **kwargs: Any) -> QuerySet[M]:
        """Rows matching every condition (``field__lookup=value``, ``Q`` objects)."""
        return self._filter(args, kwargs, negate=False)

    def exclude(self, *args: Q, **kwargs: Any) -> QuerySet[M]:
        """Rows not matching the conditions."""
        return self._filter(args, kwargs, negate=True)

    def _filter(self, args: Sequence[Q], kwargs: dict[str, Any], negate: bool) -> QuerySet[M]:
        self._check_unsliced("filter")
        for arg in args:
            if not isinstance(arg, Q):
                raise TypeError(f"filter() takes Q objects and keyword arguments, not {arg!r}.")
        qs = self._clone()
        if negate:
            qs._where = (*self._where, ~Q(*args, **kwargs))
        elif not args and len(kwargs) == 1:
            qs._where = (*self._where, next(iter(kwargs.items())))
        else:
            qs._where = (*self._where, *args, *sorted(kwargs.items()))
        return qs

    def order_by(self, *fields: str | F | OrderBy) -> QuerySet[M]:
        """Order by fields (``"-created"`` descending, ``"author__name"``, ``"?"`` random)."""
        self._check_unsliced("order_by")
        qs = self._clone()
        qs._order = tuple(fields)
        return qs

    def reverse(self) -> QuerySet[M]:
        """The same rows in the opposite order."""
        qs = self._clone()
        qs._order = tuple(_flip(term) for term in self._effective_order())
        return qs

    def distinct(self, *fields: str) -> QuerySet[M]:
        """Drop duplicate rows (``DISTINCT ON (fields)`` on PostgreSQL when fields are given)."""
        qs = self._clone()
        qs._distinct = True
        qs._distinct_fields = tuple(fields)
        return qs

    def select_related(self, *paths: str) -> QuerySet[M]:
        """Load these foreign keys (``"author"``, ``"author__profile"``) with JOINs."""
        qs = self._clone()
        qs._related = (*self._related, *(p for p in paths if p not in self._related))
        return qs

    def prefetch_related(self, *lookups: Any) -> QuerySet[M]:
        """Load these relations with one extra query each (``IN (...)``)."""
        qs = self._clone()
        qs._prefetch = (*self._prefetch, *lookups) if lookups and lookups[0] is not None else ()
        return qs

    def only(self, *fields: str) -> QuerySet[M]:
        """Load only these fields now; the others load on first access."""
        qs = self._clone()
        qs._only = frozenset(fields)
        qs._defer = frozenset()
        return qs

    def defer(self, *fields: str) -> QuerySet[M]:
        """Leave these fields out of the query; they load on first access."""
        qs = self._clone()
        qs._defer = self._defer | frozenset(fields)
        return qs

    def values(self, *fields: str, **expressions: Any) -> QuerySet[Any]:
        """Rows as dicts of the given fields (all when none)."""
        qs = self._values(fields, expressions)
        qs._iterable = "dict"
        return qs

    def values_list(self, *fields: str, flat: bool = False, named: bool = False) -> QuerySet[Any]:
        """Rows as tuples (``flat=True`` with one field: the values themselves)."""
        if flat and len(fields) != 1:
            raise TypeError("values_list(flat=True) takes exactly one field.")
        qs = self._values(fields, {})
        qs._iterable = "flat" if flat else "named" if named else "tuple"
        return qs

    def _values(self, fields: Sequence[str], expressions: dict[str, Any]) -> QuerySet[Any]:
        qs: QuerySet[Any] = self._clone()  # type: ignore[assignment]
        if expressions:
            qs._annotations = {**self._annotations, **expressions}
        names = tuple(fields) + tuple(expressions)
        qs._fields = names or None
        return qs

    def annotate(self, **expressions: Any) -> QuerySet[M]:
        """Add computed values (``Count("posts")``, ``F("a") + F("b")``) to each row."""
        from heron.db.query.aggregates import annotate

        return annotate(self, expressions)

    def select_for_update(
        self, *, nowait: bool = False, skip_locked: bool = False, of: Sequence[str] = ()
    ) -> QuerySet[M]:
        """Lock the selected rows until the transaction ends (``SELECT ... FOR UPDATE``)."""
        qs = self._clone()
        qs._for_update = {"nowait": nowait, "skip_locked": skip_locked}
        return qs

    def __getitem__(self, key: int | slice) -> Any:
        if self._result_cache is not None:
            return self._result_cache[key]
        if isinstance(key, slice):
            if (key.start is not None and key.start < 0) or (key.stop is not None and key.stop < 0):
                raise ValueError("Negative indexing is not supported on QuerySets.")
            if key.step not in (None, 1):
                raise ValueError("QuerySet slices cannot have a step.")
            qs = self._clone()
            qs._set_limits(key.start, key.stop)
            return qs
        if not isinstance(key, int):
            raise TypeError(
                f"QuerySet indices must be integers or slices, not {type(key).__name__}."
            )
        if key < 0:
            raise ValueError("Negative indexing is not supported on QuerySets.")
        qs = self._clone()
        qs._set_limits(key, key + 1)
        results = qs._fetch_all()
        if not results:
            raise IndexError("QuerySet index out of range")
        return results[0]

    def _set_limits(self, start: int | None, stop: int | None) -> None:
        low = self._low + (start or 0)
        high = self._high
        if stop is not None:
            high = self._low + stop if high is None else min(high, self._low + stop)
        if high is not None:
            low = min(low, high)
        self._low, self._high = low, high

    def _check_unsliced(self, action: str) -> None:
        if self._low or self._high is not None:
            raise TypeError(f"Cannot {action} a QuerySet once it has been sliced.")

    def _effective_order(self) -> tuple[Any, ...]:
        if self._order is not None:
            return self._order
        if self._group_by is not None:
            return ()
        return tuple(self.model._meta.ordering)

    @property
    def ordered(self) -> bool:
        """True when the rows come in a defined order."""
        return bool(self._effective_order())

    @property
    def db(self) -> str:
        """The database alias this QuerySet runs on."""
        return self._db or "default"

    # -- running: sync ------------------------------------------------------------------------

    def _fetch_all(self) -> list[Any]:
        if self._result_cache is None:
            self._result_cache = execution.fetch(self)
        return self._result_cache

    def __iter__(self) -> Iterator[Any]:
        return iter(self._fetch_all())

    def __len__(self) -> int:
        return len(self._fetch_all())

    def __bool__(self) -> bool:
        return bool(self._fetch_all())

    def __repr__(self) -> str:
        if self._result_cache is None and _in_event_loop():
            return f"<QuerySet of {self.model.__name__} (not evaluated)>"
        items = list(self[:21]) if self._result_cache is None else self._result_cache[:21]
        tail = ", ..." if len(items) > 20 else ""
        return f"<QuerySet [{', '.join(repr(i) for i in items[:20])}{tail}]>"

    def get(self, *args: Q, **kwargs: Any) -> M:
        """The one row matching the conditions; ``DoesNotExist``/``MultipleObjectsReturned``."""
        qs = self._for_get(args, kwargs)
        return self._one(qs, qs._fetch_all(), kwargs)

    def _for_get(self, args: Sequence[Q], kwargs: dict[str, Any]) -> QuerySet[M]:
        qs = self.filter(*args, **kwargs) if args or kwargs else self._clone()
        if qs._low == 0 and qs._high is None:
            qs._order = ()
            qs._high = MAX_GET_RESULTS
        return qs

    def _one(self, qs: QuerySet[M], rows: list[Any], kwargs: dict[str, Any]) -> M:
        if len(rows) == 1:
            return rows[0]  # type: ignore[no-any-return]
        name = self.model._meta.object_name
        if not rows:
            raise self.model.DoesNotExist(f"{name} matching query does not exist.")
        more = "more than 20" if len(rows) >= MAX_GET_RESULTS else str(len(rows))
        raise self.model.MultipleObjectsReturned(
            f"get() returned more than one {name} -- it returned {more}!"
        )

    def first(self) -> M | None:
        """The first row (by the ordering, else by primary key), or ``None``."""
        rows = self._first_qs()._fetch_all()
        return rows[0] if rows else None

    def last(self) -> M | None:
        """The last row (by the ordering, else by primary key), or ``None``."""
        rows = self._first_qs(reverse=True)._fetch_all()
        return rows[0] if rows else None

    def _first_qs(self, reverse: bool = False) -> QuerySet[M]:
        qs = self if self.ordered else self.order_by("pk")
        if reverse:
            qs = qs.reverse()
        return qs[:1]  # type: ignore[no-any-return]

    def count(self) -> int:
        """The number of matching rows (``SELECT COUNT(*)``)."""
        if self._result_cache is not None:
            return len(self._result_cache)
        return execution.count(self)

    def exists(self) -> bool:
        """Whether any row matches (``SELECT 1 ... LIMIT 1``)."""
        if self._result_cache is not None:
            return bool(self._result_cache)
        return execution.exists(self)

    def iterator(self, chunk_size: int = 2000) -> Iterator[Any]:
        """Stream the rows in chunks without caching them (server-side cursor where possible)."""
        return execution.iterate(self, chunk_size)

    def create(self, **values: Any) -> M:
        """Create, save and return an instance."""
        obj = self.model(**values)
        obj.save(force_insert=True, using=self._db)
        return obj

    def delete(self) -> tuple[int, dict[str, int]]:
        """Delete the matching rows (and what ``on_delete`` says); returns the counts."""
        from heron.db.query.deletion import delete_queryset

        return delete_queryset(self)

    def update(self, **values: Any) -> int:
        """Set fields on every matching row in one UPDATE; returns the number of rows."""
        return execution.update(self, values)

    def explain(self, **options: Any) -> str:
        """The database's query plan for this QuerySet."""
        return execution.explain(self, options)

    @property
    def query(self) -> execution.QueryText:
        """``str(qs.query)`` is the SQL this QuerySet runs (parameters shown as placeholders)."""
        return execution.QueryText(self)

    # -- running: async -----------------------------------------------------------------------

    async def _afetch_all(self) -> list[Any]:
        if self._result_cache is None:
            self._result_cache = await execution.afetch(self)
        return self._result_cache

    def __await__(self) -> Generator[Any, None, list[Any]]:
        return self._afetch_all().__await__()

    async def __aiter__(self) -> AsyncIterator[Any]:
        for item in await self._afetch_all():
            yield item

    async def aget(self, *args: Q, **kwargs: Any) -> M:
        """``get()`` on the async driver."""
        qs = self._for_get(args, kwargs)
        return self._one(qs, await qs._afetch_all(), kwargs)

    async def afirst(self) -> M | None:
        """``first()`` on the async driver."""
        rows = await self._first_qs()._afetch_all()
        return rows[0] if rows else None

    async def alast(self) -> M | None:
        """``last()`` on the async driver."""
        rows = await self._first_qs(reverse=True)._afetch_all()
        return rows[0] if rows else None

    async def acount(self) -> int:
        """``count()`` on the async driver."""
        if self._result_cache is not None:
            return len(self._result_cache)
        return await execution.acount(self)

    async def aexists(self) -> bool:
        """``exists()`` on the async driver."""
        if self._result_cache is not None:
            return bool(self._result_cache)
        return await execution.aexists(self)

    def aiterator(self, chunk_size: int = 2000) -> AsyncIterator[Any]:
        """``iterator()`` on the async driver: ``async for obj in qs.aiterator()``."""
        return execution.aiterate(self, chunk_size)

    async def acreate(self, **values: Any) -> M:
        """``create()`` on the async driver."""
        obj = self.model(**values)
        await obj.asave(force_insert=True, using=self._db)
        return obj

    async def adelete(self) -> tuple[int, dict[str, int]]:
        """``delete()`` on the async driver."""
        from heron.db.query.deletion import adelete_queryset

        return await adelete_queryset(self)

    async def aupdate(self, **values: Any) -> int:
        """``update()`` on the async driver."""
        return await execution.aupdate(self, values)

    async def aexplain(self, **options: Any) -> str:
        """``explain()`` on the async driver."""
        return await execution.aexplain(self, options)

    # -- subqueries ---------------------------------------------------------------------------

    def _subquery_shape(self, values: list[Any]) -> Any:
        return execution.subquery_shape(self, values)

    def _as_subquery(self, binder: Any, vendor: str) -> Any:
        return execution.as_subquery(self, binder, vendor)

    def _group_by_columns(self, joins: Any, where: Any) -> list[Any]:
        return [joins.resolve(name, allow_lookup=False).column for name in (self._group_by or ())]


def _flip(term: Any) -> Any:
    if isinstance(term, OrderBy):
        return OrderBy(term.expression, not term.descending)
    if isinstance(term, F):
        return OrderBy(term, True)
    if term == "?":
        return term
    return term[1:] if term.startswith("-") else f"-{term}"


def _is_aggregate(expr: Any) -> bool:
    from heron.db.query.expressions import Aggregate

    return isinstance(expr, Aggregate)


def _in_event_loop() -> bool:
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
