"""Saving model instances: INSERT (with RETURNING for generated keys) or UPDATE by pk.

A field set to an expression (``book.pages = F("pages") + 1``) is updated in SQL, as
``QuerySet.update()`` writes it; as in Django, the attribute keeps the expression until
``refresh_from_db()``.
"""

from __future__ import annotations

from asyncio import _get_running_loop
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from heron.db.connections import connections
from heron.db.errors import AsyncContextError
from heron.db.fields.dbdefault import DB_DEFAULT
from heron.db.fields.scalars import AutoField
from heron.db.fields.vendorsql import dialect_vendor
from heron.db.query.compiler import CACHE, Binder, Statement, compile_statement
from heron.db.query.expressions import Combinable
from heron.db.query.plans import Plan, arun, run
from heron.db.signals import asend, post_save, pre_save, save_hooks, send

if TYPE_CHECKING:
    from heron.db.fields.base import Field
    from heron.db.models.base import Model

__all__ = [
    "asave_instance",
    "filled_fields",
    "has_expressions",
    "insert_statement",
    "mark_saved",
    "returned_storer",
    "save_instance",
    "select_statement",
    "store_returned",
    "update_statement",
    "writable",
]


def has_expressions(values: Iterable[Any]) -> bool:
    """Whether any of ``values`` is an expression (``F("n") + 1``): one pass in C over the
    values, then a check per distinct type."""
    return any(issubclass(kind, Combinable) for kind in set(map(type, values)))


def field_preparer(field: Field, vendor: str) -> Any:
    """Python value → driver value for ``field`` (``get_prep_value`` then the vendor's form)."""
    to_value = field.get_prep_value
    to_db = field.db_preparer(vendor)
    exact = field.python_type
    if exact is not None:
        # A value already of the field's type needs no coercion: skip the call.
        if to_db is None:

            def prep_exact(value: Any) -> Any:
                return value if type(value) is exact else to_value(value)

            return prep_exact

        def prep_exact_db(value: Any) -> Any:
            if type(value) is not exact:
                value = to_value(value)
                if value is None:
                    return None
            return to_db(value)

        return prep_exact_db
    if to_db is None:
        return to_value

    def prep(value: Any) -> Any:
        value = to_value(value)
        return None if value is None else to_db(value)

    return prep


def insert_statement(
    model: type[Model],
    fields: Sequence[Field],
    returning: bool,
    dialect: Any,
    vendor: str,
    returned: Sequence[Field] = (),
) -> Statement:
    """``INSERT INTO t (fields) VALUES (...) [RETURNING pk, returned]``, cached per field
    list (``returned``: the columns the database fills, read back)."""
    key: tuple[Any, ...] = ("insert", model, tuple(f.attname for f in fields), returning, dialect)
    if returned:
        key += tuple(f.attname for f in returned)
    stmt = CACHE.get(key)
    if stmt is None:
        binder = Binder()
        table = model._meta.table
        values = {table.c[f.attname]: binder.bind(field_preparer(f, vendor)) for f in fields}
        query: Any = sa.insert(table).values(values) if values else sa.insert(table)
        columns = [table.c[model._meta.pk.attname]] if returning else []
        columns += [table.c[f.attname] for f in returned]
        if columns:
            query = query.returning(*columns)
        stmt = compile_statement(query, dialect, binder)
        CACHE[key] = stmt
    return stmt


def select_statement(model: type[Model], fields: Sequence[Field], dialect: Any) -> Statement:
    """``SELECT fields FROM t WHERE pk = ?``: the values the database gave a saved row,
    where the statement writing it cannot return them."""
    key = ("read-back", model, tuple(f.attname for f in fields), dialect)
    stmt = CACHE.get(key)
    if stmt is None:
        binder = Binder()
        table = model._meta.table
        pk = model._meta.pk
        query = sa.select(*[table.c[f.attname] for f in fields]).where(
            table.c[pk.attname] == binder.bind(field_preparer(pk, dialect_vendor(dialect.name)))
        )
        stmt = compile_statement(query, dialect, binder)
        CACHE[key] = stmt
    return stmt


def returned_storer(fields: Sequence[Field], vendor: str) -> Callable[[Model, Sequence[Any]], None]:
    """A function putting the values the database gave ``fields`` (a row read back) on an
    instance, converted as the fields read them."""
    readers = [(f.attname, f.db_converter(vendor)) for f in fields]
    if len(readers) == 1:  # the usual case: an auto primary key
        ((attname, conv),) = readers

        def store_one(obj: Model, row: Sequence[Any]) -> None:
            value = row[0]
            obj.__dict__[attname] = conv(value) if conv is not None and value is not None else value

        return store_one

    def store(obj: Model, row: Sequence[Any]) -> None:
        data = obj.__dict__
        for (attname, conv), value in zip(readers, row, strict=True):
            data[attname] = conv(value) if conv is not None and value is not None else value

    return store


def store_returned(obj: Model, fields: Sequence[Field], row: Sequence[Any], vendor: str) -> None:
    """Put the values the database gave ``fields`` (a row read back) on ``obj``."""
    returned_storer(fields, vendor)(obj, row)


def writable(obj: Model, fields: Sequence[Field], add: bool) -> list[Field]:
    """``fields`` less those the database fills: generated columns, and fields holding
    ``DB_DEFAULT``. A value given to a generated field of a new instance is refused."""
    data = obj.__dict__
    kept = []
    for field in fields:
        value = data.get(field.attname)
        if field.generated:
            if add and value is not DB_DEFAULT and not data.get("_persisted", False):
                raise ValueError(generated_error(type(obj), field))
        elif value is not DB_DEFAULT:
            kept.append(field)
    return kept


def generated_error(model: type[Model], field: Field) -> str:
    """Why a value for the generated ``field`` is refused."""
    return (
        f"{model.__name__}.{field.name} is a GeneratedField: the database computes "
        "its value, which cannot be written."
    )


def filled_fields(obj: Model) -> list[Field]:
    """The fields whose value the database gives a row being written: generated ones,
    and those holding ``DB_DEFAULT`` (left out of the INSERT or UPDATE)."""
    data = obj.__dict__
    return [
        f for f in obj._meta.db_returning_fields if f.generated or data.get(f.attname) is DB_DEFAULT
    ]


def update_statement(
    model: type[Model], fields: Sequence[Field], dialect: Any, vendor: str
) -> Statement:
    """``UPDATE t SET fields WHERE pk = ?``, cached per field list."""
    key = ("update-one", model, tuple(f.attname for f in fields), dialect)
    stmt = CACHE.get(key)
    if stmt is None:
        binder = Binder()
        table = model._meta.table
        pk = model._meta.pk
        values = {table.c[f.attname]: binder.bind(field_preparer(f, vendor)) for f in fields}
        query = (
            sa.update(table)
            .values(values)
            .where(table.c[pk.attname] == binder.bind(field_preparer(pk, vendor)))
        )
        stmt = compile_statement(query, dialect, binder)
        CACHE[key] = stmt
    return stmt


def _save_plan(
    obj: Model,
    db: Any,
    force_insert: bool,
    force_update: bool,
    update_fields: Iterable[str] | None,
) -> Any:
    meta = obj._meta
    pk = meta.pk
    data = obj.__dict__
    persisted = data.get("_persisted", False)
    if force_insert and (force_update or update_fields):
        raise ValueError("Cannot force both insert and updating in save().")

    def make(dialect: Any) -> Plan[None]:
        if update_fields is not None:
            names = set(update_fields)
            if not names:
                return
            chosen = [f for f in meta.fields if (f.name in names or f.attname in names)]
            unknown = names - {f.name for f in chosen} - {f.attname for f in chosen}
            if unknown:
                raise ValueError(
                    f"update_fields names unknown fields: {', '.join(sorted(unknown))}."
                )
            filled = meta.db_returning_fields
            if filled:
                for field in chosen:
                    if field.generated:
                        raise ValueError(generated_error(type(obj), field))
            yield from _update(chosen, dialect, required=True)
            if filled:
                yield from _read_back(obj, filled_fields(obj), db, dialect)
            return
        pk_value = data.get(pk.attname)
        # An UPDATE is tried first for a loaded instance, and for a new one whose primary
        # key the caller chose (a key with no default): its row may well exist already.
        chosen_pk = pk_value is not None and not pk.has_default
        if (persisted or force_update or chosen_pk) and not force_insert and pk_value is not None:
            # Only what is loaded: a field left out by only()/defer() keeps its stored value.
            fields = [f for f in meta.fields if not f.primary_key and f.attname in data]
            filled = meta.db_returning_fields
            if filled:
                fields = writable(obj, fields, False)
            if fields or persisted or force_update:  # a new key-only row: straight to INSERT
                updated = yield from _update(fields, dialect, required=force_update)
                if updated:
                    if filled:
                        yield from _read_back(obj, filled_fields(obj), db, dialect)
                    return
        yield from _insert(dialect)

    def _update(fields: list[Field], dialect: Any, required: bool) -> Plan[bool]:
        if not fields:
            return True
        values = [f.pre_save(obj, False) for f in fields]
        if has_expressions(values):
            sql, params = _expression_update(obj, fields, values, db, dialect)
        else:
            stmt = update_statement(type(obj), fields, dialect, db.vendor)
            values.append(data.get(pk.attname))
            sql, params = stmt.sql, stmt.bind(values)
        count = yield ("execute", sql, params)
        if not count and required:
            raise type(obj).DoesNotExist(
                f"Cannot update {type(obj).__name__} {obj.pk!r}: the row does not exist."
            )
        return bool(count)

    def _insert(dialect: Any) -> Plan[None]:
        pk_value = data.get(pk.attname)
        generated = pk_value is None and isinstance(pk, AutoField)
        fields = [f for f in meta.fields if not (generated and f is pk)]
        if meta.db_returning_fields:
            yield from _insert_filled(obj, fields, generated, db, dialect)
            return
        stmt = insert_statement(type(obj), fields, generated, dialect, db.vendor)
        values = [f.pre_save(obj, True) for f in fields]
        params = stmt.bind(values)
        if generated:
            row = yield ("fetchone", stmt.sql, params)
            conv = pk.db_converter(db.vendor)
            data[pk.attname] = conv(row[0]) if conv is not None else row[0]
        else:
            yield ("execute", stmt.sql, params)

    return make


def _insert_filled(
    obj: Model, fields: list[Field], generated: bool, db: Any, dialect: Any
) -> Plan[None]:
    """The INSERT of a model with fields the database fills (``generated``: its auto
    primary key too), those values read back: by RETURNING, else by a SELECT after it."""
    filled = filled_fields(obj)
    fields = writable(obj, fields, True)
    returning = bool(getattr(dialect, "insert_returning", False))
    returned = filled if returning else []
    stmt = insert_statement(type(obj), fields, generated, dialect, db.vendor, returned)
    params = stmt.bind([f.pre_save(obj, True) for f in fields])
    if not (generated or returned):
        yield ("execute", stmt.sql, params)
    else:
        row = tuple((yield ("fetchone", stmt.sql, params)))
        if generated:
            store_returned(obj, [obj._meta.pk], row[:1], db.vendor)
        store_returned(obj, returned, row[1:] if generated else row, db.vendor)
    if not returning:
        yield from _read_back(obj, filled, db, dialect)


def _read_back(obj: Model, fields: list[Field], db: Any, dialect: Any) -> Plan[None]:
    """Read the values the database gave ``fields`` of ``obj``'s row."""
    if fields:
        stmt = select_statement(type(obj), fields, dialect)
        row = yield ("fetchone", stmt.sql, stmt.bind([obj.pk]))
        if row is not None:
            store_returned(obj, fields, row, db.vendor)


def _expression_update(
    obj: Model, fields: list[Field], values: list[Any], db: Any, dialect: Any
) -> tuple[str, tuple[Any, ...]]:
    """The UPDATE of ``obj``'s row where some values are expressions: ``QuerySet.update()``'s."""
    from heron.db.query.execution import update_statement as queryset_update

    row = type(obj)._base_manager.using(db.alias).filter(pk=obj.pk)
    changes = {f.name: value for f, value in zip(fields, values, strict=True)}
    stmt, params = queryset_update(row, db, dialect, changes)
    return stmt.sql, params


def save_instance(
    obj: Model,
    using: str | None,
    force_insert: bool,
    force_update: bool,
    update_fields: Iterable[str] | None,
) -> None:
    """``Model.save()``."""
    if _get_running_loop() is not None:
        raise AsyncContextError(f"{type(obj).__name__}.save()", "asave()")
    alias = using or obj._db or "default"
    db = connections[alias]
    if save_hooks:
        save = _SignalledSave(obj, db, alias, force_insert, force_update, update_fields)
        _signalled_save(obj, db, alias, save)
        return
    run(db, _save_plan(obj, db, force_insert, force_update, update_fields))
    mark_saved(obj, alias)


def _noting_inserts(make: Any, inserted: list[bool]) -> Any:
    """The save plan ``make``, appending ``True`` to ``inserted`` when it sends an
    INSERT (for ``post_save``'s ``created``; the plan itself is left as lean as it is)."""

    def noting(dialect: Any) -> Plan[None]:
        plan = make(dialect)
        result: Any = None
        try:
            while True:
                request = plan.send(result)
                if request[1].lstrip()[:6].upper() == "INSERT":
                    inserted.append(True)
                result = yield request
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]

    return noting


class _SignalledSave:
    """A save that sends ``pre_save``/``post_save``: its plan (watched for an INSERT, for
    ``created``) and the receivers' arguments. An empty ``update_fields`` writes nothing
    and sends nothing (``silent``)."""

    def __init__(
        self,
        obj: Model,
        db: Any,
        alias: str,
        force_insert: bool,
        force_update: bool,
        update_fields: Iterable[str] | None,
    ) -> None:
        fields = None if update_fields is None else frozenset(update_fields)
        self.inserted: list[bool] = []
        self.plan = _noting_inserts(
            _save_plan(obj, db, force_insert, force_update, fields), self.inserted
        )
        self.silent = fields is not None and not fields
        self.arguments = {"instance": obj, "raw": False, "using": alias, "update_fields": fields}

    def after(self) -> dict[str, Any]:
        """``post_save``'s arguments, once the plan ran."""
        return {**self.arguments, "created": bool(self.inserted)}


def _signalled_save(obj: Model, db: Any, alias: str, save: _SignalledSave) -> None:
    """``save_instance()`` with ``pre_save`` before the write and ``post_save`` after it."""
    model = type(obj)
    operation = f"{model.__name__}.save()"
    if not save.silent:
        send(pre_save, model, operation, "asave()", **save.arguments)
    run(db, save.plan)
    mark_saved(obj, alias)
    if not save.silent:
        send(post_save, model, operation, "asave()", **save.after())


async def asave_instance(
    obj: Model,
    using: str | None,
    force_insert: bool,
    force_update: bool,
    update_fields: Iterable[str] | None,
) -> None:
    """``Model.asave()``."""
    alias = using or obj._db or "default"
    db = connections[alias]
    if save_hooks:
        save = _SignalledSave(obj, db, alias, force_insert, force_update, update_fields)
        await _asignalled_save(obj, db, alias, save)
        return
    await arun(db, _save_plan(obj, db, force_insert, force_update, update_fields))
    mark_saved(obj, alias)


async def _asignalled_save(obj: Model, db: Any, alias: str, save: _SignalledSave) -> None:
    """``_signalled_save()`` on the async driver, awaiting async receivers."""
    model = type(obj)
    if not save.silent:
        await asend(pre_save, model, **save.arguments)
    await arun(db, save.plan)
    mark_saved(obj, alias)
    if not save.silent:
        await asend(post_save, model, **save.after())


def mark_saved(obj: Model, alias: str) -> None:
    """``obj`` now has a row on ``alias``: its later saves and relations go there."""
    data = obj.__dict__
    data["_persisted"] = True
    if alias != "default":
        data["_db"] = alias
    elif "_db" in data:
        del data["_db"]  # loaded from another database, saved to default
