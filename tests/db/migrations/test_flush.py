"""``heron.db.flush.flush()`` and ``heron flush``: every row of the model tables goes, keys
restart, tables, unmanaged tables and migration records stay, ``post_migrate`` is sent."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from click.testing import CliRunner

from heron.cli.main import cli
from heron.db import post_migrate
from heron.db.connections import connections
from heron.db.flush import flush
from heron.db.migrations import VERSION_TABLE, load_graph, make_migrations, migrate

from .conftest import Project, Target

MODELS = """
class Shelf(Model):
    name = fields.String(max_length=50)
    favourite = fields.ForeignKey(
        "Book", null=True, on_delete=fields.SET_NULL, related_name="favourite_of"
    )


class Book(Model):
    title = fields.String(max_length=50)
    shelf = fields.ForeignKey(Shelf, on_delete=fields.CASCADE, related_name="books")
    tags = fields.ManyToManyField("Tag", related_name="books")


class Tag(Model):
    name = fields.String(max_length=20)
"""
UNMANAGED = """

class Legacy(Model):
    code = fields.String(max_length=10)

    class Meta:
        managed = False
        table = "{label}_legacy"
"""
APP = """
import {label}.models  # noqa: F401 - the app imports its models
from heron import Heron

app = Heron(__name__)
app.config["DATABASE_URL"] = "{url}"
"""


def _migrated(db: Target, project: Project, source: str = MODELS) -> tuple[str, Any]:
    label = project.new_label("fl")
    module = project.models(label, source.replace("{label}", label))
    make_migrations([label])
    load_graph()
    migrate(label, using=db.engine)
    connections.configure(database_url=db.url)
    return label, module


def _fill(m: Any) -> None:
    shelf = m.Shelf.objects.create(name="top")
    books = [m.Book.objects.create(title=t, shelf=shelf) for t in ("a", "b")]
    shelf.favourite = books[0]  # a cycle of foreign keys between the two tables
    shelf.save()
    tag = m.Tag.objects.create(name="new")
    books[0].tags.add(tag)


def test_flush_empties_the_tables_and_restarts_their_keys(
    db: Target, project: Project, restore_connections: None
) -> None:
    label, m = _migrated(db, project)
    _fill(m)
    applied = db.applied()
    emptied = flush(labels=[label])
    assert set(emptied) == {
        f"{label}_shelf",
        f"{label}_book",
        f"{label}_tag",
        f"{label}_book_tags",
    }
    assert [m.Shelf.objects.count(), m.Book.objects.count(), m.Tag.objects.count()] == [0, 0, 0]
    assert db.rows(f"SELECT COUNT(*) FROM {label}_book_tags") == [(0,)]
    assert db.applied() == applied  # the migrations stay applied
    assert VERSION_TABLE in db.tables()
    shelf = m.Shelf.objects.create(name="again")
    assert shelf.pk == 1  # the keys start over
    assert m.Book.objects.create(title="c", shelf=shelf).pk == 1


def test_flush_leaves_unmanaged_tables_alone(
    db: Target, project: Project, restore_connections: None
) -> None:
    label, m = _migrated(db, project, MODELS + UNMANAGED)
    db.execute(f"CREATE TABLE {label}_legacy (id INTEGER PRIMARY KEY, code VARCHAR(10))")
    db.execute(f"INSERT INTO {label}_legacy (id, code) VALUES (1, 'kept')")
    _fill(m)
    assert f"{label}_legacy" not in flush(labels=[label])
    assert [obj.code for obj in m.Legacy.objects.all()] == ["kept"]
    assert m.Book.objects.count() == 0


def test_flush_sends_post_migrate_for_each_label_flushed(
    db: Target, project: Project, restore_connections: None
) -> None:
    label, m = _migrated(db, project)
    got: list[tuple[Any, dict[str, Any]]] = []

    def recreate(sender: Any, **kwargs: Any) -> None:
        got.append((sender, kwargs))
        m.Tag.objects.get_or_create(name="default")

    post_migrate.connect(recreate, sender=label)
    try:
        m.Tag.objects.create(name="user-made")
        flush(labels=[label])
    finally:
        post_migrate.disconnect(recreate, sender=label)
    assert got == [(label, {"using": "default", "plan": []})]
    assert [t.name for t in m.Tag.objects.all()] == ["default"]


def test_flush_of_a_database_without_model_tables_does_nothing(
    db: Target, project: Project, restore_connections: None
) -> None:
    label = project.new_label("fl")
    project.models(label, MODELS)
    connections.configure(database_url=db.url)
    assert flush(labels=[label]) == []


@pytest.fixture
def app_project(
    project: Project, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, restore_connections: None
) -> Any:
    """An app on a SQLite file whose one label is migrated and filled."""
    label = project.new_label("fl")
    m = project.models(label, MODELS)
    make_migrations([label])
    load_graph()
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    (project.root / "app.py").write_text(APP.format(label=label, url=url))
    monkeypatch.chdir(project.root)
    monkeypatch.delenv("HERON_APP", raising=False)
    monkeypatch.delenv("HERON_DATABASE_URL", raising=False)
    connections.configure(database_url=url)
    migrate(label, using="default")
    _fill(m)
    yield m
    sys.modules.pop("app", None)


def test_flush_command_asks_first(app_project: Any) -> None:
    result = CliRunner().invoke(cli, ["flush"], input="no\n")
    assert result.exit_code == 1
    assert "cannot be undone" in result.output
    assert "Flush cancelled; nothing was deleted." in result.output
    assert app_project.Book.objects.count() == 2


def test_flush_command_empties_after_yes(app_project: Any) -> None:
    result = CliRunner().invoke(cli, ["flush"], input="yes\n", catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Emptied" in result.output
    assert app_project.Book.objects.count() == 0 and app_project.Shelf.objects.count() == 0


def test_flush_command_no_input(app_project: Any) -> None:
    result = CliRunner().invoke(cli, ["flush", "--no-input"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Type 'yes'" not in result.output
    assert app_project.Tag.objects.count() == 0
