"""``show_migrations`` and ``sql_migrate`` on each backend."""

from __future__ import annotations

import pytest

from heron.db.migrations import (
    MigrationError,
    make_migrations,
    migrate,
    show_migrations,
    sql_migrate,
)

from .conftest import Project, Target


def _two_migrations(project: Project) -> str:
    label = project.new_label("shw")
    project.models(label, "class Post(Model):\n    title = fields.String(max_length=100)\n")
    make_migrations([label])
    project.models(
        label,
        "class Post(Model):\n    title = fields.String(max_length=100)\n"
        "    views = fields.Integer(null=True)\n",
    )
    make_migrations([label])
    return label


def test_show_migrations_marks_the_applied_ones(db: Target, project: Project) -> None:
    label = _two_migrations(project)
    empty = project.new_label("none")
    project.models(empty, "class Thing(Model):\n    pass\n")
    assert show_migrations([label, empty], using=db.engine) == {
        label: [("0001_initial", False), ("0002_add_post_views", False)],
        empty: [],
    }
    migrate(label, "0001", using=db.engine)
    assert show_migrations([label], using=db.engine) == {
        label: [("0001_initial", True), ("0002_add_post_views", False)]
    }
    migrate(label, "zero", using=db.engine)
    assert db.tables() == set()


EXPECTED_ADD = {
    "sqlite": "ALTER TABLE {t} ADD COLUMN views INTEGER;",
    "postgresql": "ALTER TABLE {t} ADD COLUMN views INTEGER;",
    "mysql": "ALTER TABLE {t} ADD COLUMN views INTEGER;",
}


def test_sql_migrate_prints_the_vendor_sql(db: Target, project: Project) -> None:
    label = _two_migrations(project)
    table = f"{label}_post"
    initial = sql_migrate(label, "0001_initial", using=db.engine)
    assert f"CREATE TABLE {table}" in initial
    serial = {"sqlite": "INTEGER NOT NULL", "postgresql": "BIGSERIAL", "mysql": "AUTO_INCREMENT"}
    assert serial[db.vendor] in initial
    transactional = db.vendor != "mysql"
    assert initial.startswith("BEGIN;") is transactional
    assert initial.rstrip().endswith("COMMIT;") is transactional

    added = sql_migrate(label, "0002", using=db.engine)
    assert EXPECTED_ADD[db.vendor].format(t=table) in added

    removed = sql_migrate(label, "0002", using=db.engine, backwards=True)
    if db.vendor == "sqlite":  # SQLite rebuilds the table to drop a column
        assert f"CREATE TABLE _alembic_tmp_{table}" in removed
        assert f"ALTER TABLE _alembic_tmp_{table} RENAME TO {table};" in removed
    else:
        assert f"ALTER TABLE {table} DROP COLUMN views;" in removed
    assert db.tables() == set()  # nothing was run on the database


def test_sql_migrate_unknown_migration(sqlite_db: Target, project: Project) -> None:
    label = _two_migrations(project)
    with pytest.raises(MigrationError, match="has no migration '0009'"):
        sql_migrate(label, "0009", using=sqlite_db.engine)
    with pytest.raises(MigrationError, match="matches several migrations"):
        sql_migrate(label, "000", using=sqlite_db.engine)
