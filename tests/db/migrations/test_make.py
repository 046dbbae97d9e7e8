"""``make_migrations`` options and what it detects, without a database."""

from __future__ import annotations

import pytest

from heron.db.migrations import DefaultQuestion, MigrationError, load_graph, make_migrations

from .conftest import Project

MODEL = "class Item(Model):\n    name = fields.String(max_length=10)\n"


def test_dry_run_writes_nothing(project: Project) -> None:
    label = project.new_label("dry")
    project.models(label, MODEL)
    [file] = make_migrations([label], dry_run=True)
    assert not file.written
    assert file.name == "0001_initial"
    assert "op.create_table(" in file.source
    assert not (project.root / label / "migrations").exists()


def test_custom_name_and_file_layout(project: Project) -> None:
    label = project.new_label("nam")
    project.models(label, MODEL)
    [file] = make_migrations([label], name="Create Items!")
    assert file.name == "0001_create_items"
    assert file.path == project.root / label / "migrations" / "0001_create_items.py"
    source = file.path.read_text()
    assert source.startswith(f'"""{label}: create items.')
    assert f'label = "{label}"\ndependencies = []\n' in source
    assert "def upgrade() -> None:" in source and "def downgrade() -> None:" in source
    assert "info=" not in source  # the models' table info stays out of the file
    assert load_graph().labels[label][0].dependencies == ()


def test_unknown_label(project: Project) -> None:
    with pytest.raises(MigrationError, match="No models have the label 'nosuchlabel'"):
        make_migrations(["nosuchlabel"])


def test_removed_model_and_type_change(project: Project) -> None:
    label = project.new_label("rmv")
    project.models(
        label,
        """
        class Item(Model):
            count = fields.Integer()

        class Gone(Model):
            pass
        """,
    )
    make_migrations([label])
    project.models(label, "class Item(Model):\n    count = fields.BigInteger()\n")
    [file] = make_migrations([label])
    assert set(file.operations) == {
        f"Drop table {label}_gone",
        f"Alter column {label}_item.count (type)",
    }
    assert "sa.BigInteger()" in file.source
    assert f"op.create_table('{label}_gone'" in file.source  # downgrade brings it back


def test_not_null_column_without_default_asks_for_a_value(project: Project) -> None:
    label = project.new_label("dfl")
    project.models(label, MODEL)
    make_migrations([label])
    project.models(label, MODEL + "    code = fields.String(max_length=5)\n")
    with pytest.raises(MigrationError, match=r"item\.code is added as NOT NULL without a default"):
        make_migrations([label])
    asked: list[DefaultQuestion] = []
    [file] = make_migrations([label], ask_default=lambda q: asked.append(q) or "n/a")
    assert [(q.table, q.column) for q in asked] == [(f"{label}_item", "code")]
    assert "server_default='n/a'" in file.source
    assert "server_default=None" in file.source  # removed again after filling the rows


@pytest.mark.parametrize(
    ("field", "literal"),
    [
        ("fields.Boolean(default=True)", "'1'"),
        ("fields.Integer(default=7)", "'7'"),
        ("fields.Float(default=1.5)", "'1.5'"),
    ],
)
def test_field_defaults_fill_existing_rows(project: Project, field: str, literal: str) -> None:
    label = project.new_label("lit")
    project.models(label, MODEL)
    make_migrations([label])
    project.models(label, MODEL + f"    extra = {field}\n")
    [file] = make_migrations([label])
    assert f"server_default={literal}" in file.source


def test_a_callable_default_is_not_used_for_existing_rows(project: Project) -> None:
    label = project.new_label("cal")
    project.models(label, MODEL)
    make_migrations([label])
    project.models(label, MODEL + "    extra = fields.String(max_length=5, default=str)\n")
    with pytest.raises(MigrationError, match="NOT NULL without a default"):
        make_migrations([label])


def test_a_foreign_key_to_a_label_without_migrations_is_refused_alone(
    project: Project,
) -> None:
    users = project.new_label("usn")
    posts = project.new_label("psn")
    project.models(users, "class User(Model):\n    pass\n")
    project.models(
        posts,
        f'class Post(Model):\n    user = fields.ForeignKey("{users}.User", '
        "on_delete=fields.CASCADE)\n",
    )
    with pytest.raises(MigrationError, match=f"makemigrations {users} {posts}"):
        make_migrations([posts])  # the table would not exist when the key is created
    user_file, post_file = make_migrations([users, posts])
    assert (users, user_file.name) in post_file.dependencies


def test_labels_sharing_a_folder_are_refused(project: Project) -> None:
    label = project.new_label("shr")
    project.models(label, MODEL)
    other = project.new_label("oth")
    package = project.root / label
    (package / "extra.py").write_text(
        "from heron.db import Model, fields\n\n"
        f"class Thing(Model):\n    class Meta:\n        label = '{other}'\n"
    )
    __import__(f"{label}.extra")
    with pytest.raises(MigrationError, match="would share the migrations folder"):
        make_migrations([label])
