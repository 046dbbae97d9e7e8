"""``db_default=`` and ``GeneratedField`` through makemigrations and migrate on every backend:
server defaults added, changed and removed, computed columns added and removed, and the
downgrades putting back each backend's own SQL."""

from __future__ import annotations

import pytest

from heron.db.migrations import create_all_tables, load_graph, make_migrations, migrate

from .conftest import Project, Target

HEAD = """
from heron.db.query.expressions import F
from heron.db.query.functions import Lower, Now
"""

PLAIN = (
    HEAD
    + """
class Item(Model):
    name = fields.String(max_length=50)
    qty = fields.Integer(db_default=3)
"""
)

FILLED = (
    HEAD
    + """
class Item(Model):
    name = fields.String(max_length=50, db_default="it's")
    qty = fields.Integer(db_default=4)
    made = fields.DateTime(db_default=Now())
    low = fields.GeneratedField(
        expression=Lower("name"), output_field=fields.String(max_length=50), db_persist=True
    )
    twice = fields.GeneratedField(
        expression=F("qty") * 2, output_field=fields.Integer(), db_persist={persist}
    )
"""
)

BARE = (
    HEAD
    + """
class Item(Model):
    name = fields.String(max_length=50)
    qty = fields.Integer()
"""
)


def _filled(vendor: str) -> str:
    return FILLED.replace("{persist}", "True" if vendor == "postgresql" else "False")


def _settled(label: str) -> None:
    load_graph()
    assert make_migrations([label]) == []


def test_defaults_and_generated_columns_through_migrations(db: Target, project: Project) -> None:
    label = project.new_label("dbd")
    table = f"{label}_item"
    project.models(label, PLAIN)
    [first] = make_migrations([label])
    assert "server_default=sa.text('3')" in first.source
    _settled(label)
    migrate(label, using=db.engine)
    db.execute(f"INSERT INTO {table} (name) VALUES ('a')")
    assert db.rows(f"SELECT qty FROM {table}") == [(3,)]

    project.models(label, _filled(db.vendor))
    [second] = make_migrations([label])
    assert set(second.operations) == {
        f"Add column {table}.made",
        f"Add column {table}.low",
        f"Add column {table}.twice",
        f"Alter column {table}.name (default)",
        f"Alter column {table}.qty (default)",
    }
    assert "vendor_sql({" in second.source and "sa.Computed(" in second.source
    _settled(label)
    migrate(label, using=db.engine)
    db.execute(f"INSERT INTO {table} (id) VALUES (10)")
    row = db.rows(f"SELECT name, qty, low, twice, made FROM {table} WHERE id = 10")[0]
    assert row[:4] == ("it's", 4, "it's", 8) and row[4] is not None
    assert db.rows(f"SELECT low, twice FROM {table} WHERE name = 'a'") == [("a", 6)]

    project.models(label, BARE)
    [third] = make_migrations([label])
    assert set(third.operations) == {
        f"Remove column {table}.made",
        f"Remove column {table}.low",
        f"Remove column {table}.twice",
        f"Alter column {table}.name (default)",
        f"Alter column {table}.qty (default)",
    }
    # the downgrade re-adds the columns as the files stated them, for every backend
    assert third.source.count("vendor_sql({") == 1 and third.source.count("sa.Computed(") == 2
    _settled(label)
    migrate(label, using=db.engine)
    with pytest.raises(Exception):  # noqa: B017 - no default: each driver's own error
        db.execute(f"INSERT INTO {table} (id) VALUES (11)")

    migrate(label, "0002", using=db.engine)
    db.execute(f"INSERT INTO {table} (id) VALUES (12)")
    row = db.rows(f"SELECT name, qty, low, twice FROM {table} WHERE id = 12")[0]
    assert row == ("it's", 4, "it's", 8)
    migrate(label, "0001", using=db.engine)
    db.execute(f"INSERT INTO {table} (id, name) VALUES (13, 'b')")
    assert db.rows(f"SELECT qty FROM {table} WHERE id = 13") == [(3,)]
    migrate(label, "zero", using=db.engine)
    assert table not in db.tables()


def test_create_all_builds_the_columns(db: Target, project: Project) -> None:
    label = project.new_label("dbd")
    table = f"{label}_item"
    project.models(label, _filled(db.vendor))
    create_all_tables(db.engine, labels=[label])
    db.execute(f"INSERT INTO {table} (qty) VALUES (5)")
    assert db.rows(f"SELECT name, qty, low, twice FROM {table}") == [("it's", 5, "it's", 10)]


def test_a_changed_expression_replaces_the_column(db: Target, project: Project) -> None:
    label = project.new_label("dbd")
    table = f"{label}_item"
    project.models(label, _filled(db.vendor))
    make_migrations([label])
    _settled(label)
    migrate(label, using=db.engine)
    db.execute(f"INSERT INTO {table} (qty) VALUES (5)")
    project.models(label, _filled(db.vendor).replace('F("qty") * 2', 'F("qty") * 3'))
    [second] = make_migrations([label])
    assert list(second.operations) == [f"Remove column {table}.twice", f"Add column {table}.twice"]
    _settled(label)
    migrate(label, using=db.engine)
    assert db.rows(f"SELECT twice FROM {table}") == [(15,)]
    migrate(label, "0001", using=db.engine)
    assert db.rows(f"SELECT twice FROM {table}") == [(10,)]
    migrate(label, "zero", using=db.engine)


def test_virtual_columns_on_postgresql_are_refused(db: Target, project: Project) -> None:
    label = project.new_label("dbd")
    project.models(label, FILLED.replace("{persist}", "False"))
    if db.vendor != "postgresql":  # SQLite and MariaDB have virtual columns
        create_all_tables(db.engine, labels=[label])
        db.execute(f"INSERT INTO {label}_item (qty) VALUES (2)")
        assert db.rows(f"SELECT twice FROM {label}_item") == [(4,)]
        return
    with pytest.raises(Exception, match="virtual"):
        create_all_tables(db.engine, labels=[label])


HOSTILE = 'it\'s "q" 100% \\ back\\slash %s :name ünï'


@pytest.mark.parametrize("how", ["create_all", "migrate"])
def test_text_defaults_are_quoted_safely(db: Target, project: Project, how: str) -> None:
    label = project.new_label("dbd")
    table = f"{label}_item"
    project.models(
        label,
        f"class Item(Model):\n    note = fields.String(max_length=80, db_default={HOSTILE!r})\n",
    )
    if how == "create_all":
        create_all_tables(db.engine, labels=[label])
    else:
        make_migrations([label])
        _settled(label)
        migrate(label, using=db.engine)
    db.execute(f"INSERT INTO {table} (id) VALUES (1)")
    assert db.rows(f"SELECT note FROM {table}") == [(HOSTILE,)]
