"""``squash_migrations`` / ``heron squashmigrations``: one file replacing a run of migrations,
used instead of them (or not) depending on what a database has applied."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from heron.cli.main import cli
from heron.db.migrations import (
    MigrationError,
    load_graph,
    make_migrations,
    migrate,
    migration_plan,
    show_migrations,
)
from heron.db.migrations.squash import squash_migrations

from .conftest import Project, Target

V1 = """
class Author(Model):
    name = fields.String(max_length=100)

class Post(Model):
    title = fields.String(max_length=100)
    author = fields.ForeignKey("{label}.Author", on_delete=fields.CASCADE)
"""
V2 = V1 + "    rank = fields.Integer(null=True)\n"
V3 = V2.replace(
    "max_length=100)\n    author", "max_length=100, db_index=True)\n    author"
).replace("name = fields.String(max_length=100)", "name = fields.String(max_length=200)")
V4 = V3.replace("title = fields.String(", "headline = fields.String(")
V5 = V4 + "    views = fields.Integer(null=True)\n"
OLD = [
    "0001_initial",
    "0002_add_post_rank",
    "0003_alter_author_name",
    "0004_rename_post_title_headline",
]
SQUASHED = "0004_squashed_0001_0004"


def _history(project: Project, stem: str = "sq") -> str:
    """A label with four migrations: create models, add a field, add an index and widen a
    column, rename a field."""
    label = project.new_label(stem)
    for version in (V1, V2, V3, V4):
        project.models(label, version.format(label=label))
        make_migrations([label], rename=True)
    assert project.migrations(label) == OLD
    return label


def _schema(db: Target, label: str) -> dict[str, Any]:
    """The label's tables as the database reflects them."""
    inspector = sa.inspect(db.engine)
    found: dict[str, Any] = {}
    for table in sorted(db.tables()):
        if not table.startswith(f"{label}_"):
            continue
        found[table] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)
            ],
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(table)
            ),
            "foreign_keys": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"])
                for f in inspector.get_foreign_keys(table)
            ),
            "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
        }
    return found


def _delete_old(project: Project, label: str, names: list[str] = OLD) -> None:
    for name in names:
        (project.root / label / "migrations" / f"{name}.py").unlink()


def _shown(db: Target, label: str) -> list[tuple[str, bool]]:
    return show_migrations([label], using=db.engine)[label]


def test_squash_builds_the_same_schema_and_rolls_back_to_nothing(
    db: Target, project: Project
) -> None:
    label = _history(project)
    migrate(label, using=db.engine)
    original = _schema(db, label)
    migrate(label, "zero", using=db.engine)
    assert db.tables() == set()

    squash = squash_migrations(label, "0004")
    assert squash.file.name == SQUASHED
    assert squash.replaces == tuple((label, name) for name in OLD)
    assert squash.file.dependencies == ()
    assert "replaces = [\n" in squash.file.source
    assert "new_column_name" not in squash.file.source  # the table is created as it ends up
    assert project.migrations(label) == sorted([*OLD, SQUASHED])
    assert make_migrations([label], dry_run=True) == []

    steps = migrate(label, using=db.engine)
    assert [str(step.migration) for step in steps] == [f"{label}.{SQUASHED}"]
    assert _schema(db, label) == original
    assert db.applied() == {(label, SQUASHED), *((label, name) for name in OLD)}
    assert _shown(db, label) == [(SQUASHED, True)]
    assert db.diff(label) == []

    migrate(label, "zero", using=db.engine)
    assert db.tables() == set()


def test_a_database_with_every_old_migration_applied_sees_the_squash_applied(
    db: Target, project: Project
) -> None:
    label = _history(project)
    table = f"{label}_post"
    migrate(label, using=db.engine)
    squash_migrations(label, "0004")
    assert migration_plan(label, using=db.engine) == []
    assert _shown(db, label) == [(SQUASHED, True)]

    project.models(label, V5.format(label=label))
    [file] = make_migrations([label])
    assert file.name == "0005_add_post_views"
    assert file.dependencies == ((label, SQUASHED),)
    steps = migrate(label, using=db.engine)
    assert [step.migration.name for step in steps] == ["0005_add_post_views"]
    assert "views" in db.columns(table)

    _delete_old(project, label)
    assert migration_plan(label, using=db.engine) == []
    assert _shown(db, label) == [(SQUASHED, True), ("0005_add_post_views", True)]
    migrate(label, "zero", using=db.engine)
    assert db.tables() == set()


def test_a_partly_migrated_database_goes_on_with_the_old_files(
    db: Target, project: Project
) -> None:
    label = _history(project)
    migrate(label, "0002", using=db.engine)
    db.execute(f"INSERT INTO {label}_author (name) VALUES ('Ann')")
    db.execute(f"INSERT INTO {label}_post (title, author_id) VALUES ('Kept', 1)")
    squash_migrations(label, "0004")
    assert [str(s) for s in migration_plan(label, using=db.engine)] == [
        f"Apply {label}.0003_alter_author_name",
        f"Apply {label}.0004_rename_post_title_headline",
    ]
    assert _shown(db, label) == [(name, i < 2) for i, name in enumerate(OLD)]
    migrate(label, using=db.engine)
    assert db.rows(f"SELECT headline FROM {label}_post") == [("Kept",)]
    assert _shown(db, label) == [(SQUASHED, True)]

    _delete_old(project, label)  # every database is past the squash: the files can go
    assert migration_plan(label, using=db.engine) == []
    migrate(label, "zero", using=db.engine)
    assert db.tables() == set()


def test_a_squash_of_a_later_run_keeps_renamed_columns_and_their_rows(
    db: Target, project: Project
) -> None:
    label = _history(project)
    migrate(label, "0001", using=db.engine)
    db.execute(f"INSERT INTO {label}_author (name) VALUES ('Ann')")
    db.execute(f"INSERT INTO {label}_post (title, author_id) VALUES ('Kept', 1)")

    squash = squash_migrations(label, "0004", start="0002", name="post_changes")
    assert squash.file.name == "0004_post_changes"
    assert squash.replaces == tuple((label, name) for name in OLD[1:])
    assert "new_column_name='headline'" in squash.file.source
    assert "drop_column('title')" not in squash.file.source
    _delete_old(project, label, OLD[1:])

    steps = migrate(label, using=db.engine)
    assert [step.migration.name for step in steps] == ["0004_post_changes"]
    assert db.rows(f"SELECT headline, rank FROM {label}_post") == [("Kept", None)]
    assert db.diff(label) == []
    migrate(label, "0001", using=db.engine)
    assert db.rows(f"SELECT title FROM {label}_post") == [("Kept",)]
    migrate(label, "zero", using=db.engine)
    assert db.tables() == set()


def test_a_partly_migrated_database_needs_the_old_files(
    sqlite_db: Target, project: Project
) -> None:
    label = _history(project)
    migrate(label, "0002", using=sqlite_db.engine)
    squash_migrations(label, "0004")
    _delete_old(project, label)
    with pytest.raises(MigrationError, match="only some of the migrations") as error:
        migrate(label, using=sqlite_db.engine)
    assert "0003_alter_author_name" in str(error.value)
    assert "restore them" in str(error.value)


def test_dependencies_on_replaced_migrations_lead_to_the_squash(project: Project) -> None:
    label = _history(project)
    other = project.new_label("ref")
    project.models(
        other,
        f"""
        class Note(Model):
            post = fields.ForeignKey("{label}.Post", on_delete=fields.CASCADE)
        """,
    )
    [note] = make_migrations([other])
    assert (label, OLD[-1]) in note.dependencies
    squash_migrations(label, "0004")
    graph = load_graph()
    assert (label, SQUASHED) in graph.dependencies[(other, "0001_initial")]
    _delete_old(project, label)
    graph = load_graph()
    assert graph.dependencies[(other, "0001_initial")] == [(label, SQUASHED)]
    assert make_migrations([label, other], dry_run=True) == []


def test_a_squash_names_its_dependencies_on_other_labels(project: Project) -> None:
    base = project.new_label("base")
    project.models(base, "class Tag(Model):\n    name = fields.String(max_length=20)\n")
    make_migrations([base])
    label = project.new_label("dep")
    project.models(label, "class Item(Model):\n    name = fields.String(max_length=20)\n")
    make_migrations([label])
    project.models(
        label,
        f"""
        class Item(Model):
            name = fields.String(max_length=20)
            tag = fields.ForeignKey("{base}.Tag", null=True, on_delete=fields.SET_NULL)
        """,
    )
    make_migrations([label])
    squash = squash_migrations(label, "0002")
    assert squash.file.dependencies == ((base, "0001_initial"),)
    assert f'("{base}", "0001_initial")' in squash.file.source


def test_rows_get_the_value_the_run_gave_them_for_a_new_not_null_column(
    db: Target, project: Project
) -> None:
    label = project.new_label("one")
    table = f"{label}_post"
    models = "class Post(Model):\n    title = fields.String(max_length=100)\n"
    project.models(label, models)
    make_migrations([label])
    project.models(label, models + "    score = fields.Integer(default=7)\n")
    make_migrations([label])
    project.models(label, models + "    points = fields.Integer(default=7)\n")
    make_migrations([label], rename=True)
    migrate(label, "0001", using=db.engine)
    db.execute(f"INSERT INTO {table} (title) VALUES ('old')")

    squash = squash_migrations(label, "0003", start="0002")
    assert squash.file.operations == (f"Add column {table}.points (rows already there get '7')",)
    migrate(label, using=db.engine)
    assert db.rows(f"SELECT title, points FROM {table}") == [("old", 7)]
    assert db.diff(label) == []
    migrate(label, "zero", using=db.engine)
    assert db.tables() == set()


def test_a_squash_can_be_squashed_once_its_old_files_are_gone(
    sqlite_db: Target, project: Project
) -> None:
    label = _history(project)
    migrate(label, "0004", using=sqlite_db.engine)
    squash_migrations(label, "0004")
    project.models(label, V5.format(label=label))
    make_migrations([label])
    with pytest.raises(MigrationError, match="replaced files are still there"):
        squash_migrations(label, "0005")
    _delete_old(project, label)
    again = squash_migrations(label, "0005")
    assert again.file.name == "0005_squashed_0004_0005"
    assert again.replaces == (
        *((label, name) for name in OLD),
        (label, SQUASHED),
        (label, "0005_add_post_views"),
    )
    # The database applied the first four only: it goes on with the files it knows.
    assert [step.migration.name for step in migration_plan(label, using=sqlite_db.engine)] == [
        "0005_add_post_views"
    ]
    migrate(label, using=sqlite_db.engine)
    # Migrating recorded the squashes the old files completed, so they can go as well.
    assert {(label, SQUASHED), (label, "0005_squashed_0004_0005")} <= sqlite_db.applied()
    _delete_old(project, label, [SQUASHED, "0005_add_post_views"])
    assert _shown(sqlite_db, label) == [("0005_squashed_0004_0005", True)]
    migrate(label, "zero", using=sqlite_db.engine)
    assert sqlite_db.tables() == set()


def test_a_replaced_migration_is_no_target_where_the_squash_is_used(
    sqlite_db: Target, project: Project
) -> None:
    label = _history(project)
    squash_migrations(label, "0004")
    with pytest.raises(MigrationError, match=f"{label}.0002_add_post_rank is replaced by"):
        migrate(label, "0002_add_post_rank", using=sqlite_db.engine)


RICH = """
from heron.db import CheckConstraint, Index, UniqueConstraint
from heron.db.query.expressions import Q

class Item(Model):
    id = fields.BigAutoField(primary_key=True)
    code = fields.String(max_length=20, db_comment="The shop's code")
    price = fields.Integer(default=0)
    active = fields.Boolean(default=True)
    notes = fields.Text(default="")

    class Meta:
        db_table_comment = "Things for sale"
        constraints = [
            CheckConstraint(condition=Q(price__gte=0), name="%(label)s_price"),
            UniqueConstraint(fields=["code"], name="%(label)s_one", condition=Q(active=True)),
        ]
        indexes = [Index(fields=["active", "-price"], name="%(label)s_sorted")]
"""


def test_what_reflection_loses_is_kept_as_the_files_state_it(db: Target, project: Project) -> None:
    label = project.new_label("rich")
    plain = RICH.split("    class Meta:")[0]
    project.models(label, plain)
    make_migrations([label])
    project.models(label, RICH.replace("indexes = [", "indexes: list[Index] = []  # ["))
    make_migrations([label])
    project.models(label, RICH)
    make_migrations([label])
    assert make_migrations([label], dry_run=True) == []
    migrate(label, using=db.engine)
    original = _schema(db, label)
    migrate(label, "zero", using=db.engine)
    squash = squash_migrations(label, "0003")
    assert "BigInteger" in squash.file.source
    assert "heron_check" in squash.file.source and "create_partial_index" in squash.file.source
    assert "sa.column('price').desc()" in squash.file.source
    assert make_migrations([label], dry_run=True) == []
    _delete_old(project, label, project.migrations(label)[:3])
    assert make_migrations([label], dry_run=True) == []

    steps = migrate(label, using=db.engine)
    assert [step.migration.name for step in steps] == [squash.file.name]
    assert _schema(db, label) == original
    if db.vendor != "mysql":  # MariaDB has no partial indexes: the models' one is missing
        assert db.diff(label) == []
    insert = f"INSERT INTO {label}_item (code, price, active, notes) VALUES"
    db.execute(f"{insert} ('a', 1, TRUE, '')")
    with pytest.raises(sa.exc.DBAPIError, match=f"{label}_price"):  # the check is there
        db.execute(f"{insert} ('b', -1, TRUE, '')")
    migrate(label, "zero", using=db.engine)
    assert db.tables() == set()


def test_another_label_between_two_migrations_of_the_run_is_refused(project: Project) -> None:
    first = project.new_label("aaa")
    second = project.new_label("bbb")
    project.models(first, "class One(Model):\n    name = fields.String(max_length=20)\n")
    make_migrations([first])
    project.models(
        second,
        f"class Two(Model):\n    one = fields.ForeignKey('{first}.One', related_name='+', "
        "on_delete=fields.CASCADE)\n",
    )
    make_migrations([second])
    project.models(
        first,
        "class One(Model):\n    name = fields.String(max_length=20)\n"
        f"    two = fields.ForeignKey('{second}.Two', null=True, related_name='+', "
        "on_delete=fields.SET_NULL)\n",
    )
    make_migrations([first])
    with pytest.raises(MigrationError, match=f"{second}.0001_initial depends on {first}.0001"):
        squash_migrations(first, "0002")


def _data_history(project: Project) -> str:
    label = project.new_label("dat")
    project.models(label, "class Post(Model):\n    title = fields.String(max_length=100)\n")
    make_migrations([label])
    make_migrations([label], empty=True, name="fill")
    project.models(
        label,
        "class Post(Model):\n    title = fields.String(max_length=100)\n"
        "    slug = fields.String(max_length=100, null=True)\n",
    )
    make_migrations([label])
    return label


def test_data_functions_are_refused_unless_dropped(sqlite_db: Target, project: Project) -> None:
    label = _data_history(project)
    with pytest.raises(MigrationError, match="data functions") as error:
        squash_migrations(label, "0003")
    assert f"{label}.0002_fill: forwards()" in str(error.value)
    assert project.migrations(label) == ["0001_initial", "0002_fill", "0003_add_post_slug"]

    squash = squash_migrations(label, "0003", drop_data=True)
    assert squash.dropped == (f"{label}.0002_fill: forwards()",)
    assert "Data functions of the replaced migrations left out:" in squash.file.source
    assert "run_python" not in squash.file.source.split('"""', 2)[2]
    migrate(label, using=sqlite_db.engine)
    assert set(sqlite_db.columns(f"{label}_post")) == {"id", "title", "slug"}


def test_bad_runs_are_refused(project: Project) -> None:
    label = _history(project)
    with pytest.raises(MigrationError, match="reversed"):
        squash_migrations(label, "0002", start="0003")
    with pytest.raises(MigrationError, match="at least two migrations"):
        squash_migrations(label, "0002", start="0002")
    with pytest.raises(MigrationError, match="has no migration '0009'"):
        squash_migrations(label, "0009")
    with pytest.raises(MigrationError, match="No models have the label 'nolabel'"):
        squash_migrations("nolabel", "0002")


# -- the command --------------------------------------------------------------------------

APP = """
from heron import Heron

import {label}.models  # noqa: F401 - the app imports its models

app = Heron(__name__)
app.config["DATABASE_URL"] = "sqlite:///app.sqlite3"
"""


@pytest.fixture
def app_label(
    project: Project, monkeypatch: pytest.MonkeyPatch, restore_connections: None
) -> Iterator[str]:
    """A project whose ``app.py`` imports a label with four migrations (the current folder)."""
    label = _history(project, "cli")
    (project.root / "app.py").write_text(textwrap.dedent(APP.format(label=label)))
    monkeypatch.chdir(project.root)
    monkeypatch.delenv("HERON_APP", raising=False)
    monkeypatch.delenv("HERON_DATABASE_URL", raising=False)
    yield label
    sys.modules.pop("app", None)


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def test_the_command_squashes_after_asking(app_label: str, project: Project) -> None:
    label = app_label
    dry = run("squashmigrations", label, "0004", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert f"Squashed 4 migrations of '{label}'" in dry.output
    assert "Dry run: nothing was written." in dry.output
    assert project.migrations(label) == OLD

    declined = run("squashmigrations", label, "0004", input="n\n")
    assert declined.exit_code == 1
    assert project.migrations(label) == OLD

    done = run("squashmigrations", label, "0002", "0004", "--name", "later", input="y\n")
    assert done.exit_code == 0, done.output
    assert f"{label}/migrations/0004_later.py" in done.output
    assert f"- Rename column {label}_post.title to headline" in done.output
    assert f"- Create index ix_{label}_post_headline on {label}_post" in done.output
    assert "Keep the replaced files until every database has migrated past them" in done.output

    migrated = run("migrate")
    assert migrated.exit_code == 0, migrated.output
    assert f"Applying {label}.0001_initial... OK" in migrated.output
    assert f"Applying {label}.0004_later... OK" in migrated.output
    shown = run("showmigrations", label)
    assert shown.output == f"{label}\n [X] 0001_initial\n [X] 0004_later\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nolabel", "0002"], "No models have the label 'nolabel'"),
        (["{label}", "0003", "0002"], "The run to squash is reversed"),
        (["{label}", "0002", "0002"], "Squashing needs at least two migrations"),
        (["{label}", "0001"], "Squashing needs at least two migrations"),
        (["{label}", "0007_gone"], "has no migration '0007_gone'"),
    ],
)
def test_the_command_explains_bad_input(app_label: str, args: list[str], message: str) -> None:
    result = run("squashmigrations", *(a.format(label=app_label) for a in args), "--yes")
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_data_functions_are_named_by_the_command(
    project: Project, monkeypatch: pytest.MonkeyPatch, restore_connections: None
) -> None:
    label = _data_history(project)
    (project.root / "app.py").write_text(textwrap.dedent(APP.format(label=label)))
    monkeypatch.chdir(project.root)
    monkeypatch.delenv("HERON_APP", raising=False)
    try:
        refused = run("squashmigrations", label, "0003", "--yes")
        assert refused.exit_code == 1
        assert "--drop-data" in refused.output and "0002_fill: forwards()" in refused.output
        dropped = run("squashmigrations", label, "0003", "--yes", "--drop-data")
        assert dropped.exit_code == 0, dropped.output
        assert f"Left out the data function {label}.0002_fill: forwards()" in dropped.output
        assert (Path(project.root) / label / "migrations" / "0003_squashed_0001_0003.py").exists()
    finally:
        sys.modules.pop("app", None)
