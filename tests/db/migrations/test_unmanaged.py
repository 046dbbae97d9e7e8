"""``Meta.managed = False``: migrations and test set-up leave the model's table alone."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from heron.db.migrations import (
    create_all_tables,
    load_graph,
    make_migrations,
    migrate,
    migrate_all,
    sql_migrate,
)
from heron.db.models.registry import registry

from .conftest import Project, Target

LEGACY_SQL = "CREATE TABLE {t} (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL)"

MODELS = """
class Legacy(Model):
    id = fields.Integer(primary_key=True)
    name = fields.String(max_length=50)

    class Meta:
        managed = False
        table = "{legacy}"


class Order(Model):
    legacy = fields.ForeignKey(Legacy, on_delete=fields.CASCADE)
    tags = fields.ManyToManyField(Legacy, related_name="orders")
"""


def _models(project: Project, label: str, legacy: str) -> None:
    project.models(label, MODELS.replace("{legacy}", legacy))


def test_unmanaged_model_gets_no_operations(project: Project) -> None:
    label = project.new_label("unm")
    legacy = f"{label}_old"
    _models(project, label, legacy)
    [file] = make_migrations([label])
    assert "Create table " + f"{label}_order" in file.operations
    assert f"Create table {label}_order_tags" in file.operations
    assert not any(legacy in line.split()[-1] for line in file.operations)
    assert f"op.create_table('{legacy}'" not in file.source
    # the foreign keys to it are there (on the managed side)
    assert f"sa.ForeignKeyConstraint(['legacy_id'], ['{legacy}.id']" in file.source
    load_graph()
    assert make_migrations([label]) == []


def test_foreign_keys_to_an_unmanaged_table(db: Target, project: Project) -> None:
    label = project.new_label("unm")
    legacy = f"{label}_old"
    _models(project, label, legacy)
    make_migrations([label])
    load_graph()
    db.execute(LEGACY_SQL.format(t=legacy))  # the table exists already, as in production
    migrate(label, using=db.engine)
    assert {f"{label}_order", f"{label}_order_tags", legacy} <= db.tables()
    # (the test's diff compares every table of the label, the unmanaged one too)
    assert [d for d in db.diff(label) if legacy not in repr(d)] == []
    db.execute(f"INSERT INTO {legacy} (id, name) VALUES (1, 'one')")
    db.execute(f"INSERT INTO {label}_order (legacy_id) VALUES (1)")
    with pytest.raises(sa.exc.IntegrityError):
        db.execute(f"INSERT INTO {label}_order (legacy_id) VALUES (2)")
    migrate(label, "zero", using=db.engine)
    assert db.tables() == {legacy}  # Heron dropped its own tables only
    assert db.rows(f"SELECT name FROM {legacy}") == [("one",)]


MANAGED = """
class Item(Model):
    name = fields.String(max_length=50)
{meta}
"""
UNMANAGED_META = """
    class Meta:
        managed = False
"""


def test_managed_to_unmanaged_and_back(db: Target, project: Project) -> None:
    label = project.new_label("unm")
    table = f"{label}_item"
    project.models(label, MANAGED.format(meta=""))
    make_migrations([label])
    load_graph()
    migrate(label, using=db.engine)
    db.execute(f"INSERT INTO {table} (name) VALUES ('kept')")

    # Unmanaged: the migration only says so; the table and its rows stay.
    project.models(label, MANAGED.format(meta=UNMANAGED_META))
    [release] = make_migrations([label])
    assert release.name == "0002_unmanage_item"
    assert release.operations == (f"Stop managing table {table} (it is kept)",)
    assert f"release_table('{table}')" in release.source
    assert "adopt_table" in release.source  # the downgrade
    assert "drop_table" not in release.source
    load_graph()
    assert make_migrations([label]) == []
    migrate(label, using=db.engine)
    assert db.rows(f"SELECT name FROM {table}") == [("kept",)]
    if db.vendor != "sqlite":
        sql = sql_migrate(label, "0002", using=db.engine)
        assert f"Table {table} is no longer managed" in sql

    # Removed while unmanaged: nothing to drop.
    project.unload(label)
    project.models(label, "")
    assert make_migrations([label]) == []

    # Managed again: the table is Heron's again, and is not created twice.
    project.models(label, MANAGED.format(meta=""))
    [adopt] = make_migrations([label])
    assert adopt.operations == (f"Manage the existing table {table}",)
    load_graph()
    migrate(label, using=db.engine)
    assert db.rows(f"SELECT name FROM {table}") == [("kept",)]
    assert db.diff(label) == []

    # Back to zero: the releases and adoptions undo nothing; 0001 drops the table.
    migrate(label, "0002", using=db.engine)
    assert table in db.tables()
    migrate(label, "zero", using=db.engine)
    assert db.tables() == set()


def test_unmanaged_model_made_managed_gets_its_table(db: Target, project: Project) -> None:
    label = project.new_label("unm")
    table = f"{label}_item"
    project.models(
        label,
        MANAGED.format(meta=UNMANAGED_META) + "\nclass Other(Model):\n    x = fields.Integer()\n",
    )
    [first] = make_migrations([label])
    assert table not in first.source
    project.models(
        label, MANAGED.format(meta="") + "\nclass Other(Model):\n    x = fields.Integer()\n"
    )
    [second] = make_migrations([label])
    assert second.operations[0] == f"Create table {table}"
    load_graph()
    migrate(label, using=db.engine)
    assert table in db.tables()
    migrate(label, "0001", using=db.engine)
    assert table not in db.tables()
    migrate(label, "zero", using=db.engine)
    assert db.tables() == set()


LINKS = """
class Tag(Model):
    name = fields.String(max_length=20)


class View(Model):
    name = fields.String(max_length=20)
    tags = fields.ManyToManyField(Tag)

    class Meta:
        managed = False
"""


def test_link_tables_follow_the_model_holding_the_field(project: Project) -> None:
    label = project.new_label("unm")
    module = project.models(label, LINKS)
    assert module.View._meta.managed is False
    through = module.View._meta.get_field("tags").through_model
    assert through._meta.managed is False
    assert module.Tag._meta.managed is True
    [file] = make_migrations([label])
    assert file.operations == (f"Create table {label}_tag",)


def test_test_set_up_skips_unmanaged_tables(db: Target, project: Project) -> None:
    """Labels without migrations get their tables from the models, unmanaged ones left out
    (a test creates those itself, e.g. with ``Model.__table__.create(engine)``)."""
    label = project.new_label("unm")
    module = project.models(label, LINKS)
    created = create_all_tables(db.engine, labels=[label])
    assert created == [f"{label}_tag"]
    migrate_all(db.engine)
    assert db.tables_except_labels_other_than(label) == {f"{label}_tag"}
    module.View.__table__.create(db.engine)
    assert f"{label}_view" in db.tables()
    assert registry.get_model(f"{label}.View") is module.View


def test_managed_must_be_a_boolean(project: Project) -> None:
    label = project.new_label("unm")
    with pytest.raises(TypeError, match=r"Meta.managed must be True or False"):
        project.models(label, 'class A(Model):\n    class Meta:\n        managed = "no"\n')


def test_abstract_parent_passes_managed_on(project: Project) -> None:
    """As with Heron's other Meta options, a child inherits its abstract parent's."""
    label = project.new_label("unm")
    module = project.models(
        label,
        """
class Base(Model):
    class Meta:
        abstract = True
        managed = False


class Child(Base):
    pass


class Mine(Base):
    class Meta:
        managed = True
""",
    )
    assert module.Child._meta.managed is False
    assert module.Mine._meta.managed is True
    [file] = make_migrations([label])
    assert file.operations == (f"Create table {label}_mine",)
