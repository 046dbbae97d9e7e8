"""Path and query parameters: conversion, defaults, constraints, lists, aliases."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

import pytest

from heron import Heron, Path, Query, Request
from heron.params import HandlerSignatureError
from heron.testing import TestClient


def test_plain_annotated_parameters_are_query_parameters(app: Heron, client: TestClient) -> None:
    @app.get("/search")
    async def search(q: str = "", page: int = 1, exact: bool = False) -> dict:
        return {"q": q, "page": page, "exact": exact}

    assert client.get("/search").json() == {"q": "", "page": 1, "exact": False}
    assert client.get("/search?q=heron&page=3&exact=yes").json() == {
        "q": "heron",
        "page": 3,
        "exact": True,
    }


def test_required_query_parameter_missing_is_422(app: Heron, client: TestClient) -> None:
    @app.get("/items")
    async def items(limit: int) -> dict:
        return {"limit": limit}

    response = client.get("/items")
    assert response.status_code == 422
    assert response.json() == {
        "detail": [{"type": "missing", "loc": ["query", "limit"], "msg": "Field required"}]
    }


def test_wrong_type_is_422_with_location(app: Heron, client: TestClient) -> None:
    @app.get("/items")
    async def items(page: int = 1) -> dict:
        return {"page": page}

    response = client.get("/items?page=two")
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["query", "page"]
    assert error["type"] == "int_parsing"


def test_constraints_from_query_marker(app: Heron, client: TestClient) -> None:
    @app.get("/items")
    async def items(
        page: Annotated[int, Query(ge=1, le=100)] = 1,
        name: Annotated[str | None, Query(min_length=2, max_length=5, pattern="^[a-z]+$")] = None,
    ) -> dict:
        return {"page": page, "name": name}

    assert client.get("/items?page=100&name=abc").json() == {"page": 100, "name": "abc"}
    assert client.get("/items?page=0").json()["detail"][0]["type"] == "greater_than_equal"
    assert client.get("/items?page=101").json()["detail"][0]["type"] == "less_than_equal"
    errors = client.get("/items?name=a").json()["detail"]
    assert errors == [
        {
            "type": "string_too_short",
            "loc": ["query", "name"],
            "msg": "String should have at least 2 characters",
        }
    ]
    assert client.get("/items?name=ABC").json()["detail"][0]["type"] == "string_pattern_mismatch"


def test_marker_as_default_value(app: Heron, client: TestClient) -> None:
    @app.get("/items")
    async def items(size: int = Query(10, ge=1, alias="page-size")) -> dict:
        return {"size": size}

    assert client.get("/items").json() == {"size": 10}
    assert client.get("/items?page-size=3").json() == {"size": 3}
    assert client.get("/items?size=3").json() == {"size": 10}
    assert client.get("/items?page-size=0").json()["detail"][0]["loc"] == ["query", "page-size"]


def test_list_query_parameter_takes_every_value(app: Heron, client: TestClient) -> None:
    @app.get("/items")
    async def items(tag: list[str] = [], ids: Annotated[list[int], Query()] = []) -> dict:  # noqa: B006
        return {"tag": tag, "ids": ids}

    assert client.get("/items").json() == {"tag": [], "ids": []}
    assert client.get("/items?tag=a&tag=b&ids=1&ids=2").json() == {"tag": ["a", "b"], "ids": [1, 2]}
    assert client.get("/items?ids=1&ids=x").json()["detail"][0]["loc"] == ["query", "ids", 1]


def test_defaults_are_not_shared_between_requests(app: Heron, client: TestClient) -> None:
    @app.get("/items")
    async def items(tag: list[str] = Query(default_factory=list)) -> dict:
        tag.append("seen")
        return {"tag": tag}

    assert client.get("/items").json() == {"tag": ["seen"]}
    assert client.get("/items").json() == {"tag": ["seen"]}


def test_literal_and_uuid_query_values(app: Heron, client: TestClient) -> None:
    @app.get("/items")
    async def items(order: Literal["asc", "desc"] = "asc", ref: uuid.UUID | None = None) -> dict:
        return {"order": order, "ref": str(ref) if ref else None}

    value = uuid.uuid4()
    assert client.get(f"/items?order=desc&ref={value}").json() == {
        "order": "desc",
        "ref": str(value),
    }
    assert client.get("/items?order=up").status_code == 422
    assert client.get("/items?ref=nope").status_code == 422


def test_errors_of_several_parameters_are_reported_together(app: Heron, client: TestClient) -> None:
    @app.get("/items")
    async def items(a: int, b: int, c: int = 0) -> dict:
        return {}

    detail = client.get("/items?b=x").json()["detail"]
    assert [error["loc"] for error in detail] == [["query", "a"], ["query", "b"]]


def test_path_parameters_by_converter_and_annotation(app: Heron, client: TestClient) -> None:
    @app.get("/users/<int:user_id>/posts/<slug>")
    async def post(user_id: int, slug: str) -> dict:
        return {"user_id": user_id, "slug": slug}

    @app.get("/orders/<order_id>")
    async def order(order_id: Annotated[int, Path(ge=1)]) -> dict:
        return {"order_id": order_id}

    assert client.get("/users/7/posts/hello").json() == {"user_id": 7, "slug": "hello"}
    assert client.get("/orders/12").json() == {"order_id": 12}
    response = client.get("/orders/abc")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "order_id"]
    assert client.get("/orders/0").json()["detail"][0]["type"] == "greater_than_equal"


def test_path_marker_for_missing_path_parameter_is_an_error(app: Heron) -> None:
    @app.get("/items")
    async def items(item_id: Annotated[int, Path()]) -> dict:
        return {}

    with pytest.raises(HandlerSignatureError, match="item_id"):
        app.build()


def test_request_by_name_or_annotation(app: Heron, client: TestClient) -> None:
    @app.get("/a")
    async def by_name(request, q: str = "") -> str:  # type: ignore[no-untyped-def]
        return f"{request.path}:{q}"

    @app.get("/b")
    async def by_type(req: Request, q: str = "") -> str:
        return f"{req.path}:{q}"

    assert client.get("/a?q=1").text == "/a:1"
    assert client.get("/b?q=2").text == "/b:2"


def test_sync_handlers_get_validated_parameters(app: Heron, client: TestClient) -> None:
    @app.get("/double")
    def double(n: int) -> dict:
        return {"n": n * 2}

    assert client.get("/double?n=21").json() == {"n": 42}
    assert client.get("/double?n=x").status_code == 422


def test_kwargs_handler_still_receives_path_parameters(app: Heron, client: TestClient) -> None:
    @app.get("/<int:a>/<b>")
    async def flask_style(**kwargs: object) -> dict:
        return dict(kwargs)

    assert client.get("/1/x").json() == {"a": 1, "b": "x"}


def test_str_annotation_on_a_converted_path_parameter(app: Heron, client: TestClient) -> None:
    @app.get("/a/<int:item_id>")
    async def only(item_id: str) -> dict[str, str]:
        return {"item_id": item_id}

    @app.get("/b/<int:item_id>")
    async def with_query(item_id: str, q: int = 1) -> dict[str, str]:
        return {"item_id": item_id, "q": str(q)}

    assert client.get("/a/7").json() == {"item_id": "7"}
    assert client.get("/b/7?q=2").json() == {"item_id": "7", "q": "2"}
