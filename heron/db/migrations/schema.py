"""The models' tables as migrations see them: a copy of the registry's MetaData with names
for every index and constraint, so the same names exist on every database and a later
migration can drop or rename them.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import sqlalchemy as sa

from heron.db.migrations.recorder import VERSION_TABLE
from heron.db.models.constraints import index_condition, only_where_partial
from heron.db.models.registry import NAMING_CONVENTION

__all__ = [
    "IGNORED_TABLES",
    "NAMING_CONVENTION",
    "migration_metadata",
    "referenced_tables",
    "sorted_tables",
    "table_label",
    "table_managed",
    "tables_of",
]


#: Tables in a database that never belong to a label.
IGNORED_TABLES = frozenset({VERSION_TABLE, "alembic_version"})


def migration_metadata(source: sa.MetaData | None = None) -> sa.MetaData:
    """A fresh copy of ``source`` (the registry's MetaData) under Heron's naming convention."""
    if source is None:
        from heron.db.models.registry import registry

        source = registry.metadata
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    for table in source.tables.values():  # foreign keys are resolved by name afterwards
        copy = table.to_metadata(metadata)
        for index in copy.indexes:  # the copy keeps the condition, not where it is created
            if index_condition(index) is not None:
                only_where_partial(index)
    return metadata


def table_label(table: sa.Table) -> str | None:
    """The label whose migrations manage a model table (``info["label"]``); None for
    foreign tables and the tables of unmanaged models (``Meta.managed = False``)."""
    label = table.info.get("label")
    return label if isinstance(label, str) and table_managed(table) else None


def table_managed(table: sa.Table) -> bool:
    """False for the table of an unmanaged model (and the link tables of its many-to-many
    fields): migrations and test set-up neither create, alter nor drop it."""
    meta = getattr(table.info.get("model"), "_meta", None)
    return meta is None or bool(meta.managed)


def sorted_tables(metadata: sa.MetaData) -> list[sa.Table]:
    """The tables in dependency order. Tables in a cycle of foreign keys come in some order
    without the warning SQLAlchemy gives: whoever creates them adds the foreign keys that
    close the cycle afterwards (``MetaData.create_all``, or a migration's own step)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Cannot correctly sort tables", sa.exc.SAWarning)
        return metadata.sorted_tables


def tables_of(metadata: sa.MetaData, labels: Iterable[str]) -> list[sa.Table]:
    """The tables of ``labels`` in dependency order."""
    wanted = set(labels)
    return [t for t in sorted_tables(metadata) if table_label(t) in wanted]


def referenced_tables(
    metadata: sa.MetaData, labels: Iterable[str], among: Iterable[str]
) -> list[sa.Table]:
    """The tables of the labels ``among`` that the tables of ``labels`` point at, directly or
    through each other, in dependency order."""
    candidates = set(among)
    found: set[str] = set()
    todo = [t for t in metadata.tables.values() if table_label(t) in set(labels)]
    while todo:
        table = todo.pop()
        for fk in table.foreign_keys:
            target = metadata.tables.get(fk.target_fullname.rsplit(".", 1)[0])
            if (
                target is not None
                and target.name not in found
                and table_label(target) in candidates
            ):
                found.add(target.name)
                todo.append(target)
    return [t for t in sorted_tables(metadata) if t.name in found]
