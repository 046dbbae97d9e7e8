"""A failing migration leaves nothing behind where DDL is transactional (batch blocks too),
says what it left behind where it is not, and foreign keys are dropped before the indexes
backing them (MariaDB refuses the other order)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.operations import ops

from heron.db.migrations import make_migrations, migrate
from heron.db.migrations.fixups import indexes_before_drops
from heron.db.migrations.operations import walk

from .conftest import Project, Target

MODELS = """
class Post(Model):
    title = fields.String(max_length=100)
    name = fields.String(max_length=60, default="")
"""

# What ``makemigrations --rename`` writes for ``name`` renamed to ``slug`` and made unique:
# two batch blocks; the second fails while the column holds duplicates.
RENAME_THEN_UNIQUE = """
import sqlalchemy as sa
from alembic import op

dependencies = [("{label}", "0001_initial")]


def upgrade() -> None:
    with op.batch_alter_table("{table}", schema=None) as batch_op:
        batch_op.alter_column(
            "name", existing_type=sa.String(length=60), new_column_name="slug",
            existing_nullable=False,
        )

    op.execute("UPDATE {table} SET title = 'changed'")

    with op.batch_alter_table("{table}", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_{table}_slug", ["slug"])


def downgrade() -> None:
    with op.batch_alter_table("{table}", schema=None) as batch_op:
        batch_op.drop_constraint("uq_{table}_slug", type_="unique")

    with op.batch_alter_table("{table}", schema=None) as batch_op:
        batch_op.alter_column(
            "slug", existing_type=sa.String(length=60), new_column_name="name",
            existing_nullable=False,
        )
"""


def _notes(exc: BaseException) -> str:
    return "\n".join(getattr(exc, "__notes__", []))


def test_a_migration_failing_after_a_batch_block_leaves_nothing_behind(
    db: Target, project: Project
) -> None:
    label = project.new_label("atm")
    table = f"{label}_post"
    project.models(label, MODELS)
    make_migrations([label])
    migrate(label, using=db.engine)
    db.execute(f"INSERT INTO {table} (title, name) VALUES ('a', 'dup'), ('b', 'dup')")
    name = "0002_rename_post_name_slug"
    project.write_migration(label, name, RENAME_THEN_UNIQUE.format(label=label, table=table))

    with pytest.raises(sa.exc.IntegrityError) as failed:
        migrate(label, using=db.engine)
    assert db.applied() == {(label, "0001_initial")}
    if db.vendor == "mysql":
        # MariaDB commits each DDL statement: the rename (and the UPDATE) stay; the error
        # says so.
        assert set(db.columns(table)) == {"id", "title", "slug"}
        assert db.rows(f"SELECT title FROM {table}") == [("changed",), ("changed",)]
        notes = _notes(failed.value)
        assert f"Applying {label}.{name} failed and was not rolled back" in notes
        assert "MariaDB/MySQL cannot roll back DDL" in notes
        assert "recorded as not applied" in notes
        assert f"`heron sqlmigrate {label} {name}`" in notes
        db.execute(f"ALTER TABLE {table} CHANGE slug name VARCHAR(60) NOT NULL")
    else:
        assert set(db.columns(table)) == {"id", "title", "name"}
        assert not any(t.startswith("_alembic_tmp_") for t in db.tables())
        assert db.rows(f"SELECT title, name FROM {table} ORDER BY id") == [
            ("a", "dup"),
            ("b", "dup"),
        ]
        assert _notes(failed.value) == ""
    assert db.uniques(table) == []

    db.execute(f"UPDATE {table} SET name = CAST(id AS CHAR(20))")  # the fix: no duplicates
    migrate(label, using=db.engine)
    assert db.applied() == {(label, "0001_initial"), (label, name)}
    assert ["slug"] in db.uniques(table)
    migrate(label, "zero", using=db.engine)
    assert db.tables() == set()


def test_a_downgrade_failing_after_a_batch_block_leaves_nothing_behind(
    db: Target, project: Project
) -> None:
    label = project.new_label("atd")
    table = f"{label}_post"
    project.models(label, MODELS)
    make_migrations([label])
    project.write_migration(
        label,
        "0002_extra",
        f"""
        import sqlalchemy as sa
        from alembic import op


        def upgrade() -> None:
            op.add_column("{table}", sa.Column("extra", sa.Integer(), nullable=True))


        def downgrade() -> None:
            with op.batch_alter_table("{table}", schema=None) as batch_op:
                batch_op.drop_column("extra")
            raise RuntimeError("boom")
        """,
    )
    migrate(label, using=db.engine)
    with pytest.raises(RuntimeError, match="boom") as failed:
        migrate(label, "0001", using=db.engine)
    assert (label, "0002_extra") in db.applied()
    if db.vendor == "mysql":
        assert "extra" not in db.columns(table)
        notes = _notes(failed.value)
        assert f"Unapplying {label}.0002_extra failed and was not rolled back" in notes
        assert "recorded as applied" in notes
        assert f"`heron sqlmigrate {label} 0002_extra --backwards`" in notes
    else:
        assert "extra" in db.columns(table)
        assert not any(t.startswith("_alembic_tmp_") for t in db.tables())


def test_a_failing_non_atomic_migration_says_what_stays(
    sqlite_db: Target, project: Project
) -> None:
    label = project.new_label("atn")
    table = f"{label}_post"
    project.models(label, MODELS)
    make_migrations([label])
    project.write_migration(
        label,
        "0002_outside",
        f"""
        import sqlalchemy as sa
        from alembic import op

        atomic = False


        def upgrade() -> None:
            op.add_column("{table}", sa.Column("extra", sa.Integer(), nullable=True))
            raise RuntimeError("boom")
        """,
    )
    with pytest.raises(RuntimeError, match="boom") as failed:
        migrate(label, using=sqlite_db.engine)
    assert "extra" in sqlite_db.columns(table)
    assert "it runs outside a transaction (atomic = False)" in _notes(failed.value)


WITH_WRITER = """
class Writer(Model):
    name = fields.String(max_length=100)

class Post(Model):
    title = fields.String(max_length=100)
    writer = fields.ForeignKey(Writer, on_delete=fields.CASCADE, null=True)
"""
WITHOUT_WRITER = """
class Writer(Model):
    name = fields.String(max_length=100)

class Post(Model):
    title = fields.String(max_length=100)
"""


def _before(source: str, first: str, then: str) -> bool:
    return source.index(first) < source.index(then)


def test_a_removed_foreign_key_is_dropped_before_its_index(db: Target, project: Project) -> None:
    label = project.new_label("fkx")
    table = f"{label}_post"
    project.models(label, WITH_WRITER)
    make_migrations([label])
    migrate(label, using=db.engine)
    project.models(label, WITHOUT_WRITER)
    [file] = make_migrations([label])
    upgrade, downgrade = file.source.split("def downgrade")
    assert _before(upgrade, "drop_constraint(", "drop_index(")
    assert _before(upgrade, "drop_index(", "drop_column(")
    assert _before(downgrade, "add_column(", "create_index(")
    assert _before(downgrade, "create_index(", "create_foreign_key(")

    migrate(label, using=db.engine)  # MariaDB: (1553) Cannot drop index ... before the fix
    assert set(db.columns(table)) == {"id", "title"}
    assert db.diff(label) == []

    project.models(label, WITH_WRITER)
    migrate(label, "0001", using=db.engine)
    assert db.indexes(table)[f"ix_{table}_writer_id"] == ["writer_id"]
    [fk] = sa.inspect(db.engine).get_foreign_keys(table)
    assert fk["constrained_columns"] == ["writer_id"]
    assert db.diff(label) == []
    migrate(label, using=db.engine)
    migrate(label, "zero", using=db.engine)
    assert db.tables() == set()


def test_indexes_before_drops_puts_foreign_keys_around_indexes() -> None:
    metadata = sa.MetaData()
    sa.Table("writer", metadata, sa.Column("id", sa.Integer, primary_key=True))
    post = sa.Table(
        "post",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("writer_id", sa.Integer),
        sa.ForeignKeyConstraint(["writer_id"], ["writer.id"], name="fk_post_writer"),
        sa.Index("ix_post_writer_id", "writer_id"),
    )
    [fk] = post.foreign_key_constraints
    [index] = post.indexes
    drops: list[ops.MigrateOperation] = [  # as Alembic's autogenerate orders them
        ops.DropIndexOp.from_index(index),
        ops.DropConstraintOp.from_constraint(fk),
        ops.DropColumnOp.from_column_and_tablename(None, "post", post.c.writer_id),
    ]
    upgrade = ops.UpgradeOps([ops.ModifyTableOps("post", drops)])
    downgrade = upgrade.reverse()
    for container in (upgrade, downgrade):
        indexes_before_drops(container)

    def kinds(container: ops.OpContainer) -> list[str]:
        return [type(op).__name__ for op in walk(container)]

    assert kinds(upgrade) == ["DropConstraintOp", "DropIndexOp", "DropColumnOp"]
    assert kinds(downgrade) == ["AddColumnOp", "CreateIndexOp", "CreateForeignKeyOp"]
