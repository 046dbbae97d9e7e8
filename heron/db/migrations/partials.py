"""Partial indexes (``Index``/``UniqueConstraint`` with ``condition=``) added, removed or
changed on a label's tables.

Alembic neither compares index conditions nor can write one file for every backend, so
partial indexes are left out of its comparison and compared here: by name, against what
the migration files state (``StatedPartials``). A changed one is dropped, then created
again. Drops come first in the upgrade (before renames and before the columns they use
go), creates last (after the columns and tables they use exist); the downgrade, reversed,
undoes them in the right order. Partial indexes on expressions are compared with the
other expression indexes (``expression_indexes``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from alembic.operations import ops

from heron.db.migrations.operations import CreatePartialIndexOp, DropPartialIndexOp, PartialIndex
from heron.db.migrations.schema import table_label

if TYPE_CHECKING:
    from heron.db.migrations.stated import StatedPartials

__all__ = ["model_indexes", "model_partials", "partial_ops", "replace_indexes"]


def model_indexes(
    metadata: sa.MetaData, label: str, of: Callable[[sa.Index, str], Any]
) -> dict[str, Any]:
    """The indexes of the label's model tables that ``of(index, table)`` describes (it
    gives ``None`` for the others): name → description."""
    return {
        index.name: index
        for table in metadata.tables.values()
        if table_label(table) == label
        for index in (of(i, table.name) for i in table.indexes)
        if index is not None
    }


def model_partials(metadata: sa.MetaData, label: str) -> dict[str, PartialIndex]:
    """The partial indexes of the label's model tables: name → index."""
    return model_indexes(metadata, label, PartialIndex.of)


def partial_ops(
    upgrade: ops.UpgradeOps,
    stated: StatedPartials,
    metadata: sa.MetaData,
    label: str,
    owned: set[str],
    renamed: dict[str, str],
) -> None:
    """Add to ``upgrade`` the partial indexes to drop and to create. ``owned``: the label's
    tables in the replayed schema (renames applied), ``renamed``: old table name → new."""
    wanted = model_partials(metadata, label)
    replace_indexes(
        upgrade, stated, wanted, owned, renamed, DropPartialIndexOp, CreatePartialIndexOp
    )


def replace_indexes(
    upgrade: ops.UpgradeOps,
    stated: Mapping[tuple[str, str], Any],
    wanted: Mapping[str, Any],
    owned: set[str],
    renamed: dict[str, str],
    drop: Callable[[Any], ops.MigrateOperation],
    create: Callable[[Any], ops.MigrateOperation],
) -> None:
    """Drop (first) the stated indexes the models no longer want or want changed, and
    create (last) the wanted ones not stated or changed: indexes Heron compares by name
    itself (each with ``name``, ``table`` and ``same()``), partial or on expressions."""
    found = {
        index.name: index
        for (table, _), index in stated.items()
        if renamed.get(table, table) in owned
    }

    def changed(name: str) -> bool:
        old = found[name]
        return not dataclasses.replace(old, table=renamed.get(old.table, old.table)).same(
            wanted[name]
        )

    drops = [found[n] for n in sorted(found) if n not in wanted or changed(n)]
    creates = [wanted[n] for n in sorted(wanted) if n not in found or changed(n)]
    upgrade.ops = [
        *(drop(index) for index in drops),
        *upgrade.ops,
        *(create(index) for index in creates),
    ]
