"""Proxy models have no table: migrations, ``heron makemigrations`` and test set-up leave
them out, and a foreign key to one is a foreign key to its concrete model's table."""

from __future__ import annotations

import sys

import pytest
from click.testing import CliRunner

from heron.cli.main import cli
from heron.db.connections import connections
from heron.db.migrations import (
    VERSION_TABLE,
    create_all_tables,
    load_graph,
    make_migrations,
    migrate,
)
from heron.db.models.registry import registry
from heron.db.testing import flush_tables

from .conftest import Project, Target

ITEM = """
class Item(Model):
    name = fields.String(max_length=50)
"""
PROXY = """

class Featured(Item):
    class Meta:
        proxy = True
        ordering = ["name"]

    def shout(self):
        return self.name.upper()
"""
APP = """
import {label}.models  # noqa: F401 - the app imports its models
from heron import Heron

app = Heron(__name__)
app.config["DATABASE_URL"] = "sqlite:///app.sqlite3"
"""
NOTE = """

class Note(Model):
    item = fields.ForeignKey(Featured, on_delete=fields.CASCADE, related_name="notes")
"""


def test_adding_a_proxy_makes_no_migration(project: Project) -> None:
    label = project.new_label("prx")
    project.models(label, ITEM)
    [first] = make_migrations([label])
    assert first.operations == (f"Create table {label}_item",)
    load_graph()
    module = project.models(label, ITEM + PROXY)
    assert module.Featured.__table__ is module.Item.__table__
    assert make_migrations([label]) == []
    assert project.migrations(label) == ["0001_initial"]


def test_makemigrations_command_writes_nothing_for_a_proxy(
    project: Project, monkeypatch: pytest.MonkeyPatch, restore_connections: None
) -> None:
    label = project.new_label("prx")
    project.models(label, ITEM)
    make_migrations([label])
    project.models(label, ITEM + PROXY)
    (project.root / "app.py").write_text(APP.format(label=label))
    monkeypatch.chdir(project.root)
    monkeypatch.delenv("HERON_APP", raising=False)
    monkeypatch.delenv("HERON_DATABASE_URL", raising=False)
    try:
        result = CliRunner().invoke(cli, ["makemigrations", label], catch_exceptions=False)
    finally:
        sys.modules.pop("app", None)
    assert result.output == f"No changes detected in '{label}'.\n"
    assert project.migrations(label) == ["0001_initial"]


def test_a_foreign_key_to_a_proxy_migrates_to_the_concrete_table(
    db: Target, project: Project
) -> None:
    label = project.new_label("prx")
    project.models(label, ITEM + PROXY + NOTE)
    [file] = make_migrations([label])
    assert file.operations[:2] == (f"Create table {label}_item", f"Create table {label}_note")
    assert not any("featured" in line for line in file.operations)
    assert f"sa.ForeignKeyConstraint(['item_id'], ['{label}_item.id']" in file.source
    load_graph()
    migrate(label, using=db.engine)
    made = db.tables_except_labels_other_than(label) - {VERSION_TABLE}
    assert made == {f"{label}_item", f"{label}_note"}
    assert db.diff(label) == []


def test_test_set_up_creates_the_concrete_table_once(db: Target, project: Project) -> None:
    label = project.new_label("prx")
    project.models(label, ITEM + PROXY + NOTE)
    assert create_all_tables(db.engine, labels=[label]) == [f"{label}_item", f"{label}_note"]


def test_flush_tables_empties_the_shared_table(
    db: Target, project: Project, restore_connections: None
) -> None:
    label = project.new_label("prx")
    module = project.models(label, ITEM + PROXY + NOTE)
    create_all_tables(db.engine, labels=[label])
    connections.configure(database_url=db.url)
    item = module.Featured.objects.create(name="kept?")
    module.Note.objects.create(item=item)
    flush_tables()
    assert module.Item.objects.count() == 0 and module.Note.objects.count() == 0


def test_unloading_a_proxy_keeps_its_concrete_table(project: Project) -> None:
    label = project.new_label("prx")
    module = project.models(label, ITEM + PROXY)
    table = module.Item.__table__
    registry.unregister(module.Featured)
    assert registry.metadata.tables[f"{label}_item"] is table
    assert registry.get_model(f"{label}.Item") is module.Item
