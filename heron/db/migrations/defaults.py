"""Column defaults (``db_default``) and generation expressions (``GeneratedField``) as the
migration files state them.

The replayed SQLite schema reads a default back as SQLite's SQL (``strftime(...)`` for
``Now()``); a downgrade putting it back must write the files' own form, which holds the
SQL of every backend (``vendor_sql({...})``). A generated column whose expression
changed is dropped and added again (``computed_ops``), and Alembic's SQLite batch copy
leaves generated columns out (SQLite refuses to write them).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.operations import ops
from alembic.operations.batch import ApplyBatchImpl

from heron.db.fields.vendorsql import VENDORS, VendorSQL
from heron.db.migrations.columnstate import StatedColumns
from heron.db.migrations.operations import walk
from heron.db.migrations.schema import table_label

__all__ = ["StatedDefaults", "computed_ops"]


def _stated(default: Any) -> Any:
    """A column's server default as a fresh object (one belongs to a single column)."""
    if isinstance(default, sa.Computed):
        return sa.Computed(default.sqltext, persisted=default.persisted)
    if isinstance(default, sa.DefaultClause):
        return sa.DefaultClause(default.arg)
    if isinstance(default, str | sa.TextClause | sa.ColumnElement):
        return sa.DefaultClause(default)
    return None


class StatedDefaults(StatedColumns):
    """``(table, column)`` → its server default (``DefaultClause`` or ``Computed``)."""

    setting = "server_default"
    altered = "modify_server_default"

    def put(self, table: str, column: str, value: Any) -> None:
        super().put(table, column, _stated(value))

    def changed_from(self, upgrade: ops.UpgradeOps) -> None:
        """State the previous default of the columns whose default the upgrade changes
        (before it is reversed: the downgrade puts it back)."""
        for op in walk(upgrade):
            if isinstance(op, ops.AlterColumnOp):
                found = self.get((op.table_name, op.column_name))
                if found is not None and not isinstance(found, sa.Computed):
                    op.existing_server_default = _stated(found)

    def give(self, table: str, column: sa.Column[Any]) -> None:
        found = self.get((table, column.name))
        if found is not None:
            column.server_default = _stated(found)


def _texts(sqltext: Any) -> dict[str, str]:
    if isinstance(sqltext, VendorSQL):
        return sqltext.all_texts()
    return dict.fromkeys(VENDORS, str(getattr(sqltext, "text", sqltext)))


def computed_ops(
    upgrade: ops.UpgradeOps, stated: StatedDefaults, metadata: sa.MetaData, label: str
) -> None:
    """Drop and add again the generated columns whose expression changed (Alembic leaves
    them alone: no database alters one in place)."""
    for table in metadata.tables.values():
        if table_label(table) != label:
            continue
        steps: list[ops.MigrateOperation] = []
        for column in table.columns:
            new, old = column.computed, stated.get((table.name, column.name))
            if new is None or not isinstance(old, sa.Computed):
                continue
            if _texts(new.sqltext) == _texts(old.sqltext) and new.persisted == old.persisted:
                continue
            before = column._copy()
            before.server_default = _stated(old)
            steps.append(ops.DropColumnOp.from_column_and_tablename(None, table.name, before))
            steps.append(ops.AddColumnOp.from_column_and_tablename(None, table.name, column))
        if steps:
            upgrade.ops.append(ops.ModifyTableOps(table.name, steps))


def _transfer_no_generated(grab: Any) -> Any:
    """Alembic's batch "move and copy" (SQLite) copies every column into the new table,
    generated ones too, which SQLite refuses: the new table computes them itself."""

    def grab_table_elements(self: ApplyBatchImpl) -> None:
        grab(self)
        for column in self.table.c:
            if column.computed is not None and column.name in self.column_transfers:
                self.column_transfers[column.name].pop("expr", None)

    grab_table_elements.__wrapped__ = grab  # type: ignore[attr-defined]
    return grab_table_elements


if not hasattr(ApplyBatchImpl._grab_table_elements, "__wrapped__"):
    ApplyBatchImpl._grab_table_elements = _transfer_no_generated(  # type: ignore[method-assign]
        ApplyBatchImpl._grab_table_elements
    )
