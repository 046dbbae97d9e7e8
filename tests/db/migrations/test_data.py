"""Data migrations (``--empty`` + ``run_python``), failing migrations and irreversible ones."""

from __future__ import annotations

import pytest

from heron.db.migrations import (
    IrreversibleMigration,
    MigrationError,
    make_migrations,
    migrate,
    sql_migrate,
)

from .conftest import Project, Target

MODELS = """
class Post(Model):
    title = fields.String(max_length=100)
    slug = fields.String(max_length=100, null=True)
"""


def _fill(project: Project, label: str, name: str) -> None:
    """Write forwards()/backwards() into the empty migration the way a user would."""
    table = f"{label}_post"
    source = project.source(label, name)
    source = source.replace(
        '    """Change the data; runs inside the migration\'s transaction."""\n',
        '    """Change the data; runs inside the migration\'s transaction."""\n'
        f'    connection.execute(sa.text("UPDATE {table} SET slug = lower(title)"))\n',
    )
    source = source.replace(
        '    """Undo forwards() (leave it empty if there is nothing to undo)."""\n',
        '    """Undo forwards() (leave it empty if there is nothing to undo)."""\n'
        f'    connection.execute(sa.text("UPDATE {table} SET slug = NULL"))\n',
    )
    project.write_migration(label, name, source)


def test_data_migration_runs_forwards_and_backwards(db: Target, project: Project) -> None:
    label = project.new_label("dat")
    table = f"{label}_post"
    project.models(label, MODELS)
    make_migrations([label])
    [empty] = make_migrations([label], empty=True, name="fill slugs")
    assert empty.name == "0002_fill_slugs"
    assert empty.dependencies == ((label, "0001_initial"),)
    assert "def forwards(connection: sa.Connection) -> None:" in empty.source
    assert "run_python(forwards)" in empty.source
    migrate(label, "0001", using=db.engine)
    db.execute(f"INSERT INTO {table} (title) VALUES ('Hello World')")

    _fill(project, label, "0002_fill_slugs")
    migrate(label, using=db.engine)
    assert db.rows(f"SELECT slug FROM {table}") == [("hello world",)]

    sql = sql_migrate(label, "0002", using=db.engine)
    assert "-- Python function forwards() runs here" in sql
    assert make_migrations([label]) == []  # the data migration changes no schema

    migrate(label, "0001", using=db.engine)
    assert db.rows(f"SELECT slug FROM {table}") == [(None,)]
    migrate(label, "zero", using=db.engine)
    assert db.tables() == set()


def test_an_empty_migration_needs_a_label(project: Project) -> None:
    with pytest.raises(MigrationError, match="needs the label"):
        make_migrations(empty=True)


FAILING = """
import sqlalchemy as sa
from alembic import op

dependencies = [("{label}", "0001_initial")]


def upgrade() -> None:
    op.add_column("{label}_post", sa.Column("extra", sa.Integer(), nullable=True))
    op.execute("INSERT INTO {label}_post (title) VALUES ('half')")
    raise RuntimeError("boom")


def downgrade() -> None:
    op.drop_column("{label}_post", "extra")
"""


def test_a_failing_migration_is_rolled_back_where_ddl_is_transactional(
    db: Target, project: Project
) -> None:
    label = project.new_label("bad")
    table = f"{label}_post"
    project.models(label, MODELS)
    make_migrations([label])
    project.write_migration(label, "0002_broken", FAILING.format(label=label))
    with pytest.raises(RuntimeError, match="boom"):
        migrate(label, using=db.engine)
    assert db.applied() == {(label, "0001_initial")}
    if db.vendor == "mysql":
        # MariaDB commits each DDL statement: the added column stays (documented).
        assert "extra" in db.columns(table)
        db.execute(f"ALTER TABLE {table} DROP COLUMN extra")
    else:
        assert "extra" not in db.columns(table)
        assert db.rows(f"SELECT title FROM {table}") == []
    (project.root / label / "migrations" / "0002_broken.py").unlink()
    migrate(label, "zero", using=db.engine)
    assert db.tables() == set()


def test_a_migration_without_downgrade_cannot_be_unapplied(
    sqlite_db: Target, project: Project
) -> None:
    label = project.new_label("irr")
    project.models(label, MODELS)
    make_migrations([label])
    project.write_migration(
        label,
        "0002_one_way",
        f"""
        from alembic import op

        def upgrade() -> None:
            op.execute("UPDATE {label}_post SET slug = title")
        """,
    )
    migrate(label, using=sqlite_db.engine)
    with pytest.raises(IrreversibleMigration, match="0002_one_way cannot be reversed"):
        migrate(label, "0001", using=sqlite_db.engine)
    assert (label, "0002_one_way") in sqlite_db.applied()


def test_non_atomic_migration_runs_outside_a_transaction(db: Target, project: Project) -> None:
    label = project.new_label("nat")
    project.models(label, MODELS)
    make_migrations([label])
    project.write_migration(
        label,
        "0002_index",
        f"""
        from alembic import op

        atomic = False


        def upgrade() -> None:
            op.create_index("ix_{label}_slug", "{label}_post", ["slug"])


        def downgrade() -> None:
            op.drop_index("ix_{label}_slug", table_name="{label}_post")
        """,
    )
    migrate(label, using=db.engine)
    assert ["slug"] in db.indexes(f"{label}_post").values()
    assert "BEGIN" not in sql_migrate(label, "0002", using=db.engine)
    migrate(label, "zero", using=db.engine)
    assert db.tables() == set()
