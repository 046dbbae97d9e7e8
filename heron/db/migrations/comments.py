"""Table and column comments (``Meta.db_table_comment``, ``db_comment=``) added, changed or
removed on a label's tables.

Alembic's autogenerate compares comments only on a database that keeps them, and
``makemigrations`` compares with the migrations replayed on SQLite, which does not: the
comments are compared here, with what the migration files state (``StatedComments``), and
written as Alembic's own operations (``alter_column(comment=...)``,
``create_table_comment``, ``drop_table_comment``). PostgreSQL and MariaDB run them; on
SQLite they change nothing.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.operations import ops

from heron.db.migrations.operations import RenameColumnOp, surround_table_ops, walk
from heron.db.migrations.schema import table_label
from heron.db.migrations.stated import StatedComments

__all__ = ["comment_ops"]


def comment_ops(
    upgrade: ops.UpgradeOps,
    stated: StatedComments,
    metadata: sa.MetaData,
    label: str,
    existing: dict[str, set[str]],
    renamed_tables: dict[str, str],
    renamed_columns: dict[tuple[str, str], str],
) -> None:
    """Add the comment changes of the label's tables to ``upgrade``, and give every column
    change the column's comment as it is (MariaDB re-states a column in full when it alters
    it: without ``existing_comment`` the comment would be lost).

    ``existing``: the label's replayed tables and their columns, renames applied;
    ``renamed_tables``: new name → old; ``renamed_columns``: (table, new column) → old.
    """

    def was(table: str, column: str = "") -> str | None:
        old = renamed_columns.get((table, column), column) if column else ""
        return stated.get((renamed_tables.get(table, table), old))

    altered: dict[tuple[str, str], ops.AlterColumnOp] = {}
    for op in walk(upgrade):
        if isinstance(op, RenameColumnOp):  # named as before the rename
            old = renamed_tables.get(op.table_name, op.table_name)
            op.existing_comment = stated.get((old, op.column_name))
        elif isinstance(op, ops.AlterColumnOp):
            op.existing_comment = was(op.table_name, op.column_name)
            altered[(op.table_name, op.column_name)] = op
    found: dict[str, list[ops.MigrateOperation]] = {}
    for table in sorted(metadata.tables.values(), key=lambda t: t.name):
        columns = existing.get(table.name)
        if table_label(table) != label or columns is None:
            continue  # not the label's, or created now (with its comments)
        changes = found.setdefault(table.name, [])
        before, after = was(table.name), table.comment or None
        if before != after and after is None:
            changes.append(ops.DropTableCommentOp(table.name, existing_comment=before))
        elif before != after:
            changes.append(ops.CreateTableCommentOp(table.name, after, existing_comment=before))
        for column in table.columns:
            before, after = was(table.name, column.name), column.comment or None
            if column.name not in columns or before == after:
                continue
            alter = altered.get((table.name, column.name))
            if alter is not None:
                alter.modify_comment = after
            else:
                changes.append(_alter_comment(column, before, after))
    _add(upgrade, found)


def _alter_comment(column: sa.Column[Any], before: str | None, after: str | None) -> Any:
    """``alter_column(comment=...)`` stating the column as it is (MariaDB needs it all)."""
    op = ops.AlterColumnOp(
        column.table.name,
        column.name,
        existing_type=column.type,
        existing_nullable=column.nullable,
        existing_server_default=column.server_default or False,
        existing_comment=before,
        modify_comment=after,
    )
    if column is column.table.autoincrement_column:  # MariaDB's MODIFY must keep it
        op.kw["autoincrement"] = True
    return op


def _add(upgrade: ops.UpgradeOps, found: dict[str, list[ops.MigrateOperation]]) -> None:
    for table, changes in found.items():
        if not changes:
            continue
        surround_table_ops(upgrade, table, [], changes)
