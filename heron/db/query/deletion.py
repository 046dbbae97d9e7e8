"""Deleting rows and what points at them, as ``on_delete`` says, in one transaction.

A model nothing points at is deleted with one ``DELETE``. Otherwise Heron collects the
primary keys first and walks the relations: PROTECT/RESTRICT refuse, CASCADE collects the
related rows (recursively), SET_NULL/SET_DEFAULT update them; then rows are deleted before
the rows they point at, whatever order the models were declared in. Doing this in Heron
rather than leaving it to ``ON DELETE`` clauses gives exact per-model counts and works where
a database cannot enforce the rule.
"""

from __future__ import annotations

from asyncio import _get_running_loop
from collections.abc import Sequence
from itertools import groupby
from typing import TYPE_CHECKING, Any

from heron.db.connections import connections
from heron.db.errors import AsyncContextError
from heron.db.fields.related import CASCADE, DO_NOTHING, PROTECT, RESTRICT, SET_DEFAULT, SET_NULL
from heron.db.models.exceptions import ProtectedError, RestrictedError
from heron.db.query import execution
from heron.db.query.compiler import Binder, Statement, compile_statement
from heron.db.query.plans import Plan, arun, run
from heron.db.query.update import matching
from heron.db.signals import asend, delete_hooks, post_delete, pre_delete, send
from heron.db.transaction import atomic

if TYPE_CHECKING:
    from heron.db.models.base import Model
    from heron.db.query.queryset import QuerySet

__all__ = ["adelete_queryset", "delete_queryset"]

BATCH = 500
Counts = dict[str, int]
Row = tuple["type[Model]", Any]
Chunk = tuple["type[Model]", list[Any]]


def _label(model: type[Model]) -> str:
    return f"{model._meta.label}.{model._meta.object_name}"


def _needs_collection(model: type[Model]) -> bool:
    return any(rel.on_delete is not DO_NOTHING for rel in model._meta.related_objects)


def _direct_delete(qs: QuerySet[Any], dialect: Any, vendor: str) -> Statement:
    import sqlalchemy as sa

    binder = Binder()
    stmt = sa.delete(qs.model._meta.table)
    clause = matching(qs, binder, vendor)
    if clause is not None:
        stmt = stmt.where(clause)
    return compile_statement(stmt, dialect, binder)


def _select(qs: QuerySet[Any], db: Any, dialect: Any) -> tuple[str, tuple[Any, ...]]:
    stmt, params = execution.select_statement(qs, db, dialect)
    return stmt.sql, params


def _batches(pks: Sequence[Any]) -> list[list[Any]]:
    return [list(pks[i : i + BATCH]) for i in range(0, len(pks), BATCH)]


def _reach(models: list[type[Model]]) -> dict[type[Model], set[type[Model]]]:
    """For each of ``models``, those of ``models`` it points at by foreign keys, directly or
    through others, itself included. SET_NULL/SET_DEFAULT keys do not count: their rows are
    updated before anything is deleted."""
    points_at: dict[type[Model], set[type[Model]]] = {model: set() for model in models}
    for target in models:
        for rel in target._meta.related_objects:
            if rel.model in points_at and rel.on_delete not in (SET_NULL, SET_DEFAULT):
                points_at[rel.model].add(target)
    reach: dict[type[Model], set[type[Model]]] = {}
    for model in models:
        seen, todo = {model}, [model]
        while todo:
            new = points_at[todo.pop()] - seen
            seen |= new
            todo.extend(new)
        reach[model] = seen
    return reach


def _layers(chunks: list[Chunk], pointers: dict[Row, set[Row]]) -> list[Chunk]:
    """``chunks`` split so that no row goes before a row of them pointing at it (a row
    pointing at itself does not count); in found order otherwise, and unchanged when no
    row points at another. Rows pointing at each other in a loop go last, together."""
    rows = [(model, pk) for model, pks in chunks for pk in pks]
    members = set(rows)
    targets = {row: (pointers.get(row, set()) & members) - {row} for row in rows}
    if not any(targets.values()):
        return chunks
    waiting = dict.fromkeys(rows, 0)  # how many rows not yet placed point at each row
    for row_targets in targets.values():
        for target in row_targets:
            waiting[target] += 1
    depth = dict.fromkeys(rows, 0)
    ready = [row for row in rows if not waiting[row]]
    for row in ready:  # grows while iterating: Kahn's topological order
        for target in targets[row]:
            depth[target] = max(depth[target], depth[row] + 1)
            waiting[target] -= 1
            if not waiting[target]:
                ready.append(target)
    last = max(depth.values()) + 1
    for row in rows:
        if waiting[row]:
            depth[row] = last
    result: list[Chunk] = []
    for _, level in groupby(sorted(rows, key=depth.__getitem__), key=depth.__getitem__):
        grouped: dict[type[Model], list[Any]] = {}
        for model, pk in level:
            grouped.setdefault(model, []).append(pk)
        result += grouped.items()
    return result


class _Collector:
    """What one delete touches: rows to delete (``order``: model and primary keys, in the
    order found), rows to update (SET_NULL / SET_DEFAULT) and rows that refuse (PROTECT /
    RESTRICT)."""

    def __init__(self, db: Any, dialect: Any) -> None:
        self.db = db
        self.dialect = dialect
        self.seen: dict[type[Model], set[Any]] = {}
        self.order: list[Chunk] = []
        self.updates: list[tuple[QuerySet[Any], dict[str, Any]]] = []
        self.refusals: list[tuple[Any, QuerySet[Any], list[Any]]] = []
        # (model, pk) of a CASCADE/RESTRICT row -> the (model, pk) rows it points at
        self.pointers: dict[Row, set[Row]] = {}
        # (model, pk) -> the instance the delete signals are sent with (signalled deletes)
        self.instances: dict[Row, Model] = {}

    def collect(self, model: type[Model], pks: list[Any]) -> Plan[None]:
        """Find, without changing anything, every row deleting ``pks`` of ``model`` affects."""
        done = self.seen.setdefault(model, set())
        pks = [pk for pk in dict.fromkeys(pks) if pk not in done]
        if not pks:
            return
        done.update(pks)
        self.order.append((model, pks))
        for rel in model._meta.related_objects:
            rule = rel.on_delete
            if rule is DO_NOTHING:
                continue
            child: type[Model] = rel.model  # type: ignore[assignment]
            for batch in _batches(pks):
                related = child._base_manager.using(self.db.alias).filter(
                    **{f"{rel.attname}__in": batch}
                )
                if rule in (SET_NULL, SET_DEFAULT):
                    value = None if rule is SET_NULL else rel.get_default()
                    self.updates.append((related, {rel.name: value}))
                    continue
                pairs = related.order_by().values_list("pk", rel.attname)
                sql, params = _select(pairs, self.db, self.dialect)
                rows = yield ("fetchall", sql, params)
                found = [r[0] for r in rows]
                self._point(child, model, rows)
                if rule is CASCADE:
                    yield from self.collect(child, found)
                elif found:
                    self.refusals.append((rel, related, found))

    def _point(self, child: type[Model], model: type[Model], rows: Sequence[Any]) -> None:
        """Record the ``model`` row each ``child`` row points at (``rows``: pk pairs)."""
        for child_pk, target_pk in rows:
            self.pointers.setdefault((child, child_pk), set()).add((model, target_pk))

    def check(self) -> Plan[None]:
        """Refuse the delete: PROTECT always when rows point here; RESTRICT unless those
        rows are being deleted anyway (through another CASCADE)."""
        for rel, related, found in self.refusals:
            if rel.on_delete is RESTRICT:
                doomed = self.seen.get(related.model, set())
                found = [pk for pk in found if pk not in doomed]
                if not found:
                    continue
            sample = related.model._base_manager.using(self.db.alias).filter(pk__in=found[:20])
            stmt, params = execution.select_statement(sample, self.db, self.dialect)
            rows = yield ("fetchall", stmt.sql, params)
            error = ProtectedError if rel.on_delete is PROTECT else RestrictedError
            target = rel.remote_model._meta.object_name
            raise error(
                f"Cannot delete {target} rows: {len(found)} {related.model._meta.object_name} "
                f"row(s) point at them through the {rel.on_delete!r} foreign key '{rel.name}'.",
                execution.materialise(sample, stmt, rows),
            )

    def deletion_order(self) -> list[Chunk]:
        """``order`` with rows before the rows they point at, so that no foreign key is
        broken (nor left to the database's ``ON DELETE``, which the counts would miss).

        A model pointing at another, directly or through others, that does not point back
        reaches every model the other one reaches, plus itself: sorted by how many models
        they reach, most first, models come before those they point at. Models reaching
        each other (a cycle) tie, as do the rows of one model, and keep the reverse of the
        order they were found in: leaves of a self-referencing tree first. Within such a
        tie, rows pointing at other rows of it go first (``_layers``), even when one
        ``filter()`` selected both.
        """
        chunks = self.order[::-1]
        reach = _reach(list(dict.fromkeys(model for model, _ in chunks)))
        ranked = sorted(chunks, key=lambda chunk: -len(reach[chunk[0]]))
        ordered: list[Chunk] = []
        for _, tie in groupby(ranked, key=lambda chunk: len(reach[chunk[0]])):
            ordered += _layers(list(tie), self.pointers)
        return ordered

    def load(self) -> Plan[None]:
        """Load the instances of the rows to delete whose model has delete receivers (one
        query per batch of primary keys), for the signals."""
        alias = self.db.alias
        for model, pks in self.order:
            if not _listened(model):
                continue
            missing = [pk for pk in pks if (model, pk) not in self.instances]
            for batch in _batches(missing):
                found: QuerySet[Any] = model._base_manager.using(alias).filter(pk__in=batch)
                stmt, params = execution.select_statement(found, self.db, self.dialect)
                rows = yield ("fetchall", stmt.sql, params)
                for obj in execution.materialise(found, stmt, rows):
                    self.instances[(model, obj.pk)] = obj

    def signalled(self, order: list[Chunk]) -> list[tuple[type[Model], Model]]:
        """``(model, instance)`` of the loaded rows, in ``order``."""
        instances = self.instances
        return [
            (model, instances[(model, pk)])
            for model, pks in order
            for pk in pks
            if (model, pk) in instances
        ]

    def apply(self, counts: Counts, order: list[Chunk] | None = None) -> Plan[None]:
        """Update the SET_NULL/SET_DEFAULT rows, then delete in ``order`` (by default
        ``deletion_order()``)."""
        db, dialect = self.db, self.dialect
        for related, values in self.updates:
            stmt, params = execution.update_statement(related, db, dialect, values)
            yield ("execute", stmt.sql, params)
        for model, pks in self.deletion_order() if order is None else order:
            for batch in _batches(pks):
                target: QuerySet[Any] = model._base_manager.using(db.alias).filter(pk__in=batch)

                def build(target: QuerySet[Any] = target) -> Statement:
                    return _direct_delete(target, dialect, db.vendor)

                stmt, params = execution.prepared(target, db, dialect, "delete", build)
                deleted = yield ("execute", stmt.sql, params)
                if deleted:
                    counts[_label(model)] = counts.get(_label(model), 0) + int(deleted)


def _delete_plan(qs: QuerySet[Any], db: Any) -> Any:
    def make(dialect: Any) -> Plan[tuple[int, Counts]]:
        model = qs.model
        counts: Counts = {}
        if not _needs_collection(model) and not qs._low and qs._high is None:
            stmt, params = execution.prepared(
                qs, db, dialect, "delete", lambda: _direct_delete(qs, dialect, db.vendor)
            )
            deleted = yield ("execute", stmt.sql, params)
            if deleted:
                counts[_label(model)] = int(deleted)
            return int(deleted or 0), counts
        pk_qs = qs.order_by().values_list("pk", flat=True)
        sql, params = _select(pk_qs, db, dialect)
        rows = yield ("fetchall", sql, params)
        collector = _Collector(db, dialect)
        yield from collector.collect(model, [r[0] for r in rows])
        yield from collector.check()
        yield from collector.apply(counts)
        return sum(counts.values()), counts

    return make


def _listened(model: type[Model]) -> bool:
    """Whether deleting ``model``'s rows sends signals: it has delete receivers and is not
    an auto-created many-to-many through model (whose rows are links, not objects)."""
    return not model._meta.auto_created and (
        pre_delete.listens_to(model) or post_delete.listens_to(model)
    )


def _signals_reach(model: type[Model]) -> bool:
    """Whether deleting rows of ``model`` may send delete signals: it, or a model it
    cascades to (directly or further on), has delete receivers."""
    seen, todo = {model}, [model]
    while todo:
        current = todo.pop()
        if _listened(current):
            return True
        for rel in current._meta.related_objects:
            child: Any = rel.model
            if rel.on_delete is CASCADE and child not in seen:
                seen.add(child)
                todo.append(child)
    return False


def _collect_plan(qs: QuerySet[Any], db: Any, origin: Model | None) -> Any:
    """Collect (and check) what deleting ``qs`` touches, loading the instances the delete
    signals need: ``origin`` itself when ``Model.delete()`` deletes it."""

    def make(dialect: Any) -> Plan[_Collector]:
        model = qs.model
        collector = _Collector(db, dialect)
        if origin is None and _listened(model):
            objs_qs = qs.order_by()
            stmt, params = execution.select_statement(objs_qs, db, dialect)
            rows = yield ("fetchall", stmt.sql, params)
            objs = execution.materialise(objs_qs, stmt, rows)
            pks = [obj.pk for obj in objs]
            collector.instances.update(((model, obj.pk), obj) for obj in objs)
        else:
            sql, params = _select(qs.order_by().values_list("pk", flat=True), db, dialect)
            pks = [r[0] for r in (yield ("fetchall", sql, params))]
            if origin is not None:  # the row of ``qs.filter(pk=origin.pk)``, if still there
                collector.instances.update(((model, pk), origin) for pk in pks)
        yield from collector.collect(model, pks)
        yield from collector.check()
        yield from collector.load()
        return collector

    return make


def _apply_plan(collector: _Collector, order: list[Chunk]) -> Any:
    def make(dialect: Any) -> Plan[tuple[int, Counts]]:
        counts: Counts = {}
        yield from collector.apply(counts, order)
        return sum(counts.values()), counts

    return make


def _forget(deleted: list[tuple[type[Model], Model]], origin: Model | None) -> None:
    """Deleted instances have no row nor primary key any more (``origin``: its caller's)."""
    for model, obj in deleted:
        if obj is not origin:
            obj.__dict__["_persisted"] = False
            obj.__dict__[model._meta.pk.attname] = None


def _signalled_delete(qs: QuerySet[Any], db: Any, origin: Model | None) -> tuple[int, Counts]:
    """The delete with ``pre_delete`` for every object before any row goes and
    ``post_delete`` after the rows went, in the delete's transaction."""
    sender_origin = qs if origin is None else origin
    operation = "QuerySet.delete()" if origin is None else f"{type(origin).__name__}.delete()"
    with atomic(using=db.alias):
        collector: _Collector = run(db, _collect_plan(qs, db, origin))
        order = collector.deletion_order()
        deleted = collector.signalled(order)
        for model, obj in deleted:
            send(
                pre_delete,
                model,
                operation,
                "adelete()",
                instance=obj,
                using=db.alias,
                origin=sender_origin,
            )
        result: tuple[int, Counts] = run(db, _apply_plan(collector, order))
        for model, obj in deleted:
            send(
                post_delete,
                model,
                operation,
                "adelete()",
                instance=obj,
                using=db.alias,
                origin=sender_origin,
            )
    _forget(deleted, origin)
    return result


async def _asignalled_delete(
    qs: QuerySet[Any], db: Any, origin: Model | None
) -> tuple[int, Counts]:
    """``_signalled_delete()`` on the async driver, awaiting async receivers."""
    sender_origin = qs if origin is None else origin
    async with atomic(using=db.alias):
        collector: _Collector = await arun(db, _collect_plan(qs, db, origin))
        order = collector.deletion_order()
        deleted = collector.signalled(order)
        for model, obj in deleted:
            await asend(pre_delete, model, instance=obj, using=db.alias, origin=sender_origin)
        result: tuple[int, Counts] = await arun(db, _apply_plan(collector, order))
        for model, obj in deleted:
            await asend(post_delete, model, instance=obj, using=db.alias, origin=sender_origin)
    _forget(deleted, origin)
    return result


def delete_queryset(qs: QuerySet[Any], origin: Model | None = None) -> tuple[int, Counts]:
    """``QuerySet.delete()``: atomic, cascading as the relations say; ``origin`` is the
    instance ``Model.delete()`` deletes (``qs`` matching its row), which the delete signals
    are sent with."""
    if _get_running_loop() is not None:
        raise AsyncContextError("QuerySet.delete()", "adelete()")
    if qs._none:
        return 0, {}
    db = connections[qs.db]
    if delete_hooks and _signals_reach(qs.model):
        return _signalled_delete(qs, db, origin)
    result: tuple[int, Counts]
    if not _needs_collection(qs.model):
        result = run(db, _delete_plan(qs, db))
        return result
    with atomic(using=db.alias):
        result = run(db, _delete_plan(qs, db))
    return result


async def adelete_queryset(qs: QuerySet[Any], origin: Model | None = None) -> tuple[int, Counts]:
    """``QuerySet.adelete()`` (``origin``: as for ``delete_queryset()``)."""
    if qs._none:
        return 0, {}
    db = connections[qs.db]
    if delete_hooks and _signals_reach(qs.model):
        return await _asignalled_delete(qs, db, origin)
    if not _needs_collection(qs.model):
        return await arun(db, _delete_plan(qs, db))
    async with atomic(using=db.alias):
        return await arun(db, _delete_plan(qs, db))
