"""ModelAPI CRUD through the test client, on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from heron.api import ModelAPI
from heron.api.schemas import schema_for
from heron.testing import TestClient
from tests.api.models.at_models import Article, Counter, Note, Writer


class WriterAPI(ModelAPI):
    model = Writer


class ArticleAPI(ModelAPI):
    model = Article
    filter_fields = {"writer_id": ["exact", "in"], "published": ["exact"], "rating": ["gte", "lte"]}
    ordering_fields = ["created", "title", "rating"]


def _writer(client: TestClient, name: str = "ann") -> int:
    response = client.post("/api/writer", json={"name": name})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_create_retrieve_update_delete(make_client: Callable[..., TestClient]) -> None:
    client = make_client(WriterAPI, ArticleAPI)
    writer = _writer(client)
    created = client.post(
        "/api/article", json={"title": "Hello", "writer_id": writer, "price": "12.50"}
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["title"] == "Hello"
    assert body["status"] == "draft"
    assert body["price"] == "12.50"
    assert body["created"]
    pk = body["id"]
    assert client.get(f"/api/article/{pk}").json() == body
    replaced = client.put(
        f"/api/article/{pk}", json={"title": "Bye", "writer_id": writer, "rating": 4}
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["rating"] == 4
    assert replaced.json()["price"] is None  # PUT replaces: absent fields take defaults
    patched = client.patch(f"/api/article/{pk}", json={"status": "live"})
    assert patched.json()["status"] == "live"
    assert patched.json()["title"] == "Bye"
    assert client.delete(f"/api/article/{pk}").status_code == 204
    missing = client.get(f"/api/article/{pk}")
    assert missing.status_code == 404
    assert "No article with primary key" in missing.json()["detail"]
    assert not Article.objects.filter(pk=pk).exists()


def test_invalid_input_is_a_422_in_the_request_validation_format(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(WriterAPI, ArticleAPI)
    writer = _writer(client)
    bad = client.post(
        "/api/article",
        json={"title": "x" * 101, "writer_id": 2**70, "status": "gone", "rating": None},
    )
    assert bad.status_code == 422
    locs = {tuple(error["loc"]) for error in bad.json()["detail"]}
    assert {
        ("body", "title"),
        ("body", "writer_id"),
        ("body", "status"),
        ("body", "rating"),
    } <= locs
    nul = client.post("/api/article", json={"title": "a\u0000b", "writer_id": writer})
    assert nul.status_code == 422
    assert client.post("/api/article", json=[1, 2]).status_code == 422
    assert (
        client.post("/api/article", json={"title": "t", "writer_id": writer, "x": 1}).status_code
        == 422
    )
    assert client.get("/api/article/99999999999999999999999").status_code == 422
    assert client.patch("/api/article/1", json={"title": None}).status_code == 422


def test_model_validation_and_references(make_client: Callable[..., TestClient]) -> None:
    client = make_client(WriterAPI, ArticleAPI)
    _writer(client, "ann")
    duplicate = client.post("/api/writer", json={"name": "ann"})
    assert duplicate.status_code == 422
    error = duplicate.json()["detail"][0]
    assert error["loc"] == ["body", "name"]
    assert "already exists" in error["msg"]
    email = client.post("/api/writer", json={"name": "bob", "email": "nope"})
    assert email.status_code == 422
    dangling = client.post("/api/article", json={"title": "t", "writer_id": 12345})
    assert dangling.status_code == 422
    assert dangling.json()["detail"][0]["loc"] == ["body", "writer_id"]
    writer = _writer(client, "bob")
    negative = client.post("/api/article", json={"title": "t", "writer_id": writer, "rating": -1})
    assert negative.status_code == 422  # the CHECK constraint, judged before the INSERT
    assert negative.json()["detail"][0] == {
        "type": "model_validation",
        "loc": ["body"],
        "msg": "A rating can't be negative.",
    }
    assert Article.objects.count() == 0


def test_protected_delete_is_a_409(make_client: Callable[..., TestClient]) -> None:
    client = make_client(WriterAPI, ArticleAPI)
    writer = _writer(client)
    client.post("/api/article", json={"title": "t", "writer_id": writer})
    refused = client.delete(f"/api/writer/{writer}")
    assert refused.status_code == 409
    assert Writer.objects.filter(pk=writer).exists()


def test_a_failing_save_hook_leaves_nothing(make_client: Callable[..., TestClient]) -> None:
    class Exploding(Exception):
        pass

    class FragileAPI(ModelAPI):
        model = Writer

        async def after_save(self, request: Any, obj: Any, action: str) -> None:
            await Note.objects.acount()  # the row exists inside the transaction
            raise Exploding

    client = make_client(FragileAPI)
    with pytest.raises(Exploding):  # TESTING: the app lets the error through
        client.post("/api/writer", json={"name": "ghost"})
    assert not Writer.objects.filter(name="ghost").exists()


def test_permissions(make_client: Callable[..., TestClient]) -> None:
    class ReadOnlyAPI(ModelAPI):
        model = Writer

        def has_permission(self, request: Any, action: str) -> bool:
            return action in ("list", "retrieve")

    class NotBobAPI(ModelAPI):
        model = Writer

        async def has_object_permission(self, request: Any, action: str, obj: Any) -> bool:
            return bool(obj.name != "bob")

    client = make_client(ReadOnlyAPI)
    assert client.post("/api/writer", json={"name": "x"}).status_code == 403
    bob = Writer.objects.create(name="bob")
    assert client.get("/api/writer").status_code == 200
    other = make_client(NotBobAPI)
    assert other.get(f"/api/writer/{bob.pk}").status_code == 403
    assert other.delete(f"/api/writer/{bob.pk}").status_code == 403
    assert other.get("/api/writer").json()["count"] == 1


def test_only_declared_actions_are_routed(make_client: Callable[..., TestClient]) -> None:
    class ListOnly(ModelAPI):
        model = Writer
        actions = ("list",)

    client = make_client(ListOnly)
    assert client.get("/api/writer").status_code == 200
    assert client.post("/api/writer", json={"name": "x"}).status_code == 405
    assert client.get("/api/writer/1").status_code == 404


class CounterAPI(ModelAPI):
    model = Counter


def test_database_defaults_and_generated_columns(make_client: Callable[..., TestClient]) -> None:
    client = make_client(CounterAPI)
    left_out = client.post("/api/counter", json={"name": "a"})
    assert left_out.status_code == 201, left_out.text
    assert (left_out.json()["hits"], left_out.json()["double"]) == (7, 14)
    computed = client.post("/api/counter", json={"name": "b", "double": 99})
    assert computed.status_code == 422  # read-only, as the key and auto_now fields
    assert computed.json()["detail"][0]["loc"] == ["body", "double"]
    given = client.post("/api/counter", json={"name": "b", "hits": 2})
    assert given.status_code == 201, given.text
    assert (given.json()["hits"], given.json()["double"]) == (2, 4)
    patched = client.patch(f"/api/counter/{given.json()['id']}", json={"hits": 5})
    assert patched.json()["double"] == 10
    replaced = client.put(f"/api/counter/{given.json()['id']}", json={"name": "c"})
    assert replaced.status_code == 200, replaced.text
    assert (replaced.json()["name"], replaced.json()["hits"]) == ("c", 5)  # kept
    create = schema_for(Counter, mode="create").model_json_schema()
    assert "double" not in create["properties"]
    assert create["required"] == ["name"]
