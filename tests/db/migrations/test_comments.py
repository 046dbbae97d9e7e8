"""``Meta.db_table_comment`` and ``db_comment=``: written by create_all and by migrations on
PostgreSQL and MariaDB, ignored by SQLite, quoted whatever they hold."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from heron.db.migrations import create_all_tables, load_graph, make_migrations, migrate

from .conftest import Project, Target

HOSTILE = 'it\'s "quoted"; DROP TABLE x; -- 100% \\ back\\slash\nnew line ünï ?%s :name'

MODELS = """
class Item(Model):
{id}
    name = fields.String(max_length=50{name_comment})
    price = fields.Integer(default=0{price_comment})
{meta}
"""


def _source(name: str = "", price: str = "", table: str | None = None, pk: str = "") -> str:
    meta = f"\n    class Meta:\n        db_table_comment = {table!r}\n" if table else ""
    return MODELS.format(
        id=f"    id = fields.BigAutoField(primary_key=True, db_comment={pk!r})" if pk else "",
        name_comment=f", db_comment={name!r}" if name else "",
        price_comment=f", db_comment={price!r}" if price else "",
        meta=meta,
    )


def _comments(db: Target, table: str) -> tuple[str | None, dict[str, str | None]]:
    inspector = sa.inspect(db.engine)
    columns = {c["name"]: c.get("comment") for c in inspector.get_columns(table)}
    if db.vendor == "sqlite":
        return None, columns
    return inspector.get_table_comment(table)["text"], columns


def test_comments_through_migrations(db: Target, project: Project) -> None:
    label = project.new_label("cmt")
    table = f"{label}_item"
    project.models(label, _source(name="The name", table="Things"))
    [first] = make_migrations([label])
    assert "comment='Things'" in first.source and "comment='The name'" in first.source
    load_graph()
    assert make_migrations([label]) == []
    migrate(label, using=db.engine)
    expected = (None, None) if db.vendor == "sqlite" else ("Things", "The name")
    found = _comments(db, table)
    assert (found[0], found[1]["name"]) == expected
    db.execute(f"INSERT INTO {table} (name, price) VALUES ('a', 1)")

    # change the table's, add one, remove one, and keep the autoincrement id working
    project.models(label, _source(price=HOSTILE, table=HOSTILE, pk="the id"))
    [second] = make_migrations([label])
    assert set(second.operations) == {
        f"Set the comment of table {table}",
        f"Alter column {table}.id (comment)",
        f"Alter column {table}.name (comment)",
        f"Alter column {table}.price (comment)",
    }
    load_graph()
    assert make_migrations([label]) == []
    migrate(label, using=db.engine)
    if db.vendor != "sqlite":
        comment, columns = _comments(db, table)
        assert comment == HOSTILE
        assert columns["price"] == HOSTILE and columns["name"] is None
        assert columns["id"] == "the id"
    assert db.diff(label) == []
    db.execute(f"INSERT INTO {table} (name, price) VALUES ('b', 2)")
    assert db.rows(f"SELECT name, price FROM {table} ORDER BY id") == [("a", 1), ("b", 2)]

    # no comments at all
    project.models(label, _source())
    [third] = make_migrations([label])
    assert f"Remove the comment of table {table}" in third.operations
    load_graph()
    migrate(label, using=db.engine)
    assert _comments(db, table) == (None, {"id": None, "name": None, "price": None})

    # back down, step by step
    migrate(label, "0002", using=db.engine)
    if db.vendor != "sqlite":
        assert _comments(db, table)[0] == HOSTILE
    migrate(label, "0001", using=db.engine)
    found = _comments(db, table)
    assert (found[0], found[1]["name"], found[1]["price"]) == (*expected, None)
    assert db.rows(f"SELECT name FROM {table} ORDER BY id") == [("a",), ("b",)]
    migrate(label, "zero", using=db.engine)
    assert db.tables() == set()


def test_downgrade_recreates_a_dropped_table_with_its_comments(
    db: Target, project: Project
) -> None:
    label = project.new_label("cmt")
    project.models(
        label,
        _source(name="n", table="t") + "\nclass Other(Model):\n    x = fields.Integer()\n",
    )
    make_migrations([label])
    project.models(label, "class Other(Model):\n    x = fields.Integer()\n")
    [drop] = make_migrations([label])
    assert "comment='t'" in drop.source  # the downgrade's create_table
    load_graph()
    migrate(label, using=db.engine)
    migrate(label, "0001", using=db.engine)
    if db.vendor != "sqlite":
        comment, columns = _comments(db, f"{label}_item")
        assert (comment, columns["name"]) == ("t", "n")
    migrate(label, "zero", using=db.engine)


def test_create_all_writes_comments(db: Target, project: Project) -> None:
    label = project.new_label("cmt")
    project.models(label, _source(name=HOSTILE, table=HOSTILE))
    assert create_all_tables(db.engine, labels=[label]) == [f"{label}_item"]
    comment, columns = _comments(db, f"{label}_item")
    if db.vendor == "sqlite":
        assert columns["name"] is None
    else:
        assert (comment, columns["name"]) == (HOSTILE, HOSTILE)


def test_comment_options_are_strings(project: Project) -> None:
    label = project.new_label("cmt")
    with pytest.raises(TypeError, match="db_comment must be a string"):
        project.models(label, "class A(Model):\n    x = fields.Integer(db_comment=1)\n")
    with pytest.raises(TypeError, match="db_table_comment must be a string"):
        project.models(label, "class B(Model):\n    class Meta:\n        db_table_comment = 2\n")
