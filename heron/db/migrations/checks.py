"""Check constraints added to, removed from or changed on the tables a label already has.

Alembic compares no CHECK constraints. Heron compares them by name and by condition: the
condition the models state against the one the migration files state (``StatedChecks``,
recorded while they are replayed), never SQL read back from a database, which each
backend rewrites its own way. A changed condition is dropped, then created again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic.operations import ops

from heron.db.migrations.operations import (
    Condition,
    CreateCheckOp,
    DropCheckOp,
    surround_table_ops,
)
from heron.db.migrations.schema import table_label
from heron.db.migrations.stated import StatedChecks, named_checks

__all__ = ["check_ops", "same_condition"]


def same_condition(a: Condition, b: Condition) -> bool:
    """Whether two conditions are the same: equal Q trees, or SQL text equal but for
    spacing."""
    if isinstance(a, str) and isinstance(b, str):
        return a.split() == b.split()
    return not isinstance(a, str) and not isinstance(b, str) and a.tree == b.tree


def _table_changes(
    table: str, stated: dict[str, Condition], wanted: dict[str, Condition]
) -> tuple[list[ops.MigrateOperation], list[ops.MigrateOperation]]:
    """The checks of one table to drop (removed or changed) and to create (new or changed)."""
    changed = {
        name
        for name in stated.keys() & wanted.keys()
        if not same_condition(stated[name], wanted[name])
    }
    drops: list[ops.MigrateOperation] = [
        DropCheckOp(name, table, stated[name])
        for name in sorted(stated)
        if name not in wanted or name in changed
    ]
    creates: list[ops.MigrateOperation] = [
        CreateCheckOp(name, table, wanted[name])
        for name in sorted(wanted)
        if name not in stated or name in changed
    ]
    return drops, creates


def check_ops(
    upgrade: ops.UpgradeOps,
    checks: StatedChecks,
    metadata: sa.MetaData,
    label: str,
    tables: set[str],
) -> None:
    """Add to ``upgrade`` the check constraints to drop and create on the label's existing
    ``tables`` (new tables are created with theirs, dropped ones lose theirs): drops first
    in each table's operations (before the columns they use go), creates last (after the
    columns they use are added)."""
    for table in sorted(tables):
        model = metadata.tables.get(table)
        if model is None or table_label(model) != label:
            continue
        drops, creates = _table_changes(table, checks.of(table), named_checks(model.constraints))
        if not drops and not creates:
            continue
        surround_table_ops(upgrade, table, drops, creates)
