"""Resolve ``author__name__icontains``-style paths into columns, joins and lookups.

Joins are keyed by their relation path, so two conditions on ``author__...`` share one
join; the multi-valued hops of a later ``filter()`` call (a ``JoinScope``) are keyed apart
(``tags#1``), as Django joins them again. A forward foreign key that cannot be NULL is an
INNER JOIN (as long as everything before it is); nullable and reverse relations are LEFT
OUTER JOINs. A ``FilteredRelation`` alias (``filtered``) is one LEFT OUTER JOIN keyed by the
alias alone (``("recent",)``), whatever relation path it follows; paths continue from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from heron.db.fields.special import JSON
from heron.db.models.exceptions import FieldError
from heron.db.query.jsonlookups import resolve_key
from heron.db.query.lookups import TRANSFORMS, TRANSFORMS_OF, is_lookup, kind_of_field

if TYPE_CHECKING:
    from heron.db.fields.base import Field
    from heron.db.models.base import Model

__all__ = [
    "Join",
    "Joins",
    "Resolved",
    "apply_transforms",
    "is_multi_valued",
    "relation_named",
    "uses_multi_valued",
]


@dataclass
class Join:
    """One joined table: its alias, model and how it hangs off its parent.

    ``chain`` holds the joins INNER JOINed to this one inside its own (outer) join,
    ``LEFT JOIN (a JOIN b ON ...) ON ...``; each of them is ``nested``: joined there only.
    """

    alias: Any
    model: type[Model]
    onclause: Any
    outer: bool
    parent: tuple[str, ...]
    chain: list[Join] | None = None
    nested: bool = False


@dataclass
class Resolved:
    """A path resolved to the column expression, its field, and the trailing transforms/lookup.

    ``multi`` is true when the path crosses a relation with many rows per row (a reverse
    foreign key, a many-to-many).
    """

    column: Any
    field: Field
    transforms: list[str]
    lookup: str
    path: tuple[str, ...] = ()
    model: type[Model] | None = None
    multi: bool = False


@dataclass
class Joins:
    """The FROM clause of one query: the base table plus joins keyed by relation path."""

    model: type[Model]
    joins: dict[tuple[str, ...], Join] = field(default_factory=dict)
    #: The ``JoinScope`` being resolved (0: none): its multi-valued hops get joins of their own.
    scope: int = 0
    #: The query's ``FilteredRelation`` aliases (``filtered.FilteredJoin`` by name), if any.
    filtered: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        self.base = self.model._meta.table

    def table_for(self, path: tuple[str, ...]) -> tuple[Any, type[Model]]:
        """The table (or alias) and model at ``path`` (``()`` is the base table)."""
        if not path:
            return self.base, self.model
        join = self.joins[path]
        return join.alias, join.model

    def _outer_at(self, path: tuple[str, ...]) -> bool:
        return bool(path) and self.joins[path].outer

    def join_forward(self, path: tuple[str, ...], fk: Any) -> tuple[Any, type[Model]]:
        """Join the target of the foreign key ``fk`` reached at ``path``."""
        existing = self.joins.get(path)
        if existing is not None:
            return existing.alias, existing.model
        parent_table, _ = self.table_for(path[:-1])
        remote = fk.remote_model
        alias = remote._meta.table.alias(f"T{len(self.joins) + 1}")
        onclause = parent_table.c[fk.attname] == alias.c[fk.target_field.attname]
        outer = fk.null or self._outer_at(path[:-1])
        self.joins[path] = Join(alias, remote, onclause, outer, path[:-1])
        return alias, remote

    def join_reverse(self, path: tuple[str, ...], rel: Any) -> tuple[Any, type[Model]]:
        """Join the rows of ``rel.model`` whose foreign key ``rel`` points at the parent."""
        existing = self.joins.get(path)
        if existing is not None:
            return existing.alias, existing.model
        parent_table, _ = self.table_for(path[:-1])
        alias = rel.model._meta.table.alias(f"T{len(self.joins) + 1}")
        onclause = alias.c[rel.attname] == parent_table.c[rel.target_field.attname]
        self.joins[path] = Join(alias, rel.model, onclause, True, path[:-1])
        return alias, rel.model

    def join_custom(
        self, path: tuple[str, ...], model: type[Model], make: Any
    ) -> tuple[Any, type[Model]]:
        """Join through a relation that builds its own ON clause (``make(parent, number)``).

        ``make`` returns ``(alias, onclause)``; a relation needing two tables (a
        many-to-many through its link table) calls ``join_custom`` for each.
        """
        existing = self.joins.get(path)
        if existing is not None:
            return existing.alias, existing.model
        parent_table, _ = self.table_for(path[:-1])
        alias, onclause = make(parent_table, len(self.joins) + 1)
        self.joins[path] = Join(alias, model, onclause, True, path[:-1])
        return alias, model

    def from_clause(self) -> Any:
        """The base table joined with every alias, in the order they were added."""
        clause: Any = self.base
        for join in self.joins.values():
            if join.nested:
                continue
            target = join.alias
            for inner in join.chain or ():
                target = target.join(inner.alias, inner.onclause)
            clause = (
                clause.outerjoin(target, join.onclause)
                if join.outer
                else clause.join(target, join.onclause)
            )
        return clause

    def nullable(self, resolved: Resolved) -> bool:
        """True when the resolved column may be NULL (nullable field or outer join)."""
        if resolved.field.null:
            return True
        for i in range(1, len(resolved.path) + 1):
            join = self.joins.get(resolved.path[:i])
            if join is None or join.outer:
                return True
        return False

    # -- paths ------------------------------------------------------------------------------

    def resolve(self, key: str, *, allow_lookup: bool = True) -> Resolved:
        """Resolve ``a__b__c[__transform][__lookup]`` from the base model."""
        parts = key.split("__")
        table, model = self.base, self.model
        path: tuple[str, ...] = ()
        multi = False
        i = 0
        while i < len(parts):
            name = parts[i]
            meta = model._meta
            rest = parts[i + 1 :]
            field_ = meta.fields_map.get(name) if name != "pk" else meta.pk
            if field_ is not None and not field_.many_to_many:
                target: Any = getattr(field_, "remote_model", None)
                if target is not None and not _ends(rest, target):
                    tail = rest[1:]
                    if rest[0] in ("pk", target._meta.pk.name) and _ends(tail, None):
                        # author__id=1 compares the foreign key column, no join needed.
                        return self._tail(
                            table.c[field_.attname], field_, tail, allow_lookup, path, model, multi
                        )
                    path = (*path, name)
                    table, model = self.join_forward(path, field_)
                    i += 1
                    continue
                return self._tail(
                    table.c[field_.attname], field_, rest, allow_lookup, path, model, multi
                )
            rel = meta.reverse_relation(name)
            relation = field_ if field_ is not None else rel
            if relation is None:
                filtered = self.filtered.get(name) if self.filtered and not path else None
                if filtered is None:
                    raise FieldError(
                        f"Cannot resolve '{name}' into a field of {meta.object_name}. "
                        f"Choices are: {', '.join(sorted(self._choices(meta)))}."
                    )
                multi = filtered.multi
                path = (name,)
                table, model = filtered.join(self)
            else:
                reverse = rel is not None and field_ is None
                hop = name
                if is_multi_valued(relation, reverse):
                    multi = True
                    if self.scope:
                        hop = f"{name}#{self.scope}"
                path = (*path, hop)
                table, model = self.join_relation(path, relation, reverse)
            if _ends(rest, model):
                pk = model._meta.pk
                return self._tail(table.c[pk.attname], pk, rest, allow_lookup, path, model, multi)
            i += 1
        raise FieldError(f"'{key}' does not name a field.")

    def _choices(self, meta: Any) -> list[str]:
        """The names a path of the base model may start with (for error messages)."""
        return [*meta.query_names(), *(self.filtered or ())]

    def multi_valued(self, key: str) -> bool:
        """Whether ``key`` crosses a reverse foreign key or a many-to-many (resolved apart,
        adding no join to this query)."""
        head, _, rest = key.partition("__")
        filtered = self.filtered.get(head) if self.filtered else None
        if filtered is None:
            return Joins(self.model).resolve(key).multi
        return bool(filtered.multi or _crosses_multi(filtered.model, rest))

    def join_relation(
        self, path: tuple[str, ...], relation: Any, reverse: bool
    ) -> tuple[Any, type[Model]]:
        """Join ``relation`` (``reverse``: from its target's side) at ``path``."""
        joiner = getattr(relation, "join_for_query", None)
        if joiner is not None:
            result: tuple[Any, type[Model]] = joiner(self, path, reverse)
            return result
        if reverse:
            return self.join_reverse(path, relation)
        return self.join_forward(path, relation)

    @staticmethod
    def _tail(
        column: Any,
        field_: Field,
        rest: list[str],
        allow_lookup: bool,
        path: tuple[str, ...],
        model: type[Model],
        multi: bool,
    ) -> Resolved:
        if rest and isinstance(field_, JSON):  # key paths: data__owner__name
            keyed = resolve_key(column, field_, rest, allow_lookup)
            if keyed is not None:
                return Resolved(keyed[0], keyed[1], [], keyed[2], path, model, multi)
        transforms: list[str] = []
        lookup = "exact"
        kind = kind_of_field(field_)
        for j, part in enumerate(rest):
            # Transforms the value's kind has (``published__date__year``: date, then year).
            if part in TRANSFORMS_OF.get(kind, ()):
                transforms.append(part)
                kind = "date" if part == "date" else None
            elif is_lookup(part) and j == len(rest) - 1 and allow_lookup:
                lookup = part
            else:
                raise FieldError(
                    f"Unsupported lookup '{part}' for {type(field_).__name__} '{field_.name}'."
                )
        return Resolved(column, field_, transforms, lookup, path, model, multi)


def is_multi_valued(relation: Any, reverse: bool) -> bool:
    """Whether ``relation`` (``reverse``: followed from its target) has many rows per row."""
    return bool(relation.many_to_many or (reverse and not getattr(relation, "one_to_one", False)))


def relation_named(model: type[Model], name: str) -> tuple[Any, bool] | None:
    """The relation ``name`` of ``model`` and whether it is followed in reverse (None when
    ``name`` is no relation)."""
    meta = model._meta
    field_ = meta.fields_map.get(name)
    if field_ is not None:
        return (field_, False) if field_.is_relation else None
    rel = meta.reverse_relation(name)
    return None if rel is None else (rel, True)


def _ends(rest: list[str], model: type[Model] | None) -> bool:
    """True when ``rest`` (what follows a relation) holds only transforms and a lookup. A
    field of the related ``model`` wins over a transform or lookup of the same name
    (``book__day`` is the book's ``day`` field), as in Django."""
    if not rest:
        return True
    name = rest[0]
    if not (is_lookup(name) or name in TRANSFORMS):
        return False
    return model is None or (
        name not in model._meta.fields_map and model._meta.reverse_relation(name) is None
    )


def apply_transforms(column: Any, transforms: list[str], vendor: str) -> Any:
    """Wrap ``column`` in the transforms (``year``, ``date`` …) in order."""
    for name in transforms:
        column = TRANSFORMS[name](column, vendor)
    return column


def uses_multi_valued(model: type[Model], nodes: Any) -> bool:
    """Whether any condition in ``nodes`` crosses a reverse foreign key or a many-to-many."""
    fields_map = model._meta.fields_map
    for node in nodes:
        if node.__class__ is tuple:
            keys: Any = (node[0],)
        elif hasattr(node, "leaves"):
            keys = (key for key, _ in node.leaves())
        else:
            continue  # Exists(): its relations are its own query's
        for key in keys:
            local = fields_map.get(key.partition("__")[0])
            if local is not None and not local.is_relation:
                continue
            if _crosses_multi(model, key):
                return True
    return False


@lru_cache(maxsize=4096)
def _crosses_multi(model: type[Model], key: str) -> bool:
    try:
        return Joins(model).resolve(key).multi
    except FieldError:  # an annotation's name, resolved elsewhere
        return False
