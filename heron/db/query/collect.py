"""The collecting aggregates ``StringAgg`` (the values joined into one string) and
``ArrayAgg`` (the values as a Python list), on SQLite, PostgreSQL and MariaDB.

Both skip NULL values (and the rows their ``filter`` leaves out): a group with none gives
``default``. ``order_by`` orders the values; with ``distinct=True`` it may only name the
aggregated field. Per database:

- PostgreSQL: ``string_agg`` / ``array_agg``, ordered and DISTINCT natively.
- SQLite: ``group_concat`` / ``json_group_array``; ordered (and DISTINCT ``StringAgg``, whose
  separator SQLite takes only without DISTINCT) by the Python aggregates
  ``heron_string_agg`` / ``heron_array_agg`` (``heron.db.backends.sqlite_functions``).
- MariaDB: ``GROUP_CONCAT`` / ``JSON_ARRAYAGG``. ``SEPARATOR`` takes only a literal, so the
  bound delimiter is put before each value and cut off the result's start. Both are capped
  by ``group_concat_max_len``, applied silently: Heron's sessions raise it from MariaDB's
  1 MB to 1 GiB (``heron.db.backends.mysql``).

The aggregate's ``field`` is a ``Collection``: a function node whose arguments (the values,
the delimiter, the default) bind in the statement's order and whose structure (ordering,
DISTINCT, ArrayAgg's default) is part of the statement shape.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from heron.db.errors import NotSupportedError
from heron.db.query.compiler import WhereBuilder, ordering_terms
from heron.db.query.expressions import Aggregate, Combinable, F, OrderBy, Q, Value
from heron.db.query.functions import Func

__all__ = ["ArrayAgg", "Collect", "Collection", "StringAgg", "collect_converter", "collect_sql"]

OrderTerm = tuple[str, bool, str | None]  # (field name, descending, nulls)
# ArrayAgg never gives NULL (nor do SQLite's Python aggregates, called for no row): an
# empty array means no values, read as the default.
_EMPTY_ARRAY = {"postgresql": "'{}'", "mysql": "'[]'", "sqlite": "'[]'"}


class Collection(Func):
    """What a collecting aggregate reads: its values, then (``StringAgg``) the delimiter and
    the default, all bound; ``structure()`` holds what else changes the SQL."""

    __slots__ = ("order", "static")

    def __init__(self, *args: Any, order: tuple[OrderTerm, ...], static: Any) -> None:
        super().__init__(*args)
        self.order = order
        self.static = static

    def build(self, args: list[Any], kinds: Sequence[str | None], vendor: str) -> Any:
        # Only ``collect_sql`` builds a collection: anything else (a window) can't.
        raise NotSupportedError("StringAgg() and ArrayAgg() can't be computed over a window.")

    def structure(self) -> tuple[Any, ...]:
        return (self.order, self.static)


class Collect(Aggregate):
    """Base of ``StringAgg`` and ``ArrayAgg``: ``field`` is their ``Collection``."""

    __slots__ = ("source",)
    noun = ""

    def __init__(
        self,
        source: str | Combinable,
        *bound: Any,
        distinct: bool,
        filter: Q | None,
        order_by: Any,
        static: Any = None,
    ) -> None:
        order = _order_terms(order_by)
        if distinct and any(name != _name_of(source) for name, _, _ in order):
            raise ValueError(
                f"{type(self).__name__}(distinct=True) can only be ordered by the aggregated field."
            )
        collection = Collection(source, *bound, order=order, static=static)
        super().__init__(collection, distinct=distinct, filter=filter)
        self.source = source

    def default_alias(self) -> str:
        if not isinstance(self.source, str):
            raise TypeError(f"{self!r} over an expression needs a name: aggregate(name=...).")
        return f"{self.source}__{self.noun}"

    def __repr__(self) -> str:
        distinct = ", distinct=True" if self.distinct else ""
        return f"{type(self).__name__}({self.source!r}{distinct})"


class StringAgg(Collect):
    """The values joined with ``delimiter`` (a string or ``Value``) into one string, each
    cast to text; ``default`` (a string) when there are none."""

    __slots__ = ()
    function = "STRING_AGG"
    noun = "stringagg"

    def __init__(
        self,
        expression: str | Combinable,
        delimiter: str | Value,
        *,
        distinct: bool = False,
        filter: Q | None = None,
        order_by: Any = None,
        default: str | Value | None = None,
    ) -> None:
        bound = [_text("delimiter", delimiter)]
        if default is not None:
            bound.append(_text("default", default))
        super().__init__(expression, *bound, distinct=distinct, filter=filter, order_by=order_by)


class ArrayAgg(Collect):
    """The values as a list, each read as its field reads it; ``default`` (None, or a list
    of hashable values, returned as a new list) when there are none."""

    __slots__ = ()
    function = "ARRAY_AGG"
    noun = "arrayagg"

    def __init__(
        self,
        expression: str | Combinable,
        *,
        distinct: bool = False,
        filter: Q | None = None,
        order_by: Any = None,
        default: Sequence[Any] | Value | None = None,
    ) -> None:
        if isinstance(default, Value):
            default = default.value
        if default is not None:
            if not isinstance(default, (list, tuple)):
                raise TypeError("ArrayAgg(default=...) takes a list (or None).")
            # Part of the statement shape, with the types ([1] and [True] are equal): a
            # TypeError here for unhashable items.
            static = (tuple(default), tuple(map(type, default)))
            hash(static)
        super().__init__(
            expression,
            distinct=distinct,
            filter=filter,
            order_by=order_by,
            static=None if default is None else static,
        )


def _text(name: str, value: Any) -> Value:
    text = value.value if isinstance(value, Value) else value
    if not isinstance(text, str):
        raise TypeError(f"StringAgg({name}=...) takes a string, not {value!r}.")
    return Value(text)


def _name_of(source: Any) -> str | None:
    return source if isinstance(source, str) else source.name if isinstance(source, F) else None


def _order_terms(order_by: Any) -> tuple[OrderTerm, ...]:
    """``order_by=`` as (name, descending, nulls) terms: ``"field"``, ``"-field"``, ``F()``,
    ``F().desc()``, or a list of those."""
    if order_by is None:
        return ()
    items = order_by if isinstance(order_by, (list, tuple)) else [order_by]
    terms: list[OrderTerm] = []
    for item in items:
        if isinstance(item, str) and item.lstrip("-+") and item != "?":
            terms.append((item.lstrip("-+"), item.startswith("-"), None))
        elif isinstance(item, F):
            terms.append((item.name, False, None))
        elif isinstance(item, OrderBy) and isinstance(item.expression, F):
            terms.append((item.expression.name, item.descending, item.nulls))
        else:
            raise TypeError(
                f'order_by= takes field names ("title", "-title"), F() or F().desc(), not {item!r}.'
            )
    return tuple(terms)


# -- SQL ---------------------------------------------------------------------------------------


def collect_sql(expr: Collect, where: WhereBuilder) -> Any:
    """The SQL of ``expr``, binding its values, delimiter and default, then its filter, in
    the order its shape collects them."""
    collection: Collection = expr.field  # type: ignore[assignment]
    value, *bound = [where.expression(arg, None) for arg in collection.source_expressions]
    if isinstance(expr, StringAgg) and not isinstance(value.type, sa.String):
        value = sa.cast(value, sa.Text())
    condition = None if expr.filter is None else where.build([expr.filter])
    vendor = where.vendor
    if condition is not None and vendor == "mysql":  # no FILTER clause: NULLs are skipped
        value, condition = sa.case((condition, value), else_=None), None
    keys = [  # with DISTINCT, ordered by the aggregated value itself
        (value if expr.distinct else where.expression(F(name), None), desc, nulls)
        for name, desc, nulls in collection.order
    ]
    if vendor == "sqlite" and (keys or (expr.distinct and isinstance(expr, StringAgg))):
        function = "heron_string_agg" if isinstance(expr, StringAgg) else "heron_array_agg"
        sql = _python_aggregate(function, [value, *bound[:1]], keys, expr.distinct)
    else:
        if isinstance(expr, StringAgg):
            sql = _string_agg(value, bound[0], expr.distinct, vendor)
        else:
            sql = _array_agg(value, expr.distinct, vendor)
        if keys:
            order = [t for key in keys for t in ordering_terms(*key, vendor)]
            sql = sa.aggregate_order_by(sql, *order)
    if condition is not None:
        sql = sql.filter(condition)
    if isinstance(expr, StringAgg):
        if vendor == "mysql":  # each value came after a delimiter: cut the first one off
            start = sa.func.char_length(bound[0]) + sa.literal_column("1")
            sql = sa.func.substring(sql, start, type_=sa.Text())
        return sa.func.coalesce(sql, bound[1], type_=sa.Text()) if len(bound) > 1 else sql
    return sa.func.coalesce(sql, sa.literal_column(_EMPTY_ARRAY[vendor]))


def _string_agg(value: Any, delimiter: Any, distinct: bool, vendor: str) -> Any:
    if vendor == "mysql":  # SEPARATOR takes only a literal: the delimiter goes before each value
        value = sa.func.concat(delimiter, value)
    if distinct:
        value = sa.distinct(value)
    if vendor == "sqlite":
        return sa.func.group_concat(value, delimiter, type_=sa.Text())
    if vendor == "mysql":
        # GROUP_CONCAT(... SEPARATOR ''): an SQL literal, never a bound (execution-time) one
        return sa.func.aggregate_strings(value, sa.literal_column("''"))  # type: ignore[arg-type]
    return sa.func.string_agg(value, delimiter, type_=sa.Text())


def _array_agg(value: Any, distinct: bool, vendor: str) -> Any:
    name = {"sqlite": "json_group_array", "mysql": "json_arrayagg"}.get(vendor, "array_agg")
    return getattr(sa.func, name)(sa.distinct(value) if distinct else value)


def _python_aggregate(
    name: str, args: list[Any], keys: list[tuple[Any, bool, str | None]], distinct: bool
) -> Any:
    """``heron_*_agg(value[, delimiter], distinct, key, how, ...)``: SQLite before 3.44 has
    no ORDER BY inside an aggregate call (nor a separator with DISTINCT)."""
    flags: list[Any] = [sa.literal_column("1" if distinct else "0")]
    for key, descending, nulls in keys:
        # bits: 1 descending, 2 NULLs first, 4 NULLs last (where SQLite puts them: 0)
        how = int(descending) | (2 if nulls == "first" else 4 if nulls == "last" else 0)
        flags += [key, sa.literal_column(str(how))]
    return getattr(sa.func, name)(*args, *flags, type_=sa.Text())


# -- reading the results -------------------------------------------------------------------


def collect_converter(expr: Collect, where: WhereBuilder) -> Callable[[Any], Any] | None:
    """How a result is read: ``StringAgg``'s as is, ``ArrayAgg``'s as a list of the field's
    values (from JSON text on SQLite and MariaDB), or its default when empty."""
    if isinstance(expr, StringAgg):
        return None
    from heron.db.query.aggregates import _field_of, _kind
    from heron.db.query.lookups import KIND_FIELDS

    source = F(expr.source) if isinstance(expr.source, str) else expr.source
    field = _field_of(source, where)
    # JSON arrays carry SQLite's forms of the values (ISO text, numbers): read them so.
    json_text = where.vendor != "postgresql"
    vendor = "sqlite" if json_text else where.vendor
    item: Callable[[Any], Any] | None = None
    if field is not None:
        item = field.db_converter(vendor)
    else:
        kind = where.kind(source)
        item = KIND_FIELDS[kind].db_converter(vendor) if kind is not None else None
    exact = field is not None and _kind(field) == "decimal"
    static = expr.field.static  # type: ignore[union-attr]
    default = None if static is None else static[0]

    def convert(value: Any) -> Any:
        if json_text:
            value = json.loads(value, parse_float=Decimal) if exact else json.loads(value)
        items = [v if item is None else item(v) for v in value if v is not None]
        if items:
            return items
        return None if default is None else list(default)

    return convert
