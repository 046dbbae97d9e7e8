"""The ``heron makemigrations / migrate / showmigrations / sqlmigrate`` commands on an app."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from heron.cli.main import cli

from .conftest import Project

APP = """
from heron import Heron

import {label}.models  # noqa: F401 - the app imports its models

app = Heron(__name__)
app.config["DATABASE_URL"] = "sqlite:///app.sqlite3"
"""

V1 = """
class Product(Model):
    name = fields.String(max_length=100)
    price = fields.Integer(null=True)
"""
V2 = """
class Product(Model):
    title = fields.String(max_length=100)
    price = fields.Integer(null=True)
"""


@pytest.fixture
def app_project(
    project: Project, monkeypatch: pytest.MonkeyPatch, restore_connections: None
) -> Iterator[tuple[Project, str]]:
    """A project folder with ``app.py`` importing one label's models, as the current folder."""
    label = project.new_label("shop")
    project.models(label, V1)
    (project.root / "app.py").write_text(textwrap.dedent(APP.format(label=label)))
    monkeypatch.chdir(project.root)
    monkeypatch.delenv("HERON_APP", raising=False)
    monkeypatch.delenv("HERON_DATABASE_URL", raising=False)
    yield project, label
    sys.modules.pop("app", None)


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def _tables(root: Path) -> set[str]:
    engine = sa.create_engine(f"sqlite:///{root / 'app.sqlite3'}")
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_the_commands_through_a_full_cycle(app_project: tuple[Project, str]) -> None:
    project, label = app_project
    table = f"{label}_product"

    made = run("makemigrations", label)
    assert made.exit_code == 0, made.output
    assert f"Migrations for '{label}':" in made.output
    assert f"{label}/migrations/0001_initial.py" in made.output
    assert f"- Create table {table}" in made.output

    shown = run("showmigrations", label)
    assert shown.output == f"{label}\n [ ] 0001_initial\n"

    planned = run("migrate", "--plan")
    assert f"Apply {label}.0001_initial" in planned.output
    assert table not in _tables(project.root)

    applied = run("migrate", label)
    assert applied.exit_code == 0, applied.output
    assert f"Applying {label}.0001_initial... OK" in applied.output
    assert table in _tables(project.root)
    assert run("showmigrations", label).output == f"{label}\n [X] 0001_initial\n"
    assert run("migrate", label).output == "No migrations to apply.\n"
    assert run("makemigrations", label).output == f"No changes detected in '{label}'.\n"

    project.models(label, V2)
    renamed = run("makemigrations", label, input="y\n")
    assert renamed.exit_code == 0, renamed.output
    assert "Did you rename product.name to product.title (VARCHAR(100))? [y/N]" in renamed.output
    assert f"- Rename column {table}.name to title" in renamed.output
    assert project.migrations(label) == ["0001_initial", "0002_rename_product_name_title"]

    sql = run("sqlmigrate", label, "0002")
    assert sql.exit_code == 0, sql.output
    assert sql.output.startswith("BEGIN;")
    assert f"CREATE TABLE _alembic_tmp_{table}" in sql.output

    run("migrate")
    back = run("migrate", label, "zero")
    assert back.exit_code == 0, back.output
    assert back.output.splitlines() == [
        f"  Unapplying {label}.0002_rename_product_name_title... OK",
        f"  Unapplying {label}.0001_initial... OK",
    ]
    assert _tables(project.root) == set()


def test_makemigrations_options(app_project: tuple[Project, str]) -> None:
    project, label = app_project
    dry = run("makemigrations", label, "--dry-run")
    assert "Dry run: nothing was written." in dry.output
    assert project.migrations(label) == []

    run("makemigrations", label, "--name", "start")
    assert project.migrations(label) == ["0001_start"]

    empty = run("makemigrations", label, "--empty", "-n", "backfill")
    assert "- Data migration: fill in forwards() and backwards()" in empty.output
    assert project.migrations(label) == ["0001_start", "0002_backfill"]

    project.models(label, V2)
    declined = run("makemigrations", label, "--no-rename", "--dry-run", input="''\n")
    assert "Did you rename" not in declined.output
    assert f"- Remove column {label}_product.name" in declined.output


def test_errors_are_reported_without_a_traceback(app_project: tuple[Project, str]) -> None:
    project, label = app_project
    missing = run("migrate", label)
    assert missing.exit_code == 1
    assert f"Error: '{label}' has no migrations (run makemigrations {label})." in missing.output

    run("makemigrations", label)
    project.models(label, V1 + "    code = fields.String(max_length=5)\n")
    refused = run("makemigrations", label, "--no-input")
    assert refused.exit_code == 1
    assert "product.code is added as NOT NULL without a default" in refused.output

    asked = run("makemigrations", label, input="not python\n'x'\n")
    assert asked.exit_code == 0, asked.output
    assert "is not a Python literal; try again." in asked.output
    assert "server_default='x'" in project.source(label, "0002_add_product_code")

    unknown = run("sqlmigrate", label, "0042")
    assert unknown.exit_code == 1
    assert "has no migration '0042'" in unknown.output


def test_a_failing_migration_is_shown_as_failed(app_project: tuple[Project, str]) -> None:
    project, label = app_project
    run("makemigrations", label)
    project.write_migration(
        label,
        "0002_broken",
        """
        def upgrade() -> None:
            raise RuntimeError("broken on purpose")
        """,
    )
    result = CliRunner().invoke(cli, ["migrate", label])
    assert isinstance(result.exception, RuntimeError)
    assert f"Applying {label}.0001_initial... OK" in result.output
    assert f"Applying {label}.0002_broken... FAILED" in result.output
    shown = run("showmigrations", label).output
    assert shown == f"{label}\n [X] 0001_initial\n [ ] 0002_broken\n"


def test_dbshell_opens_the_apps_database(
    app_project: tuple[Project, str], capfd: pytest.CaptureFixture[str]
) -> None:
    _, label = app_project
    assert run("makemigrations", label).exit_code == 0
    assert run("migrate").exit_code == 0
    shell = run("dbshell", "--", "select name from sqlite_master where type = 'table';")
    assert shell.exit_code == 0
    assert f"{label}_product" in capfd.readouterr().out


def test_inspectdb_prints_models_for_the_tables(app_project: tuple[Project, str]) -> None:
    _, label = app_project
    assert run("makemigrations", label).exit_code == 0
    assert run("migrate").exit_code == 0
    printed = run("inspectdb", f"{label}_product", "--label", "legacy")
    assert printed.exit_code == 0, printed.output
    assert f"class {label.capitalize()}Product(Model):" in printed.output
    assert "    name = fields.String(max_length=100)\n" in printed.output
    assert "    price = fields.Integer(null=True, blank=True)\n" in printed.output
    assert "heron_migrations" not in printed.output
    compile(printed.output, "models.py", "exec")
    missing = CliRunner().invoke(cli, ["inspectdb", "nope"])
    assert missing.exit_code == 1 and "Error: No table named nope" in missing.output
