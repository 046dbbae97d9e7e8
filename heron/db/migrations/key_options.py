"""The PostgreSQL options of unique constraints and indexes (``deferrable``,
``nulls_distinct=False``, ``include``) through the migration files.

SQLite's reflection of the replayed schema has none of them, and Alembic does not compare
them. So they are recorded as the files state them (``StatedKeyOptions``), given back to
what a downgrade re-creates, and compared here by name: a unique constraint or index
whose options changed is dropped (first in its table's operations) and created again
(last), its downgrade restoring the options it had. Partial and expression indexes take
none of them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops

from heron.db.migrations.columnstate import follow_table
from heron.db.migrations.operations import surround_table_ops, walk
from heron.db.migrations.schema import table_label
from heron.db.models.constraints import index_condition
from heron.db.models.indexes import has_expressions

__all__ = ["KeyOptions", "StatedKeyOptions", "key_option_ops"]

_INCLUDE = "postgresql_include"
_NULLS = "postgresql_nulls_not_distinct"
#: The keyword arguments of ``create_unique_constraint`` / ``create_index`` they use.
_ARGUMENTS = ("deferrable", "initially", _INCLUDE, _NULLS)


@dataclass(frozen=True)
class KeyOptions:
    """The options of one unique constraint or index; all unset by default."""

    deferrable: str | None = None  # "DEFERRED" or "IMMEDIATE"
    nulls_not_distinct: bool = False
    include: tuple[str, ...] = ()

    @classmethod
    def of(cls, kw: Mapping[str, Any]) -> KeyOptions:
        """The options in keyword arguments (a ``create_*`` operation's)."""
        initially = str(kw.get("initially") or "IMMEDIATE").upper()
        return cls(
            initially if kw.get("deferrable") else None,
            bool(kw.get(_NULLS)),
            tuple(str(getattr(c, "name", c)) for c in kw.get(_INCLUDE) or ()),
        )

    @classmethod
    def of_item(cls, item: sa.UniqueConstraint | sa.Index) -> KeyOptions:
        """The options of a model's unique constraint or index."""
        deferring = {
            "deferrable": getattr(item, "deferrable", None),
            "initially": getattr(item, "initially", None),
        }
        return cls.of({**item.dialect_kwargs, **deferring})

    def arguments(self) -> dict[str, Any]:
        """The keyword arguments that state them."""
        found: dict[str, Any] = {}
        if self.deferrable is not None:
            found.update(deferrable=True, initially=self.deferrable)
        if self.nulls_not_distinct:
            found[_NULLS] = True
        if self.include:
            found[_INCLUDE] = list(self.include)
        return found

    def given(self, kw: Mapping[str, Any]) -> dict[str, Any]:
        """``kw`` with these options instead of the ones it has."""
        return {**{k: v for k, v in kw.items() if k not in _ARGUMENTS}, **self.arguments()}


def _table_keys(op: ops.CreateTableOp) -> Iterator[tuple[str, KeyOptions]]:
    for item in op.columns:
        if isinstance(item, sa.UniqueConstraint) and isinstance(item.name, str):
            yield item.name, KeyOptions.of_item(item)


class StatedKeyOptions(dict[tuple[str, str], KeyOptions]):
    """``(table, constraint or index name)`` → its options as the migration files state
    them (only those with some)."""

    def record(self, op: ops.MigrateOperation) -> None:
        """Follow one operation run by a migration."""
        if isinstance(op, ops.CreateTableOp):
            for name, options in _table_keys(op):
                self.put(op.table_name, name, options)
        elif isinstance(op, ops.CreateUniqueConstraintOp) and op.constraint_name:
            self.put(op.table_name, str(op.constraint_name), KeyOptions.of(op.kw))
        elif isinstance(op, ops.CreateIndexOp) and op.index_name:
            self.put(op.table_name, str(op.index_name), KeyOptions.of(op.kw))
        elif isinstance(op, ops.DropConstraintOp):
            self.pop((op.table_name, str(op.constraint_name)), None)
        elif isinstance(op, ops.DropIndexOp):
            self.pop((str(op.table_name), str(op.index_name)), None)
        else:
            follow_table(self, op)

    def put(self, table: str, name: str, options: KeyOptions) -> None:
        """Keep ``options`` for ``name``; none kept when they are all unset."""
        if options == KeyOptions():
            self.pop((table, name), None)
        else:
            self[(table, name)] = options

    def options(self, table: str, name: Any) -> KeyOptions:
        """The stated options of ``name`` on ``table`` (unset if none are stated)."""
        return self.get((table, str(name)), KeyOptions())

    def give(self, table: sa.Table) -> None:
        """Set the stated options on a replayed table's unique constraints and indexes."""
        for item in [*table.constraints, *table.indexes]:
            if isinstance(item, sa.UniqueConstraint | sa.Index):
                _set(item, self.options(table.name, item.name))

    def restore(self, downgrade: ops.DowngradeOps) -> None:
        """Give what the downgrade re-creates the options the files stated for it."""
        for op in walk(downgrade):
            if isinstance(op, ops.CreateTableOp):
                for item in op.columns:
                    if isinstance(item, sa.UniqueConstraint) and item.name:
                        _set(item, self.options(op.table_name, item.name))
            elif isinstance(op, ops.CreateUniqueConstraintOp) and op.constraint_name:
                op.kw = self.options(op.table_name, op.constraint_name).given(op.kw)
            elif isinstance(op, ops.CreateIndexOp):
                op.kw = self.options(op.table_name, op.index_name).given(op.kw)


def _set(item: sa.UniqueConstraint | sa.Index, options: KeyOptions) -> None:
    """Give a replayed (option-less) unique constraint or index ``options``."""
    if isinstance(item, sa.UniqueConstraint) and options.deferrable:
        item.deferrable, item.initially = True, options.deferrable
    if options.nulls_not_distinct:
        item.dialect_options["postgresql"]["nulls_not_distinct"] = True
    if options.include:
        item.dialect_options["postgresql"]["include"] = list(options.include)


# -- comparison -------------------------------------------------------------------------------


def _named_in(container: ops.OpContainer) -> set[str]:
    """The constraints and indexes the operations already create or drop."""
    found: set[str] = set()
    for op in walk(container):
        for attribute in ("constraint_name", "index_name"):
            name = getattr(op, attribute, None)
            if name:
                found.add(str(name))
        index = getattr(op, "index", None)
        if index is not None and getattr(index, "name", None):
            found.add(str(index.name))
    return found


def _replaced_unique(
    table: str, item: sa.UniqueConstraint, old: KeyOptions
) -> tuple[ops.MigrateOperation, ops.MigrateOperation]:
    create = ops.CreateUniqueConstraintOp.from_constraint(item)
    before = ops.CreateUniqueConstraintOp(
        create.constraint_name, table, create.columns, **old.given(create.kw)
    )
    drop = ops.DropConstraintOp(str(item.name), table, type_="unique", _reverse=before)
    return drop, create


def _replaced_index(
    table: str, item: sa.Index, old: KeyOptions
) -> tuple[ops.MigrateOperation, ops.MigrateOperation]:
    create = ops.CreateIndexOp.from_index(item)
    before = ops.CreateIndexOp(
        create.index_name, table, create.columns, unique=create.unique, **old.given(create.kw)
    )
    drop = ops.DropIndexOp(str(item.name), table_name=table, _reverse=before)
    return drop, create


def _keys(table: sa.Table) -> Iterator[sa.UniqueConstraint | sa.Index]:
    """The named unique constraints and plain indexes of a model's table."""
    for constraint in table.constraints:
        if isinstance(constraint, sa.UniqueConstraint) and isinstance(constraint.name, str):
            yield constraint
    for index in table.indexes:
        if index_condition(index) is None and not has_expressions(index):
            yield index


def key_option_ops(
    upgrade: ops.UpgradeOps,
    stated: StatedKeyOptions,
    metadata: sa.MetaData,
    label: str,
    replayed: Mapping[str, set[str]],
) -> None:
    """Add to ``upgrade`` the unique constraints and indexes to create again for their
    options. ``replayed``: the label's existing tables → the names of their unique
    constraints and indexes (those the other operations neither add nor drop are
    compared)."""
    handled = _named_in(upgrade)
    for table in sorted(replayed):
        model = metadata.tables.get(table)
        if model is None or table_label(model) != label:
            continue
        drops: list[ops.MigrateOperation] = []
        creates: list[ops.MigrateOperation] = []
        for item in _keys(model):
            name = str(item.name)
            old = stated.options(table, name)
            if name in handled or name not in replayed[table] or KeyOptions.of_item(item) == old:
                continue
            replace = _replaced_unique if isinstance(item, sa.UniqueConstraint) else _replaced_index
            drop, create = replace(table, item, old)  # type: ignore[arg-type]
            drops.append(drop)
            creates.append(create)
        if drops:
            surround_table_ops(upgrade, table, drops, creates)
