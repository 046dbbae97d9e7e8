"""The whole cycle on SQLite, PostgreSQL and MariaDB: make, apply, change, apply, roll back."""

from __future__ import annotations

import pytest

from heron.db.migrations import (
    VERSION_TABLE,
    load_graph,
    make_migrations,
    migrate,
    migration_plan,
)

from .conftest import Project, Target

V1 = """
class Author(Model):
    name = fields.String(max_length=100)

class Post(Model):
    title = fields.String(max_length=200)
    summary = fields.String(max_length=50, null=True)
    body = fields.Text()
    author = fields.ForeignKey(Author, on_delete=fields.CASCADE)
"""

# summary removed; title longer; body nullable; slug added (NOT NULL, default, unique);
# views added (indexed); subtitle added (nullable); published added (NOT NULL, default).
V2 = """
class Author(Model):
    name = fields.String(max_length=100)

class Post(Model):
    title = fields.String(max_length=250)
    body = fields.Text(null=True)
    author = fields.ForeignKey(Author, on_delete=fields.CASCADE)
    slug = fields.String(max_length=60, default="draft", unique=True)
    views = fields.Integer(default=0, db_index=True)
    subtitle = fields.String(max_length=80, null=True)
    published = fields.Boolean(default=False)
"""


def test_make_apply_change_and_roll_back(db: Target, project: Project) -> None:
    label = project.new_label("cyc")
    post, author = f"{label}_post", f"{label}_author"
    project.models(label, V1)

    first = make_migrations([label])
    assert [f.name for f in first] == ["0001_initial"]
    assert project.migrations(label) == ["0001_initial"]
    assert (project.root / label / "migrations" / "__init__.py").is_file()
    assert f"Create table {post}" in first[0].operations
    graph = load_graph()  # the files import
    assert [m.name for m in graph.labels[label]] == ["0001_initial"]

    steps = migrate(label, using=db.engine)
    assert [str(s) for s in steps] == [f"Apply {label}.0001_initial"]
    assert {post, author, VERSION_TABLE} <= db.tables()
    assert set(db.columns(post)) == {"id", "title", "summary", "body", "author_id"}
    assert db.applied() == {(label, "0001_initial")}
    assert db.diff(label) == []
    assert make_migrations([label]) == []  # nothing changed since the file
    db.execute(f"INSERT INTO {author} (name) VALUES ('Ann')")
    db.execute(f"INSERT INTO {post} (title, summary, body, author_id) VALUES ('Hi', 's', 'b', 1)")

    project.models(label, V2)
    second = make_migrations([label])
    assert [f.name for f in second] == ["0002_add_post_slug_and_more"]
    ops = set(second[0].operations)
    assert {
        f"Remove column {post}.summary",
        f"Add column {post}.slug (rows already there get 'draft')",
        f"Add column {post}.views (rows already there get '0')",
        f"Add column {post}.subtitle",
        f"Alter column {post}.title (type)",
        f"Alter column {post}.body (nullability)",
        f"Create index ix_{post}_views on {post}",
        f"Add unique constraint uq_{post}_slug on {post}",
    } <= ops
    assert second[0].dependencies == ((label, "0001_initial"),)
    assert [str(s) for s in migration_plan(label, using=db.engine)] == [
        f"Apply {label}.0002_add_post_slug_and_more"
    ]

    migrate(label, using=db.engine)
    columns = db.columns(post)
    assert set(columns) == {
        *("id", "title", "body", "author_id", "slug", "views", "subtitle", "published")
    }
    assert columns["title"]["type"].length == 250
    assert columns["body"]["nullable"] is True
    assert columns["slug"]["nullable"] is False
    assert columns["slug"]["default"] is None  # the one-off default is gone again
    assert ["views"] in db.indexes(post).values()
    assert ["slug"] in db.uniques(post)
    assert db.diff(label) == []
    # The existing row got the field's default for the new NOT NULL columns.
    assert db.rows(f"SELECT title, slug, views FROM {post}") == [("Hi", "draft", 0)]
    assert [bool(v) for (v,) in db.rows(f"SELECT published FROM {post}")] == [False]
    assert make_migrations([label]) == []

    back = migrate(label, "0001", using=db.engine)
    assert [str(s) for s in back] == [f"Unapply {label}.0002_add_post_slug_and_more"]
    assert set(db.columns(post)) == {"id", "title", "summary", "body", "author_id"}
    assert db.rows(f"SELECT title FROM {post}") == [("Hi",)]

    migrate(label, "zero", using=db.engine)
    assert db.tables() == set()  # nothing left, not even the version table


def test_migrate_without_label_applies_everything_in_order(db: Target, project: Project) -> None:
    users = project.new_label("usr")
    blog = project.new_label("blg")
    project.models(users, "class User(Model):\n    name = fields.String(max_length=50)\n")
    project.models(
        blog,
        f"""
        class Post(Model):
            author = fields.ForeignKey("{users}.User", on_delete=fields.CASCADE)
        """,
    )
    files = make_migrations([blog, users])
    assert [str(f) for f in files] == [f"{users}.0001_initial", f"{blog}.0001_initial"]
    steps = migrate(using=db.engine)
    mine = [str(s) for s in steps if s.migration.label in (users, blog)]
    assert mine == [f"Apply {users}.0001_initial", f"Apply {blog}.0001_initial"]
    assert {f"{users}_user", f"{blog}_post"} <= db.tables()
    assert migrate(using=db.engine) == []
    for step in reversed(steps):
        migrate(step.migration.label, "zero", using=db.engine)
    assert db.tables() == set()


@pytest.mark.parametrize("target", ["0001", "0001_initial"])
def test_target_by_prefix_or_full_name(sqlite_db: Target, project: Project, target: str) -> None:
    label = project.new_label("tgt")
    project.models(label, "class Item(Model):\n    name = fields.String(max_length=10)\n")
    make_migrations([label])
    project.models(
        label,
        "class Item(Model):\n    name = fields.String(max_length=10)\n"
        "    size = fields.Integer(null=True)\n",
    )
    make_migrations([label])
    steps = migrate(label, target, using=sqlite_db.engine)
    assert [s.migration.name for s in steps] == ["0001_initial"]
    assert "size" not in sqlite_db.columns(f"{label}_item")
    steps = migrate(label, using=sqlite_db.engine)
    assert [s.migration.name for s in steps] == ["0002_add_item_size"]
    assert "size" in sqlite_db.columns(f"{label}_item")
    steps = migrate(label, target, using=sqlite_db.engine)
    assert [(s.migration.name, s.backwards) for s in steps] == [("0002_add_item_size", True)]
    migrate(label, "zero", using=sqlite_db.engine)
    assert sqlite_db.tables() == set()
