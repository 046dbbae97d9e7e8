"""Combined queries: ``union()``, ``intersection()`` and ``difference()`` of QuerySets.

A ``CombinedQuerySet`` holds its parts and runs one compound SELECT. Every part selects
its columns renamed ``c0, c1 …``; a part that is sliced, or itself combined, is read from
a derived table (``SELECT u0.c0 … FROM (…) AS u0``), which the three backends accept
alike (SQLite takes neither ORDER BY/LIMIT nor parentheses in a compound's parts). A
part's ordering is kept only where it decides which rows its slice takes. The combined
rows are ordered by column position (``ORDER BY 2 DESC``), named as the first part's
columns, and loaded by the first part's loader.

The statement's cache key is the operator and the shape of every part, in order; the
values are every part's, then the combined LIMIT and OFFSET.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa

from heron.db.errors import NotSupportedError
from heron.db.models.exceptions import FieldError
from heron.db.query import execution
from heron.db.query.chain import ChainableQuerySet
from heron.db.query.compiler import Binder, Statement, compile_statement
from heron.db.query.expressions import F, OrderBy
from heron.db.query.queryset import QuerySet, over_no_rows, sync_only
from heron.db.query.select import Selection, select_rows, select_values

if TYPE_CHECKING:
    from heron.db.models.base import Model

__all__ = ["CombinedQuerySet", "combine", "union"]

M = TypeVar("M", bound="Model")

_OPERATORS: dict[tuple[str, bool], Callable[..., Any]] = {
    ("union", False): sa.union,
    ("union", True): sa.union_all,
    ("intersection", False): sa.intersect,
    ("difference", False): sa.except_,
}


def union(first: Any, others: Sequence[QuerySet[Any]], all_: bool) -> Any:
    """``first.union(*others)``: empty QuerySets are left out (all empty: ``first``)."""
    if not first._none:
        return combine(first, "union", others, all_)
    rest = [qs for qs in others if not _checked(qs)._none]
    if not rest:
        return first
    if len(rest) == 1:
        return rest[0]
    return combine(rest[0], "union", rest[1:], all_)


def combine(first: Any, operator: str, others: Sequence[QuerySet[Any]], all_: bool = False) -> Any:
    """The ``CombinedQuerySet`` of ``operator`` over ``first`` and ``others``; an empty
    one as Django gives it: an intersection with an empty QuerySet, or a difference
    from one, is that QuerySet."""
    parts = (first, *(_checked(qs) for qs in others))
    if operator == "intersection":
        empty = next((qs for qs in parts if qs._none), None)
        if empty is not None:
            return empty
    if operator == "difference" and first._none:
        return first
    return CombinedQuerySet._of(first, operator, parts, all_)


def _checked(qs: Any) -> Any:
    if not isinstance(qs, ChainableQuerySet):
        raise TypeError(f"Only QuerySets can be combined, not {qs!r}.")
    return qs


def _as_part(qs: QuerySet[Any]) -> QuerySet[Any]:
    """``qs`` without its ordering, unless sliced (then the order picks the rows)."""
    if qs._low or qs._high is not None:
        return qs
    part: QuerySet[Any] = qs._clone()
    part._order = ()
    return part


def _refusal(method: str, operator: str) -> NotSupportedError:
    return NotSupportedError(f"Calling QuerySet.{method}() after {operator}() is not supported.")


class CombinedQuerySet(QuerySet[M]):
    """The rows of ``union()``, ``intersection()`` or ``difference()``: iterate, await,
    order by the first part's column names, slice, count, get values; not filter."""

    _operator: str
    _all: bool
    _parts: tuple[QuerySet[Any], ...]

    @classmethod
    def _of(
        cls, first: QuerySet[Any], operator: str, parts: Sequence[QuerySet[Any]], all_: bool
    ) -> CombinedQuerySet[Any]:
        qs: CombinedQuerySet[Any] = cls(first.model, first._db)
        qs._operator = operator
        qs._all = all_
        qs._parts = tuple(_as_part(p) for p in parts)
        qs._iterable = first._iterable
        qs._fields = first._fields
        qs._prefetch = first._prefetch
        qs._none = not kept_parts(qs)
        return qs

    # -- what changes after combining ----------------------------------------------------------

    def _effective_order(self) -> tuple[Any, ...]:
        return self._order or ()  # no model ordering: the parts may be of several models

    def order_by(self, *fields: Any) -> Any:
        """Order the combined rows by names of the first query's columns (``"-title"``)."""
        self._check_unsliced("reorder")
        qs = self._clone()
        qs._order = tuple(self._order_term(term) for term in fields)
        return qs

    def _order_term(self, term: Any) -> str:
        if isinstance(term, str) and term != "?":
            return term
        if isinstance(term, F):
            return term.name
        if isinstance(term, OrderBy) and isinstance(term.expression, F) and term.nulls is None:
            return f"-{term.expression.name}" if term.descending else term.expression.name
        raise NotSupportedError(
            f"order_by() after {self._operator}() takes names of the selected columns, "
            f"not {term!r}."
        )

    def values(self, *fields: str, **expressions: Any) -> Any:
        """Every part's rows as dicts of ``fields``."""
        if expressions:
            raise _refusal("values", self._operator)
        return self._with_parts(lambda part: part.values(*fields))

    def values_list(self, *fields: Any, flat: bool = False, named: bool = False) -> Any:
        """Every part's rows as tuples of ``fields`` (or flat values, or named tuples)."""
        return self._with_parts(lambda part: part.values_list(*fields, flat=flat, named=named))

    def _with_parts(self, change: Callable[[Any], Any]) -> Any:
        qs = self._clone()
        qs._parts = tuple(change(part) for part in self._parts)
        qs._iterable = qs._parts[0]._iterable
        qs._fields = qs._parts[0]._fields
        return qs

    def get(self, *args: Any, **kwargs: Any) -> M:
        """The one combined row; filters are refused."""
        self._check_no_filters(args, kwargs)
        return super().get()

    async def aget(self, *args: Any, **kwargs: Any) -> M:
        """``get()`` on the async driver."""
        self._check_no_filters(args, kwargs)
        return await super().aget()

    def _check_no_filters(self, args: Sequence[Any], kwargs: dict[str, Any]) -> None:
        if args or kwargs:
            raise NotSupportedError(
                f"Calling QuerySet.get(...) with filters after {self._operator}() is not supported."
            )

    # -- running: the shared execution path with the compound statement ----------------------

    def _fetch_all(self) -> list[Any]:
        if self._result_cache is None:
            self._result_cache = execution.fetch(self, rows_statement)
        return self._result_cache

    async def _afetch_all(self) -> list[Any]:
        if self._result_cache is None:
            self._result_cache = await execution.afetch(self, rows_statement)
        return self._result_cache

    def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Aggregates of the combined rows' columns, by the first query's names:
        ``a.union(b).aggregate(Sum("pages"))`` (``SELECT SUM(…) FROM (… UNION …)``)."""
        sync_only("aggregate")
        expressions = self._aggregates(args, kwargs)
        if not expressions or self._none:
            return over_no_rows(expressions)
        return execution.aggregate(self, expressions, aggregate_statement)

    async def aaggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """``aggregate()`` on the async driver."""
        expressions = self._aggregates(args, kwargs)
        if not expressions or self._none:
            return over_no_rows(expressions)
        return await execution.aaggregate(self, expressions, aggregate_statement)

    def count(self) -> int:
        """The number of combined rows (``SELECT COUNT(*) FROM (… UNION …)``)."""
        sync_only("count")
        if self._result_cache is not None:
            return len(self._result_cache)
        return execution.count(self, count_statement)

    async def acount(self) -> int:
        """``count()`` on the async driver."""
        if self._result_cache is not None:
            return len(self._result_cache)
        return await execution.acount(self, count_statement)

    def exists(self) -> bool:
        """Whether there is any combined row."""
        sync_only("exists")
        if self._result_cache is not None:
            return bool(self._result_cache)
        return execution.exists(self, exists_statement)

    async def aexists(self) -> bool:
        """``exists()`` on the async driver."""
        if self._result_cache is not None:
            return bool(self._result_cache)
        return await execution.aexists(self, exists_statement)

    def iterator(self, chunk_size: int = 2000) -> Iterator[Any]:
        """Stream the combined rows in chunks, without caching them."""
        sync_only("iterator")
        if chunk_size <= 0:
            raise ValueError("chunk_size must be positive.")
        return execution.iterate(self, chunk_size, rows_statement)

    def aiterator(self, chunk_size: int = 2000) -> AsyncIterator[Any]:
        """``iterator()`` on the async driver."""
        if chunk_size <= 0:
            raise ValueError("chunk_size must be positive.")
        return execution.aiterate(self, chunk_size, rows_statement)

    def explain(self, **options: Any) -> str:
        """The database's plan for the compound statement."""
        sync_only("explain")
        return execution.explain(self, options, rows_statement)

    async def aexplain(self, **options: Any) -> str:
        """``explain()`` on the async driver."""
        return await execution.aexplain(self, options, rows_statement)

    @property
    def query(self) -> execution.QueryText:
        """``str(qs.query)``: the compound SQL."""
        return execution.QueryText(self, rows_statement)

    def _subquery_shape(self, values: list[Any]) -> Any:
        return shape(self, "in", values)

    def _as_subquery(self, binder: Binder, vendor: str) -> Any:
        """``field__in=combined``: its one column, read from a derived table (MariaDB takes
        no LIMIT directly inside IN)."""
        compound, _ = compound_select(self, binder, vendor, "default")
        if len(compound.selected_columns) != 1:
            raise FieldError(
                f"A {self._operator}() used in __in must select one field (values_list)."
            )
        return sa.select(compound.subquery("s").c.c0)


_REFUSED = (
    "filter",
    "exclude",
    "annotate",
    "alias",
    "distinct",
    "select_related",
    "only",
    "defer",
    "select_for_update",
    "update",
    "aupdate",
    "delete",
    "adelete",
    "contains",
    "acontains",
    "in_bulk",
    "ain_bulk",
    "dates",
    "datetimes",
)


def _refused(name: str) -> Callable[..., Any]:
    def method(self: CombinedQuerySet[Any], *args: Any, **kwargs: Any) -> Any:
        raise _refusal(name, self._operator)

    method.__name__ = name
    method.__doc__ = f"Not supported on a combined query (raises NotSupportedError): {name}()."
    return method


for _name in _REFUSED:
    setattr(CombinedQuerySet, _name, _refused(_name))


# -- shape and statements ---------------------------------------------------------------------


def kept_parts(qs: CombinedQuerySet[Any]) -> tuple[QuerySet[Any], ...]:
    """The parts that take part in the SQL: empty ones are left out of a union, and out
    of a difference past the first (none left: the result is empty)."""
    parts = qs._parts
    if qs._operator == "union":
        return tuple(p for p in parts if not p._none)
    if qs._operator == "difference":
        return (parts[0], *(p for p in parts[1:] if not p._none))
    return parts


def _part_kind(part: QuerySet[Any]) -> str:
    return "select" if part._iterable == "model" else "values"


def shape(qs: CombinedQuerySet[Any], kind: Any, values: list[Any]) -> Any:
    """The cache key of ``qs`` run as ``kind`` (a name, or a tuple naming the aggregates),
    appending its values in binding order."""
    parts: list[Any] = []
    for part in kept_parts(qs):
        if isinstance(part, CombinedQuerySet):
            parts.append(shape(part, "part", values))
        else:
            key, part_values = execution.shape_and_values(part, _part_kind(part))
            values.extend(part_values)
            parts.append(key)
    if qs._high is not None:
        values.append(qs._high - qs._low)
    if qs._low:
        values.append(qs._low)
    sliced = (qs._low > 0, qs._high is not None)
    return ("combined", kind, qs._operator, qs._all, tuple(parts), qs._order, sliced)


def compound_select(
    qs: CombinedQuerySet[Any],
    binder: Binder,
    vendor: str,
    alias: str,
    names: Iterator[int] | None = None,
) -> tuple[Any, Selection]:
    """The compound SELECT of ``qs``, ordered and sliced, and the first part's selection
    (its loader reads the rows); ``names`` numbers the derived tables."""
    names = names if names is not None else itertools.count()
    selects: list[Any] = []
    first: Selection | None = None
    for part in kept_parts(qs):
        select, selection = _part_select(part, binder, vendor, alias, names)
        if selects and len(select.selected_columns) != len(selects[0].selected_columns):
            raise FieldError(
                f"The queries combined with {qs._operator}() must select the same number "
                f"of columns ({len(selects[0].selected_columns)} and "
                f"{len(select.selected_columns)})."
            )
        first = first or selection
        selects.append(select)
    assert first is not None  # an empty combination never reaches SQL (qs._none)
    compound = selects[0] if len(selects) == 1 else _OPERATORS[qs._operator, qs._all](*selects)
    terms = [_position(term, qs, first) for term in qs._order or ()]
    if terms:
        compound = compound.order_by(*terms)
    if qs._high is not None:
        compound = compound.limit(binder.bind())
    if qs._low:
        compound = compound.offset(binder.bind())
    return compound, first


def _part_select(
    part: QuerySet[Any], binder: Binder, vendor: str, alias: str, names: Iterator[int]
) -> tuple[Any, Selection]:
    if isinstance(part, CombinedQuerySet):
        inner, selection = compound_select(part, binder, vendor, alias, names)
        return _derived(inner, names), selection
    if part._iterable == "model":
        selection = select_rows(part, vendor, alias, binder)
    else:
        selection = select_values(part, vendor, binder)
    columns = [c.label(f"c{i}") for i, c in enumerate(selection.stmt.selected_columns)]
    select = selection.stmt.with_only_columns(*columns, maintain_column_froms=True)
    if part._low or part._high is not None:
        select = _derived(select, names)
    return select, selection


def _derived(select: Any, names: Iterator[int]) -> Any:
    """``SELECT uN.c0, uN.c1 … FROM (select) AS uN``."""
    table = select.subquery(f"u{next(names)}")
    return sa.select(*table.c)


def _position(term: str, qs: CombinedQuerySet[Any], first: Selection) -> Any:
    """``ORDER BY <n>`` for a column name of the first part (``"-name"`` descending)."""
    index = _column_index(term.lstrip("-+"), qs, first, "order")
    column: Any = sa.literal_column(str(index + 1))
    return column.desc() if term.startswith("-") else column.asc()


def _column_index(name: str, qs: CombinedQuerySet[Any], first: Selection, action: str) -> int:
    """The position of the first part's column ``name`` (a field's name or attname, or
    ``pk``); ``action`` names what needs it in the error."""
    meta = qs.model._meta
    candidates = [name]
    if name == "pk":
        candidates.append(meta.pk.attname)
    field = meta.fields_map.get(name)
    if field is not None:
        candidates.append(field.attname)
    for candidate in candidates:
        if candidate in first.names:
            return first.names.index(candidate)
    raise FieldError(
        f"Cannot {action} the result of {qs._operator}() by {name!r}: it is not one of its "
        f"columns ({', '.join(n for n in first.names if n)})."
    )


def _prepared(
    qs: CombinedQuerySet[Any], db: Any, dialect: Any, kind: Any, build: Callable[[], Statement]
) -> tuple[Statement, tuple[Any, ...]]:
    values: list[Any] = []
    key = shape(qs, kind, values)
    stmt = execution.cached((key, dialect), build)
    return stmt, stmt.bind(values)


def rows_statement(
    qs: CombinedQuerySet[Any], db: Any, dialect: Any
) -> tuple[Statement, tuple[Any, ...]]:
    """The compound SELECT and its parameters; ``extra`` is the first part's loader."""

    def build() -> Statement:
        binder = Binder()
        compound, first = compound_select(qs, binder, db.vendor, db.alias)
        return compile_statement(compound, dialect, binder, first.loader)

    return _prepared(qs, db, dialect, "select", build)


def count_statement(
    qs: CombinedQuerySet[Any], db: Any, dialect: Any
) -> tuple[Statement, tuple[Any, ...]]:
    """``SELECT COUNT(*) FROM (compound) AS q``."""

    def build() -> Statement:
        binder = Binder()
        compound, _ = compound_select(qs, binder, db.vendor, db.alias)
        stmt = sa.select(sa.func.count()).select_from(compound.subquery("q"))
        return compile_statement(stmt, dialect, binder)

    return _prepared(qs, db, dialect, "count", build)


def exists_statement(
    qs: CombinedQuerySet[Any], db: Any, dialect: Any
) -> tuple[Statement, tuple[Any, ...]]:
    """``SELECT 1 FROM (compound) AS q LIMIT 1``."""

    def build() -> Statement:
        binder = Binder()
        compound, _ = compound_select(qs, binder, db.vendor, db.alias)
        one: Any = sa.literal_column("1")
        stmt = sa.select(one).select_from(compound.subquery("q")).limit(1)
        return compile_statement(stmt, dialect, binder)

    return _prepared(qs, db, dialect, "exists", build)


def aggregate_statement(
    qs: CombinedQuerySet[Any], expressions: dict[str, Any], db: Any, dialect: Any
) -> tuple[Statement, tuple[Any, ...]]:
    """``SELECT SUM(q.cN) … FROM (compound) AS q``: aggregates of the combined rows'
    columns, named as the first part names them."""
    from heron.db.query.aggregates import column_aggregate
    from heron.db.query.select import base_query

    for name, expr in expressions.items():
        if expr.filter is not None or not isinstance(expr.field, str):
            raise FieldError(
                f"aggregate() after {qs._operator}() takes aggregates of its columns by name, "
                f"without filter= ({name}={expr!r})."
            )

    def build() -> Statement:
        binder = Binder()
        compound, first = compound_select(qs, binder, db.vendor, db.alias)
        rows = compound.subquery("q")
        _, where, _ = base_query(_leftmost(qs), db.vendor, Binder())  # the columns' types
        columns, converters = [], []
        for name, expr in expressions.items():
            if expr.field == "*":
                column: Any = sa.literal_column("*")
            else:
                column = rows.c[f"c{_column_index(expr.field, qs, first, 'aggregate')}"]
            sql, converter = column_aggregate(expr, column, where, db.vendor)
            columns.append(sql.label(name))
            converters.append(converter)
        return compile_statement(sa.select(*columns), dialect, binder, tuple(converters))

    kind = tuple((n, type(e), e.field, e.distinct) for n, e in expressions.items())
    return _prepared(qs, db, dialect, ("aggregate", kind), build)


def _leftmost(qs: CombinedQuerySet[Any]) -> QuerySet[Any]:
    """The query whose columns name the combined rows' (the first part, nested or not)."""
    part = kept_parts(qs)[0]
    return _leftmost(part) if isinstance(part, CombinedQuerySet) else part
