"""The API on database aliases of ``heron.db.connections`` (the default way in)."""

from __future__ import annotations

import pytest

from heron.db.connections import connections
from heron.db.migrations import (
    make_migrations,
    migrate,
    migrate_all,
    migration_plan,
    show_migrations,
    sql_migrate,
)

from .conftest import Project, Target


@pytest.mark.usefixtures("restore_connections")
def test_default_and_named_aliases(db: Target, sqlite_db: Target, project: Project) -> None:
    connections.configure(databases={"default": db.url, "side": sqlite_db.url})
    label = project.new_label("als")
    table = f"{label}_note"
    project.models(label, "class Note(Model):\n    text = fields.String(max_length=20)\n")
    make_migrations([label])

    assert [str(s) for s in migration_plan(label)] == [f"Apply {label}.0001_initial"]
    migrate(label)  # using="default"
    assert table in db.tables()
    assert table not in sqlite_db.tables()
    assert show_migrations([label]) == {label: [("0001_initial", True)]}
    assert show_migrations([label], using="side") == {label: [("0001_initial", False)]}
    assert f"CREATE TABLE {table}" in sql_migrate(label, "0001")

    steps = migrate_all(using="side")
    assert [str(s) for s in steps if s.migration.label == label] == [f"Apply {label}.0001_initial"]
    assert table in sqlite_db.tables()

    migrate(label, "zero")
    migrate(label, "zero", using="side")
    assert db.tables() == set()
    assert sqlite_db.tables_except_labels_other_than(label) == set()
