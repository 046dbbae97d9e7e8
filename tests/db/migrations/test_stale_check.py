"""Models changed without a migration fail the test-database set-up, naming the changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from heron.db import connections
from heron.db.migrations import MigrationError, check_migrations_current, make_migrations
from heron.db.testing import TestDatabases
from tests.db.migrations.conftest import Project

MODEL = "class Item(Model):\n    name = fields.String(max_length=20)\n"


def test_current_migrations_pass(project: Project) -> None:
    label = project.new_label("cur")
    project.models(label, MODEL)
    make_migrations([label])
    check_migrations_current()


def test_a_new_field_without_a_migration_is_named(project: Project) -> None:
    label = project.new_label("stl")
    project.models(label, MODEL)
    make_migrations([label])
    project.models(label, MODEL + "    size = fields.Integer(null=True)\n")
    with pytest.raises(MigrationError) as info:
        check_migrations_current()
    message = str(info.value)
    assert f"{label}: Add column {label}_item.size" in message
    assert "heron makemigrations" in message
    assert project.migrations(label) == ["0001_initial"]  # nothing written


def test_a_change_that_needs_a_question_is_reported_too(project: Project) -> None:
    label = project.new_label("qst")
    project.models(label, MODEL)
    make_migrations([label])
    project.models(label, MODEL + "    code = fields.String(max_length=5)\n")  # NOT NULL
    with pytest.raises(MigrationError, match=r"not in a migration:\n.*code is added as NOT NULL"):
        check_migrations_current()


def test_labels_without_migrations_are_not_checked(project: Project) -> None:
    label = project.new_label("nom")
    project.models(label, MODEL)  # no migrations folder: its tables come from the models
    check_migrations_current()


@pytest.mark.usefixtures("restore_connections")
def test_test_databases_refuse_stale_models_before_creating_anything(
    project: Project, tmp_path: Path
) -> None:
    label = project.new_label("tdb")
    project.models(label, MODEL)
    make_migrations([label])
    project.models(label, MODEL + "    size = fields.Integer(null=True)\n")
    connections.configure(database_url=f"sqlite:///{tmp_path / 'dev.sqlite3'}")
    databases = TestDatabases()
    with pytest.raises(MigrationError, match=f"{label}_item.size"):
        databases.setup()
    assert databases.created == []

    unchecked = TestDatabases(check_migrations=False)  # --heron-no-migration-check
    unchecked.setup()
    try:
        [test_db] = unchecked.created
        columns = test_db.fetchall(f"PRAGMA table_info({label}_item)")
        assert [c[1] for c in columns] == ["id", "name"]  # as its migration says
    finally:
        unchecked.teardown()
