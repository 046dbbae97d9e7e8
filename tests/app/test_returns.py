"""Handler return values become responses the way Flask users expect."""

from __future__ import annotations

import dataclasses
from typing import Any

import pydantic
import pytest

from heron import Heron, PlainTextResponse
from heron.testing import TestClient


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Item(pydantic.BaseModel):
    name: str
    price: float


@pytest.mark.parametrize(
    ("value", "status", "content_type", "body"),
    [
        ("<b>hi</b>", 200, "text/html; charset=utf-8", b"<b>hi</b>"),
        (b"raw", 200, "text/html; charset=utf-8", b"raw"),
        ({"a": 1}, 200, "application/json", b'{"a":1}'),
        ([1, 2], 200, "application/json", b"[1,2]"),
        (Point(1, 2), 200, "application/json", b'{"x":1,"y":2}'),
        (Item(name="pen", price=1.5), 200, "application/json", b'{"name":"pen","price":1.5}'),
        (("created", 201), 201, "text/html; charset=utf-8", b"created"),
        (({"ok": True}, 202, {"X-Extra": "1"}), 202, "application/json", b'{"ok":true}'),
        ((PlainTextResponse("t"), 203), 203, "text/plain; charset=utf-8", b"t"),
    ],
)
def test_return_values(app: Heron, value: Any, status: int, content_type: str, body: bytes) -> None:
    @app.get("/")
    async def handler() -> Any:
        return value

    response = TestClient(app).get("/")
    assert response.status_code == status
    assert response.headers["content-type"] == content_type
    assert response.content == body


def test_tuple_with_headers_only(app: Heron) -> None:
    @app.get("/")
    async def handler() -> Any:
        return "x", {"X-Thing": "yes"}

    response = TestClient(app).get("/")
    assert response.status_code == 200
    assert response.headers["x-thing"] == "yes"


def test_none_is_204_without_body(app: Heron) -> None:
    @app.delete("/thing")
    async def handler() -> None:
        return None

    response = TestClient(app).delete("/thing")
    assert response.status_code == 204
    assert response.content == b""


def test_route_status_code_option(app: Heron) -> None:
    @app.post("/items", status_code=201)
    async def create() -> dict[str, int]:
        return {"id": 1}

    response = TestClient(app).post("/items")
    assert response.status_code == 201
    assert response.json() == {"id": 1}


def test_unsupported_return_type_is_a_server_error(app: Heron) -> None:
    @app.get("/")
    async def handler() -> object:
        return object()

    client = TestClient(app, raise_server_exceptions=False)
    response = client.get("/", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal Server Error"}
    with pytest.raises(TypeError, match="cannot turn into a response"):
        TestClient(app).get("/")
