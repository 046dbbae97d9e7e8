"""JSON bodies: models, dataclasses, TypedDicts, embedded and scalar bodies, errors."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from pydantic import BaseModel, Field
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

from heron import Body, Heron, Query
from heron.testing import TestClient


class Item(BaseModel):
    name: str = Field(max_length=20)
    price: float = Field(gt=0)
    tags: list[str] = []


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Options(TypedDict):
    verbose: bool


def test_model_parameter_is_the_json_body(app: Heron, client: TestClient) -> None:
    @app.post("/items")
    async def create(item: Item) -> dict:
        return {"type": type(item).__name__, **item.model_dump()}

    response = client.post("/items", json={"name": "pen", "price": "1.5"})
    assert response.json() == {"type": "Item", "name": "pen", "price": 1.5, "tags": []}


def test_body_errors_list_every_field(app: Heron, client: TestClient) -> None:
    @app.post("/items")
    async def create(item: Item) -> dict:
        return {}

    response = client.post("/items", json={"name": "x" * 21, "price": 0, "tags": [1]})
    assert response.status_code == 422
    assert [(e["loc"], e["type"]) for e in response.json()["detail"]] == [
        (["body", "name"], "string_too_long"),
        (["body", "price"], "greater_than"),
        (["body", "tags", 0], "string_type"),
    ]


def test_body_and_query_errors_are_reported_together(app: Heron, client: TestClient) -> None:
    @app.post("/items")
    async def create(item: Item, dry_run: Annotated[bool, Query()] = False) -> dict:
        return {}

    response = client.post("/items?dry_run=perhaps", json={"name": "pen"})
    assert [e["loc"] for e in response.json()["detail"]] == [
        ["query", "dry_run"],
        ["body", "price"],
    ]


def test_dataclass_and_typeddict_bodies(app: Heron, client: TestClient) -> None:
    @app.post("/points")
    async def point(p: Point) -> dict:
        return {"sum": p.x + p.y, "type": type(p).__name__}

    @app.post("/options")
    async def options(o: Options) -> dict:
        return {"verbose": o["verbose"]}

    assert client.post("/points", json={"x": 1, "y": "2"}).json() == {"sum": 3, "type": "Point"}
    assert client.post("/points", json={"x": 1}).json()["detail"][0]["loc"] == ["body", "y"]
    assert client.post("/options", json={"verbose": "true"}).json() == {"verbose": True}


def test_several_body_parameters_are_embedded(app: Heron, client: TestClient) -> None:
    @app.post("/move")
    async def move(item: Item, point: Point, note: Annotated[str, Body()] = "") -> dict:
        return {"item": item.name, "x": point.x, "note": note}

    body = {"item": {"name": "pen", "price": 1}, "point": {"x": 1, "y": 2}, "note": "hi"}
    assert client.post("/move", json=body).json() == {"item": "pen", "x": 1, "note": "hi"}
    response = client.post("/move", json={"item": {"name": "pen", "price": 1}})
    assert response.json()["detail"] == [
        {"type": "missing", "loc": ["body", "point"], "msg": "Field required"}
    ]


def test_embed_a_single_body_parameter(app: Heron, client: TestClient) -> None:
    @app.post("/items")
    async def create(item: Annotated[Item, Body(embed=True)]) -> dict:
        return {"name": item.name}

    assert client.post("/items", json={"item": {"name": "a", "price": 1}}).json() == {"name": "a"}
    assert client.post("/items", json={"name": "a", "price": 1}).status_code == 422


def test_scalar_body(app: Heron, client: TestClient) -> None:
    @app.put("/count")
    async def count(value: Annotated[int, Body(ge=0)]) -> dict:
        return {"value": value}

    assert client.put("/count", json=5).json() == {"value": 5}
    assert client.put("/count", json=-1).json()["detail"][0]["loc"] == ["body"]


def test_list_of_models_body(app: Heron, client: TestClient) -> None:
    @app.post("/items/bulk")
    async def bulk(items: list[Item]) -> dict:
        return {"count": len(items)}

    items = [{"name": "a", "price": 1}, {"name": "b", "price": 2}]
    assert client.post("/items/bulk", json=items).json() == {"count": 2}
    response = client.post("/items/bulk", json=[{"name": "a"}])
    assert response.json()["detail"][0]["loc"] == ["body", 0, "price"]


def test_malformed_json_is_422(app: Heron, client: TestClient) -> None:
    @app.post("/items")
    async def create(item: Item) -> dict:
        return {}

    response = client.post(
        "/items", content=b'{"name": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["type"] == "json_invalid"
    assert error["loc"] == ["body"]


def test_missing_body(app: Heron, client: TestClient) -> None:
    @app.post("/required")
    async def required(item: Item) -> dict:
        return {}

    @app.post("/optional")
    async def optional(item: Item | None = None) -> dict:
        return {"item": item is not None}

    assert client.post("/required").json() == {
        "detail": [{"type": "missing", "loc": ["body"], "msg": "Field required"}]
    }
    assert client.post("/optional").json() == {"item": False}


def test_wrong_content_type_is_415(app: Heron, client: TestClient) -> None:
    @app.post("/items")
    async def create(item: Item) -> dict:
        return {"ok": True}

    response = client.post("/items", data={"name": "a", "price": "1"})
    assert response.status_code == 415
    assert "application/json" in response.json()["detail"]
    no_type = client.post("/items", content=b'{"name": "a", "price": 1}')
    assert no_type.json() == {"ok": True}
    vendor = client.post(
        "/items",
        content=b'{"name": "a", "price": 1}',
        headers={"Content-Type": "application/vnd.heron+json; charset=utf-8"},
    )
    assert vendor.json() == {"ok": True}


def test_body_over_the_size_limit_is_413(app: Heron) -> None:
    app.config["MAX_BODY_SIZE"] = 64

    @app.post("/items")
    async def create(item: Item) -> dict:
        return {}

    response = TestClient(app).post("/items", json={"name": "a", "price": 1, "tags": ["x" * 100]})
    assert response.status_code == 413


def test_handler_may_still_read_the_raw_body(app: Heron, client: TestClient) -> None:
    @app.post("/items")
    async def create(item: Item, request: object = None) -> dict:
        return {}

    @app.post("/raw")
    async def raw(request) -> dict:  # type: ignore[no-untyped-def]
        return {"size": len(await request.body())}

    assert client.post("/raw", content=b"12345").json() == {"size": 5}
