"""The lazy half of ``QuerySet``: every method returns a new QuerySet and runs nothing.

A QuerySet is immutable once handed out: each chaining call copies its attributes (cheap:
they hold tuples, frozensets and small dicts that are replaced, never mutated).
"""

from __future__ import annotations

from asyncio import _get_running_loop
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from heron.db.errors import AsyncContextError
from heron.db.query.expressions import (
    HIDDEN,
    Combinable,
    F,
    JoinScope,
    OrderBy,
    Q,
    is_hidden,
    materialised,
    refuse_filtered,
)
from heron.db.query.paths import uses_multi_valued

if TYPE_CHECKING:
    from heron.db.models.base import Model

__all__ = ["ChainableQuerySet"]

M = TypeVar("M", bound="Model")


class ChainableQuerySet(Generic[M]):
    """Filters, ordering, slicing and the shape of the rows; see ``QuerySet``."""

    # No __slots__: a QuerySet is copied on every chaining call, and copying its __dict__
    # is one C-level operation where copying 21 slots is 42 attribute calls.
    _result_cache: list[Any] | None

    def __init__(self, model: type[M], using: str | None = None) -> None:
        self.model = model
        self._db = using
        self._where: tuple[Any, ...] = ()
        self._order: tuple[Any, ...] | None = None
        # reverse() of an unordered QuerySet: first()/last() fall back to "-pk" (Django).
        self._reversed = False
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
        # Replaced, never mutated, like every other attribute: clones share them safely.
        self._annotations: dict[str, Any] = {}
        self._group_by: tuple[str, ...] | None = None
        self._having: tuple[Any, ...] = ()
        self._for_update: dict[str, Any] | None = None
        self._none = False
        # True while nothing but using() was applied: get(pk=...) may take the fast path.
        self._plain = True
        self._result_cache = None

    def _clone(self) -> Any:
        new = object.__new__(type(self))
        data = self.__dict__.copy()
        data["_result_cache"] = None
        data["_plain"] = False
        new.__dict__ = data
        return new

    # -- chaining -----------------------------------------------------------------------------

    def all(self) -> Any:
        """A copy of this QuerySet (its results are fetched again)."""
        qs = self._clone()
        qs._plain = self._plain
        return qs

    def none(self) -> Any:
        """A QuerySet that matches nothing and never queries."""
        qs = self._clone()
        qs._none = True
        return qs

    def using(self, alias: str | None) -> Any:
        """Run against the database ``alias`` (see ``DATABASES``)."""
        qs = self._clone()
        qs._db = alias
        qs._plain = self._plain
        return qs

    def filter(self, *args: Q, **kwargs: Any) -> Any:
        """Rows matching every condition (``field__lookup=value``, ``Q`` objects)."""
        return self._filter(args, kwargs, negate=False)

    def exclude(self, *args: Q, **kwargs: Any) -> Any:
        """Rows not matching the conditions (rows where a compared value is NULL stay)."""
        return self._filter(args, kwargs, negate=True)

    def _filter(self, args: Sequence[Q], kwargs: dict[str, Any], negate: bool) -> Any:
        self._check_unsliced("filter")
        for arg in args:
            if not isinstance(arg, Q) and not getattr(arg, "conditional", False):
                raise TypeError(
                    f"filter() takes Q objects, Exists() and keyword arguments, not {arg!r}."
                )
        qs = self._clone()
        if negate:
            nodes: tuple[Any, ...] = (~Q(*args, **kwargs),)
        elif not args and len(kwargs) == 1:
            ((key, value),) = kwargs.items()
            nodes = ((key, materialised(key, value)),)
        else:
            nodes = (*args, *sorted((k, materialised(k, v)) for k, v in kwargs.items()))
        if self._annotations and self._refers_to_aggregate(nodes):
            qs._having = (*self._having, *nodes)
        else:
            qs._where = (*self._where, *(nodes if negate else self._scoped(nodes)))
        return qs

    def _scoped(self, nodes: tuple[Any, ...]) -> tuple[Any, ...]:
        """``nodes`` in a ``JoinScope`` when they and an earlier ``filter()`` both cross a
        multi-valued relation: each call's conditions then match their own related rows."""
        if not self._where or not uses_multi_valued(self.model, nodes):
            return nodes
        if not uses_multi_valued(self.model, self._where):
            return nodes
        scope = 1 + sum(isinstance(node, JoinScope) for node in self._where)
        return (JoinScope(*nodes, scope=scope),)

    def _refers_to_aggregate(self, nodes: Sequence[Any]) -> bool:
        from heron.db.query.aggregates import contains_aggregate

        for node in nodes:
            if not isinstance(node, (Q, tuple)):
                continue  # Exists(): its aggregates are its own
            leaves = node.leaves() if isinstance(node, Q) else [node]
            for key, _ in leaves:
                expr = self._annotations.get(key.partition("__")[0])
                if expr is not None and contains_aggregate(expr, self._annotations):
                    return True
        return False

    def order_by(self, *fields: str | Combinable | OrderBy) -> Any:
        """Order by fields (``"-created"`` descending, ``"author__name"``, ``"?"`` random)
        or expressions (``Lower("name").desc()``); no argument clears any ordering, the
        model's default included."""
        self._check_unsliced("reorder")
        order: list[Any] = []
        hidden: dict[str, Any] = {}
        for term in fields:
            expression, descending, nulls = term, False, None
            if isinstance(term, OrderBy):
                expression, descending, nulls = term.expression, term.descending, term.nulls
            if isinstance(expression, Combinable) and not isinstance(expression, F):
                # An expression is ordered by through an annotation that is never loaded.
                name = f"{HIDDEN}{len(hidden)}"
                hidden[name] = expression
                if nulls is None:
                    order.append(f"-{name}" if descending else name)
                else:
                    order.append(OrderBy(F(name), descending, nulls))
            elif isinstance(term, (str, F, OrderBy)):
                order.append(term)
            else:
                raise TypeError(f"order_by() takes field names or expressions, not {term!r}.")
        qs = self._clone()
        qs._order = tuple(order)
        if self._annotations and any(is_hidden(name) for name in self._annotations):
            qs._annotations = {k: v for k, v in self._annotations.items() if not is_hidden(k)}
        if hidden:
            from heron.db.query.aggregates import annotate

            qs = annotate(qs, hidden, selected=False)
        return qs

    def reverse(self) -> Any:
        """The same rows in the opposite order (unordered: ``first()`` is the last by pk)."""
        self._check_unsliced("reverse")
        qs = self._clone()
        order = self._effective_order()
        qs._order = tuple(_flip(term) for term in order)
        if not order:
            qs._reversed = not self._reversed
        return qs

    def distinct(self, *fields: str) -> Any:
        """Drop duplicate rows (``DISTINCT ON (fields)`` on PostgreSQL when fields are given)."""
        self._check_unsliced("create distinct fields")
        qs = self._clone()
        qs._distinct = True
        qs._distinct_fields = tuple(fields)
        return qs

    def select_related(self, *paths: str | None) -> Any:
        """Load these relations (foreign keys, one-to-ones both ways: ``"author"``,
        ``"author__profile"``) with JOINs in the same query; no argument follows every
        non-null foreign key; ``None`` clears."""
        qs = self._clone()
        if paths == (None,):
            qs._related = ()
            return qs
        names = [p for p in paths if p is not None] or _non_null_paths(self.model)
        qs._related = (*self._related, *(p for p in names if p not in self._related))
        return qs

    def prefetch_related(self, *lookups: Any) -> Any:
        """Load these relations with one extra query each (``IN (...)``) after the main one:
        reverse foreign keys, many-to-many, foreign keys, or ``Prefetch(...)``; ``None``
        clears."""
        qs = self._clone()
        if lookups == (None,):
            qs._prefetch = ()
        else:
            qs._prefetch = (*self._prefetch, *lookups)
        return qs

    def only(self, *fields: str) -> Any:
        """Load only these fields now (the pk always); the others load on first access."""
        if self._iterable != "model":
            raise TypeError("Cannot call only() after values() or values_list().")
        qs = self._clone()
        qs._only = frozenset(fields)
        qs._defer = frozenset()
        return qs

    def defer(self, *fields: str | None) -> Any:
        """Leave these fields out of the query; they load on first access. ``defer(None)``
        clears."""
        if self._iterable != "model":
            raise TypeError("Cannot call defer() after values() or values_list().")
        qs = self._clone()
        if fields and fields[0] is None:
            qs._defer = frozenset()
        else:
            qs._defer = self._defer | frozenset(f for f in fields if f is not None)
        return qs

    def values(self, *fields: str, **expressions: Any) -> Any:
        """Rows as dicts of the given fields (all concrete fields when none)."""
        qs = self._values(fields, expressions)
        qs._iterable = "dict"
        return qs

    def values_list(self, *fields: Any, flat: bool = False, named: bool = False) -> Any:
        """Rows as tuples (``flat=True`` with one field: the values themselves;
        ``named=True``: named tuples). A field is a name or an expression
        (``values_list("id", Lower("title"))``), named after its class and position
        (``lower2``) or its default alias (``Count("books")`` → ``books__count``)."""
        if flat and named:
            raise TypeError("'flat' and 'named' can't be used together.")
        if flat and len(fields) > 1:
            raise TypeError("values_list(flat=True) takes exactly one field.")
        names, expressions = _name_positional(self.model, fields)
        qs = self._values(names, expressions)
        if flat and not fields:
            qs._fields = (self.model._meta.pk.attname,)
        qs._iterable = "flat" if flat else "named" if named else "tuple"
        return qs

    def _values(self, fields: Sequence[str], expressions: dict[str, Any]) -> Any:
        qs = self._clone()
        if expressions:
            from heron.db.query.aggregates import annotate

            for value in expressions.values():
                refuse_filtered(value, "values()")
            qs = annotate(qs, dict(expressions))
            qs._iterable = "dict"
        names = tuple(fields) + tuple(name for name in expressions if name not in fields)
        qs._fields = names or None
        qs._related = ()
        return qs

    def annotate(self, *args: Any, **expressions: Any) -> Any:
        """Add computed values (``Count("books")``, ``F("a") + F("b")``) to each row; with
        an aggregate, rows are grouped by the instance (or by the ``values()`` fields)."""
        from heron.db.query.aggregates import annotate, named

        return annotate(self, named(args, expressions, "annotate"))  # type: ignore[arg-type]

    def alias(self, **expressions: Any) -> Any:
        """Like ``annotate()`` for use in filters/ordering (the value is also loaded)."""
        return self.annotate(**expressions)

    def select_for_update(
        self, *, nowait: bool = False, skip_locked: bool = False, of: Sequence[str] = ()
    ) -> Any:
        """Lock the selected rows until the transaction ends (``SELECT ... FOR UPDATE``;
        SQLite locks the whole database for writing instead). ``of=("self", "author")``
        locks only those tables' rows (PostgreSQL)."""
        if nowait and skip_locked:
            raise ValueError("The nowait option cannot be used with skip_locked.")
        qs = self._clone()
        qs._for_update = {"nowait": nowait, "skip_locked": skip_locked}
        if of:
            qs._for_update["of"] = tuple(of)
        return qs

    def union(self, *others: Any, all: bool = False) -> Any:
        """The rows of this QuerySet and ``others`` (``UNION``; ``all=True`` keeps
        duplicates). The result can be ordered, sliced, counted, not filtered."""
        from heron.db.query.combine import union

        return union(self, others, all)

    def intersection(self, *others: Any) -> Any:
        """The rows found in this QuerySet and in every one of ``others`` (``INTERSECT``)."""
        from heron.db.query.combine import combine

        return combine(self, "intersection", others)

    def difference(self, *others: Any) -> Any:
        """The rows of this QuerySet found in none of ``others`` (``EXCEPT``)."""
        from heron.db.query.combine import combine

        return combine(self, "difference", others)

    def dates(self, field_name: str, kind: str, order: str = "ASC") -> Any:
        """The distinct dates of ``field_name`` cut to the ``kind`` ("year", "month",
        "week", "day"), in UTC, as a flat QuerySet of ``datetime.date``."""
        from heron.db.query.datelists import date_list

        return date_list(self, field_name, kind, order, to_date=True)

    def datetimes(self, field_name: str, kind: str, order: str = "ASC") -> Any:
        """Like ``dates()`` for a date-time field, down to "hour", "minute" or "second":
        aware ``datetime`` values in UTC."""
        from heron.db.query.datelists import date_list

        return date_list(self, field_name, kind, order, to_date=False)

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
        if _get_running_loop() is not None:
            raise AsyncContextError(f"qs[{key}]", f"`(await qs[{key}:{key + 1}])[0]`")
        qs = self._clone()
        qs._set_limits(key, key + 1)
        results = qs._fetch_all()
        if not results:
            raise IndexError("QuerySet index out of range")
        return results[0]

    def _fetch_all(self) -> list[Any]:
        raise NotImplementedError

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
            raise TypeError(f"Cannot {action} a QuerySet once a slice has been taken.")

    def _effective_order(self) -> tuple[Any, ...]:
        if self._order is not None:
            return self._order
        if self._group_by is not None and self._iterable != "model":
            return ()  # GROUP BY of values(): the model's ordering would split the groups
        return tuple(self.model._meta.ordering)

    @property
    def ordered(self) -> bool:
        """True when the rows come in a defined order."""
        return bool(self._effective_order())

    @property
    def db(self) -> str:
        """The database alias this QuerySet runs on."""
        return self._db or "default"


def _flip(term: Any) -> Any:
    if isinstance(term, OrderBy):
        return term.reversed()
    if isinstance(term, F):
        return OrderBy(term, True)
    if term == "?":
        return term
    return term[1:] if term.startswith("-") else f"-{term.lstrip('+')}"


def _non_null_paths(model: type[Model], prefix: str = "", depth: int = 0) -> list[str]:
    """``select_related()`` without arguments: every non-null foreign key, recursively."""
    paths: list[str] = []
    if depth >= 5:
        return paths
    for field in model._meta.fields:
        if field.is_relation and not field.null and not field.many_to_many:
            path = prefix + field.name
            paths.append(path)
            remote = field.remote_model  # type: ignore[attr-defined]
            if remote is not model:
                paths.extend(_non_null_paths(remote, path + "__", depth + 1))
    return paths


def _name_positional(model: Any, fields: Sequence[Any]) -> tuple[list[str], dict[str, Any]]:
    """``values_list()``'s fields as names, the expressions among them named in place."""
    names: list[str] = []
    expressions: dict[str, Any] = {}
    taken = {name for name in fields if isinstance(name, str)} | set(model._meta.fields_map)
    for position, field in enumerate(fields, start=1):
        if isinstance(field, str):
            names.append(field)
            continue
        alias = getattr(field, "default_alias", None)
        name = alias() if callable(alias) else f"{type(field).__name__.lower()}{position}"
        while name in taken:
            name = f"{name}_"
        taken.add(name)
        expressions[name] = field
        names.append(name)
    return names, expressions
