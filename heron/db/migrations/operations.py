"""Heron's own Alembic operations: renames that reverse themselves, the drop of a one-off
server default, and filling a column's NULLs before it becomes NOT NULL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations import ops

__all__ = [
    "DropOneOffDefaultOp",
    "FillNullsOp",
    "RenameColumnOp",
    "RenameTableOp",
    "fill_nulls",
    "walk",
]


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


def fill_nulls(table: str, column: str, value: Any) -> None:
    """Set ``column`` to ``value`` (a bound parameter) in the rows of ``table`` where it is
    NULL: written by ``makemigrations`` before the column is made NOT NULL."""
    from alembic import op

    target = sa.table(table, sa.column(column))
    update = target.update().where(target.c[column].is_(None))
    op.execute(update.values({column: sa.literal(value)}))  # typed by the value


class FillNullsOp(ops.MigrateOperation):
    """``fill_nulls(table, column, value)`` in a migration file (upgrades only)."""

    def __init__(self, table_name: str, column_name: str, value: Any) -> None:
        self.table_name = table_name
        self.column_name = column_name
        self.value = value

    def imports(self) -> set[str]:
        """The import lines the rendered call needs."""
        return {"from heron.db.migrations.operations import fill_nulls"} | literal_imports(
            repr(self.value)
        )


def literal_imports(text: str) -> set[str]:
    """The imports a migration file needs for ``text``, the ``repr()`` of Python values
    (dates, times, timedeltas and decimals)."""
    found = set()
    if "datetime." in text:
        found.add("import datetime")
    if "Decimal(" in text:
        found.add("from decimal import Decimal")
    return found


@renderers.dispatch_for(FillNullsOp)
def _render_fill_nulls(context: AutogenContext, op: FillNullsOp) -> str:
    return f"fill_nulls({op.table_name!r}, {op.column_name!r}, {op.value!r})"


def walk(container: ops.OpContainer) -> Iterator[ops.MigrateOperation]:
    """Every operation in a container, nested ``ModifyTableOps`` opened."""
    for op in container.ops:
        if isinstance(op, ops.ModifyTableOps):
            yield from walk(op)
        else:
            yield op
