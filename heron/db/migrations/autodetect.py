"""What changed in one label's models since its migrations: Alembic's autogenerate, plus renames.

Alembic compares the label's tables in the models' MetaData with the tables the label's
migrations built (``SchemaState``). A removed column next to an added one of the same type
may be a rename: the user is asked, and an accepted rename becomes ``alter_column(...,
new_column_name=...)`` (``rename_table`` for tables) instead of a drop and an add. The
rename is applied to the replayed schema and the comparison runs again, so what is left
(a changed nullability, renamed indexes) comes out as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import sqlalchemy as sa
from alembic.autogenerate import produce_migrations
from alembic.operations import Operations, ops
from alembic.runtime.migration import MigrationContext
from sqlalchemy.dialects import sqlite

from heron.db.migrations.fixups import (
    AskDefault,
    fill_existing_rows,
    indexes_before_drops,
    model_name,
    model_types,
    portable_types,
    prune_index_drops,
)
from heron.db.migrations.operations import RenameColumnOp, RenameTableOp, walk
from heron.db.migrations.schema import table_label
from heron.db.migrations.state import SchemaState

__all__ = ["AskRename", "Changes", "RenameQuestion", "detect_changes"]

_SQLITE = sqlite.dialect()


@dataclass(frozen=True)
class RenameQuestion:
    """A possible rename: ``kind`` is ``"column"`` (in ``table``) or ``"table"``."""

    kind: Literal["column", "table"]
    table: str
    old: str
    new: str
    model: str
    type: str = ""

    def __str__(self) -> str:
        if self.kind == "table":
            return f"Did you rename the table {self.old} to {self.new} (model {self.model})?"
        return f"Did you rename {self.model}.{self.old} to {self.model}.{self.new} ({self.type})?"


AskRename = Callable[[RenameQuestion], bool]


@dataclass
class Changes:
    """One label's operations (upgrade and its reverse) and what they point at."""

    label: str
    upgrade: ops.UpgradeOps
    downgrade: ops.DowngradeOps
    #: tables other than the label's own that the new operations' foreign keys point at
    referenced: set[str] = field(default_factory=set)
    #: tables this migration creates (or renames into existence)
    created: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.upgrade.ops)


def _type_key(column: sa.Column[Any]) -> str:
    try:
        return str(column.type.compile(dialect=_SQLITE)).upper()
    except sa.exc.CompileError:
        return repr(column.type)


def _compare(state: SchemaState, metadata: sa.MetaData, label: str) -> ops.UpgradeOps:
    owned = state.owned(label)

    def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
        return type_ != "table" or name in owned

    def include_object(
        obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
    ) -> bool:
        if type_ != "table":
            return True
        return name in owned if reflected else table_label(obj) == label

    context = MigrationContext.configure(
        connection=state.connection,
        opts={
            "compare_type": True,
            "compare_server_default": True,
            "include_name": include_name,
            "include_object": include_object,
            "target_metadata": metadata,
        },
    )
    script = produce_migrations(context, metadata)
    upgrade = script.upgrade_ops
    assert upgrade is not None
    return upgrade


@dataclass(frozen=True)
class _Rename:
    kind: Literal["column", "table"]
    table: str
    old: str
    new: str


def _candidates(
    upgrade: ops.UpgradeOps, metadata: sa.MetaData
) -> Iterator[tuple[RenameQuestion, list[RenameQuestion]]]:
    """Each rename question, with the questions it excludes once answered yes."""
    dropped = [op for op in upgrade.ops if isinstance(op, ops.DropTableOp)]
    created = [op for op in upgrade.ops if isinstance(op, ops.CreateTableOp)]
    table_questions: list[RenameQuestion] = []
    for drop in dropped:
        old = {(c.name, _type_key(c)) for c in drop.to_table().columns}
        for create in created:
            if {(c.name, _type_key(c)) for c in create.to_table().columns} == old:
                model = model_name(metadata, create.table_name)
                table_questions.append(
                    RenameQuestion(
                        "table", drop.table_name, drop.table_name, create.table_name, model
                    )
                )
    for question in table_questions:
        yield (
            question,
            [q for q in table_questions if q.old == question.old or q.new == question.new],
        )
    for modify in upgrade.ops:
        if not isinstance(modify, ops.ModifyTableOps):
            continue
        drops = [op for op in modify.ops if isinstance(op, ops.DropColumnOp)]
        adds = [op for op in modify.ops if isinstance(op, ops.AddColumnOp)]
        questions: list[RenameQuestion] = []
        for dropped_column in drops:
            old_column = dropped_column.to_column()
            for add in adds:
                if _type_key(add.column) == _type_key(old_column):
                    model = model_name(metadata, modify.table_name)
                    questions.append(
                        RenameQuestion(
                            "column",
                            modify.table_name,
                            dropped_column.column_name,
                            add.column.name,
                            model,
                            _type_key(add.column),
                        )
                    )
        for question in questions:
            yield question, [q for q in questions if q.old == question.old or q.new == question.new]


def _ask_renames(
    upgrade: ops.UpgradeOps, metadata: sa.MetaData, ask: AskRename, asked: set[RenameQuestion]
) -> list[_Rename]:
    accepted: list[_Rename] = []
    excluded: set[RenameQuestion] = set()
    for question, conflicts in _candidates(upgrade, metadata):
        if question in asked or question in excluded:
            continue
        asked.add(question)
        if ask(question):
            accepted.append(_Rename(question.kind, question.table, question.old, question.new))
            excluded.update(conflicts)
    return accepted


def _apply_renames(state: SchemaState, renames: list[_Rename]) -> None:
    operations = Operations(MigrationContext.configure(connection=state.connection))
    for rename in renames:
        if rename.kind == "table":
            operations.rename_table(rename.old, rename.new)
            owner = state.owners.pop(rename.old, None)
            if owner is not None:
                state.owners[rename.new] = owner
        else:
            with operations.batch_alter_table(rename.table) as batch:
                batch.alter_column(rename.old, new_column_name=rename.new)
    state.connection.commit()


def _rename_ops(renames: list[_Rename], metadata: sa.MetaData) -> list[ops.MigrateOperation]:
    result: list[ops.MigrateOperation] = []
    by_table: dict[str, list[ops.MigrateOperation]] = {}
    for rename in renames:
        if rename.kind == "table":
            result.append(RenameTableOp(rename.old, rename.new))
            continue
        column = metadata.tables[rename.table].c[rename.new]
        op = RenameColumnOp(
            rename.table,
            rename.old,
            modify_name=rename.new,
            existing_type=column.type,
            existing_nullable=column.nullable,
            existing_server_default=column.server_default or False,
        )
        by_table.setdefault(rename.table, []).append(op)
    result.extend(ops.ModifyTableOps(table, batch) for table, batch in by_table.items())
    return result


def _references(upgrade: ops.UpgradeOps) -> tuple[set[str], set[str]]:
    referenced: set[str] = set()
    created: set[str] = set()

    def add_target(fullname: str) -> None:
        referenced.add(fullname.rsplit(".", 1)[0].rsplit(".", 1)[-1])

    for op in walk(upgrade):
        if isinstance(op, ops.CreateTableOp):
            created.add(op.table_name)
            for item in op.columns:
                if isinstance(item, sa.ForeignKeyConstraint):
                    for element in item.elements:
                        add_target(element.target_fullname)
                elif isinstance(item, sa.Column):
                    for fk in item.foreign_keys:
                        add_target(fk.target_fullname)
        elif isinstance(op, ops.RenameTableOp):
            created.add(op.new_table_name)
        elif isinstance(op, ops.AddColumnOp):
            for fk in op.column.foreign_keys:
                add_target(fk.target_fullname)
        elif isinstance(op, ops.CreateForeignKeyOp):
            referenced.add(op.referent_table)
    return referenced, created


def detect_changes(
    state: SchemaState,
    metadata: sa.MetaData,
    label: str,
    *,
    ask_rename: AskRename | None = None,
    ask_default: AskDefault | None = None,
) -> Changes:
    """The operations that bring the label's replayed tables to its models' tables.

    ``state`` is modified (accepted renames are applied to it).
    """
    renames: list[_Rename] = []
    asked: set[RenameQuestion] = set()
    upgrade = _compare(state, metadata, label)
    while ask_rename is not None:
        accepted = _ask_renames(upgrade, metadata, ask_rename, asked)
        if not accepted:
            break
        _apply_renames(state, accepted)
        renames.extend(accepted)
        upgrade = _compare(state, metadata, label)
    model_types(upgrade, metadata)
    fill_existing_rows(upgrade, metadata, ask_default)
    for op in walk(upgrade):
        if isinstance(op, ops.CreateTableOp):
            op.info = {}  # Heron's table info (label, model class) is not for the file
    upgrade.ops = [*_rename_ops(renames, metadata), *upgrade.ops]
    portable_types(upgrade)
    downgrade = upgrade.reverse()
    for container in (upgrade, downgrade):
        prune_index_drops(container)
        indexes_before_drops(container)
    referenced, created = _references(upgrade)
    own = {t.name for t in metadata.tables.values() if table_label(t) == label}
    return Changes(label, upgrade, downgrade, referenced - own - created, created)
