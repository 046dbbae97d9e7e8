"""Many-to-many managers: ``post.tags`` and ``tag.posts``, both sides of a ``ManyToManyField``."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Any

from heron.db.fields.ops import Call, Fetch, Operation, run_async, run_sync
from heron.db.fields.reverse import InstanceManager, forget_prefetched
from heron.db.query.expressions import Q
from heron.db.query.queryset import QuerySet
from heron.db.signals import Dispatch, m2m_changed

if TYPE_CHECKING:
    from heron.db.fields.many_to_many import ManyToManyField
    from heron.db.models.base import Model

__all__ = ["ManyRelatedManager", "ManyToManyDescriptor"]


class ManyRelatedManager(InstanceManager):
    """The objects linked to ``instance`` through a many-to-many field (either side).

    Besides every QuerySet method it has ``add()``, ``remove()``, ``set()``, ``clear()``
    and ``create()``, each with an async twin; ``through_defaults`` fills the extra
    fields of an explicit through model when links are created. On a symmetrical
    relation every write covers both directions (``a → b`` and ``b → a``).
    """

    def __init__(self, field: ManyToManyField, instance: Model, reverse: bool) -> None:
        super().__init__()
        self.field = field
        self.instance = instance
        self.is_reverse = reverse
        source, dest = field.links()
        if reverse:
            self.model = field.model
            self.near, self.far = dest, source
        else:
            self.model = field.remote_model
            self.near, self.far = source, dest
        self.through = field.through_model
        self.name = field.accessor_name(reverse)
        self.symmetrical = bool(field.symmetrical) and not reverse

    @property
    def _alias(self) -> str:
        return self.instance._db or "default"

    def _links(self) -> QuerySet[Any]:
        """The through rows of ``instance``."""
        qs: QuerySet[Any] = self.through._base_manager.using(self.instance._db)
        links: QuerySet[Any] = qs.filter(**{self.near.attname: self.instance.pk})
        return links

    def _rows(self, pks: list[Any] | None) -> QuerySet[Any]:
        """The through rows linking ``instance`` to ``pks`` (to anything when ``None``),
        their mirror rows included on a symmetrical relation."""
        near, far, me = self.near.attname, self.far.attname, self.instance.pk
        where = Q(**{near: me}) if pks is None else Q(**{near: me, f"{far}__in": pks})
        if self.symmetrical:
            where |= Q(**{far: me}) if pks is None else Q(**{far: me, f"{near}__in": pks})
        qs: QuerySet[Any] = self.through._base_manager.using(self.instance._db)
        rows: QuerySet[Any] = qs.filter(where)
        return rows

    def _base_queryset(self) -> QuerySet[Any]:
        assert self.model is not None
        qs: QuerySet[Any] = self.model._default_manager.get_queryset().using(self.instance._db)
        linked = self._links().values_list(self.far.attname, flat=True)
        related: QuerySet[Any] = qs.filter(pk__in=linked)
        return related

    # -- public operations ---------------------------------------------------------------------

    def add(self, *objs: Any, through_defaults: dict[str, Any] | None = None) -> None:
        """Link ``objs`` (instances or primary keys); existing links are left alone."""
        run_sync("add", lambda: self._add(objs, through_defaults), self._alias)

    async def aadd(self, *objs: Any, through_defaults: dict[str, Any] | None = None) -> None:
        """``add()`` on the async driver."""
        await run_async(lambda: self._add(objs, through_defaults), self._alias)

    def remove(self, *objs: Any) -> None:
        """Unlink ``objs`` (instances or primary keys); the objects themselves stay."""
        atomic = bool(m2m_changed.receivers)  # the signals and the delete together
        run_sync("remove", lambda: self._remove(objs), self._alias, atomic=atomic)

    async def aremove(self, *objs: Any) -> None:
        """``remove()`` on the async driver."""
        atomic = bool(m2m_changed.receivers)
        await run_async(lambda: self._remove(objs), self._alias, atomic=atomic)

    def clear(self) -> None:
        """Unlink every object."""
        run_sync("clear", self._clear, self._alias, atomic=bool(m2m_changed.receivers))

    async def aclear(self) -> None:
        """``clear()`` on the async driver."""
        await run_async(self._clear, self._alias, atomic=bool(m2m_changed.receivers))

    def set(
        self,
        objs: Iterable[Any],
        *,
        clear: bool = False,
        through_defaults: dict[str, Any] | None = None,
    ) -> None:
        """Make ``objs`` exactly the linked set (``clear=True``: unlink all, then add)."""
        items = list(objs)
        run_sync("set", lambda: self._set(items, clear, through_defaults), self._alias)

    async def aset(
        self,
        objs: Iterable[Any],
        *,
        clear: bool = False,
        through_defaults: dict[str, Any] | None = None,
    ) -> None:
        """``set()`` on the async driver."""
        items = list(objs)
        await run_async(lambda: self._set(items, clear, through_defaults), self._alias)

    def create(self, *, through_defaults: dict[str, Any] | None = None, **values: Any) -> Any:
        """Create an object and link it."""
        return run_sync("create", lambda: self._create(values, through_defaults), self._alias)

    async def acreate(
        self, *, through_defaults: dict[str, Any] | None = None, **values: Any
    ) -> Any:
        """``create()`` on the async driver."""
        return await run_async(lambda: self._create(values, through_defaults), self._alias)

    def get_or_create(
        self,
        defaults: dict[str, Any] | None = None,
        *,
        through_defaults: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> tuple[Any, bool]:
        """``get_or_create()`` among the linked objects; a created one is linked."""
        return run_sync(
            "get_or_create",
            lambda: self._linked("get_or_create", through_defaults, defaults, **kwargs),
            self._alias,
        )

    async def aget_or_create(
        self,
        defaults: dict[str, Any] | None = None,
        *,
        through_defaults: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> tuple[Any, bool]:
        """``get_or_create()`` on the async driver."""
        return await run_async(
            lambda: self._linked("get_or_create", through_defaults, defaults, **kwargs),
            self._alias,
        )

    def update_or_create(
        self,
        defaults: dict[str, Any] | None = None,
        create_defaults: dict[str, Any] | None = None,
        *,
        through_defaults: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> tuple[Any, bool]:
        """``update_or_create()`` among the linked objects; a created one is linked."""
        return run_sync(
            "update_or_create",
            lambda: self._linked(
                "update_or_create", through_defaults, defaults, create_defaults, **kwargs
            ),
            self._alias,
        )

    async def aupdate_or_create(
        self,
        defaults: dict[str, Any] | None = None,
        create_defaults: dict[str, Any] | None = None,
        *,
        through_defaults: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> tuple[Any, bool]:
        """``update_or_create()`` on the async driver."""
        return await run_async(
            lambda: self._linked(
                "update_or_create", through_defaults, defaults, create_defaults, **kwargs
            ),
            self._alias,
        )

    # -- the operations, written once ----------------------------------------------------------

    def _pks(self, objs: Iterable[Any]) -> list[Any]:
        """Primary keys of ``objs`` (instances of the related model, or pk values)."""
        model = self.model
        assert model is not None
        pks: list[Any] = []
        for obj in objs:
            if isinstance(obj, model):
                if obj.pk is None:
                    raise ValueError(
                        f"Cannot link an unsaved {model.__name__} through {self.name}; "
                        "save it first."
                    )
                pks.append(self.far.to_python(obj.pk))
            elif hasattr(obj, "_meta"):
                raise TypeError(
                    f"'{model.__name__}' instance expected by {self.name}, "
                    f"got {type(obj).__name__}."
                )
            else:
                pks.append(self.far.to_python(obj))
        return list(dict.fromkeys(pks))

    def _add(self, objs: Iterable[Any], defaults: dict[str, Any] | None) -> Operation[None]:
        pks = self._pks(objs)
        forget_prefetched(self.instance, self.name)
        if not pks:
            return
        near, far, me = self.near.attname, self.far.attname, self.near.to_python(self.instance.pk)
        wanted = [(me, pk) for pk in pks]
        if self.symmetrical:
            wanted += [(pk, me) for pk in pks if pk != me]
        existing = set((yield Fetch(self._rows(pks).values_list(near, far))))
        signalled = bool(m2m_changed.receivers)
        if signalled:
            missing = {pk for pk in pks if (me, pk) not in existing}
            yield self._changed("add", "pre_add", missing)
        # One INSERT for the new links, sending no save signals (as in Django).
        links = [
            self.through(**{**(defaults or {}), near: source, far: target})
            for source, target in wanted
            if (source, target) not in existing
        ]
        if links:
            creator = self.through._base_manager.using(self.instance._db)
            yield Call(creator, "bulk_create", links)
        if signalled:
            yield self._changed("add", "post_add", missing)

    def _remove(self, objs: Iterable[Any]) -> Operation[None]:
        pks = self._pks(objs)
        forget_prefetched(self.instance, self.name)
        if pks:
            signalled = bool(m2m_changed.receivers)
            if signalled:
                yield self._changed("remove", "pre_remove", set(pks))
            yield Call(self._rows(pks), "delete")
            if signalled:
                yield self._changed("remove", "post_remove", set(pks))

    def _clear(self) -> Operation[None]:
        forget_prefetched(self.instance, self.name)
        signalled = bool(m2m_changed.receivers)
        if signalled:
            yield self._changed("clear", "pre_clear", None)
        yield Call(self._rows(None), "delete")
        if signalled:
            yield self._changed("clear", "post_clear", None)

    def _changed(self, method: str, action: str, pk_set: AbstractSet[Any] | None) -> Call:
        """The ``m2m_changed`` request of ``action`` (sent by the sync or async driver)."""
        dispatch = Dispatch(
            m2m_changed, f"{method}() of '{self.name}'", f"a{method}() of '{self.name}'"
        )
        return Call(
            dispatch,
            "send",
            self.through,
            action=action,
            instance=self.instance,
            reverse=self.is_reverse,
            model=self.model,
            pk_set=pk_set,
            using=self._alias,
        )

    def _set(
        self, objs: list[Any], clear: bool, defaults: dict[str, Any] | None
    ) -> Operation[None]:
        if clear:
            yield from self._clear()
            yield from self._add(objs, defaults)
            return
        wanted = self._pks(objs)
        far = self.far.attname
        current = set((yield Fetch(self._links().values_list(far, flat=True))))
        stale = [pk for pk in current if pk not in set(wanted)]
        if stale:
            yield from self._remove(stale)
        yield from self._add([pk for pk in wanted if pk not in current], defaults)

    def _create(self, values: dict[str, Any], defaults: dict[str, Any] | None) -> Operation[Any]:
        assert self.model is not None
        qs = self.model._default_manager.get_queryset().using(self.instance._db)
        obj = yield Call(qs, "create", **values)
        yield from self._add([obj], defaults)
        return obj

    def _linked(
        self, method: str, defaults: dict[str, Any] | None, *args: Any, **kwargs: Any
    ) -> Operation[tuple[Any, bool]]:
        """``get_or_create()``/``update_or_create()`` (``method``) among the linked
        objects, linking the object when it is created (as in Django)."""
        obj, created = yield Call(self._base_queryset(), method, *args, **kwargs)
        if created:
            yield from self._add([obj], defaults)
        return obj, created


class ManyToManyDescriptor:
    """``post.tags`` / ``tag.posts``: a ``ManyRelatedManager`` for the instance."""

    def __init__(self, field: ManyToManyField, reverse: bool) -> None:
        self.field = field
        self.reverse = reverse

    def __get__(self, instance: Model | None, owner: type[Any]) -> Any:
        if instance is None:
            return self if self.reverse else self.field
        if instance.pk is None:
            raise ValueError(
                f"{type(instance).__name__} needs a primary key value before "
                f"'{self.field.accessor_name(self.reverse)}' can be used."
            )
        return ManyRelatedManager(self.field, instance, self.reverse)

    def __set__(self, instance: Model, value: Any) -> None:
        name = self.field.accessor_name(self.reverse)
        raise TypeError(
            f"Direct assignment to a many-to-many set is not allowed; use {name}.set() instead."
        )
