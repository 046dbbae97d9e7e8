"""``flush()``: empty the model tables of a database and restart their keys, as
``heron flush`` does; the migration records and the tables themselves stay.

PostgreSQL truncates every table in one ``TRUNCATE ... RESTART IDENTITY``; MariaDB/MySQL
truncates each with the foreign key checks off (``TRUNCATE`` restarts ``AUTO_INCREMENT``);
SQLite deletes the rows in one transaction with the foreign key checks deferred, so
cycles of foreign keys are no obstacle, and forgets the tables' ``AUTOINCREMENT``
counters. Afterwards ``post_migrate`` is sent for each label flushed, so receivers that
create an application's default rows create them again.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from heron.db.connections import connections
from heron.db.migrations.schema import sorted_tables, table_label, table_managed
from heron.db.models.registry import registry
from heron.db.signals import post_migrate, send

__all__ = ["flush", "flushable_tables"]


def flushable_tables(engine: sa.Engine, labels: Iterable[str] | None = None) -> list[sa.Table]:
    """The managed model tables present in ``engine``'s database (of ``labels`` only, when
    given), in dependency order."""
    wanted = None if labels is None else set(labels)
    with engine.connect() as conn:
        existing = set(sa.inspect(conn).get_table_names())
    return [
        table
        for table in sorted_tables(registry.metadata)
        if table.name in existing
        and table_managed(table)
        and (wanted is None or table_label(table) in wanted)
    ]


def flush(using: str = "default", labels: Iterable[str] | None = None) -> list[str]:
    """Delete every row of the model tables of database ``using`` (of ``labels`` only, when
    given) and restart their automatic keys; returns the names of the tables emptied."""
    engine = connections[using].sqlalchemy_engine()
    tables = flushable_tables(engine, labels)
    if tables:
        _EMPTY[engine.dialect.name](engine, tables)
    for label in sorted({label for table in tables if (label := table_label(table))}):
        send(post_migrate, label, "flush", "a plain function", using=using, plan=[])
    return [table.name for table in tables]


def _names(engine: sa.Engine, tables: list[sa.Table]) -> list[str]:
    quote = engine.dialect.identifier_preparer.format_table
    return [quote(table) for table in tables]


def _truncate_postgresql(engine: sa.Engine, tables: list[sa.Table]) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE TABLE {', '.join(_names(engine, tables))} RESTART IDENTITY")


def _truncate_mysql(engine: sa.Engine, tables: list[sa.Table]) -> None:
    with engine.connect() as conn:
        conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
        try:
            for name in _names(engine, tables):
                conn.exec_driver_sql(f"TRUNCATE TABLE {name}")
        finally:
            conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 1")


def _delete_sqlite(engine: sa.Engine, tables: list[sa.Table]) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        for table in reversed(tables):
            conn.execute(table.delete())
        has_counters = conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'"
        ).first()
        if has_counters:
            names = [table.name for table in tables]
            marks = ", ".join("?" for _ in names)
            conn.exec_driver_sql(
                f"DELETE FROM sqlite_sequence WHERE name IN ({marks})", tuple(names)
            )


_EMPTY = {
    "postgresql": _truncate_postgresql,
    "mysql": _truncate_mysql,
    "mariadb": _truncate_mysql,
    "sqlite": _delete_sqlite,
}
