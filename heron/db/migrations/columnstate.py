"""What the migration files state about each column, followed operation by operation as a
label's migrations are replayed (``StatedColumns``): the types, comments and server
defaults SQLite's reflection of the replayed schema cannot give back."""

from __future__ import annotations

from typing import Any, ClassVar

import sqlalchemy as sa
from alembic.operations import ops

from heron.db.migrations.operations import walk

__all__ = ["StatedColumns", "follow_table"]


def follow_table(found: dict[tuple[str, str], Any], op: ops.MigrateOperation) -> None:
    """Forget the entries of a dropped table; move those of a renamed one."""
    if isinstance(op, ops.DropTableOp | ops.RenameTableOp):
        for key in [k for k in found if k[0] == op.table_name]:
            value = found.pop(key)
            if isinstance(op, ops.RenameTableOp):
                found[(op.new_table_name, key[1])] = value


class StatedColumns(dict[tuple[str, str], Any]):
    """``(table, column)`` → one setting of each column as the migration files state it:
    ``setting`` names the column's attribute, ``altered`` the argument of ``alter_column``
    that changes it (``unchanged``: its value when it does not)."""

    setting: ClassVar[str]
    altered: ClassVar[str]
    unchanged: ClassVar[Any] = False

    def record(self, op: ops.MigrateOperation) -> None:
        """Follow one operation run by a migration."""
        if isinstance(op, ops.CreateTableOp):
            for item in op.columns:
                if isinstance(item, sa.Column):
                    self.put(op.table_name, item.name, getattr(item, self.setting))
        elif isinstance(op, ops.AddColumnOp):
            self.put(op.table_name, op.column.name, getattr(op.column, self.setting))
        elif isinstance(op, ops.AlterColumnOp):
            key = (op.table_name, op.column_name)
            value = getattr(op, self.altered)
            if value is not self.unchanged:
                self.put(*key, value)
            if op.modify_name is not None and key in self:
                self[(op.table_name, op.modify_name)] = self.pop(key)
        elif isinstance(op, ops.DropColumnOp):
            self.pop((op.table_name, op.column_name), None)
        else:
            follow_table(self, op)

    def restore(self, downgrade: ops.DowngradeOps) -> None:
        """Give the tables and columns the downgrade re-creates what the files stated."""
        for op in walk(downgrade):
            if isinstance(op, ops.CreateTableOp):
                self.give_table(op)
                columns = [c for c in op.columns if isinstance(c, sa.Column)]
            elif isinstance(op, ops.AddColumnOp):
                columns = [op.column]
            else:
                continue
            for column in columns:
                self.give(op.table_name, column)

    def give_table(self, op: ops.CreateTableOp) -> None:
        """Restore a setting of the re-created table itself (none by default)."""

    def give(self, table: str, column: sa.Column[Any]) -> None:
        """Set the stated setting on a re-created ``column`` of ``table``."""
        raise NotImplementedError

    def put(self, table: str, column: str, value: Any) -> None:
        """Keep ``value`` for the column; ``None``: the column has none."""
        if value is None:
            self.pop((table, column), None)
        else:
            self[(table, column)] = value
