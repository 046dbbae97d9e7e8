"""What the migration files state, recorded while ``makemigrations`` replays them.

SQLite's reflection of the replayed schema loses what the files said: types (a
``BigInteger`` id reads back as ``INTEGER``), the conditions of check constraints and
partial indexes (each backend rewrites their SQL its own way; a Q's condition is compiled
per backend) and the PostgreSQL options of unique constraints and indexes. ``stated()``
follows every operation the migrations run, so downgrades re-create what an upgrade
removes as the files stated it, and check constraints, partial indexes and those options
are compared as stated.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops
from alembic.operations.base import AbstractOperations

from heron.db.migrations.columnstate import StatedColumns, follow_table
from heron.db.migrations.defaults import StatedDefaults
from heron.db.migrations.expression_indexes import StatedExpressions
from heron.db.migrations.key_options import StatedKeyOptions
from heron.db.migrations.operations import (
    Condition,
    PartialIndex,
    as_condition,
    index_keys,
    walk,
)
from heron.db.models.constraints import QCheck

__all__ = [
    "Stated",
    "StatedChecks",
    "StatedComments",
    "StatedPartials",
    "StatedTypes",
    "named_checks",
    "stated",
]


class StatedTypes(StatedColumns):
    """``(table, column)`` → the type the migration files state for it.

    SQLite's reflection of the replayed schema loses types (a ``BigInteger`` id reads back as
    ``INTEGER``, MariaDB's ``LONGTEXT`` variant as ``TEXT``): downgrades that re-create what
    an upgrade removes take the types from here.
    """

    setting = "type"
    altered = "modify_type"
    unchanged = None

    def changed_from(self, upgrade: ops.UpgradeOps) -> None:
        """State the previous type of the columns whose type the upgrade changes (before it
        is reversed: the downgrade changes them back to it)."""
        for op in walk(upgrade):
            if isinstance(op, ops.AlterColumnOp) and op.modify_type is not None:
                op.existing_type = self.get((op.table_name, op.column_name), op.existing_type)

    def give(self, table: str, column: sa.Column[Any]) -> None:
        column.type = self.get((table, column.name), column.type)


def named_checks(items: Any) -> dict[str, Condition]:
    """The named check constraints among a table's ``items`` (constraints, columns):
    name → condition. Checks a type adds for itself (``Boolean``, ``Enum``) are left out."""
    return {
        str(item.name): as_condition(item.sqltext)
        for item in items
        if isinstance(item, sa.CheckConstraint)
        and item.name
        and not getattr(item, "_type_bound", False)
    }


class StatedChecks(dict[tuple[str, str], Condition]):
    """``(table, constraint name)`` → the condition of a check constraint, as the migration
    files state it (a Q's tree or SQL text)."""

    def record(self, op: ops.MigrateOperation) -> None:
        """Follow one operation run by a migration."""
        if isinstance(op, ops.CreateTableOp):
            for name, condition in named_checks(op.columns).items():
                self[(op.table_name, name)] = condition
        elif isinstance(op, ops.CreateCheckConstraintOp) and op.constraint_name:
            self[(op.table_name, str(op.constraint_name))] = as_condition(op.condition)
        elif isinstance(op, ops.DropConstraintOp) and op.constraint_type == "check":
            self.pop((op.table_name, str(op.constraint_name)), None)
        else:
            follow_table(self, op)

    def of(self, table: str) -> dict[str, Condition]:
        """The check constraints of one table: name → condition."""
        return {name: condition for (owner, name), condition in self.items() if owner == table}


class StatedPartials(dict[tuple[str, str], PartialIndex]):
    """``(table, index name)`` → a partial index as the migration files create it
    (``create_partial_index``): SQLite reads its condition back as SQL text."""

    def record(self, op: ops.MigrateOperation) -> None:
        """Follow one operation run by a migration."""
        if isinstance(op, ops.CreateIndexOp):
            condition = op.kw.get("sqlite_where")
            keys = index_keys(op.columns)
            if isinstance(condition, QCheck) and keys is not None:
                name, unique = str(op.index_name), bool(op.unique)
                self[(op.table_name, name)] = PartialIndex(
                    name, op.table_name, keys, unique, condition
                )
        elif isinstance(op, ops.DropIndexOp):
            self.pop((str(op.table_name), str(op.index_name)), None)
        elif isinstance(op, ops.RenameTableOp):
            for key in [k for k in self if k[0] == op.table_name]:
                index = dataclasses.replace(self.pop(key), table=op.new_table_name)
                self[(op.new_table_name, key[1])] = index
        else:
            follow_table(self, op)


class StatedComments(StatedColumns):
    """``(table, column)`` → the comment the migration files give it; ``(table, "")`` → the
    table's comment. SQLite, where the files are replayed, keeps no comments."""

    setting = "comment"
    altered = "modify_comment"

    def record(self, op: ops.MigrateOperation) -> None:
        """Follow one operation run by a migration (table comments too)."""
        if isinstance(op, ops.CreateTableOp | ops.CreateTableCommentOp):
            self.put(op.table_name, "", op.comment)
        if isinstance(op, ops.DropTableCommentOp):
            self.pop((op.table_name, ""), None)
        elif not isinstance(op, ops.CreateTableCommentOp):
            super().record(op)

    def put(self, table: str, column: str, value: Any) -> None:
        super().put(table, column, value or None)  # an empty comment is none

    def give_table(self, op: ops.CreateTableOp) -> None:
        op.comment = self.get((op.table_name, ""))

    def give(self, table: str, column: sa.Column[Any]) -> None:
        column.comment = self.get((table, column.name))


@dataclass
class Stated:
    """What the migration files state: column types, check constraints, partial indexes,
    comments, the options of unique constraints and indexes."""

    types: StatedTypes = field(default_factory=StatedTypes)
    checks: StatedChecks = field(default_factory=StatedChecks)
    partials: StatedPartials = field(default_factory=StatedPartials)
    expressions: StatedExpressions = field(default_factory=StatedExpressions)
    comments: StatedComments = field(default_factory=StatedComments)
    defaults: StatedDefaults = field(default_factory=StatedDefaults)
    key_options: StatedKeyOptions = field(default_factory=StatedKeyOptions)

    def record(self, op: ops.MigrateOperation) -> None:
        """Follow one operation run by a migration."""
        self.types.record(op)
        self.checks.record(op)
        self.partials.record(op)
        self.expressions.record(op)
        self.comments.record(op)
        self.defaults.record(op)
        self.key_options.record(op)


@contextlib.contextmanager
def following(record: Callable[[ops.MigrateOperation], None]) -> Iterator[None]:
    """Call ``record`` with every operation the migrations run while the block runs; wraps
    Alembic's ``Operations.invoke``, which every operation goes through, batch ones
    included."""
    invoke = AbstractOperations.invoke

    def recording(operations: AbstractOperations, operation: ops.MigrateOperation) -> Any:
        result = invoke(operations, operation)
        record(operation)
        return result

    AbstractOperations.invoke = recording  # type: ignore[assignment,method-assign]
    try:
        yield
    finally:
        AbstractOperations.invoke = invoke  # type: ignore[method-assign]


@contextlib.contextmanager
def stated() -> Iterator[Stated]:
    """Record what the migrations run while the block runs state (see ``Stated``)."""
    found = Stated()
    with following(found.record):
        yield found
