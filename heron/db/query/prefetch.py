"""``prefetch_related``: load a relation of many instances with one ``IN (...)`` query.

``prefetch_related("books", "books__tags", Prefetch("author", queryset=...))`` runs the
main query, then one query per relation level: forward foreign keys (``pk IN``),
reverse foreign keys (``fk IN``) and many-to-many relations (through the field's
``prefetch_queryset``). Results are stored where the accessors look: ``_cache_<name>``
for a foreign key, ``_prefetched[<accessor>]`` for a related manager, or ``to_attr``.

The walk is a generator yielding the QuerySets it needs, so the same code runs on the
sync driver (``prefetch_related_objects``) and the async one
(``aprefetch_related_objects``).
"""

from __future__ import annotations

from asyncio import _get_running_loop
from collections.abc import Generator, Sequence
from typing import TYPE_CHECKING, Any

from heron.db.errors import AsyncContextError

if TYPE_CHECKING:
    from heron.db.models.base import Model
    from heron.db.query.queryset import QuerySet

__all__ = ["Prefetch", "aprefetch_related_objects", "prefetch_related_objects"]

# Values per IN (...) list; more instances than this take several queries.
CHUNK = 8192

Walk = Generator["QuerySet[Any]", list[Any], None]


class Prefetch:
    """A ``prefetch_related`` lookup with its own QuerySet and/or destination attribute.

    ``Prefetch("books", queryset=Book.objects.filter(published=True), to_attr="published")``
    loads only published books and stores them as a list in ``author.published``.
    """

    def __init__(
        self, lookup: str, queryset: QuerySet[Any] | None = None, to_attr: str | None = None
    ) -> None:
        if queryset is not None and (queryset._low or queryset._high is not None):
            raise ValueError("A Prefetch queryset cannot be sliced.")
        if queryset is not None and queryset._iterable != "model":
            raise ValueError("A Prefetch queryset must return model instances, not values().")
        self.lookup = lookup
        self.queryset = queryset
        self.to_attr = to_attr

    @property
    def path(self) -> str:
        """Where the results sit for lookups through this one (``to_attr`` replaces the
        last name)."""
        if self.to_attr is None:
            return self.lookup
        head, _, _ = self.lookup.rpartition("__")
        return f"{head}__{self.to_attr}" if head else self.to_attr

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Prefetch) and other.path == self.path

    def __hash__(self) -> int:
        return hash(self.path)

    def __repr__(self) -> str:
        return f"<Prefetch {self.lookup!r}{f' to {self.to_attr!r}' if self.to_attr else ''}>"


def _normalise(lookups: Sequence[Any]) -> list[Prefetch]:
    """Prefetch objects in order, each level before the lookups through it, once each."""
    result: list[Prefetch] = []
    seen: dict[str, Prefetch] = {}
    for item in lookups:
        prefetch = item if isinstance(item, Prefetch) else Prefetch(str(item))
        parts = prefetch.lookup.split("__")
        for depth in range(1, len(parts)):
            through = "__".join(parts[:depth])
            if through not in seen:
                seen[through] = Prefetch(through)
                result.append(seen[through])
        existing = seen.get(prefetch.path)
        if existing is not None:
            if prefetch.queryset is not None and existing.queryset is not prefetch.queryset:
                raise ValueError(
                    f"'{prefetch.lookup}' lookup was already seen with a different queryset; "
                    "give one of them a to_attr."
                )
            continue
        seen[prefetch.path] = prefetch
        result.append(prefetch)
    return result


def _walk(instances: Sequence[Model], lookups: Sequence[Any]) -> Walk:
    levels: dict[str, list[Model]] = {"": list(instances)}
    for prefetch in _normalise(lookups):
        head, _, name = prefetch.lookup.rpartition("__")
        parents = levels.get(head)
        if parents is None:
            raise ValueError(f"prefetch_related('{prefetch.lookup}'): '{head}' was not loaded.")
        if not parents:
            levels[prefetch.path] = []
            continue
        levels[prefetch.path] = yield from _level(parents, name, prefetch)


def _level(parents: list[Model], name: str, prefetch: Prefetch) -> Generator[Any, Any, list[Any]]:
    model = type(parents[0])
    meta = model._meta
    field = meta.fields_map.get(name)
    if field is not None and field.name == name and field.many_to_many:
        return (yield from _many_to_many(parents, field, False, prefetch))
    if field is not None and field.name == name and field.is_relation:
        return (yield from _forward(parents, field, prefetch))
    for relation in meta.related_many_to_many:
        if relation.reverse_name == name:
            return (yield from _many_to_many(parents, relation, True, prefetch))
    for rel in meta.related_objects:
        if rel.reverse_name == name:
            return (yield from _reverse(parents, rel, prefetch))
    raise AttributeError(
        f"Cannot find '{name}' on {meta.object_name} objects: '{prefetch.lookup}' is not a "
        "valid prefetch_related() lookup."
    )


def _queryset(
    model: type[Model], prefetch: Prefetch, alias: str | None, single: bool = False
) -> QuerySet[Any]:
    """The Prefetch's QuerySet, else the model's default manager's; the base manager's
    for a single related object (as lazy access, and Django, load it)."""
    qs = prefetch.queryset
    if qs is None:
        manager = model._base_manager if single else model._default_manager
        qs = manager.get_queryset()
    return qs.using(qs._db or alias)  # type: ignore[no-any-return]


def _chunks(values: list[Any]) -> list[list[Any]]:
    return [values[i : i + CHUNK] for i in range(0, len(values), CHUNK)]


def _forward(
    parents: list[Model], field: Any, prefetch: Prefetch
) -> Generator[Any, Any, list[Any]]:
    cache = f"_cache_{field.name}"
    attname = field.attname
    target = prefetch.to_attr or cache
    found: dict[Any, Any] = {}
    wanted: list[Any] = []
    for obj in parents:
        data = obj.__dict__
        if cache in data and prefetch.queryset is None:
            loaded = data[cache]
            if loaded is not None:
                found[loaded.pk] = loaded
        elif data.get(attname) is not None:
            wanted.append(data[attname])
    wanted = [v for v in dict.fromkeys(wanted) if v not in found]
    remote = field.remote_model
    for chunk in _chunks(wanted):
        rows = yield _queryset(remote, prefetch, parents[0]._db, True).filter(pk__in=chunk)
        for row in rows:
            found[row.pk] = row
    for obj in parents:
        obj.__dict__[target] = found.get(obj.__dict__.get(attname))
    return list(found.values())


def _reverse(parents: list[Model], rel: Any, prefetch: Prefetch) -> Generator[Any, Any, list[Any]]:
    keys = list(dict.fromkeys(obj.pk for obj in parents if obj.pk is not None))
    groups: dict[Any, list[Any]] = {}
    result: list[Any] = []
    single = rel.one_to_one
    for chunk in _chunks(keys):
        qs = _queryset(rel.model, prefetch, parents[0]._db, single)
        rows = yield qs.filter(**{f"{rel.attname}__in": chunk})
        result.extend(rows)
        for row in rows:
            groups.setdefault(row.__dict__.get(rel.attname), []).append(row)
    back = f"_cache_{rel.name}"
    for obj in parents:
        children = groups.get(obj.pk, [])
        for child in children:
            child.__dict__.setdefault(back, obj)
        _store(obj, rel.reverse_name, prefetch, children, single)
    return result


def _many_to_many(
    parents: list[Model], field: Any, reverse: bool, prefetch: Prefetch
) -> Generator[Any, Any, list[Any]]:
    accessor = field.accessor_name(reverse)
    groups: dict[Any, list[Any]] = {}
    result: list[Any] = []
    for chunk in _chunks(list(dict.fromkeys(obj.pk for obj in parents))):
        instances = [obj for obj in parents if obj.pk in set(chunk)]
        qs, source = field.prefetch_queryset(instances, reverse)
        if prefetch.queryset is not None:
            qs = _merged(prefetch.queryset, qs)
        rows = yield qs
        for row in rows:
            key = row.__dict__.pop(source, None)
            groups.setdefault(key, []).append(row)
            result.append(row)
    for obj in parents:
        _store(obj, accessor, prefetch, groups.get(obj.pk, []))
    return result


def _merged(custom: QuerySet[Any], relation: QuerySet[Any]) -> QuerySet[Any]:
    """The user's Prefetch queryset narrowed by the relation's filter and source annotation."""
    merged = custom._clone()
    merged._where = (*custom._where, *relation._where)
    merged._annotations = {**custom._annotations, **relation._annotations}
    merged._db = custom._db or relation._db
    return merged  # type: ignore[no-any-return]


def _store(
    obj: Model, accessor: str, prefetch: Prefetch, objects: list[Any], single: bool = False
) -> None:
    """Put ``objects`` where the accessor looks, or in ``to_attr`` (a list; for a reverse
    one-to-one, the object or ``None``)."""
    if prefetch.to_attr is not None:
        obj.__dict__[prefetch.to_attr] = (objects[0] if objects else None) if single else objects
    else:
        obj.__dict__.setdefault("_prefetched", {})[accessor] = objects


def prefetch_related_objects(instances: Sequence[Model], *lookups: Any) -> None:
    """Load ``lookups`` onto ``instances`` (which share one model), sync."""
    if _get_running_loop() is not None:
        raise AsyncContextError(
            "prefetch_related_objects()", "`await aprefetch_related_objects(...)`"
        )
    if not instances:
        return
    walk = _walk(instances, lookups)
    try:
        qs = next(walk)
        while True:
            qs = walk.send(list(qs._fetch_all()))
    except StopIteration:
        pass


async def aprefetch_related_objects(instances: Sequence[Model], *lookups: Any) -> None:
    """Load ``lookups`` onto ``instances`` (which share one model), async."""
    if not instances:
        return
    walk = _walk(instances, lookups)
    try:
        qs = next(walk)
        while True:
            qs = walk.send(list(await qs._afetch_all()))
    except StopIteration:
        pass
