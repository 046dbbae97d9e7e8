"""``heron dumpdata`` and ``heron loaddata`` on an app (SQLite): a fixture out of one
database and into a fresh one, found by name under the label's ``fixtures/`` folder."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner, Result

from heron.cli.main import cli
from heron.db import connections

from .conftest import Project

APP = """
from heron import Heron

import {label}.models  # noqa: F401 - the app imports its models

app = Heron(__name__)
app.config["DATABASE_URL"] = "sqlite:///app.sqlite3"
"""

MODELS = """
class Shelf(Model):
    name = fields.String(max_length=100)


class Book(Model):
    title = fields.String(max_length=100)
    shelf = fields.ForeignKey(Shelf, on_delete=fields.CASCADE, related_name="books")
"""


@pytest.fixture
def app_project(
    project: Project, monkeypatch: pytest.MonkeyPatch, restore_connections: None
) -> Iterator[tuple[Project, str, Any]]:
    """A migrated project folder as the current folder: its label and models module."""
    label = project.new_label("lib")
    models = project.models(label, MODELS)
    (project.root / "app.py").write_text(textwrap.dedent(APP.format(label=label)))
    monkeypatch.chdir(project.root)
    monkeypatch.delenv("HERON_APP", raising=False)
    monkeypatch.delenv("HERON_DATABASE_URL", raising=False)
    assert run("makemigrations", label).exit_code == 0
    assert run("migrate").exit_code == 0
    yield project, label, models
    sys.modules.pop("app", None)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_dump_to_a_file_then_load_it_by_name(app_project: tuple[Project, str, Any]) -> None:
    project, label, models = app_project
    shelf = models.Shelf.objects.create(name="Top")
    models.Book.objects.create(title="Dune", shelf=shelf)

    printed = run("dumpdata", f"{label}.book")
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.output) == [
        {"model": f"{label}.book", "pk": 1, "fields": {"title": "Dune", "shelf": 1}}
    ]

    (project.root / label / "fixtures").mkdir()
    target = project.root / label / "fixtures" / "library.json"
    dumped = run("dumpdata", label, "--indent", "2", "-o", str(target))
    assert dumped.exit_code == 0, dumped.output
    assert "Dumped 2 object(s)" in dumped.output
    assert target.read_text().startswith('[\n  {\n    "model"')

    models.Book.objects.all().delete()
    models.Shelf.objects.all().delete()
    loaded = run("loaddata", "library")
    assert loaded.exit_code == 0, loaded.output
    assert loaded.output == "Installed 2 object(s) from 1 fixture(s).\n"
    connections.configure(database_url=f"sqlite:///{project.root / 'app.sqlite3'}")
    assert list(models.Book.objects.values_list("title", "shelf__name")) == [("Dune", "Top")]


def test_errors_are_one_line(app_project: tuple[Project, str, Any]) -> None:
    project, label, _ = app_project
    missing = CliRunner().invoke(cli, ["loaddata", "nothing"])
    assert missing.exit_code == 1
    assert "Error: No fixture named 'nothing'" in missing.output

    bad = project.root / "bad.json"
    bad.write_text(json.dumps([{"model": f"{label}.book", "pk": 1, "fields": {"shelf": 9}}]))
    failed = CliRunner().invoke(cli, ["loaddata", str(bad)])
    assert failed.exit_code == 1
    assert f"Error: Loading {bad} failed at {bad}, object #1" in failed.output

    unknown = CliRunner().invoke(cli, ["dumpdata", "nolabel"])
    assert unknown.exit_code == 1
    assert "Error: No label 'nolabel'" in unknown.output
