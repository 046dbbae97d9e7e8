"""SELECT statements for QuerySets: model rows, values, counts, existence checks, subqueries.

Every builder creates its bound parameters in the order ``execution.shape_and_values``
collects the values: annotations, WHERE, HAVING, LIMIT, OFFSET.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.sql import operators, visitors
from sqlalchemy.sql.elements import UnaryExpression

from heron.db.errors import NotSupportedError
from heron.db.fields.scalars import Integer
from heron.db.fields.temporal import Date
from heron.db.models.exceptions import FieldError
from heron.db.query.compiler import (
    Binder,
    Statement,
    WhereBuilder,
    compile_statement,
    order_clauses,
)
from heron.db.query.expressions import (
    Aggregate,
    F,
    FilteredRelation,
    contains_window,
    is_hidden,
)
from heron.db.query.filtered import register
from heron.db.query.loading import LoadNode, RowLoader, ValueConversion, ValuesLoader
from heron.db.query.paths import Joins, apply_transforms
from heron.db.query.windowfilters import WindowFilters, fetch_only, window_filters, windowed

if TYPE_CHECKING:
    from heron.db.fields.base import Field
    from heron.db.models.base import Model
    from heron.db.query.queryset import QuerySet

__all__ = [
    "MODEL_GROUP",
    "Selection",
    "build_count",
    "build_exists",
    "build_select",
    "build_values",
    "exists_subquery",
    "scalar_subquery",
    "select_rows",
    "select_subquery",
    "select_values",
    "selected_fields",
    "transform_conversion",
]

# ``QuerySet._group_by`` value meaning "one group per model row" (``annotate()`` with an
# aggregate on model instances); any other tuple names the ``values()`` fields.
MODEL_GROUP = ("*",)


def _only_names(names: frozenset[str], prefix: str) -> set[str]:
    """The field names of one model that ``only()`` keeps, given its path prefix."""
    size = len(prefix)
    return {n[size:].split("__")[0] for n in names if n.startswith(prefix)}


def _kept_names(qs: QuerySet[Any], prefix: str) -> set[str] | None:
    """The names ``only()`` keeps of the model at path ``prefix`` (``None``: all of them)."""
    if qs._only is None:
        return None
    keep = _only_names(qs._only, prefix)
    if not keep and prefix:
        return None  # only() says nothing about this related model: load all of it
    return keep


def selected_fields(qs: QuerySet[Any], model: type[Model], prefix: str = "") -> list[Field]:
    """The concrete fields loaded for ``model`` under ``only()``/``defer()`` (pk always)."""
    fields = model._meta.fields
    defer = qs._defer
    if qs._only is None and not defer:
        return fields
    keep = _kept_names(qs, prefix)
    pk = model._meta.pk
    chosen = []
    for field in fields:
        if field is pk:
            chosen.append(field)
            continue
        if keep is not None and field.name not in keep and field.attname not in keep:
            continue
        if prefix + field.name in defer or prefix + field.attname in defer:
            continue
        chosen.append(field)
    return chosen


def base_query(
    qs: QuerySet[Any], vendor: str, binder: Binder, outer: WhereBuilder | None = None
) -> tuple[Joins, WhereBuilder, Any]:
    """The joins, a WHERE builder knowing the annotations, and the WHERE clause of ``qs``;
    a subquery of ``outer`` reads its base table under its own alias (``U1``…), so the
    same table can be both inside and outside. A filter on a window is refused here: only
    the builders calling ``split_query()`` apply it (in an outer query)."""
    joins, where, clause, _ = split_query(qs, vendor, binder, outer, split=False)
    return joins, where, clause


def split_query(
    qs: QuerySet[Any],
    vendor: str,
    binder: Binder,
    outer: WhereBuilder | None = None,
    *,
    split: bool = True,
) -> tuple[Joins, WhereBuilder, Any, WindowFilters | None]:
    """``base_query()`` and, when ``qs`` filters on a window annotation, the plan holding
    the conditions ``finish()`` applies outside the windows (the returned clause holds the
    others)."""
    joins = Joins(qs.model)
    where = WhereBuilder(joins, binder, vendor, outer=outer)
    if outer is not None:
        joins.base = qs.model._meta.table.alias(f"U{where.depth}")
    windows = None
    if qs._annotations:
        windows = _check_windows(qs)
        if windows is not None and not split:
            raise fetch_only(windows, (*qs._where, *qs._having))
        built: dict[str, Any] = {}
        where.annotations = built
        for name, expr in qs._annotations.items():
            if expr.__class__ is FilteredRelation:  # names a join, selects nothing
                register(joins, name, expr, where)
                continue
            built[name] = where.expression(expr, None).label(name)
    clause = where.build(qs._where) if windows is None else windows.place(where, qs._where)
    return joins, where, clause, windows


def _check_windows(qs: QuerySet[Any]) -> WindowFilters | None:
    """Refuse aggregating a window annotation (SQL can't); the plan of the conditions to
    apply outside the windows when ``qs`` filters on one. Runs only when a statement is
    built, for a QuerySet with annotations."""
    annotations = qs._annotations
    if not windowed(annotations):
        return None
    for name, expr in annotations.items():
        if _aggregates_window(expr, annotations):
            raise FieldError(
                f"The annotation '{name}' aggregates a window expression, which SQL can't "
                "compute; compute the aggregate over the window instead: Window(Sum(...), ...)."
            )
    if not qs._where and not qs._having:
        return None
    return window_filters(annotations, (*qs._where, *qs._having))


def _aggregates_window(expr: Any, annotations: dict[str, Any]) -> bool:
    """True when ``expr`` holds an aggregate of a window expression (``Sum("rank")``)."""
    if isinstance(expr, Aggregate):
        field = F(expr.field) if isinstance(expr.field, str) else expr.field
        return contains_window(field, annotations)
    parts = [getattr(expr, "lhs", None), getattr(expr, "rhs", None)]
    parts += list(getattr(expr, "source_expressions", ()))
    return any(p is not None and _aggregates_window(p, annotations) for p in parts)


def group_key(joins: Joins, where: WhereBuilder, name: str) -> Any:
    """The expression a ``values()`` field (or annotation) ``name`` groups by."""
    if name in where.annotations:
        return where.annotations[name]
    resolved = joins.resolve(name, allow_lookup=False)
    return apply_transforms(resolved.column, resolved.transforms, where.vendor)


def _group_columns(
    qs: QuerySet[Any], joins: Joins, where: WhereBuilder, model_columns: Any, order: list[Any]
) -> list[Any]:
    """The GROUP BY: the instance's columns and non-aggregate annotations, or the
    ``values()`` columns; then, as in Django, the columns of the ORDER BY terms ``order``."""
    from heron.db.query.aggregates import contains_aggregate

    if qs._group_by == MODEL_GROUP:
        columns = [*model_columns]
        columns += [
            where.annotations[name]
            for name, expr in qs._annotations.items()
            if name in where.annotations  # not a FilteredRelation
            and not contains_aggregate(expr, qs._annotations)
            and not contains_window(expr, qs._annotations)  # computed after the grouping
        ]
    else:
        columns = [
            group_key(joins, where, name)
            for name in qs._group_by or ()
            if name not in qs._annotations
            or not contains_window(qs._annotations[name], qs._annotations)
        ]
    known = [*columns, *where.annotations.values()]
    for term in order:
        column = ordered_expression(term)  # None: ORDER BY random()
        if column is not None and not any(column is c for c in known):
            columns.append(column)
    return columns


_ORDERING = (operators.asc_op, operators.desc_op, operators.nulls_first_op, operators.nulls_last_op)


def ordered_expression(term: Any) -> Any:
    """What an ORDER BY ``term`` orders by, without its ASC/DESC and NULLS FIRST/LAST
    (None for a bare function such as ``random()``)."""
    expr = getattr(term, "element", None)
    while isinstance(expr, UnaryExpression) and expr.modifier in _ORDERING:
        expr = expr.element
    return expr


def _or_itself(expr: Any, term: Any) -> Any:
    return term if expr is None else expr


def _by_position(stmt: Any, group: list[Any]) -> list[Any]:
    """The GROUP BY terms, a selected expression holding bound values (``Concat("a",
    Value("-"))``) named by its position in the SELECT list: written out again it would
    bind new parameters, which PostgreSQL takes for a different expression."""
    selected = list(stmt.selected_columns)
    terms = []
    for term in group:
        if _binds(term):
            position = next((i for i, c in enumerate(selected, 1) if c is term), None)
            if position is not None:
                term = sa.literal_column(str(position))
        terms.append(term)
    return terms


def _binds(expr: Any) -> bool:
    """Whether ``expr`` holds a bound parameter."""
    return any(isinstance(e, sa.BindParameter) for e in visitors.iterate(expr))


def finish(
    stmt: Any,
    qs: QuerySet[Any],
    joins: Joins,
    where: WhereBuilder,
    clause: Any,
    binder: Binder,
    *,
    model_columns: Sequence[Any] = (),
    ordered: bool = True,
    windows: WindowFilters | None = None,
) -> Any:
    """Add WHERE, GROUP BY/HAVING, ORDER BY, DISTINCT, LIMIT/OFFSET and FOR UPDATE; with
    ``windows`` (``split_query()``), wrap the query in one filtering on its windows."""
    grouped = qs._group_by is not None
    order = qs._effective_order() if ordered or grouped else ()
    # A grouped query is grouped by its ordering even where unordered (count() = len()).
    terms = order_clauses(joins, order, where.vendor, where.annotations) if order else []
    if windows is not None:
        return _outside_windows(
            stmt, qs, joins, where, clause, model_columns, terms, ordered, windows
        )
    having = where.build(qs._having) if qs._having else None
    stmt = _grouped(stmt, qs, joins, where, clause, model_columns, terms, having)
    if ordered and terms:
        stmt = stmt.order_by(*terms)
        if qs._distinct and not qs._distinct_fields and model_columns:
            # DISTINCT needs the ORDER BY expressions selected (PostgreSQL); the loader
            # reads columns by position, so trailing extras are harmless to instances
            # (a values() loader takes exactly its columns: those already selected are
            # not repeated).
            stmt = stmt.add_columns(*_unselected(stmt, terms))
    if qs._distinct_fields:
        if where.vendor != "postgresql":
            raise FieldError("distinct(*fields) (DISTINCT ON) is only supported on PostgreSQL.")
        stmt = stmt.distinct(*[joins.resolve(f).column for f in qs._distinct_fields])
    elif qs._distinct:
        stmt = stmt.distinct()
    stmt = _sliced(stmt, qs, binder)
    if qs._for_update is not None and where.vendor != "sqlite":
        stmt = stmt.with_for_update(**_lock_options(qs._for_update, joins, where.vendor))
    return stmt.select_from(joins.from_clause())


def _grouped(
    stmt: Any,
    qs: QuerySet[Any],
    joins: Joins,
    where: WhereBuilder,
    clause: Any,
    model_columns: Sequence[Any],
    terms: list[Any],
    having: Any,
) -> Any:
    """Add WHERE, GROUP BY (with the columns of the ORDER BY ``terms``) and HAVING."""
    if clause is not None:
        stmt = stmt.where(clause)
    if qs._group_by is not None:
        group = _group_columns(qs, joins, where, model_columns, terms)
        if group:
            stmt = stmt.group_by(*_by_position(stmt, group))
    if having is not None:
        stmt = stmt.having(having)
    return stmt


def _sliced(stmt: Any, qs: QuerySet[Any], binder: Binder) -> Any:
    if qs._high is not None:
        stmt = stmt.limit(binder.bind())
    if qs._low:
        stmt = stmt.offset(binder.bind())
    return stmt


def _outside_windows(
    stmt: Any,
    qs: QuerySet[Any],
    joins: Joins,
    where: WhereBuilder,
    clause: Any,
    model_columns: Sequence[Any],
    terms: list[Any],
    ordered: bool,
    windows: WindowFilters,
) -> Any:
    """``finish()`` of a query filtered on its windows: the windows, WHERE, GROUP BY and
    HAVING in an inner query; the conditions on windows, ORDER BY ``terms``, DISTINCT and
    LIMIT/OFFSET in the outer one, which selects the inner query's columns."""
    if qs._for_update is not None:
        raise NotSupportedError(
            "select_for_update() can't lock the rows of a QuerySet filtered on a window."
        )
    if qs._distinct_fields:
        raise NotSupportedError(
            "distinct(*fields) can't be combined with a filter on a window expression."
        )
    having = windows.place(where, qs._having) if qs._having else None
    inner = _grouped(stmt, qs, joins, where, clause, model_columns, terms, having)
    inner = inner.select_from(joins.from_clause())
    outer_terms = terms if ordered else []
    stmt, ordering = windows.outer_select(inner, outer_terms, where.annotations.values())
    if ordering:
        stmt = stmt.order_by(*ordering)
        if qs._distinct and model_columns:
            stmt = stmt.add_columns(*_unselected(stmt, ordering))
    if qs._distinct:
        stmt = stmt.distinct()
    return _sliced(stmt, qs, where.binder)


def _unselected(stmt: Any, terms: list[Any]) -> list[Any]:
    """The expressions of the ORDER BY ``terms`` that ``stmt`` does not select yet."""
    selected = list(stmt.selected_columns)
    return [
        expr
        for expr in (_or_itself(ordered_expression(term), term) for term in terms)
        if not any(_same_column(expr, column) for column in selected)
    ]


def _same_column(expr: Any, column: Any) -> bool:
    """Whether ``expr`` is the selected ``column`` (or the annotation it labels; ordering
    may wrap an annotation's label in a copy of the same name)."""
    if expr is column or getattr(column, "element", None) is expr:
        return True
    label = sa.sql.elements.Label
    return isinstance(expr, label) and isinstance(column, label) and expr.name == column.name


def _lock_options(options: dict[str, Any], joins: Joins, vendor: str) -> dict[str, Any]:
    """``with_for_update()``'s arguments; ``of`` names (``"self"``, select_related paths)
    become the tables locked (``FOR UPDATE OF``, PostgreSQL only)."""
    of = options.get("of", ())
    result = {k: v for k, v in options.items() if k != "of"}
    if not of:
        return result
    if vendor != "postgresql":
        raise NotSupportedError("select_for_update(of=...) is only supported on PostgreSQL.")
    tables = []
    for name in of:
        path = () if name == "self" else tuple(name.split("__"))
        if path and path not in joins.joins:
            raise FieldError(
                f"select_for_update(of=...): {name!r} is not 'self' or a relation followed "
                "with select_related()."
            )
        tables.append(joins.table_for(path)[0])
    result["of"] = tables
    return result


class Selection(NamedTuple):
    """A SELECT not yet compiled: the statement, its row loader and the name of each
    selected column (``""`` for the columns of ``select_related`` objects)."""

    stmt: Any
    loader: Any
    names: tuple[str, ...]


def select_rows(qs: QuerySet[Any], vendor: str, alias: str, binder: Binder) -> Selection:
    """The SELECT of ``qs`` as model instances, binding into ``binder``."""
    from heron.db.query.aggregates import expression_converter

    joins, where, clause, windows = split_query(qs, vendor, binder)
    base_fields = selected_fields(qs, qs.model)
    columns: list[Any] = [joins.base.c[f.attname] for f in base_fields]
    root = LoadNode(qs.model, base_fields, 0)
    for path in qs._related:
        _add_related(qs, joins, path, columns, root)
    names = [f.attname for f in base_fields] + [""] * (len(columns) - len(base_fields))
    model_columns = list(columns)
    annotations = []
    for name, expr in qs._annotations.items():
        if is_hidden(name) or name not in where.annotations:  # hidden, FilteredRelation
            continue
        annotations.append((name, len(columns), _converter(expr, where, expression_converter)))
        columns.append(where.annotations[name])
        names.append(name)
    stmt = finish(
        sa.select(*columns),
        qs,
        joins,
        where,
        clause,
        binder,
        model_columns=model_columns,
        windows=windows,
    )
    loader = RowLoader(root, len(stmt.selected_columns), vendor, alias, annotations)
    return Selection(stmt, loader, tuple(names))


def build_select(qs: QuerySet[Any], dialect: Any, vendor: str, alias: str) -> Statement:
    """The statement for iterating ``qs`` as model instances; ``extra`` is the row loader."""
    binder = Binder()
    stmt, loader, _ = select_rows(qs, vendor, alias, binder)
    return compile_statement(stmt, dialect, binder, loader)


def _add_related(
    qs: QuerySet[Any], joins: Joins, path: str, columns: list[Any], root: LoadNode
) -> None:
    node = root
    walked: tuple[str, ...] = ()
    for part in path.split("__"):
        walked = (*walked, part)
        step = _related_step(qs, joins, node, path, walked)
        child = node.child(step.cache)
        if child is None:
            child = LoadNode(step.model, step.fields, len(columns), step.cache, step.back)
            columns.extend(step.alias.c[f.attname] for f in step.fields)
            node.children.append(child)
        node = child


class _Step(NamedTuple):
    """One relation of a ``select_related`` path: the joined alias and model, the fields
    loaded, the cache the related object goes to and, for a reverse one-to-one, the
    cache of its back-reference to the parent."""

    alias: Any
    model: type[Model]
    fields: list[Field]
    cache: str
    back: str = ""


def _related_step(
    qs: QuerySet[Any], joins: Joins, node: LoadNode, path: str, walked: tuple[str, ...]
) -> _Step:
    """Join the relation ``walked[-1]`` of ``node``'s model: a foreign key or one-to-one
    field, or the reverse side of a one-to-one field."""
    from heron.db.fields.reverse import reverse_one_to_one

    model, part = node.model, walked[-1]
    prefix = "".join(f"{name}__" for name in walked[:-1])
    field = model._meta.fields_map.get(part)
    if field is not None and field.is_relation and not field.many_to_many:
        _check_traversable(model, part, field in node.fields)
        alias, remote = joins.join_forward(walked, field)
        fields = selected_fields(qs, remote, f"{prefix}{part}__")
        return _Step(alias, remote, fields, f"_cache_{part}")
    accessor = reverse_one_to_one(model, part) if field is None else None
    if accessor is None and len(walked) == 1 and joins.filtered and part in joins.filtered:
        return _filtered_step(qs, joins, part, joins.filtered[part])
    if accessor is None:
        raise FieldError(
            f"select_related('{path}'): '{part}' is not a foreign key or one-to-one "
            f"field of {model._meta.object_name}, nor the reverse side of a one-to-one field."
        )
    _check_traversable(model, part, _relation_kept(qs, prefix, part))
    key = accessor.field
    alias, remote = joins.join_reverse(walked, key)
    fields = selected_fields(qs, remote, f"{prefix}{part}__")
    if key not in fields:  # always loaded: the back-reference checks it
        fields = [*fields, key]
    return _Step(alias, remote, fields, accessor.cache_name, f"_cache_{key.name}")


def _filtered_step(qs: QuerySet[Any], joins: Joins, name: str, filtered: Any) -> _Step:
    """Join the ``FilteredRelation`` alias ``name`` (``filtered``: its ``FilteredJoin``);
    its object (None where the condition fails) is loaded as the attribute ``name``."""
    if filtered.multi:
        raise FieldError(
            f"select_related('{name}'): the FilteredRelation '{name}' follows a multi-valued "
            "relation; only a foreign key or one-to-one can be selected."
        )
    alias, remote = filtered.join(joins)
    return _Step(alias, remote, selected_fields(qs, remote, f"{name}__"), name)


def _relation_kept(qs: QuerySet[Any], prefix: str, name: str) -> bool:
    """Whether ``only()``/``defer()`` keep the reverse relation ``name`` of the model at
    path ``prefix`` (``only("name", "profile__bio")`` does)."""
    keep = _kept_names(qs, prefix)
    return (keep is None or name in keep) and prefix + name not in qs._defer


def _check_traversable(model: type[Model], part: str, loaded: bool) -> None:
    """Refuse to follow a relation that ``only()``/``defer()`` left out, as Django does."""
    if not loaded:
        raise FieldError(
            f"Field {model._meta.object_name}.{part} cannot be both deferred and "
            "traversed using select_related at the same time."
        )


def _converter(expr: Any, where: WhereBuilder, general: Any) -> Any:
    """How an annotation's value is read: ``general`` (``expression_converter``), except
    for a window, which knows the type of what it computes."""
    if expr.contains_over:
        from heron.db.query.windows import window_converter

        return window_converter(expr, where)
    return general(expr, where)


# What the transforms give: ``date`` a date, every other one (``year``, ``week_day`` …) an int.
_DATE, _INT = Date(), Integer()


def transform_conversion(last: str, vendor: str) -> ValueConversion:
    """How a value of the transform ``last`` is read (SQLite gives ``date`` as text)."""
    output = _DATE if last == "date" else _INT
    return output.db_converter(vendor), output.db_inline(vendor)


def values_columns(
    qs: QuerySet[Any], joins: Joins, where: WhereBuilder
) -> tuple[list[str], list[Any], list[ValueConversion]]:
    """The names, labelled columns and conversions of a ``values()`` query."""
    from heron.db.query.aggregates import expression_converter

    names = list(qs._fields or ())
    if not names:
        names = [f.attname for f in qs.model._meta.fields]
        names += [name for name in where.annotations if not is_hidden(name)]
    columns = []
    converters: list[ValueConversion] = []
    vendor = where.vendor
    for index, name in enumerate(names):
        if name in where.annotations:
            columns.append(where.annotations[name])
            expr = qs._annotations[name]
            converters.append((_converter(expr, where, expression_converter), None))
            continue
        resolved = joins.resolve(name, allow_lookup=False)
        column = apply_transforms(resolved.column, resolved.transforms, vendor)
        columns.append(column.label(f"c{index}"))
        if resolved.transforms:
            converters.append(transform_conversion(resolved.transforms[-1], vendor))
        else:
            field = resolved.field
            converters.append((field.db_converter(vendor), field.db_inline(vendor)))
    return names, columns, converters


def select_values(qs: QuerySet[Any], vendor: str, binder: Binder) -> Selection:
    """The SELECT of ``qs.values()``/``values_list()``, binding into ``binder``."""
    joins, where, clause, windows = split_query(qs, vendor, binder)
    names, columns, converters = values_columns(qs, joins, where)
    model_columns = [joins.base.c[f.attname] for f in qs.model._meta.fields]
    stmt = finish(
        sa.select(*columns),
        qs,
        joins,
        where,
        clause,
        binder,
        model_columns=model_columns,
        windows=windows,
    )
    return Selection(stmt, ValuesLoader(tuple(names), converters), tuple(names))


def build_values(qs: QuerySet[Any], dialect: Any, vendor: str) -> Statement:
    """``values()``/``values_list()``: chosen columns; ``extra`` is their ``ValuesLoader``."""
    binder = Binder()
    stmt, loader, _ = select_values(qs, vendor, binder)
    return compile_statement(stmt, dialect, binder, loader)


def select_subquery(qs: QuerySet[Any], binder: Binder, vendor: str) -> Any:
    """``qs`` as one-column SELECT for ``field__in=qs`` (its ``values()`` field, else the pk);
    no rows for ``qs.none()``."""
    joins, where, clause, windows = split_query(qs, vendor, binder)
    column = _single_column(qs, joins, where, "__in")
    sliced = qs._low > 0 or qs._high is not None
    stmt = _finish_subquery(sa.select(column.label("v")), qs, joins, where, clause, sliced, windows)
    if sliced:
        # MySQL refuses LIMIT directly inside IN (...); a derived table is accepted everywhere.
        derived = stmt.subquery("s")
        return sa.select(derived.c.v)
    return stmt


def _single_column(qs: QuerySet[Any], joins: Joins, where: WhereBuilder, use: str) -> Any:
    """The one column a subquery selects: its ``values()`` field, else the primary key."""
    if not qs._fields:
        return joins.base.c[qs.model._meta.pk.attname]
    if len(qs._fields) != 1:
        raise FieldError(f"A QuerySet used in {use} must select one field (values_list).")
    name = qs._fields[0]
    if name in where.annotations:
        return where.annotations[name]
    resolved = joins.resolve(name, allow_lookup=False)
    return apply_transforms(resolved.column, resolved.transforms, where.vendor)


def _finish_subquery(
    stmt: Any,
    qs: QuerySet[Any],
    joins: Joins,
    where: WhereBuilder,
    clause: Any,
    ordered: bool,
    windows: WindowFilters | None = None,
) -> Any:
    """``finish()`` for a subquery: no rows for ``qs.none()`` (whose values are still
    collected; their parameters go unused)."""
    if qs._none:
        clause = sa.false()
    model_columns = [joins.base.c[f.attname] for f in qs.model._meta.fields]
    return finish(
        stmt,
        qs,
        joins,
        where,
        clause,
        where.binder,
        model_columns=model_columns,
        ordered=ordered,
        windows=windows,
    )


def _correlated(qs: QuerySet[Any], outer: WhereBuilder) -> tuple[Joins, WhereBuilder, Any]:
    """``base_query()`` of a subquery of ``outer``. Its joins are renamed (``U1T1``…): an
    ``OuterRef`` may read a column of the outer query's ``T1``."""
    operator = getattr(qs, "_operator", None)
    if operator is not None:
        raise NotSupportedError(
            f"Subquery() and Exists() of a {operator}() are not supported; use field__in=."
        )
    joins, where, clause = base_query(qs, outer.vendor, outer.binder, outer)
    for join in joins.joins.values():
        join.alias.name = f"U{where.depth}{join.alias.name}"
    return joins, where, clause


def _enclosing_tables(outer: WhereBuilder | None) -> list[Any]:
    """The tables of every query enclosing a subquery (``OuterRef(OuterRef(...))`` reads
    two levels out, past SQLAlchemy's automatic correlation to the nearest one)."""
    tables: list[Any] = []
    while outer is not None:
        tables.append(outer.joins.base)
        tables.extend(join.alias for join in outer.joins.joins.values())
        outer = outer.outer
    return tables


def scalar_subquery(qs: QuerySet[Any], outer: WhereBuilder) -> Any:
    """``(SELECT field ... [ORDER BY ... LIMIT n])``: ``Subquery(qs)`` inside ``outer``."""
    joins, where, clause = _correlated(qs, outer)
    column = _single_column(qs, joins, where, "Subquery()")
    stmt = _finish_subquery(sa.select(column), qs, joins, where, clause, True)
    return stmt.correlate(*_enclosing_tables(outer)).scalar_subquery()


def exists_subquery(qs: QuerySet[Any], outer: WhereBuilder) -> Any:
    """``EXISTS (SELECT 1 ...)``: ``Exists(qs)`` inside ``outer`` (unordered unless sliced)."""
    joins, where, clause = _correlated(qs, outer)
    sliced = qs._low > 0 or qs._high is not None
    stmt = _finish_subquery(sa.select(sa.literal_column("1")), qs, joins, where, clause, sliced)
    return stmt.correlate(*_enclosing_tables(outer)).exists()


def _identity_columns(qs: QuerySet[Any], joins: Joins, where: WhereBuilder) -> list[Any]:
    if qs._fields:
        return values_columns(qs, joins, where)[1]
    return [joins.base.c[f.attname] for f in qs.model._meta.fields]


def build_count(qs: QuerySet[Any], dialect: Any, vendor: str) -> Statement:
    """``SELECT COUNT(*)`` of the rows ``qs`` would return."""
    binder = Binder()
    joins, where, clause, windows = split_query(qs, vendor, binder)
    nested = qs._distinct or qs._high is not None or qs._low or qs._group_by is not None
    if nested or windows is not None:
        columns = _identity_columns(qs, joins, where)
        inner = finish(
            sa.select(*[c.label(f"c{i}") for i, c in enumerate(columns)]),
            qs,
            joins,
            where,
            clause,
            binder,
            model_columns=[joins.base.c[f.attname] for f in qs.model._meta.fields],
            ordered=False,
            windows=windows,
        )
        stmt = sa.select(sa.func.count()).select_from(inner.subquery("q"))
    else:
        stmt = sa.select(sa.func.count()).select_from(joins.from_clause())
        if clause is not None:
            stmt = stmt.where(clause)
    return compile_statement(stmt, dialect, binder)


def build_exists(qs: QuerySet[Any], dialect: Any, vendor: str) -> Statement:
    """``SELECT 1 ... LIMIT 1``."""
    binder = Binder()
    joins, where, clause, windows = split_query(qs, vendor, binder)
    nested = qs._high is not None or qs._low or qs._group_by is not None or qs._having
    if nested or windows is not None:
        inner = finish(
            sa.select(joins.base.c[qs.model._meta.pk.attname]),
            qs,
            joins,
            where,
            clause,
            binder,
            model_columns=[joins.base.c[f.attname] for f in qs.model._meta.fields],
            ordered=False,
            windows=windows,
        )
        stmt: Any = sa.select(sa.literal_column("1")).select_from(inner.subquery("q")).limit(1)
    else:
        stmt = sa.select(sa.literal_column("1")).select_from(joins.from_clause())
        if clause is not None:
            stmt = stmt.where(clause)
        stmt = stmt.limit(1)
    return compile_statement(stmt, dialect, binder)
