"""Request bodies: JSON models, embedded values, forms and file uploads."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from pydantic import BaseModel, Field

from heron import Body, Depends, File, Form, UploadFile
from tests.api.openapi.helpers import document, make_app, operation, resolve


class Address(BaseModel):
    street: str
    city: str = "Paris"


class Customer(BaseModel):
    name: str = Field(min_length=1, description="Full name")
    email: str | None = None
    addresses: list[Address] = []


@dataclasses.dataclass
class Point:
    x: float
    y: float


def _body(doc: dict, path: str, method: str = "post") -> tuple[dict, str, dict]:  # type: ignore[type-arg]
    body = operation(doc, path, method)["requestBody"]
    ((media_type, content),) = body["content"].items()
    return body, media_type, resolve(doc, content["schema"])


def test_a_model_argument_is_the_json_body_with_nested_components() -> None:
    app = make_app()

    @app.post("/customers", status_code=201)
    def create(customer: Customer) -> Customer:
        return customer

    doc = document(app)
    body, media_type, schema = _body(doc, "/customers")
    assert media_type == "application/json"
    assert body["required"] is True
    assert operation(doc, "/customers", "post")["requestBody"]["content"][media_type]["schema"] == {
        "$ref": "#/components/schemas/Customer"
    }
    assert schema["required"] == ["name"]
    assert schema["properties"]["name"]["minLength"] == 1
    assert schema["properties"]["addresses"]["items"] == {"$ref": "#/components/schemas/Address"}
    assert "Address" in doc["components"]["schemas"]


def test_optional_body_and_dataclass_and_list_bodies() -> None:
    app = make_app()

    @app.put("/point")
    def move(point: Point | None = None) -> dict[str, str]:
        return {}

    @app.post("/points")
    def many(points: list[Point]) -> dict[str, str]:
        return {}

    doc = document(app)
    body, _, schema = _body(doc, "/point", "put")
    assert body["required"] is False
    assert {"type": "null"} in schema["anyOf"]
    _, _, schema = _body(doc, "/points")
    assert schema["type"] == "array"
    assert schema["items"] == {"$ref": "#/components/schemas/Point"}


def test_several_body_arguments_are_embedded_under_their_names() -> None:
    app = make_app()

    @app.post("/transfer")
    def transfer(
        source: Customer, target: Customer, amount: Annotated[int, Body(gt=0, alias="sum")]
    ) -> dict[str, str]:
        return {}

    @app.post("/wrapped")
    def wrapped(customer: Annotated[Customer, Body(embed=True)]) -> dict[str, str]:
        return {}

    doc = document(app)
    _, media_type, schema = _body(doc, "/transfer")
    assert media_type == "application/json"
    assert set(schema["properties"]) == {"source", "target", "sum"}
    assert schema["properties"]["sum"]["exclusiveMinimum"] == 0
    assert sorted(schema["required"]) == ["source", "sum", "target"]
    _, _, schema = _body(doc, "/wrapped")
    assert schema["properties"]["customer"] == {"$ref": "#/components/schemas/Customer"}


def test_form_fields_and_files() -> None:
    app = make_app()

    @app.post("/login")
    def login(
        username: Annotated[str, Form(min_length=3)], password: Annotated[str, Form()]
    ) -> dict[str, str]:
        return {}

    @app.post("/upload")
    def upload(
        title: Annotated[str, Form()],
        document: UploadFile,
        extras: Annotated[list[UploadFile], File()] = [],  # noqa: B006
        raw: Annotated[bytes | None, File()] = None,
    ) -> dict[str, str]:
        return {}

    doc = document(app)
    body, media_type, schema = _body(doc, "/login")
    assert media_type == "application/x-www-form-urlencoded"
    assert body["required"] is True
    assert schema["properties"]["username"]["minLength"] == 3
    assert sorted(schema["required"]) == ["password", "username"]
    _, media_type, schema = _body(doc, "/upload")
    assert media_type == "multipart/form-data"
    properties = schema["properties"]
    assert properties["document"] == {"type": "string", "format": "binary", "title": "Document"}
    assert properties["extras"]["items"]["format"] == "binary"
    assert properties["title"]["type"] == "string"
    assert sorted(schema["required"]) == ["document", "title"]


def test_bodies_from_dependencies_join_the_handlers() -> None:
    app = make_app()

    def audit(note: Annotated[str, Body()] = "") -> str:
        return note

    @app.post("/audited")
    def audited(customer: Customer, note: str = Depends(audit)) -> dict[str, str]:
        return {}

    doc = document(app)
    _, _, schema = _body(doc, "/audited")
    assert set(schema["properties"]) == {"customer", "note"}
