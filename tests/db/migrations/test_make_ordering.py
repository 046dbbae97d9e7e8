"""The order of what ``make_migrations`` writes: between labels (a table is dropped after
the foreign keys pointing at it) and within a migration, run on every backend."""

from __future__ import annotations

import warnings
from decimal import Decimal

import pytest

from heron.db.migrations import (
    DefaultQuestion,
    MigrationError,
    MigrationFile,
    load_graph,
    make_migrations,
    migrate,
    show_migrations,
)
from heron.db.migrations.autodetect import NullsQuestion

from .conftest import Project, Target

USER = "class User(Model):\n    name = fields.String(max_length=50)\n"
TEAM = "class Team(Model):\n    name = fields.String(max_length=50)\n"


def _post(users: str, *, team: bool) -> str:
    source = (
        "class Post(Model):\n"
        "    title = fields.String(max_length=50)\n"
        f'    author = fields.ForeignKey("{users}.User", on_delete=fields.CASCADE)\n'
    )
    if team:
        source += (
            f'    team = fields.ForeignKey("{users}.Team", on_delete=fields.CASCADE, null=True)\n'
        )
    return source


def _teams_and_posts(project: Project) -> tuple[str, str]:
    """Two labels, the first sorting before the second: ``Post.team`` points at ``Team``."""
    users = project.new_label("acc")
    posts = project.new_label("pst")
    project.models(users, USER + TEAM)
    project.models(posts, _post(users, team=True))
    make_migrations([users, posts])
    return users, posts


def _order(*labels: str) -> list[str]:
    return [f"{m.label}.{m.name}" for m in load_graph().order() if m.label in labels]


def test_a_dropped_table_waits_for_the_foreign_keys_of_other_labels(
    db: Target, project: Project
) -> None:
    users, posts = _teams_and_posts(project)
    migrate(using=db.engine)
    db.execute(f"INSERT INTO {users}_user (name) VALUES ('ann')")
    db.execute(f"INSERT INTO {users}_team (name) VALUES ('red')")
    db.execute(f"INSERT INTO {posts}_post (title, author_id, team_id) VALUES ('hi', 1, 1)")

    project.models(users, USER)
    project.models(posts, _post(users, team=False))
    files = make_migrations([users, posts])
    mine = [f for f in files if f.label in (users, posts)]
    assert [str(f) for f in mine] == [
        f"{posts}.0002_remove_post_team_id",
        f"{users}.0002_delete_team",
    ]
    assert (posts, "0002_remove_post_team_id") in mine[1].dependencies
    # MariaDB refuses to drop the index the foreign key uses: the key goes first.
    assert (
        mine[0].operations[0]
        == f"Drop constraint fk_{posts}_post_team_id_{users}_team on {posts}_post"
    )
    assert _order(users, posts) == [
        f"{users}.0001_initial",
        f"{posts}.0001_initial",
        f"{posts}.0002_remove_post_team_id",
        f"{users}.0002_delete_team",
    ]

    steps = migrate(using=db.engine)
    assert [str(s) for s in steps if s.migration.label in (users, posts)] == [
        f"Apply {posts}.0002_remove_post_team_id",
        f"Apply {users}.0002_delete_team",
    ]
    assert f"{users}_team" not in db.tables()
    assert "team_id" not in db.columns(f"{posts}_post")
    assert db.diff(users, posts) == []
    assert make_migrations([users, posts]) == []  # the files replay in their order

    # Rolled back, the team table comes first, with its BIGINT id (MariaDB refuses a BIGINT
    # foreign key to an INT column).
    migrate(users, "0001", using=db.engine)
    migrate(posts, "0001", using=db.engine)
    assert db.rows(f"SELECT title, team_id FROM {posts}_post") == [("hi", None)]


def test_a_table_dropped_after_its_foreign_keys_went_in_an_earlier_run(
    sqlite_db: Target, project: Project
) -> None:
    users, posts = _teams_and_posts(project)
    project.models(posts, _post(users, team=False))
    [removal] = make_migrations([posts])
    project.models(users, USER)
    [drop] = make_migrations([users])
    # posts' migrations point at users' tables: the drop comes after all of them.
    assert drop.dependencies == ((users, "0001_initial"), (posts, removal.name))
    assert _order(users, posts)[-1] == f"{users}.0002_delete_team"
    migrate(using=sqlite_db.engine)  # a fresh database, in the graph's order
    assert f"{users}_team" not in sqlite_db.tables()


def test_dropping_a_table_a_label_left_out_still_points_at_is_refused(project: Project) -> None:
    users, posts = _teams_and_posts(project)
    project.models(users, USER)
    project.models(posts, _post(users, team=False))
    with pytest.raises(MigrationError, match=rf"{posts}_post \('{posts}'\) still points at"):
        make_migrations([users])
    assert project.migrations(users) == ["0001_initial"]


LIBRARY = """
class Shelf(Model):
    name = fields.String(max_length=50)
    author = fields.ForeignKey("Author", on_delete=fields.CASCADE, null=True)

class Author(Model):
    name = fields.String(max_length=50)

class Tag(Model):
    name = fields.String(max_length=50)

class Book(Model):
    title = fields.String(max_length=50)
    author = fields.ForeignKey(Author, on_delete=fields.CASCADE)
    tags = fields.ManyToManyField(Tag)
"""
SHELF = "class Shelf(Model):\n    name = fields.String(max_length=50)\n"


def _library(project: Project, db: Target) -> str:
    """A label whose tables point at each other, with a row in each."""
    lib = project.new_label("lib")
    project.models(lib, LIBRARY)
    make_migrations([lib])
    migrate(lib, using=db.engine)
    db.execute(f"INSERT INTO {lib}_author (name) VALUES ('ann')")
    db.execute(f"INSERT INTO {lib}_tag (name) VALUES ('red')")
    db.execute(f"INSERT INTO {lib}_shelf (name, author_id) VALUES ('top', 1)")
    db.execute(f"INSERT INTO {lib}_book (title, author_id) VALUES ('hi', 1)")
    db.execute(f"INSERT INTO {lib}_book_tags (book_id, tag_id) VALUES (1, 1)")
    return lib


def test_tables_are_dropped_after_the_tables_pointing_at_them(db: Target, project: Project) -> None:
    lib = _library(project, db)
    project.models(lib, SHELF)
    [file] = make_migrations([lib])
    drops = [line for line in file.operations if line.startswith("Drop table")]
    # Referencing tables first (the many-to-many table before both of its ends); the
    # foreign key of the kept shelf table goes before all of them.
    assert drops == [f"Drop table {lib}_{t}" for t in ("book_tags", "book", "author", "tag")]
    assert file.operations.index(f"Remove column {lib}_shelf.author_id") < file.operations.index(
        drops[0]
    )
    downgrade = file.source.split("def downgrade")[1]
    created = [downgrade.index(f"op.create_table('{lib}_{t}'") for t in ("author", "book")]
    assert created == sorted(created)  # re-created pointed-at tables first

    migrate(lib, using=db.engine)
    assert db.tables_except_labels_other_than(lib) == {f"{lib}_shelf", "heron_migrations"}
    assert db.diff(lib) == []
    assert make_migrations([lib]) == []
    migrate(lib, "0001", using=db.engine)  # re-created pointed-at tables first, as they were
    assert db.columns(f"{lib}_author")["id"]["type"].python_type is int
    project.models(lib, LIBRARY)
    assert db.diff(lib) == []


def test_a_label_whose_models_are_all_gone_gets_its_tables_dropped(
    db: Target, project: Project
) -> None:
    lib = _library(project, db)
    project.models(lib, "")  # the models module stays, imported, without models
    [file] = make_migrations([lib], dry_run=True)  # the label is still known by name
    assert file.name == "0002_delete_book_tags_and_more"
    [file] = make_migrations([lib])
    assert str(file) == f"{lib}.0002_delete_book_tags_and_more"
    assert file.operations == tuple(
        f"Drop table {lib}_{t}" for t in ("book_tags", "book", "shelf", "author", "tag")
    )
    assert show_migrations([lib], using=db.engine) == {
        lib: [("0001_initial", True), (file.name, False)]
    }
    migrate(using=db.engine)
    assert db.tables_except_labels_other_than(lib) == {"heron_migrations"}
    assert make_migrations([lib]) == []


def test_a_label_without_models_or_migrations_is_unknown(project: Project) -> None:
    lib = project.new_label("gone")
    project.models(lib, "")
    with pytest.raises(MigrationError, match=f"No models have the label '{lib}'"):
        make_migrations([lib])


@pytest.mark.parametrize(
    ("field", "filled", "value"),
    [
        ('fields.String(max_length=10{}, default="x")', "'x'", "x"),
        (
            'fields.Decimal(max_digits=6, decimal_places=2{}, default=Decimal("0.50"))',
            "Decimal('0.50')",
            Decimal("0.50"),
        ),
    ],
)
def test_a_column_made_not_null_gets_its_nulls_set_to_the_default(
    db: Target, project: Project, field: str, filled: str, value: str | Decimal
) -> None:
    label = project.new_label("nnl")
    model = "from decimal import Decimal\n\nclass Item(Model):\n    value = " + field + "\n"
    project.models(label, model.format(", null=True"))
    make_migrations([label])
    migrate(label, using=db.engine)
    db.execute(f"INSERT INTO {label}_item (value) VALUES (NULL)")
    db.execute(f"INSERT INTO {label}_item (value) VALUES (NULL)")

    project.models(label, model.format(""))
    [file] = make_migrations([label])
    assert file.operations == (
        f"Set {label}_item.value to {filled} where it is NULL",
        f"Alter column {label}_item.value (nullability)",
    )
    upgrade = file.source.split("def upgrade")[1].split("def downgrade")[0]
    fill = upgrade.index(f"fill_nulls('{label}_item', 'value', {filled})")
    assert fill < upgrade.index("nullable=False")
    assert "from heron.db.migrations.operations import fill_nulls" in file.source
    assert isinstance(value, str) or "from decimal import Decimal" in file.source

    migrate(label, using=db.engine)
    assert db.columns(f"{label}_item")["value"]["nullable"] is False
    found = [type(value)(str(v)) for (v,) in db.rows(f"SELECT value FROM {label}_item")]
    assert found == [value, value]
    assert make_migrations([label]) == []
    migrate(label, "0001", using=db.engine)  # NULL allowed again; the values stay
    assert db.columns(f"{label}_item")["value"]["nullable"] is True


def test_making_a_column_not_null_without_a_default_asks_for_a_value(project: Project) -> None:
    label = project.new_label("ask")
    project.models(label, "class Item(Model):\n    code = fields.String(max_length=5, null=True)\n")
    make_migrations([label])
    project.models(label, "class Item(Model):\n    code = fields.String(max_length=5)\n")
    with pytest.raises(MigrationError, match=r"item\.code is made NOT NULL without a default"):
        make_migrations([label])  # --no-input: nobody to ask
    asked: list[DefaultQuestion] = []

    def answer(question: DefaultQuestion) -> str:
        asked.append(question)
        return "n/a"

    [file] = make_migrations([label], ask_default=answer)
    assert [(type(q), q.table, q.column) for q in asked] == [
        (NullsQuestion, f"{label}_item", "code")
    ]
    assert "where it is NULL need a value" in str(asked[0])
    assert f"fill_nulls('{label}_item', 'code', 'n/a')" in file.source


SHOP = """
from heron.db import Index

class Shop(Model):
    name = fields.String(max_length=10)

class Product(Model):
    shop = fields.ForeignKey(Shop, on_delete=fields.CASCADE)
    price = fields.Integer()

    class Meta:
        indexes = [{}]
"""


def _index_sql(db: Target, table: str, name: str) -> str | None:
    """How the database describes an index (with DESC where descending), None if missing."""
    if db.vendor == "sqlite":
        found = db.rows(f"SELECT sql FROM sqlite_master WHERE type = 'index' AND name = '{name}'")
    elif db.vendor == "postgresql":
        found = db.rows(f"SELECT indexdef FROM pg_indexes WHERE indexname = '{name}'")
    else:
        rows = db.rows(f"SHOW INDEX FROM {table} WHERE Key_name = '{name}'")
        found = (
            [(", ".join(f"{r[4]}{' DESC' if r[5] == 'D' else ''}" for r in rows),)] if rows else []
        )
    return found[0][0] if found else None


def _quietly(*labels: str) -> list[MigrationFile]:
    """make_migrations, failing on any warning (Alembic warns about indexes it skips)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return make_migrations(list(labels))


def test_descending_indexes_are_created_replaced_and_dropped(db: Target, project: Project) -> None:
    label = project.new_label("shp")
    table, name = f"{label}_product", f"{label}_product_shop_price_idx"
    project.models(label, SHOP.format(""))
    make_migrations([label])
    migrate(label, using=db.engine)

    project.models(label, SHOP.format('Index(fields=["shop", "-price"])'))
    [added] = _quietly(label)
    assert added.operations == (f"Create index {name} on {table}",)
    assert f"create_index('{name}', ['shop_id', sa.column('price').desc()]" in added.source
    migrate(label, using=db.engine)
    assert "price DESC" in (_index_sql(db, table, name) or "")
    assert _quietly(label) == []  # the replayed index is the model's

    # The same (generated) name, ascending: Alembic's index replaces Heron's.
    project.models(label, SHOP.format('Index(fields=["shop", "price"])'))
    [plain] = _quietly(label)
    assert plain.operations == (f"Drop index {name} on {table}", f"Create index {name} on {table}")
    migrate(label, using=db.engine)
    assert "DESC" not in (_index_sql(db, table, name) or "DESC")

    # And back, then a unique descending index of another name instead.
    project.models(label, SHOP.format('Index(fields=["shop", "-price"])'))
    [again] = _quietly(label)
    assert again.operations == (f"Drop index {name} on {table}", f"Create index {name} on {table}")
    top = 'Index(fields=["-price"], name="%(class)s_top", unique=True)'
    project.models(label, SHOP.format(top))
    [other] = _quietly(label)
    assert other.operations == (  # created first: MariaDB keeps an index for the foreign key
        f"Create index product_top on {table}",
        f"Drop index {name} on {table}",
    )
    migrate(label, using=db.engine)
    assert _index_sql(db, table, name) is None
    assert "price DESC" in (_index_sql(db, table, "product_top") or "")
    assert _quietly(label) == []

    # Removing the model: its downgrade re-creates the descending index.
    project.models(label, "class Shop(Model):\n    name = fields.String(max_length=10)\n")
    [gone] = _quietly(label)
    assert "sa.column('price').desc()" in gone.source.split("def downgrade")[1]
    migrate(label, using=db.engine)
    migrate(label, added.name[:4], using=db.engine)
    assert "price DESC" in (_index_sql(db, table, name) or "")


ITEM = """
class Item(Model):
    name = fields.String(max_length=10)
"""
ITEM_FIELDS = """
    code = fields.String(max_length=10)
    notes = fields.Text()
    count = fields.Integer()
    seen = fields.Boolean()
"""


def test_removed_not_null_columns_come_back_on_a_table_with_rows(
    db: Target, project: Project
) -> None:
    label = project.new_label("col")
    table = f"{label}_item"
    project.models(label, ITEM + ITEM_FIELDS)
    make_migrations([label])
    migrate(label, using=db.engine)
    columns = "name, code, notes, count, seen"
    db.execute(f"INSERT INTO {table} ({columns}) VALUES ('a', 'b', 'c', 1, true)")

    project.models(label, ITEM)
    [file] = make_migrations([label])
    downgrade = file.source.split("def downgrade")[1]
    assert "sa.Text().with_variant(mysql.LONGTEXT()" in downgrade  # the model's type
    assert "sa.Column('count', sa.Integer(), server_default='0', nullable=False)" in downgrade
    migrate(label, using=db.engine)
    migrate(label, "0001", using=db.engine)
    found = db.columns(table)
    assert [found[c]["nullable"] for c in ("code", "notes", "count", "seen")] == [False] * 4
    assert [found[c]["default"] for c in ("code", "notes", "count", "seen")] == [None] * 4
    if db.vendor == "mysql":
        assert type(found["notes"]["type"]).__name__ == "LONGTEXT"
    [row] = db.rows(f"SELECT {columns} FROM {table}")
    assert row[:4] == ("a", "", "", 0) and not row[4]  # placeholders in the row already there
    project.models(label, ITEM + ITEM_FIELDS)
    assert db.diff(label) == []


def test_a_type_change_is_undone_to_the_stated_type(project: Project) -> None:
    label = project.new_label("typ")
    project.models(label, ITEM + "    notes = fields.Text()\n")
    make_migrations([label])
    project.models(label, ITEM + "    notes = fields.String(max_length=200)\n")
    [file] = make_migrations([label])
    downgrade = file.source.split("def downgrade")[1]
    assert "type_=sa.Text().with_variant(mysql.LONGTEXT()" in downgrade
