"""``bulk_create()`` and ``bulk_update()``: many rows per statement, sync or async.

``bulk_create`` sends multi-row ``INSERT ... VALUES (...), (...)`` statements. The SQL of
one row is compiled by SQLAlchemy once per field list and conflict mode; an N-row
statement repeats its ``VALUES`` group (renumbering ``$n`` placeholders for asyncpg), so
any batch size costs no compilation. ``bulk_update`` sends one
``UPDATE ... SET f = CASE WHEN pk = ? THEN ? ... END WHERE pk IN (...)`` per batch, each
batch padded to a power of two (repeating its last object) so only a few shapes exist.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from heron.db.backends.base import NativeSQL
from heron.db.connections import connections
from heron.db.fields.base import Field
from heron.db.fields.scalars import AutoField
from heron.db.models.exceptions import FieldError
from heron.db.query.compiler import (
    Binder,
    Statement,
    WhereBuilder,
    compile_statement,
    expr_shape,
    in_bucket,
)
from heron.db.query.execution import cached
from heron.db.query.expressions import Combinable
from heron.db.query.paths import Joins
from heron.db.query.persistence import (
    field_preparer,
    generated_error,
    has_expressions,
    mark_saved,
    returned_storer,
    writable,
)
from heron.db.query.plans import Plan, arun, run

if TYPE_CHECKING:
    from heron.db.models.base import Model
    from heron.db.query.queryset import QuerySet

__all__ = ["abulk_create", "abulk_update", "bulk_create", "bulk_update"]

# Parameters per statement (SQLite's limit is 32,766, asyncpg's 32,767). Measured on
# 10,000 five-column rows, statements of ~5,000 parameters were fastest on PostgreSQL
# (psycopg parses a long statement's placeholders on every call) and no slower elsewhere.
MAX_PARAMS = 5000
MAX_UPDATE_BATCH = 1024
_DOLLAR = re.compile(r"\$(\d+)")
_FORMAT = re.compile(r"%s")


class _Insert:
    """A compiled one-row INSERT, expanded to N rows on demand."""

    __slots__ = (
        "_sql",
        "binder",
        "group",
        "head",
        "native",
        "params",
        "returning",
        "tail",
        "width",
    )

    def __init__(self, stmt: Statement, width: int, returning: bool, native: bool) -> None:
        sql = stmt.sql
        start = sql.index(" VALUES (") + len(" VALUES ")
        depth = 0
        end = start
        for end in range(start, len(sql)):
            depth += {"(": 1, ")": -1}.get(sql[end], 0)
            if depth == 0:
                break
        self.head = sql[:start]
        self.group = sql[start : end + 1]
        self.tail = sql[end + 1 :]
        self.params = stmt.params
        self.width = width
        self.returning = returning
        # psycopg parses the `%s` of a long statement on every call: where the backend takes
        # its server's own placeholders, the group is numbered `$n` once and sent unparsed.
        self.native = native and _only_format_placeholders(self.head, self.group, self.tail)
        if self.native:
            numbers = iter(range(1, self.group.count("%s") + 1))
            self.group = _FORMAT.sub(lambda m: f"${next(numbers)}", self.group)
        self._sql: dict[int, str] = {}  # by row count: full batches repeat one size
        self.binder: Callable[[Sequence[Model]], list[Any]] | None = None

    def _renumbered(self, shift: int) -> str:
        return _DOLLAR.sub(lambda m: f"${int(m.group(1)) + shift}", self.group)

    def sql(self, rows: int) -> str:
        """The statement inserting ``rows`` rows."""
        text = self._sql.get(rows)
        if text is None:
            if "$" in self.group:
                groups = [self._renumbered(k * self.width) for k in range(rows)]
            else:
                groups = [self.group] * rows
            text = f"{self.head}{', '.join(groups)}{self.tail}"
            if self.native:
                text = NativeSQL(text)
            if len(self._sql) < 8:
                self._sql[rows] = text
        return text


def _only_format_placeholders(head: str, group: str, tail: str) -> bool:
    """The statement's only ``%`` are the group's ``%s`` (no literal ``%%`` anywhere)."""
    return "%" not in head + tail and group.count("%") == group.count("%s") > 0


def _insert(
    model: type[Model],
    fields: Sequence[Field],
    dialect: Any,
    vendor: str,
    returned: Sequence[Field],
    conflict: tuple[str, tuple[str, ...], tuple[str, ...]] | None,
    native: bool = False,
) -> _Insert:
    def build() -> Statement:
        binder = Binder()
        table = model._meta.table
        row = {table.c[f.attname]: binder.bind(field_preparer(f, vendor)) for f in fields}
        stmt: Any = _dialect_insert(vendor, table).values(row)
        if conflict is not None:
            stmt = _on_conflict(stmt, vendor, table, *conflict)
        if returned:
            stmt = stmt.returning(*[table.c[f.attname] for f in returned])
        compiled = compile_statement(stmt, dialect, binder)
        return Statement(
            compiled.sql, compiled.params, _Insert(compiled, len(fields), bool(returned), native)
        )

    names = tuple(f.attname for f in returned)
    key = ("bulk-insert", model, tuple(f.attname for f in fields), names, conflict, dialect)
    insert: _Insert = cached(key, build).extra
    return insert


def _dialect_insert(vendor: str, table: Any) -> Any:
    if vendor == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    if vendor == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table)
    from sqlalchemy.dialects.mysql import insert as mysql_insert

    return mysql_insert(table)


def _on_conflict(
    stmt: Any, vendor: str, table: Any, mode: str, update: tuple[str, ...], unique: tuple[str, ...]
) -> Any:
    if mode == "ignore":
        return stmt.prefix_with("IGNORE") if vendor == "mysql" else stmt.on_conflict_do_nothing()
    if vendor == "mysql":
        return stmt.on_duplicate_key_update({name: stmt.inserted[name] for name in update})
    return stmt.on_conflict_do_update(
        index_elements=[table.c[name] for name in unique],
        set_={name: stmt.excluded[name] for name in update},
    )


def _conflict(
    model: type[Model],
    vendor: str,
    ignore: bool,
    update: bool,
    update_fields: Sequence[str] | None,
    unique_fields: Sequence[str] | None,
) -> tuple[str, tuple[str, ...], tuple[str, ...]] | None:
    if ignore and update:
        raise ValueError("ignore_conflicts and update_conflicts are mutually exclusive.")
    if ignore:
        return ("ignore", (), ())
    if not update:
        return None
    meta = model._meta
    if not update_fields:
        raise ValueError("update_conflicts=True needs update_fields.")
    if vendor != "mysql" and not unique_fields:
        raise ValueError("update_conflicts=True needs unique_fields on this database.")
    updates = tuple(meta.get_field(n).attname for n in update_fields)
    uniques = tuple(meta.get_field(n).attname for n in unique_fields or ())
    return ("update", updates, uniques)


def _check_objects(model: type[Model], objs: Sequence[Model]) -> None:
    if model._meta.abstract:
        raise TypeError(f"Cannot bulk_create the abstract model {model.__name__}.")
    for obj in objs:
        if type(obj) is not model:
            raise TypeError(f"bulk_create() of {model.__name__} got a {type(obj).__name__}.")


def _create_plan(
    qs: QuerySet[Any],
    objs: Sequence[Model],
    db: Any,
    batch_size: int | None,
    conflict: tuple[str, tuple[str, ...], tuple[str, ...]] | None,
) -> Any:
    model = qs.model
    vendor = db.vendor
    groups = _groups(model, objs)

    def make(dialect: Any) -> Plan[None]:
        can_return = bool(getattr(dialect, "insert_returning", False)) and (
            conflict is None or conflict[0] == "update"
        )
        for group, fields, filled in groups:
            returned = filled if can_return else []
            insert = _insert(
                model, fields, dialect, vendor, returned, conflict, db.native_placeholders
            )
            size = _batch(batch_size, len(fields), len(group))
            store = returned_storer(returned, vendor)
            for start in range(0, len(group), size):
                batch = group[start : start + size]
                params = tuple(_bind_rows(insert, fields, batch))
                sql = insert.sql(len(batch))
                if returned:
                    rows = yield ("fetchall", sql, params)
                    for obj, row in zip(batch, rows, strict=True):
                        store(obj, row)
                else:
                    yield ("execute", sql, params)

    return make


_Group = tuple[list[Any], list[Field], list[Field]]


def _groups(model: type[Model], objs: Sequence[Model]) -> list[_Group]:
    """The objects by the fields their INSERT writes: ``(objects, fields written, fields
    the database fills)``. An auto primary key left unset is filled by the database; so
    are generated fields and those holding ``DB_DEFAULT``."""
    meta = model._meta
    pk = meta.pk
    auto = isinstance(pk, AutoField)
    if not meta.db_returning_fields:
        without_pk = [o for o in objs if auto and o.__dict__.get(pk.attname) is None]
        with_pk = [o for o in objs if not (auto and o.__dict__.get(pk.attname) is None)]
        return [
            group
            for group in (
                (with_pk, list(meta.fields), []),
                (without_pk, [f for f in meta.fields if f is not pk], [pk]),
            )
            if group[0]
        ]
    found: dict[tuple[str, ...], _Group] = {}
    for obj in objs:
        fields = writable(obj, meta.fields, True)
        if auto and obj.__dict__.get(pk.attname) is None:
            fields.remove(pk)
        filled = [f for f in meta.fields if f not in fields]
        key = tuple(f.attname for f in fields)
        found.setdefault(key, ([], fields, filled))[0].append(obj)
    return list(found.values())


def _bind_rows(insert: _Insert, fields: Sequence[Field], batch: Sequence[Model]) -> list[Any]:
    """The parameters of a batch, row after row, in the statement's binding order."""
    if insert.binder is None:
        insert.binder = _row_binder(insert, fields)
    return insert.binder(batch)


def _row_binder(insert: _Insert, fields: Sequence[Field]) -> Callable[[Sequence[Model]], list[Any]]:
    """A generated loop reading each object's values as one tuple display per row.

    A field whose ``pre_save`` only reads the value is read straight from the instance
    dict; the others (``auto_now``…) go through ``pre_save``.
    """
    namespace: dict[str, Any] = {}
    values = []
    for n, (i, prep) in enumerate(insert.params):
        field = fields[i]
        if field.reads_value_on_save:
            value = f"d.get({field.attname!r})"
        else:
            namespace[f"f{n}"] = field
            value = f"f{n}.pre_save(obj, True)"
        if prep is not None:
            namespace[f"p{n}"] = prep
            value = f"p{n}({value})"
        values.append(value)
    source = (
        "def bind(batch):\n"
        "    out = []\n"
        "    extend = out.extend\n"
        "    for obj in batch:\n"
        "        d = obj.__dict__\n"
        f"        extend(({', '.join(values)},))\n"
        "    return out\n"
    )
    exec(compile(source, "<heron bulk binder>", "exec"), namespace)
    binder: Callable[[Sequence[Model]], list[Any]] = namespace["bind"]
    return binder


def _batch(batch_size: int | None, width: int, count: int) -> int:
    limit = max(1, MAX_PARAMS // max(1, width))
    if batch_size is not None:
        if batch_size <= 0:
            raise ValueError("batch_size must be positive.")
        limit = min(limit, batch_size)
    return max(1, min(limit, count))


def _finish_created(objs: Sequence[Model], alias: str) -> None:
    for obj in objs:
        mark_saved(obj, alias)


def _create_setup(
    qs: QuerySet[Any],
    objs: list[Any],
    batch_size: int | None,
    ignore: bool,
    update: bool,
    update_fields: Sequence[str] | None,
    unique_fields: Sequence[str] | None,
) -> tuple[Any, Any, bool]:
    _check_objects(qs.model, objs)
    db = connections[qs.db]
    conflict = _conflict(qs.model, db.vendor, ignore, update, update_fields, unique_fields)
    make = _create_plan(qs, objs, db, batch_size, conflict)
    width = len(qs.model._meta.fields)
    several = len(objs) > _batch(batch_size, width, len(objs))
    return db, make, several


def bulk_create(
    qs: QuerySet[Any],
    objs: list[Any],
    batch_size: int | None,
    ignore: bool,
    update: bool,
    update_fields: Sequence[str] | None,
    unique_fields: Sequence[str] | None,
) -> list[Any]:
    """``QuerySet.bulk_create()``: one transaction when there are several batches."""
    if not objs:
        return objs
    from heron.db.transaction import atomic

    db, make, several = _create_setup(
        qs, objs, batch_size, ignore, update, update_fields, unique_fields
    )
    if several:
        with atomic(using=db.alias):
            run(db, make)
    else:
        run(db, make)
    _finish_created(objs, db.alias)
    return objs


async def abulk_create(
    qs: QuerySet[Any],
    objs: list[Any],
    batch_size: int | None,
    ignore: bool,
    update: bool,
    update_fields: Sequence[str] | None,
    unique_fields: Sequence[str] | None,
) -> list[Any]:
    """``QuerySet.abulk_create()``."""
    if not objs:
        return objs
    from heron.db.transaction import atomic

    db, make, several = _create_setup(
        qs, objs, batch_size, ignore, update, update_fields, unique_fields
    )
    if several:
        async with atomic(using=db.alias):
            await arun(db, make)
    else:
        await arun(db, make)
    _finish_created(objs, db.alias)
    return objs


# -- bulk_update -------------------------------------------------------------------------------


def _update_fields(model: type[Model], names: Sequence[str]) -> list[Field]:
    if not names:
        raise ValueError("bulk_update() needs field names.")
    fields = []
    for name in names:
        field = model._meta.get_field(name)
        if field.many_to_many or not field.concrete:
            raise ValueError(f"bulk_update() cannot update the many-to-many field '{name}'.")
        if field.primary_key:
            raise ValueError("bulk_update() cannot update primary keys.")
        if field.generated:
            raise ValueError(generated_error(model, field))
        fields.append(field)
    return fields


def _update_statement(
    model: type[Model],
    fields: Sequence[Field],
    rows: int,
    dialect: Any,
    vendor: str,
    layout: tuple[Any, ...] | None = None,
    batch: Sequence[Model] = (),
) -> Statement:
    """The UPDATE of ``rows`` rows. ``layout`` (with the ``batch``), where some values are
    expressions: per field, per row, the expression's shape, or None for a value."""

    def build() -> Statement:
        from heron.db.query.update import assigned

        binder = Binder()
        setter = WhereBuilder(Joins(model), binder, vendor)
        table = model._meta.table
        pk = model._meta.pk
        pk_col = table.c[pk.attname]
        pk_prep = field_preparer(pk, vendor)
        assignments = {}
        for n, field in enumerate(fields):
            column = table.c[field.attname]
            prep = field_preparer(field, vendor)
            whens = []
            for row in range(rows):
                key = binder.bind(pk_prep)
                value: Any
                if layout is None or layout[n][row] is None:
                    value = binder.bind(prep, type_=column.type)
                else:
                    value = assigned(setter, field, batch[row].__dict__[field.attname])
                if vendor == "postgresql":
                    value = sa.cast(value, column.type)
                whens.append((pk_col == key, value))
            assignments[column] = sa.case(*whens, else_=column)
        keys = [binder.bind(pk_prep) for _ in range(rows)]
        stmt = sa.update(table).values(assignments).where(pk_col.in_(keys))
        return compile_statement(stmt, dialect, binder)

    key = ("bulk-update", model, tuple(f.attname for f in fields), rows, dialect, layout)
    return cached(key, build)


def _with_expressions(
    fields: Sequence[Field], batch: Sequence[Model], pk: str
) -> tuple[tuple[Any, ...], list[Any]]:
    """The layout (see ``_update_statement``) and values of a batch holding expressions."""
    values: list[Any] = []
    layout = []
    for field in fields:
        shapes = []
        for obj in batch:
            values.append(obj.__dict__[pk])
            value = obj.__dict__.get(field.attname)
            if isinstance(value, Combinable):
                shapes.append(expr_shape(value, values))
            else:
                values.append(value)
                shapes.append(None)
        layout.append(tuple(shapes))
    values.extend(obj.__dict__[pk] for obj in batch)
    return tuple(layout), values


def _update_plan(
    qs: QuerySet[Any], objs: Sequence[Model], fields: list[Field], batch_size: int | None, db: Any
) -> Any:
    model = qs.model
    pk = model._meta.pk

    def make(dialect: Any) -> Plan[int]:
        size = min(_batch(batch_size, 2 * len(fields) + 1, len(objs)), MAX_UPDATE_BATCH)
        total = 0
        for start in range(0, len(objs), size):
            batch = list(objs[start : start + size])
            rows = min(in_bucket(len(batch)), size)
            batch += [batch[-1]] * (rows - len(batch))
            values: list[Any] = []
            for field in fields:
                for obj in batch:
                    values.append(obj.__dict__[pk.attname])
                    values.append(obj.__dict__.get(field.attname))
            cells = values[1::2]  # the fields' values, between their rows' keys
            values.extend(obj.__dict__[pk.attname] for obj in batch)
            if has_expressions(cells):
                layout, values = _with_expressions(fields, batch, pk.attname)
                stmt = _update_statement(model, fields, rows, dialect, db.vendor, layout, batch)
            else:
                stmt = _update_statement(model, fields, rows, dialect, db.vendor)
            count = yield ("execute", stmt.sql, stmt.bind(values))
            total += max(int(count), 0)
        return total

    return make


def _update_setup(
    qs: QuerySet[Any], objs: list[Any], names: Sequence[str], batch_size: int | None
) -> tuple[Any, Any, bool]:
    model = qs.model
    fields = _update_fields(model, names)
    pk = model._meta.pk
    for obj in objs:
        if type(obj) is not model:
            raise TypeError(f"bulk_update() of {model.__name__} got a {type(obj).__name__}.")
        if obj.__dict__.get(pk.attname) is None:
            raise ValueError("All bulk_update() objects must have a primary key set.")
        missing = [f.name for f in fields if f.attname not in obj.__dict__]
        if missing:
            raise FieldError(f"bulk_update(): {', '.join(missing)} not loaded on {obj!r}.")
    db = connections[qs.db]
    size = min(_batch(batch_size, 2 * len(fields) + 1, len(objs)), MAX_UPDATE_BATCH)
    return db, _update_plan(qs, objs, fields, batch_size, db), len(objs) > size


def bulk_update(
    qs: QuerySet[Any], objs: list[Any], names: Sequence[str], batch_size: int | None
) -> int:
    """``QuerySet.bulk_update()``: the number of rows matched."""
    if not objs:
        return 0
    from heron.db.transaction import atomic

    db, make, several = _update_setup(qs, objs, names, batch_size)
    count: int
    if several:
        with atomic(using=db.alias):
            count = run(db, make)
    else:
        count = run(db, make)
    return count


async def abulk_update(
    qs: QuerySet[Any], objs: list[Any], names: Sequence[str], batch_size: int | None
) -> int:
    """``QuerySet.abulk_update()``."""
    if not objs:
        return 0
    from heron.db.transaction import atomic

    db, make, several = _update_setup(qs, objs, names, batch_size)
    if several:
        async with atomic(using=db.alias):
            return await arun(db, make)
    return await arun(db, make)
