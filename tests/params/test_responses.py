"""Response models from return annotations and ``response_model=``."""

import dataclasses
from collections.abc import AsyncIterator

import pytest
from pydantic import BaseModel

from heron import Heron, Response, StreamingResponse
from heron.params import ResponseValidationError
from heron.testing import TestClient


class UserOut(BaseModel):
    id: int
    name: str
    email: str | None = None


class UserIn(UserOut):
    password: str


@dataclasses.dataclass
class Row:
    id: int
    name: str
    secret: str


def test_return_annotation_filters_and_validates(app: Heron, client: TestClient) -> None:
    @app.get("/user")
    async def user() -> UserOut:
        return UserIn(id=1, name="ann", password="hunter2")  # type: ignore[return-value]

    @app.get("/dict")
    async def from_dict() -> UserOut:
        return {"id": "2", "name": "bob", "password": "x"}  # type: ignore[return-value]

    @app.get("/object")
    async def from_object() -> UserOut:
        return Row(3, "cy", "s")  # type: ignore[return-value]

    assert client.get("/user").json() == {"id": 1, "name": "ann", "email": None}
    assert client.get("/dict").json() == {"id": 2, "name": "bob", "email": None}
    assert client.get("/object").json() == {"id": 3, "name": "cy", "email": None}
    assert client.get("/user").headers["content-type"] == "application/json"


def test_response_model_option_and_lists(app: Heron, client: TestClient) -> None:
    @app.get("/users", response_model=list[UserOut])
    async def users() -> list[dict]:
        return [{"id": i, "name": f"u{i}", "password": "x"} for i in range(3)]

    assert client.get("/users").json() == [
        {"id": i, "name": f"u{i}", "email": None} for i in range(3)
    ]


def test_exclude_none_and_status_code(app: Heron, client: TestClient) -> None:
    @app.post("/users", status_code=201, response_model_exclude_none=True)
    async def create() -> UserOut:
        return UserOut(id=1, name="ann")

    response = client.post("/users")
    assert response.status_code == 201
    assert response.json() == {"id": 1, "name": "ann"}


def test_include_and_exclude(app: Heron, client: TestClient) -> None:
    @app.get("/a", response_model_include={"id"})
    async def a() -> UserOut:
        return UserOut(id=1, name="ann")

    @app.get("/b", response_model_exclude={"email"})
    async def b() -> UserOut:
        return UserOut(id=1, name="ann")

    assert client.get("/a").json() == {"id": 1}
    assert client.get("/b").json() == {"id": 1, "name": "ann"}


def test_tuples_responses_and_none(app: Heron, client: TestClient) -> None:
    @app.get("/tuple")
    async def tuple_() -> UserOut:
        return UserOut(id=1, name="ann"), 202, {"X-Extra": "1"}  # type: ignore[return-value]

    @app.get("/response")
    async def response() -> UserOut:
        return Response("raw", 418)  # type: ignore[return-value]

    @app.delete("/none")
    async def none() -> UserOut | None:
        return None

    reply = client.get("/tuple")
    assert (reply.status_code, reply.headers["x-extra"]) == (202, "1")
    assert reply.json()["name"] == "ann"
    assert client.get("/response").status_code == 418
    assert client.delete("/none").status_code == 204


def test_annotations_that_are_not_response_models(app: Heron, client: TestClient) -> None:
    @app.get("/html")
    async def html() -> str:
        return "<p>hi</p>"

    @app.get("/plain")
    async def plain() -> dict:
        return {"anything": object.__name__}

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            yield b"a"
            yield b"b"

        return StreamingResponse(chunks())

    assert client.get("/html").headers["content-type"].startswith("text/html")
    assert client.get("/plain").json() == {"anything": "object"}
    assert client.get("/stream").text == "ab"


def test_response_model_none_disables_the_annotation(app: Heron, client: TestClient) -> None:
    @app.get("/", response_model=None)
    async def handler() -> UserOut:
        return {"id": "not-an-int"}  # type: ignore[return-value]

    assert client.get("/").json() == {"id": "not-an-int"}


def test_invalid_return_value_is_a_server_error(app: Heron) -> None:
    @app.get("/")
    async def handler() -> UserOut:
        return {"id": "x"}  # type: ignore[return-value]

    with pytest.raises(ResponseValidationError, match=r"response\.id"):
        TestClient(app).get("/")
    response = TestClient(app, raise_server_exceptions=False).get("/")
    assert response.status_code == 500
    assert "not-an-int" not in response.text and "valid integer" not in response.text


def test_sync_handler_response_model(app: Heron, client: TestClient) -> None:
    @app.get("/")
    def handler() -> list[UserOut]:
        return [UserIn(id=1, name="a", password="p")]  # type: ignore[list-item]

    assert client.get("/").json() == [{"id": 1, "name": "a", "email": None}]


def test_by_alias(app: Heron, client: TestClient) -> None:
    from pydantic import Field

    class Out(BaseModel):
        user_name: str = Field(serialization_alias="userName")

    @app.get("/alias")
    async def alias() -> Out:
        return Out(user_name="x")

    @app.get("/plain", response_model_by_alias=False)
    async def plain() -> Out:
        return Out(user_name="x")

    assert client.get("/alias").json() == {"userName": "x"}
    assert client.get("/plain").json() == {"user_name": "x"}
