"""The reverse side of a foreign key: ``user.posts`` is a manager of that user's posts,
and ``user.profile`` the one object of a one-to-one relation."""

from __future__ import annotations

from asyncio import _get_running_loop
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from heron.db.errors import AsyncContextError
from heron.db.fields.ops import Call, Fetch, Operation, run_async, run_sync
from heron.db.fields.related import missing_related_error
from heron.db.models.registry import registry
from heron.db.query.manager import Manager
from heron.db.query.queryset import QuerySet

if TYPE_CHECKING:
    from heron.db.fields.many_to_many import ManyToManyField
    from heron.db.fields.related import ForeignKey, OneToOneField
    from heron.db.models.base import Model

__all__ = [
    "RelatedManager",
    "ReverseOneToOne",
    "ReverseRelation",
    "check_reverse_names",
    "install_reverse_accessor",
    "install_reverse_one_to_one",
    "prefetched",
    "reverse_one_to_one",
]


def prefetched(instance: Model, name: str) -> list[Any] | None:
    """The objects ``prefetch_related`` stored on ``instance`` for ``name``, if any."""
    cache = instance.__dict__.get("_prefetched")
    if cache is None:
        return None
    result: list[Any] | None = cache.get(name)
    return result


def forget_prefetched(instance: Model, name: str) -> None:
    """Drop the prefetched objects of ``name`` (after a change through the manager)."""
    cache = instance.__dict__.get("_prefetched")
    if cache is not None:
        cache.pop(name, None)


class InstanceManager(Manager[Any]):
    """A manager of rows related to one instance: ``_base_queryset()`` selects them, and a
    list ``prefetch_related`` stored on the instance answers instead of a query."""

    instance: Model
    name: str

    def _base_queryset(self) -> QuerySet[Any]:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[Any]:
        qs = self._base_queryset()
        cache = prefetched(self.instance, self.name)
        if cache is not None:
            qs._result_cache = list(cache)
        return qs


class RelatedManager(InstanceManager):
    """Rows of ``field.model`` whose foreign key ``field`` points at ``instance``.

    Besides every QuerySet method (``all()``, ``filter()``, ``count()`` …) it has
    ``create()``, ``add()``, ``set()`` and, for a ``null=True`` foreign key,
    ``remove()`` and ``clear()``, each with an async twin (``acreate()``, ``aadd()`` …).
    """

    def __init__(self, field: ForeignKey, instance: Model) -> None:
        super().__init__()
        self.field = field
        self.instance = instance
        self.model = field.model
        self.name = field.reverse_name

    @property
    def _alias(self) -> str:
        return self.instance._db or "default"

    def _base_queryset(self) -> QuerySet[Any]:
        assert self.model is not None
        qs: QuerySet[Any] = self.model._default_manager.get_queryset().using(self.instance._db)
        mine: QuerySet[Any] = qs.filter(**{self.field.attname: self.instance.pk})
        return mine

    def _bind(self, values: dict[str, Any]) -> dict[str, Any]:
        values.pop(self.field.name, None)
        return {**values, self.field.attname: self.instance.pk}

    # -- create / add / set / remove / clear --------------------------------------------------

    def get_or_create(
        self, defaults: dict[str, Any] | None = None, **kwargs: Any
    ) -> tuple[Any, bool]:
        """``get_or_create()`` among the related rows, creating one pointing at the instance."""
        forget_prefetched(self.instance, self.name)
        result: tuple[Any, bool] = self._base_queryset().get_or_create(
            defaults, **self._bind(kwargs)
        )
        return result

    async def aget_or_create(
        self, defaults: dict[str, Any] | None = None, **kwargs: Any
    ) -> tuple[Any, bool]:
        """``get_or_create()`` on the async driver."""
        forget_prefetched(self.instance, self.name)
        qs = self._base_queryset()
        result: tuple[Any, bool] = await qs.aget_or_create(defaults, **self._bind(kwargs))
        return result

    def update_or_create(
        self,
        defaults: dict[str, Any] | None = None,
        create_defaults: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> tuple[Any, bool]:
        """``update_or_create()`` among the related rows."""
        forget_prefetched(self.instance, self.name)
        result: tuple[Any, bool] = self._base_queryset().update_or_create(
            defaults, create_defaults, **self._bind(kwargs)
        )
        return result

    async def aupdate_or_create(
        self,
        defaults: dict[str, Any] | None = None,
        create_defaults: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> tuple[Any, bool]:
        """``update_or_create()`` on the async driver."""
        forget_prefetched(self.instance, self.name)
        qs = self._base_queryset()
        result: tuple[Any, bool] = await qs.aupdate_or_create(
            defaults, create_defaults, **self._bind(kwargs)
        )
        return result

    def create(self, **values: Any) -> Any:
        """Create a related row pointing at the instance."""
        forget_prefetched(self.instance, self.name)
        obj = self._base_queryset().create(**self._bind(values))
        obj.__dict__[f"_cache_{self.field.name}"] = self.instance
        return obj

    async def acreate(self, **values: Any) -> Any:
        """``create()`` on the async driver."""
        forget_prefetched(self.instance, self.name)
        obj = await self._base_queryset().acreate(**self._bind(values))
        obj.__dict__[f"_cache_{self.field.name}"] = self.instance
        return obj

    def add(self, *objs: Any, bulk: bool = True) -> None:
        """Point ``objs`` at the instance: unsaved ones are saved, saved ones updated in
        one ``UPDATE`` (``bulk=False``: ``save()`` each)."""
        run_sync("add", lambda: self._add(objs, bulk), self._alias)

    async def aadd(self, *objs: Any, bulk: bool = True) -> None:
        """``add()`` on the async driver."""
        await run_async(lambda: self._add(objs, bulk), self._alias)

    def remove(self, *objs: Any, bulk: bool = True) -> None:
        """Unlink ``objs`` (their foreign key becomes NULL; needs ``null=True``)."""
        self._require_null("remove")
        run_sync("remove", lambda: self._remove(objs, bulk), self._alias)

    async def aremove(self, *objs: Any, bulk: bool = True) -> None:
        """``remove()`` on the async driver."""
        self._require_null("remove")
        await run_async(lambda: self._remove(objs, bulk), self._alias)

    def clear(self, *, bulk: bool = True) -> None:
        """Unlink every related row (foreign keys become NULL; needs ``null=True``)."""
        self._require_null("clear")
        run_sync("clear", lambda: self._clear(bulk), self._alias, atomic=not bulk)

    async def aclear(self, *, bulk: bool = True) -> None:
        """``clear()`` on the async driver."""
        self._require_null("clear")
        await run_async(lambda: self._clear(bulk), self._alias, atomic=not bulk)

    def set(self, objs: Iterable[Any], *, bulk: bool = True, clear: bool = False) -> None:
        """Make ``objs`` the related set: others are unlinked (``null=True`` only; a
        non-null foreign key can only gain rows, so ``set()`` then just adds)."""
        items = list(objs)
        run_sync("set", lambda: self._set(items, clear, bulk), self._alias)

    async def aset(self, objs: Iterable[Any], *, bulk: bool = True, clear: bool = False) -> None:
        """``set()`` on the async driver."""
        items = list(objs)
        await run_async(lambda: self._set(items, clear, bulk), self._alias)

    # -- the operations, written once ----------------------------------------------------------

    def _check(self, objs: Iterable[Any]) -> list[Any]:
        model = self.model
        assert model is not None
        items = list(objs)
        for obj in items:
            if not isinstance(obj, model):
                raise TypeError(
                    f"'{model.__name__}' instance expected by {self.name}, "
                    f"got {type(obj).__name__}."
                )
        return items

    def _require_null(self, action: str) -> None:
        if not self.field.null:
            raise TypeError(
                f"{self.name}.{action}() needs {self.field!r} to be null=True: rows cannot "
                "be unlinked from a required foreign key (delete them instead)."
            )

    def _add(self, objs: Iterable[Any], bulk: bool) -> Operation[None]:
        items = self._check(objs)
        forget_prefetched(self.instance, self.name)
        attname, pk = self.field.attname, self.instance.pk
        saved = []
        for obj in items:
            obj.__dict__[attname] = pk
            obj.__dict__[f"_cache_{self.field.name}"] = self.instance
            if bulk and obj.__dict__.get("_persisted") and obj.pk is not None:
                saved.append(obj.pk)
            else:
                yield Call(obj, "save")
        if saved:
            assert self.model is not None
            qs = self.model._base_manager.using(self.instance._db).filter(pk__in=saved)
            yield Call(qs, "update", **{attname: pk})

    def _remove(self, objs: Iterable[Any], bulk: bool) -> Operation[None]:
        items = self._check(objs)
        forget_prefetched(self.instance, self.name)
        attname, pk = self.field.attname, self.instance.pk
        for obj in items:
            if obj.__dict__.get(attname) != pk:
                assert self.model is not None
                raise self.model.DoesNotExist(f"{obj!r} is not related to {self.instance!r}.")
        if not bulk:
            yield from self._save_unlinked(items)
            return
        pks = [obj.pk for obj in items]
        if pks:
            yield Call(self._base_queryset().filter(pk__in=pks), "update", **{attname: None})
        for obj in items:
            self._forget(obj)

    def _clear(self, bulk: bool) -> Operation[None]:
        forget_prefetched(self.instance, self.name)
        yield from self._unlink(self._base_queryset(), bulk)

    def _set(self, objs: list[Any], clear: bool, bulk: bool) -> Operation[None]:
        items = self._check(objs)
        if not self.field.null:
            yield from self._add(items, bulk)
            return
        if clear:
            yield from self._clear(bulk)
            yield from self._add(items, bulk)
            return
        current = set((yield Fetch(self._base_queryset().values_list("pk", flat=True))))
        wanted = {obj.pk for obj in items if obj.pk is not None}
        stale = current - wanted
        if stale:
            yield from self._unlink(self._base_queryset().filter(pk__in=list(stale)), bulk)
        yield from self._add([obj for obj in items if obj.pk not in current], bulk)

    def _unlink(self, qs: QuerySet[Any], bulk: bool) -> Operation[None]:
        """Set the foreign key of the rows of ``qs`` to NULL: one ``UPDATE``, or
        (``bulk=False``) a ``save()`` of each."""
        if bulk:
            yield Call(qs, "update", **{self.field.attname: None})
        else:
            yield from self._save_unlinked((yield Fetch(qs)))

    def _save_unlinked(self, objs: list[Any]) -> Operation[None]:
        """Set the foreign key of ``objs`` to NULL and ``save()`` each (only that field)."""
        for obj in objs:
            self._forget(obj)
            yield Call(obj, "save", update_fields=[self.field.attname])

    def _forget(self, obj: Model) -> None:
        """``obj`` no longer points at the instance (in memory)."""
        obj.__dict__[self.field.attname] = None
        obj.__dict__.pop(f"_cache_{self.field.name}", None)


class ReverseRelation:
    """The descriptor behind ``user.posts``."""

    def __init__(self, field: ForeignKey) -> None:
        self.field = field

    def __get__(self, instance: Model | None, owner: type[Any]) -> Any:
        if instance is None:
            return self
        if instance.pk is None:
            raise ValueError(
                f"{type(instance).__name__} needs a primary key value before "
                f"'{self.field.reverse_name}' can be used."
            )
        return RelatedManager(self.field, instance)

    def __set__(self, instance: Model, value: Any) -> None:
        raise TypeError(
            f"Direct assignment to the reverse side of {self.field!r} is not allowed; "
            f"use {self.field.reverse_name}.set() instead."
        )


class ReverseOneToOne:
    """``user.profile``: the object whose one-to-one field points at ``user``.

    Raises the related model's ``DoesNotExist`` (also an ``AttributeError``, so
    ``hasattr(user, "profile")`` works) when there is none. Loading runs a query on the
    sync driver; the result is cached on the instance.
    """

    def __init__(self, field: OneToOneField) -> None:
        self.field = field
        self.cache_name = field.reverse_cache_name
        self._missing: type[Exception] | None = None

    @property
    def RelatedObjectDoesNotExist(self) -> type[Exception]:
        """The related model's ``DoesNotExist``, also an ``AttributeError``."""
        if self._missing is None:
            model = self.field.model
            assert model is not None
            self._missing = missing_related_error(model)
        return self._missing

    def __get__(self, instance: Model | None, owner: type[Any]) -> Any:
        if instance is None:
            return self
        data = instance.__dict__
        try:
            obj = data[self.cache_name]
        except KeyError:
            obj = self._load(instance)
            data[self.cache_name] = obj
        if obj is None:
            raise self.RelatedObjectDoesNotExist(
                f"{type(instance).__name__} has no {self.field.reverse_name}."
            )
        return obj

    def _load(self, instance: Model) -> Any:
        cache = prefetched(instance, self.field.reverse_name)
        if cache is not None:
            return cache[0] if cache else None
        if instance.pk is None:
            return None
        model = self.field.model
        assert model is not None
        if _get_running_loop() is not None:
            raise AsyncContextError(
                f"Loading {type(instance).__name__}.{self.field.reverse_name} lazily",
                f"prefetch_related({self.field.reverse_name!r}) or `await "
                f"{model.__name__}.objects.aget({self.field.name}=obj)`",
            )
        qs = model._base_manager.using(instance._db).filter(**{self.field.attname: instance.pk})
        rows = list(qs[:1])
        obj = rows[0] if rows else None
        if obj is not None:
            obj.__dict__[f"_cache_{self.field.name}"] = instance
        return obj

    def __set__(self, instance: Model, value: Any) -> None:
        """``user.profile = profile`` points ``profile`` at ``user``; ``user.profile =
        None`` unlinks the profile loaded before, if any (``ValueError`` unless its
        field is ``null=True``). In memory: save the profile to store it."""
        if value is not None:
            setattr(value, self.field.name, instance)
        else:
            old = instance.__dict__.get(self.cache_name)
            if old is not None:
                setattr(old, self.field.name, None)
        instance.__dict__[self.cache_name] = value


def install_reverse_accessor(field: ForeignKey, target: type[Model]) -> None:
    """Put ``ReverseRelation`` on the target model unless ``related_name`` ends in ``+``."""
    if not field.hidden:
        setattr(target, field.reverse_name, ReverseRelation(field))


_ACCESSOR, _QUERY = "reverse accessor", "reverse query name"


def check_reverse_names(rel: ForeignKey | ManyToManyField, target: type[Model]) -> None:
    """Refuse ``rel`` before it touches ``target`` if its reverse accessor or reverse query
    name there is already a field of ``target`` or the same name of another relation
    pointing at it (Django's fields.E302-E305). Names ending in ``+`` never clash."""
    mine = _reverse_names(rel)
    where = _name_of(rel)
    for kind, name in mine.items():
        if name in target._meta.fields_map:
            raise TypeError(
                f"The {kind} '{name}' of {where} clashes with the field "
                f"{target.__name__}.{name}{_ambiguity(kind, target, name)}: give {where} "
                f"{_fix(kind, 'another')}."
            )
    for other in target._meta.relations_in():
        if _gone(other, rel):
            continue
        for kind, name in _reverse_names(other).items():
            if mine.get(kind) == name:
                raise TypeError(
                    f"The {kind} '{name}' of {where} clashes with that of {_name_of(other)} "
                    f"on {target.__name__}{_ambiguity(kind, target, name)}: give one of them "
                    f"{_fix(kind, 'a different')}."
                )


def _reverse_names(rel: ForeignKey | ManyToManyField) -> dict[str, str]:
    """The names ``rel`` takes on its target, by kind (none for what ends in ``+``)."""
    names = {} if rel.hidden else {_ACCESSOR: rel.reverse_name}
    query = rel.reverse_query_name
    if not query.endswith("+"):
        names[_QUERY] = query
    return names


def _name_of(rel: ForeignKey | ManyToManyField) -> str:
    owner = rel.model.__name__ if rel.model is not None else "?"
    return f"{owner}.{rel.name}"


def _ambiguity(kind: str, target: type[Model], name: str) -> str:
    if kind != _QUERY:
        return ""
    return f" ({target.__name__}.objects.filter({name}__...) would be ambiguous)"


def _fix(kind: str, which: str) -> str:
    if kind == _ACCESSOR:
        return f"{which} related_name="
    return f"{which} related_query_name= (or related_name=)"


def _gone(other: ForeignKey | ManyToManyField, rel: ForeignKey | ManyToManyField) -> bool:
    """True when ``other`` belongs to a model that is gone: one whose definition raised, or
    an earlier version of ``rel``'s model (a re-imported module)."""
    old, new = other.model, rel.model
    if old is new or old is None or new is None:
        return False
    same_class = (old.__module__, old.__qualname__) == (new.__module__, new.__qualname__)
    return same_class or not registry.is_current(old)


def reverse_one_to_one(model: type[Model], name: str) -> ReverseOneToOne | None:
    """The accessor of the reverse one-to-one relation that queries on ``model`` call
    ``name`` (``select_related("profile")``), if there is one."""
    rel = model._meta.reverse_relation(name)
    if rel is None or not getattr(rel, "one_to_one", False) or rel.hidden:
        return None
    accessor = getattr(model, rel.reverse_name, None)
    return accessor if isinstance(accessor, ReverseOneToOne) else None


def install_reverse_one_to_one(field: OneToOneField, target: type[Model]) -> None:
    """Put ``ReverseOneToOne`` on the target model unless ``related_name`` ends in ``+``."""
    if not field.hidden:
        setattr(target, field.reverse_name, ReverseOneToOne(field))
