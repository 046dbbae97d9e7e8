"""``FilteredRelation`` in a query: the aliased LEFT OUTER JOIN carrying its condition.

``annotate(recent=FilteredRelation("reviews", condition=Q(...)))`` puts the relation in
``QuerySet._annotations`` (first among them, so the others may name it); building a
statement registers a ``FilteredJoin`` per alias on the query's ``Joins``, which joins it
the first time a path names the alias (never when none does: an unused alias adds no rows).

The alias's tables are its own, never shared with other paths. A path of several tables
(a many-to-many's link and target, ``author__books``) is one LEFT OUTER JOIN of their
INNER JOIN, ``LEFT JOIN (link JOIN tag ON ...) ON ... AND condition``, so a row either
finds matching related rows or gets one row of NULLs. The condition is in the outer ON
clause, where both the related tables and the queried model's columns are visible.

The condition's values are collected where the alias sits among the annotations, so they
are bound there: registering builds the condition once, into a scratch ``Joins``, to take
its parameters in that order; every later build (the join itself, an ``exclude()``
subquery) binds the same parameters again (``ReplayBinder``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from heron.db.models.exceptions import FieldError
from heron.db.query.compiler import Binder, WhereBuilder
from heron.db.query.expressions import Combined, F, FilteredRelation, Q
from heron.db.query.paths import Joins, is_multi_valued, relation_named

if TYPE_CHECKING:
    from heron.db.models.base import Model
    from heron.db.query.queryset import QuerySet

__all__ = ["FilteredJoin", "check_alias", "filtered_first", "register"]


class ReplayBinder(Binder):
    """Binds the parameters ``p<start>, p<start+1> …``: new ones (appended to the query's
    binder) the first time, the same ones when the condition is built again."""

    __slots__ = ("next",)

    def __init__(self, binder: Binder, start: int) -> None:
        self.preps = binder.preps  # shared: the first build appends to the query's list
        self.next = start

    def bind(self, prep: Any = None, type_: Any = None) -> Any:
        index = self.next
        self.next += 1
        if index == len(self.preps):
            self.preps.append(prep)
        name = f"p{index}"
        return sa.bindparam(name, type_=type_) if type_ is not None else sa.bindparam(name)


class OnClauseBuilder(WhereBuilder):
    """Builds a condition for an ON clause: a negated condition on the joined row is a
    plain NOT (no ``pk IN (subquery)``, which is about the whole relation)."""

    def across_many(self, key: str) -> bool:
        return False


@dataclass
class FilteredJoin:
    """The alias ``name`` in one statement being built: its relation's target ``model``,
    whether it is ``multi``-valued, and where its condition binds (``binder``, ``start``)."""

    name: str
    relation: FilteredRelation
    model: type[Model]  # the relation's target
    multi: bool
    binder: Binder
    start: int  # the index of the condition's first parameter
    vendor: str

    def join(self, joins: Joins) -> tuple[Any, type[Model]]:
        """The joined alias and model (joined on first use), keyed ``(name,)`` in ``joins``."""
        existing = joins.joins.get((self.name,))
        if existing is not None:
            return existing.alias, existing.model
        enclosing, joins.scope = joins.scope, 0  # the relation's hops are never scoped
        try:
            return self._join(joins)
        finally:
            joins.scope = enclosing

    def _join(self, joins: Joins) -> tuple[Any, type[Model]]:
        hops, _ = _hops(joins.model, self.relation.relation_name)
        first = len(joins.joins)
        path: tuple[str, ...] = ()
        for number, (_, relation, reverse) in enumerate(hops):
            # Keys of the alias's own: its hops are never shared with other paths.
            path = (*path, self.name if number == len(hops) - 1 else f"{self.name}+{number}")
            alias, model = joins.join_relation(path, relation, reverse)
        last = joins.joins.pop(path)  # keyed by the alias alone: paths go on from it
        joins.joins[(self.name,)] = last
        chain = list(joins.joins.values())[first:]
        for join in chain:
            join.outer = True  # NULL where nothing matches
        if len(chain) > 1:  # LEFT JOIN (link JOIN target) ON ... condition: a row or NULLs
            chain[0].chain = chain[1:]
            for join in chain[1:]:
                join.nested = True
        condition = self.relation.condition
        if condition:
            count = len(joins.joins)
            builder = OnClauseBuilder(joins, ReplayBinder(self.binder, self.start), self.vendor)
            clause = builder.build([_renamed(condition, self.relation.relation_name, self.name)])
            if len(joins.joins) != count:
                raise FieldError(
                    f"FilteredRelation('{self.relation.relation_name}') condition "
                    f"{condition!r} reaches beyond the relation: it may read the relation's own "
                    "fields and plain fields of the queried model only."
                )
            chain[0].onclause = sa.and_(chain[0].onclause, clause)  # the outer join's ON
        return alias, model


def _hops(
    model: type[Model], relation_name: str
) -> tuple[list[tuple[str, Any, bool]], type[Model]]:
    """The relations of ``relation_name`` from ``model`` (name, relation, reverse each) and
    the model it reaches."""
    hops = []
    for name in relation_name.split("__"):
        found = relation_named(model, name)
        if found is None:
            raise FieldError(
                f"FilteredRelation('{relation_name}'): '{name}' is not a relation of "
                f"{model._meta.object_name}."
            )
        relation, reverse = found
        hops.append((name, relation, reverse))
        model = relation.model if reverse else relation.remote_model
    return hops, model


def _renamed(condition: Q, relation_name: str, alias: str) -> Q:
    """``condition`` with the paths through ``relation_name`` starting at ``alias`` instead
    (its children stay in order: their values are bound in that order)."""
    prefix = f"{relation_name}__"

    def key(name: str) -> str:
        if name == relation_name:
            return alias
        return f"{alias}__{name[len(prefix) :]}" if name.startswith(prefix) else name

    def value(expr: Any) -> Any:
        if isinstance(expr, F):
            return F(key(expr.name))
        if isinstance(expr, Combined):
            return Combined(value(expr.lhs), expr.op, value(expr.rhs))
        return expr

    copy = condition._copy()
    copy.children = [
        _renamed(child, relation_name, alias)
        if isinstance(child, Q)
        else (key(child[0]), value(child[1]))
        if isinstance(child, tuple)
        else child
        for child in condition.children
    ]
    return copy


def _entry(
    model: type[Model], name: str, relation: FilteredRelation, binder: Binder, vendor: str
) -> FilteredJoin:
    hops, target = _hops(model, relation.relation_name)
    multi = any(is_multi_valued(rel, reverse) for _, rel, reverse in hops)
    return FilteredJoin(name, relation, target, multi, binder, len(binder.preps), vendor)


def register(joins: Joins, name: str, relation: FilteredRelation, where: WhereBuilder) -> None:
    """Make the alias ``name`` known to ``joins``, binding its condition's parameters now."""
    entry = _entry(joins.model, name, relation, where.binder, where.vendor)
    if joins.filtered is None:
        joins.filtered = {}
    joins.filtered[name] = entry
    entry.join(Joins(joins.model, filtered=joins.filtered))  # scratch: binds, joins nothing


def check_alias(qs: QuerySet[Any], name: str, relation: FilteredRelation) -> None:
    """Refuse a bad alias or relation at ``annotate()`` time, with a clear message."""
    meta = qs.model._meta
    if "__" in name:
        raise ValueError(f"The FilteredRelation alias '{name}' can't contain '__'.")
    if name in meta.fields_map or meta.reverse_relation(name) is not None:
        raise ValueError(
            f"The FilteredRelation alias '{name}' conflicts with a field of "
            f"{meta.object_name}; choose another name."
        )
    scratch = Joins(qs.model, filtered={})  # a dry run: the vendor only shapes the SQL
    register(scratch, name, relation, WhereBuilder(scratch, Binder(), "sqlite"))


def filtered_first(annotations: dict[str, Any]) -> dict[str, Any]:
    """``annotations`` with the FilteredRelation aliases first (others keep their order)."""
    aliases = {k: v for k, v in annotations.items() if isinstance(v, FilteredRelation)}
    if not aliases:
        return annotations
    return {**aliases, **annotations}
