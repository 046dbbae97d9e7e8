"""Renamed fields and models: asked about, written as renames, data kept."""

from __future__ import annotations

from heron.db.migrations import RenameQuestion, make_migrations, migrate

from .conftest import Project, Target

BEFORE = """
class Post(Model):
    name = fields.String(max_length=200)
    rank = fields.Integer(null=True)
"""
AFTER = """
class Post(Model):
    title = fields.String(max_length=200)
    rank = fields.Integer(null=True)
"""


def test_rename_field_keeps_the_data(db: Target, project: Project) -> None:
    label = project.new_label("ren")
    table = f"{label}_post"
    project.models(label, BEFORE)
    make_migrations([label])
    migrate(label, using=db.engine)
    db.execute(f"INSERT INTO {table} (name, rank) VALUES ('kept', 1)")

    project.models(label, AFTER)
    asked: list[str] = []

    def ask(question: RenameQuestion) -> bool:
        asked.append(str(question))
        return True

    [file] = make_migrations([label], rename=ask)
    assert asked == ["Did you rename post.name to post.title (VARCHAR(200))?"]
    assert file.name == "0002_rename_post_name_title"
    assert file.operations == (f"Rename column {table}.name to title",)
    assert "new_column_name='title'" in file.source
    assert "drop_column" not in file.source

    migrate(label, using=db.engine)
    assert set(db.columns(table)) == {"id", "title", "rank"}
    assert db.rows(f"SELECT title, rank FROM {table}") == [("kept", 1)]
    assert db.diff(label) == []

    migrate(label, "0001", using=db.engine)
    assert db.rows(f"SELECT name FROM {table}") == [("kept",)]
    migrate(label, "zero", using=db.engine)
    assert db.tables() == set()


def test_declined_rename_is_a_drop_and_an_add(project: Project) -> None:
    label = project.new_label("dec")
    project.models(label, BEFORE)
    make_migrations([label])
    project.models(label, AFTER)
    [file] = make_migrations([label], rename=lambda question: False, ask_default=lambda q: "")
    assert set(file.operations) == {
        f"Add column {label}_post.title (rows already there get '')",
        f"Remove column {label}_post.name",
    }


def test_without_an_answer_renames_are_not_guessed(project: Project) -> None:
    label = project.new_label("nog")
    project.models(label, BEFORE)
    make_migrations([label])
    project.models(
        label,
        """
        class Post(Model):
            title = fields.String(max_length=200)
            rank = fields.Integer(null=True)
            other = fields.Integer(null=True)
        """,
    )
    [file] = make_migrations([label], rename=None, ask_default=lambda q: "")
    assert "new_column_name" not in file.source


def test_only_same_type_columns_are_rename_candidates(project: Project) -> None:
    label = project.new_label("typ")
    project.models(label, BEFORE)
    make_migrations([label])
    project.models(
        label,
        """
        class Post(Model):
            name = fields.String(max_length=200)
            position = fields.String(max_length=20, null=True)
        """,
    )
    asked: list[RenameQuestion] = []
    make_migrations([label], rename=lambda q: asked.append(q) or True, dry_run=True)
    assert asked == []  # rank (INTEGER) cannot have become position (VARCHAR)


def test_rename_model_renames_the_table(db: Target, project: Project) -> None:
    label = project.new_label("mdl")
    project.models(
        label,
        """
        class Author(Model):
            name = fields.String(max_length=50)

        class Post(Model):
            title = fields.String(max_length=200)
            author = fields.ForeignKey(Author, on_delete=fields.CASCADE)
        """,
    )
    make_migrations([label])
    migrate(label, using=db.engine)
    db.execute(f"INSERT INTO {label}_author (name) VALUES ('Ann')")
    db.execute(f"INSERT INTO {label}_post (title, author_id) VALUES ('kept', 1)")

    project.models(
        label,
        """
        class Author(Model):
            name = fields.String(max_length=50)

        class Article(Model):
            title = fields.String(max_length=200)
            author = fields.ForeignKey(Author, on_delete=fields.CASCADE)
        """,
    )
    questions: list[str] = []
    [file] = make_migrations([label], rename=lambda q: questions.append(str(q)) or True)
    assert questions == [
        f"Did you rename the table {label}_post to {label}_article (model article)?"
    ]
    assert f"Rename table {label}_post to {label}_article" in file.operations
    assert "drop_table" not in file.source
    # The index and foreign key named after the old table follow the new name.
    assert f"Create index ix_{label}_article_author_id on {label}_article" in file.operations

    migrate(label, using=db.engine)
    assert f"{label}_post" not in db.tables()
    assert db.rows(f"SELECT title, author_id FROM {label}_article") == [("kept", 1)]
    assert db.diff(label) == []

    migrate(label, "zero", using=db.engine)
    assert db.tables() == set()
