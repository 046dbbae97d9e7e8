"""Values for the rows already there when a downgrade adds back a removed NOT NULL column.

Unapplying the removal of a NOT NULL field adds its column again, and the table's rows need
a value. As for a NOT NULL column an upgrade adds (``with_one_off_defaults``), the column
gets a temporary server default, dropped right after, so it ends as it was declared:

- a server default the files stated (``db_default``) is the column's own, and kept;
- else an empty value of its type: ``''`` for text and bytes, ``0`` for numbers and
  durations, false for booleans;
- the current date (or date and time, in UTC) for dates, as for ``auto_now`` fields.

Other columns (foreign keys, UUIDs, JSON, times of day) have no value that would not be
made up: the downgrade checks first that the table is empty (``require_no_rows``), and
otherwise stops with an error naming the column, before changing anything.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations import ops

from heron.db.fields.vendorsql import VendorSQL
from heron.db.migrations.errors import StoppedBeforeChanges
from heron.db.migrations.fixups import with_one_off_defaults

__all__ = ["RequireNoRowsOp", "placeholder", "refill_readded_columns", "require_no_rows"]

#: The current date and time in UTC on each backend, as ``Now()`` writes it.
_NOW = {
    "sqlite": "(strftime('%Y-%m-%d %H:%M:%f000', 'now'))",
    "postgresql": "CURRENT_TIMESTAMP",
    "mysql": "(utc_timestamp(6))",
}
#: No bytes on each backend (SQLite would store ``''`` as text).
_NO_BYTES = {"sqlite": "X''", "postgresql": "''", "mysql": "X''"}
#: The current date in UTC on each backend.
_TODAY = {"sqlite": "(date('now'))", "postgresql": "CURRENT_DATE", "mysql": "(utc_date())"}


def placeholder(column: sa.Column[Any]) -> Any:
    """The value rows get when ``column`` comes back NOT NULL (a SQL literal as text, or a
    ``VendorSQL``), else None: no honest one."""
    type_ = column.type
    if column.foreign_keys or column.primary_key or isinstance(type_, sa.Enum):
        return None
    if isinstance(type_, sa.Boolean | sa.Integer | sa.Numeric):
        return "0"
    if isinstance(type_, sa.String):  # Text included
        return ""
    if isinstance(type_, sa.LargeBinary):
        return VendorSQL(_NO_BYTES)
    if isinstance(type_, sa.DateTime):
        return VendorSQL(_NOW)
    if isinstance(type_, sa.Date):
        return VendorSQL(_TODAY)
    return None


def require_no_rows(table: str, *columns: str) -> None:
    """Stop unless ``table`` is empty: the NOT NULL ``columns`` added back next have no
    value for rows (written by ``makemigrations`` first in a downgrade, so that it stops
    before any change). Skipped when printing SQL."""
    from alembic import op

    if op.get_context().as_sql:
        return
    query = sa.select(sa.literal(1)).select_from(sa.table(table)).limit(1)
    if op.get_bind().execute(query).first() is not None:
        names = ", ".join(f"{table}.{column}" for column in columns)
        raise StoppedBeforeChanges(
            f"Unapplying adds {names} back as NOT NULL, and {table} has rows: Heron has no "
            "value for them. Edit this migration's downgrade(): give each add_column a "
            "server_default (and drop it after), or add the column with nullable=True, fill "
            "it with op.execute(...), then alter_column(..., nullable=False)."
        )


class RequireNoRowsOp(ops.MigrateOperation):
    """``require_no_rows(table, *columns)`` in a migration file (downgrades only)."""

    def __init__(self, table_name: str, column_names: list[str]) -> None:
        self.table_name = table_name
        self.column_names = column_names

    def imports(self) -> set[str]:
        """The import lines the rendered call needs."""
        return {"from heron.db.migrations.refill import require_no_rows"}


@renderers.dispatch_for(RequireNoRowsOp)
def _render_require_no_rows(context: AutogenContext, op: RequireNoRowsOp) -> str:
    columns = "".join(f", {name!r}" for name in op.column_names)
    return f"require_no_rows({op.table_name!r}{columns})"


def _unfilled(item: ops.ModifyTableOps) -> list[RequireNoRowsOp]:
    """The check for the NOT NULL columns ``item`` adds without a server default, if any."""
    columns = [
        op.column.name
        for op in item.ops
        if isinstance(op, ops.AddColumnOp)
        and not op.column.nullable
        and op.column.server_default is None
    ]
    return [RequireNoRowsOp(item.table_name, sorted(columns))] if columns else []


def refill_readded_columns(downgrade: ops.DowngradeOps) -> None:
    """Give each NOT NULL column the downgrade adds back a temporary server default for the
    rows already there (``placeholder``); for one without, check first that the table is
    empty."""
    with_one_off_defaults(downgrade, lambda table, column: placeholder(column))
    checks = [c for o in downgrade.ops if isinstance(o, ops.ModifyTableOps) for c in _unfilled(o)]
    downgrade.ops = [*checks, *downgrade.ops]
