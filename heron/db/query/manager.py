"""``Manager``: the ``Model.objects`` entry point; every QuerySet method starts here.

The methods are written out (not forwarded through ``__getattr__``) so editors and type
checkers see them, and so the hottest call, ``Model.objects.get(pk=...)``, skips building
a QuerySet at all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from heron.db.query import execution
from heron.db.query.queryset import QuerySet

if TYPE_CHECKING:
    from heron.db.models.base import Model
    from heron.db.query.expressions import Q
    from heron.db.query.raw import RawQuerySet

__all__ = ["Manager"]

M = TypeVar("M", bound="Model")
# Primary key values that take the fast path of get(pk=...) (converted by the field).
_FAST_TYPES = frozenset({int, str})
_NO_VALUE = object()


class Manager(Generic[M]):
    """Declared on a model (``objects = Manager()``) and bound to it by the metaclass.

    Subclass it and override ``get_queryset()`` to change what ``Model.objects`` starts from.
    """

    queryset_class: type[QuerySet[Any]] = QuerySet
    # True for a manager whose get_queryset() is the plain one: get(pk=...) is a fast path.
    _fast = False
    _pk_name = "pk"  # the primary key field's name ("id"); "pk" works too
    _db: str | None = None  # the database of a db_manager() copy (None: the router's)

    def __init__(self) -> None:
        self.model: type[M] | None = None
        self.name = ""

    @classmethod
    def from_queryset(
        cls, queryset_class: type[QuerySet[Any]], class_name: str | None = None
    ) -> type[Manager[Any]]:
        """A subclass of this manager that starts from ``queryset_class`` and offers its
        public methods (Django's ``Manager.from_queryset``):
        ``objects = Manager.from_queryset(PostQuerySet)()``, then
        ``Post.objects.published()``. Private methods, and those marked
        ``queryset_only = True``, stay on the QuerySet; ``QuerySet.as_manager()`` is the
        short form.
        """
        methods: dict[str, Any] = {"queryset_class": queryset_class}
        for name in dir(queryset_class):
            method = getattr(queryset_class, name)
            if (
                name.startswith("_")
                or not callable(method)
                or hasattr(cls, name)
                or getattr(method, "queryset_only", False)
            ):
                continue
            methods[name] = _proxy(name, method)
        name = class_name or f"{cls.__name__}From{queryset_class.__name__}"
        return type(name, (cls,), methods)

    def bind(self, model: type[M], name: str) -> Manager[M]:
        """A copy of this manager attached to ``model``."""
        bound = object.__new__(type(self))
        bound.__dict__.update(self.__dict__)
        bound.model = model
        bound.name = name
        pk = model._meta.pk
        bound._fast = (
            type(self).get_queryset is Manager.get_queryset and self.queryset_class is QuerySet
        )
        bound._pk_name = pk.name if pk is not None else "pk"
        return bound

    def get_queryset(self) -> QuerySet[M]:
        """The QuerySet every call starts from."""
        assert self.model is not None, "manager is not attached to a model"
        qs = self.queryset_class(self.model)
        return qs if self._db is None else qs.using(self._db)

    def db_manager(self, using: str | None) -> Manager[M]:
        """A copy of this manager whose queries (its own methods, such as a
        ``get_by_natural_key()``, included) run on the database ``using``."""
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__)
        copy._db = using
        copy._fast = False  # the get(pk=...) fast path reads "default"
        return copy

    def __get__(self, instance: Any, owner: type[Any]) -> Manager[M]:
        if instance is not None:
            raise AttributeError(
                f"Manager isn't accessible via {owner.__name__} instances; "
                f"use {owner.__name__}.{self.name}."
            )
        return self

    def __repr__(self) -> str:
        model = self.model.__name__ if self.model else "?"
        return f"<{type(self).__name__} {model}.{self.name}>"

    # -- the hottest calls ----------------------------------------------------------------

    def get(self, *args: Q, **kwargs: Any) -> M:
        """The one row matching the conditions (see ``QuerySet.get``)."""
        if len(kwargs) == 1 and self._fast and not args:
            value = kwargs.get(self._pk_name, _NO_VALUE)  # pk= or <pk name>=, inline
            if value is _NO_VALUE:
                value = kwargs.get("pk", _NO_VALUE)
            if type(value) in _FAST_TYPES:  # (get_by_pk refuses a running event loop)
                return execution.get_by_pk(self.model, "default", value)  # type: ignore[arg-type,no-any-return]
        return self.get_queryset().get(*args, **kwargs)

    def aget(self, *args: Q, **kwargs: Any) -> Awaitable[M]:
        """``get()`` on the async driver (awaited as ``await Model.objects.aget(...)``).

        Not a coroutine function itself: it returns the coroutine that does the work, one
        frame less for the most common query.
        """
        if len(kwargs) == 1 and self._fast and not args:
            value = kwargs.get(self._pk_name, _NO_VALUE)  # pk= or <pk name>=, inline
            if value is _NO_VALUE:
                value = kwargs.get("pk", _NO_VALUE)
            if type(value) in _FAST_TYPES:
                return execution.aget_by_pk(self.model, "default", value)  # type: ignore[arg-type]
        return self.get_queryset().aget(*args, **kwargs)

    def all(self) -> QuerySet[M]:
        """Every row (a fresh QuerySet)."""
        return self.get_queryset()

    def filter(self, *args: Q, **kwargs: Any) -> QuerySet[M]:
        """Rows matching the conditions."""
        return self.get_queryset().filter(*args, **kwargs)  # type: ignore[no-any-return]

    def exclude(self, *args: Q, **kwargs: Any) -> QuerySet[M]:
        """Rows not matching the conditions."""
        return self.get_queryset().exclude(*args, **kwargs)  # type: ignore[no-any-return]

    def create(self, **values: Any) -> M:
        """Create, save and return an instance."""
        return self.get_queryset().create(**values)

    async def acreate(self, **values: Any) -> M:
        """``create()`` on the async driver."""
        return await self.get_queryset().acreate(**values)

    # -- chaining -------------------------------------------------------------------------

    def none(self) -> QuerySet[M]:
        """A QuerySet matching nothing."""
        return self.get_queryset().none()  # type: ignore[no-any-return]

    def using(self, alias: str | None) -> QuerySet[M]:
        """Run against the database ``alias``."""
        return self.get_queryset().using(alias)  # type: ignore[no-any-return]

    def order_by(self, *fields: Any) -> QuerySet[M]:
        """Rows in this order."""
        return self.get_queryset().order_by(*fields)  # type: ignore[no-any-return]

    def reverse(self) -> QuerySet[M]:
        """Rows in the opposite of the default order."""
        return self.get_queryset().reverse()  # type: ignore[no-any-return]

    def distinct(self, *fields: str) -> QuerySet[M]:
        """Rows without duplicates."""
        return self.get_queryset().distinct(*fields)  # type: ignore[no-any-return]

    def select_related(self, *paths: str | None) -> QuerySet[M]:
        """Rows with these relations (foreign keys, one-to-ones) loaded by JOINs."""
        return self.get_queryset().select_related(*paths)  # type: ignore[no-any-return]

    def prefetch_related(self, *lookups: Any) -> QuerySet[M]:
        """Rows with these relations loaded by one extra query each."""
        return self.get_queryset().prefetch_related(*lookups)  # type: ignore[no-any-return]

    def only(self, *fields: str) -> QuerySet[M]:
        """Rows loading only these fields now."""
        return self.get_queryset().only(*fields)  # type: ignore[no-any-return]

    def defer(self, *fields: str | None) -> QuerySet[M]:
        """Rows loading these fields on first access."""
        return self.get_queryset().defer(*fields)  # type: ignore[no-any-return]

    def values(self, *fields: str, **expressions: Any) -> QuerySet[Any]:
        """Rows as dicts."""
        return self.get_queryset().values(*fields, **expressions)  # type: ignore[no-any-return]

    def values_list(self, *fields: Any, flat: bool = False, named: bool = False) -> QuerySet[Any]:
        """Rows as tuples (or values with ``flat=True``)."""
        qs = self.get_queryset()
        return qs.values_list(*fields, flat=flat, named=named)  # type: ignore[no-any-return]

    def annotate(self, *args: Any, **expressions: Any) -> QuerySet[M]:
        """Rows with computed values."""
        return self.get_queryset().annotate(*args, **expressions)  # type: ignore[no-any-return]

    def alias(self, **expressions: Any) -> QuerySet[M]:
        """Rows with named expressions usable in filters."""
        return self.get_queryset().alias(**expressions)  # type: ignore[no-any-return]

    def select_for_update(self, **options: Any) -> QuerySet[M]:
        """Rows locked until the transaction ends."""
        return self.get_queryset().select_for_update(**options)  # type: ignore[no-any-return]

    def union(self, *others: Any, all: bool = False) -> Any:
        """Every row and those of ``others`` (``UNION``; ``all=True`` keeps duplicates)."""
        return self.get_queryset().union(*others, all=all)

    def intersection(self, *others: Any) -> Any:
        """The rows also found in every one of ``others`` (``INTERSECT``)."""
        return self.get_queryset().intersection(*others)

    def difference(self, *others: Any) -> Any:
        """The rows found in none of ``others`` (``EXCEPT``)."""
        return self.get_queryset().difference(*others)

    def dates(self, field_name: str, kind: str, order: str = "ASC") -> Any:
        """The distinct dates of ``field_name`` cut to ``kind`` (see ``QuerySet.dates``)."""
        return self.get_queryset().dates(field_name, kind, order)

    def datetimes(self, field_name: str, kind: str, order: str = "ASC") -> Any:
        """The distinct date-times of ``field_name`` cut to ``kind`` (``QuerySet.datetimes``)."""
        return self.get_queryset().datetimes(field_name, kind, order)

    def raw(self, sql: str, params: Sequence[Any] = (), using: str | None = None) -> RawQuerySet[M]:
        """Model instances from your own SQL; ``%s`` placeholders, parameters bound."""
        from heron.db.query.raw import RawQuerySet

        assert self.model is not None
        return RawQuerySet(self.model, sql, params, using)

    # -- terminal methods, sync -----------------------------------------------------------

    def first(self) -> M | None:
        """The first row, or ``None``."""
        return self.get_queryset().first()

    def last(self) -> M | None:
        """The last row, or ``None``."""
        return self.get_queryset().last()

    def earliest(self, *fields: str) -> M:
        """The first row ordered by ``fields``."""
        return self.get_queryset().earliest(*fields)

    def latest(self, *fields: str) -> M:
        """The last row ordered by ``fields``."""
        return self.get_queryset().latest(*fields)

    def count(self) -> int:
        """The number of rows."""
        return self.get_queryset().count()

    def exists(self) -> bool:
        """Whether there is any row."""
        return self.get_queryset().exists()

    def contains(self, obj: M) -> bool:
        """Whether ``obj`` is one of the rows."""
        return self.get_queryset().contains(obj)

    def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Aggregates over every row."""
        return self.get_queryset().aggregate(*args, **kwargs)

    def iterator(self, chunk_size: int = 2000) -> Iterator[M]:
        """Stream every row in chunks."""
        return self.get_queryset().iterator(chunk_size)

    def in_bulk(
        self, id_list: Iterable[Any] | None = None, *, field_name: str = "pk"
    ) -> dict[Any, M]:
        """``{value: instance}`` for these values of a unique field."""
        return self.get_queryset().in_bulk(id_list, field_name=field_name)

    def get_or_404(self, *args: Q, **kwargs: Any) -> M:
        """``get()`` raising ``HTTPException(404)`` when nothing matches."""
        return self.get_queryset().get_or_404(*args, **kwargs)

    def get_or_create(
        self, defaults: dict[str, Any] | None = None, **kwargs: Any
    ) -> tuple[M, bool]:
        """The matching row, or a new one: ``(instance, created)``."""
        return self.get_queryset().get_or_create(defaults, **kwargs)

    def update_or_create(
        self,
        defaults: dict[str, Any] | None = None,
        create_defaults: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> tuple[M, bool]:
        """Update the matching row, or create it: ``(instance, created)``."""
        return self.get_queryset().update_or_create(defaults, create_defaults, **kwargs)

    def bulk_create(self, objs: Iterable[M], *args: Any, **kwargs: Any) -> list[M]:
        """Insert many instances in batches."""
        return self.get_queryset().bulk_create(objs, *args, **kwargs)

    def bulk_update(
        self, objs: Iterable[M], fields: Sequence[str], batch_size: int | None = None
    ) -> int:
        """Update ``fields`` of many instances in batches."""
        return self.get_queryset().bulk_update(objs, fields, batch_size)

    def update(self, **values: Any) -> int:
        """Update every row."""
        return self.get_queryset().update(**values)

    def delete(self) -> tuple[int, dict[str, int]]:
        """Delete every row (cascading as the relations say)."""
        return self.get_queryset().delete()

    def explain(self, **options: Any) -> str:
        """The plan of ``SELECT`` of every row."""
        return self.get_queryset().explain(**options)

    # -- terminal methods, async ----------------------------------------------------------

    async def afirst(self) -> M | None:
        """``first()`` on the async driver."""
        return await self.get_queryset().afirst()

    async def alast(self) -> M | None:
        """``last()`` on the async driver."""
        return await self.get_queryset().alast()

    async def aearliest(self, *fields: str) -> M:
        """``earliest()`` on the async driver."""
        return await self.get_queryset().aearliest(*fields)

    async def alatest(self, *fields: str) -> M:
        """``latest()`` on the async driver."""
        return await self.get_queryset().alatest(*fields)

    async def acount(self) -> int:
        """``count()`` on the async driver."""
        return await self.get_queryset().acount()

    async def aexists(self) -> bool:
        """``exists()`` on the async driver."""
        return await self.get_queryset().aexists()

    async def acontains(self, obj: M) -> bool:
        """``contains()`` on the async driver."""
        return await self.get_queryset().acontains(obj)

    async def aaggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """``aggregate()`` on the async driver."""
        return await self.get_queryset().aaggregate(*args, **kwargs)

    def aiterator(self, chunk_size: int = 2000) -> AsyncIterator[M]:
        """``iterator()`` on the async driver."""
        return self.get_queryset().aiterator(chunk_size)

    async def ain_bulk(
        self, id_list: Iterable[Any] | None = None, *, field_name: str = "pk"
    ) -> dict[Any, M]:
        """``in_bulk()`` on the async driver."""
        return await self.get_queryset().ain_bulk(id_list, field_name=field_name)

    async def aget_or_404(self, *args: Q, **kwargs: Any) -> M:
        """``get_or_404()`` on the async driver."""
        return await self.get_queryset().aget_or_404(*args, **kwargs)

    async def aget_or_create(
        self, defaults: dict[str, Any] | None = None, **kwargs: Any
    ) -> tuple[M, bool]:
        """``get_or_create()`` on the async driver."""
        return await self.get_queryset().aget_or_create(defaults, **kwargs)

    async def aupdate_or_create(
        self,
        defaults: dict[str, Any] | None = None,
        create_defaults: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> tuple[M, bool]:
        """``update_or_create()`` on the async driver."""
        return await self.get_queryset().aupdate_or_create(defaults, create_defaults, **kwargs)

    async def abulk_create(self, objs: Iterable[M], *args: Any, **kwargs: Any) -> list[M]:
        """``bulk_create()`` on the async driver."""
        return await self.get_queryset().abulk_create(objs, *args, **kwargs)

    async def abulk_update(
        self, objs: Iterable[M], fields: Sequence[str], batch_size: int | None = None
    ) -> int:
        """``bulk_update()`` on the async driver."""
        return await self.get_queryset().abulk_update(objs, fields, batch_size)

    async def aupdate(self, **values: Any) -> int:
        """``update()`` on the async driver."""
        return await self.get_queryset().aupdate(**values)

    async def adelete(self) -> tuple[int, dict[str, int]]:
        """``delete()`` on the async driver."""
        return await self.get_queryset().adelete()

    async def aexplain(self, **options: Any) -> str:
        """``explain()`` on the async driver."""
        return await self.get_queryset().aexplain(**options)


def _proxy(name: str, method: Any) -> Any:
    """A manager method running the QuerySet method ``name`` on ``get_queryset()``."""

    def proxy(self: Manager[Any], *args: Any, **kwargs: Any) -> Any:
        return getattr(self.get_queryset(), name)(*args, **kwargs)

    proxy.__name__ = proxy.__qualname__ = name
    proxy.__doc__ = method.__doc__
    return proxy
