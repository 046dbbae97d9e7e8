"""Several labels: dependencies through foreign keys, order, and labels without migrations."""

from __future__ import annotations

import pytest

from heron.db.migrations import (
    MigrationError,
    create_all_tables,
    make_migrations,
    migrate,
    migrate_all,
)

from .conftest import Project, Target


def _users_and_posts(project: Project) -> tuple[str, str]:
    users = project.new_label("usr")
    posts = project.new_label("pst")
    project.models(users, "class User(Model):\n    name = fields.String(max_length=50)\n")
    project.models(
        posts,
        f"""
        class Post(Model):
            title = fields.String(max_length=100)
            author = fields.ForeignKey("{users}.User", on_delete=fields.CASCADE)
        """,
    )
    return users, posts


def test_a_foreign_key_to_another_label_is_a_dependency(db: Target, project: Project) -> None:
    users, posts = _users_and_posts(project)
    files = make_migrations([posts, users])
    assert [str(f) for f in files] == [f"{users}.0001_initial", f"{posts}.0001_initial"]
    assert files[1].dependencies == ((users, "0001_initial"),)
    assert f'("{users}", "0001_initial")' in files[1].source

    # Migrating the posts label applies the users label's migration first.
    steps = migrate(posts, using=db.engine)
    assert [str(s) for s in steps] == [f"Apply {users}.0001_initial", f"Apply {posts}.0001_initial"]
    assert {f"{users}_user", f"{posts}_post"} <= db.tables()

    # A later change in users: posts' next migration depends on users' latest.
    project.models(
        users,
        "class User(Model):\n    name = fields.String(max_length=50)\n"
        "    email = fields.String(max_length=100, null=True)\n",
    )
    project.models(
        posts,
        f"""
        class Post(Model):
            title = fields.String(max_length=100)
            author = fields.ForeignKey("{users}.User", on_delete=fields.CASCADE)
            editor = fields.ForeignKey("{users}.User", on_delete=fields.SET_NULL, null=True,
                                       related_name="edited")
        """,
    )
    later = {f.label: f for f in make_migrations([users, posts])}
    assert later[users].name == "0002_add_user_email"
    assert later[posts].name == "0002_add_post_editor_id"
    # users' table exists since its 0001, which is the dependency.
    assert later[posts].dependencies == ((posts, "0001_initial"), (users, "0001_initial"))
    migrate(posts, using=db.engine)
    assert "editor_id" in db.columns(f"{posts}_post")
    assert "email" not in db.columns(f"{users}_user")  # not needed by posts' migrations
    migrate(users, using=db.engine)
    assert "email" in db.columns(f"{users}_user")

    # Unapplying users' first migration unapplies what depends on it, in reverse order.
    steps = migrate(users, "zero", using=db.engine)
    assert [str(s) for s in steps] == [
        f"Unapply {users}.0002_add_user_email",
        f"Unapply {posts}.0002_add_post_editor_id",
        f"Unapply {posts}.0001_initial",
        f"Unapply {users}.0001_initial",
    ]
    assert db.tables() == set()


@pytest.mark.filterwarnings("ignore:Cannot correctly sort tables")
def test_new_tables_pointing_at_each_other_across_labels_are_refused(project: Project) -> None:
    one = project.new_label("one")
    two = project.new_label("two")
    project.models(
        one,
        f"""
        class A(Model):
            b = fields.ForeignKey("{two}.B", on_delete=fields.CASCADE, null=True, related_name="+")
        """,
    )
    project.models(
        two,
        f"""
        class B(Model):
            a = fields.ForeignKey("{one}.A", on_delete=fields.CASCADE, null=True, related_name="+")
        """,
    )
    with pytest.raises(MigrationError, match="in a cycle of labels"):
        make_migrations([one, two])
    assert project.migrations(one) == [] and project.migrations(two) == []


def test_migrate_all_creates_the_tables_of_labels_without_migrations(
    db: Target, project: Project
) -> None:
    users, posts = _users_and_posts(project)
    plain = project.new_label("pln")
    project.models(
        plain,
        f"""
        class Note(Model):
            post = fields.ForeignKey("{posts}.Post", on_delete=fields.CASCADE)
        """,
    )
    make_migrations([users])  # users has migrations; posts and plain have none
    steps = migrate_all(using=db.engine)
    assert [str(s) for s in steps if s.migration.label == users] == [f"Apply {users}.0001_initial"]
    assert {f"{users}_user", f"{posts}_post", f"{plain}_note"} <= db.tables()
    assert db.diff(users, posts, plain) == []
    assert create_all_tables(using=db.engine, labels=[posts, plain]) == []  # already there

    for table in (f"{plain}_note", f"{posts}_post"):
        db.execute(f"DROP TABLE {table}")
    assert create_all_tables(using=db.engine, labels=[posts, plain]) == [
        f"{posts}_post",
        f"{plain}_note",
    ]
    for table in (f"{plain}_note", f"{posts}_post"):
        db.execute(f"DROP TABLE {table}")
    migrate(users, "zero", using=db.engine)
    assert db.tables_except_labels_other_than(users, posts, plain) == set()


def test_a_label_without_migrations_cannot_be_migrated(sqlite_db: Target, project: Project) -> None:
    label = project.new_label("nom")
    project.models(label, "class Thing(Model):\n    pass\n")
    with pytest.raises(MigrationError, match="has no migrations"):
        migrate(label, using=sqlite_db.engine)
