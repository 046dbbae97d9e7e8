"""Heron's own Alembic operations: renames that reverse themselves, and the drop of a
one-off server default."""

from __future__ import annotations

from collections.abc import Iterator

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations import ops

__all__ = ["DropOneOffDefaultOp", "RenameColumnOp", "RenameTableOp", "walk"]


class RenameColumnOp(ops.AlterColumnOp):
    """``alter_column(..., new_column_name=...)`` whose reverse renames back."""

    def reverse(self) -> RenameColumnOp:
        assert self.modify_name is not None
        return RenameColumnOp(
            self.table_name,
            self.modify_name,
            schema=self.schema,
            modify_name=self.column_name,
            existing_type=self.existing_type,
            existing_nullable=self.existing_nullable,
            existing_server_default=self.existing_server_default,
        )


class RenameTableOp(ops.RenameTableOp):
    """``rename_table(old, new)`` whose reverse renames back."""

    def reverse(self) -> RenameTableOp:
        return RenameTableOp(self.new_table_name, self.table_name, schema=self.schema)


@renderers.dispatch_for(RenameTableOp)
def _render_rename_table(context: AutogenContext, op: RenameTableOp) -> str:
    # Alembic's autogenerate never emits table renames, so it has no renderer for them.
    return f"op.rename_table({op.table_name!r}, {op.new_table_name!r})"


class DropOneOffDefaultOp(ops.AlterColumnOp):
    """Drops the server default that filled a new NOT NULL column's existing rows."""


def walk(container: ops.OpContainer) -> Iterator[ops.MigrateOperation]:
    """Every operation in a container, nested ``ModifyTableOps`` opened."""
    for op in container.ops:
        if isinstance(op, ops.ModifyTableOps):
            yield from walk(op)
        else:
            yield op
