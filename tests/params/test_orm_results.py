"""Handlers returning ORM instances and querysets, with and without a response schema."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict

from heron import Heron
from heron.db import Model, connections, fields, registry
from heron.testing import TestClient


class Note(Model):
    text = fields.String(max_length=50)
    secret = fields.String(max_length=50, default="hidden")

    class Meta:
        label = "paramsorm"
        ordering = ["id"]


class NoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    text: str


@pytest.fixture
def notes(tmp_path: Path) -> Iterator[None]:
    connections.configure(database_url=f"sqlite:///{tmp_path / 'notes.db'}")
    engine = connections["default"].sqlalchemy_engine()
    registry.metadata.create_all(engine, tables=registry.tables_for("paramsorm"))
    Note.objects.bulk_create([Note(text="one"), Note(text="two")])
    yield
    connections.reset()


def test_async_handler_returning_a_queryset_through_a_schema(notes: None, app: Heron) -> None:
    @app.get("/notes")
    async def all_notes() -> list[NoteOut]:
        return Note.objects.all()  # type: ignore[return-value]

    @app.get("/notes/<int:pk>")
    async def one(pk: int) -> NoteOut:
        return await Note.objects.aget(pk=pk)  # type: ignore[return-value]

    client = TestClient(app)
    assert client.get("/notes").json() == [{"id": 1, "text": "one"}, {"id": 2, "text": "two"}]
    assert client.get("/notes/2").json() == {"id": 2, "text": "two"}


def test_sync_handler_returning_a_queryset_through_a_schema(notes: None, app: Heron) -> None:
    @app.get("/notes")
    def all_notes() -> list[NoteOut]:
        return Note.objects.filter(text="two")  # type: ignore[return-value]

    assert TestClient(app).get("/notes").json() == [{"id": 2, "text": "two"}]


def test_instances_and_querysets_without_a_schema(notes: None, app: Heron) -> None:
    @app.get("/async")
    async def async_notes():  # type: ignore[no-untyped-def]
        return Note.objects.all()

    @app.get("/sync")
    def sync_notes():  # type: ignore[no-untyped-def]
        return Note.objects.all()

    @app.get("/one")
    async def one():  # type: ignore[no-untyped-def]
        return {"note": await Note.objects.aget(pk=1)}

    client = TestClient(app)
    expected = [
        {"id": 1, "text": "one", "secret": "hidden"},
        {"id": 2, "text": "two", "secret": "hidden"},
    ]
    assert client.get("/async").json() == expected
    assert client.get("/sync").json() == expected
    assert client.get("/one").json() == {"note": expected[0]}
