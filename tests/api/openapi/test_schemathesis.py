"""Property-based checks with schemathesis: generated requests against the documents.

For every documented operation schemathesis sends requests generated from the
document (valid ones, and invalid ones) and checks that Heron never answers with a
server error and that every documented response matches its schema. On the test app it
also checks that requests the document calls valid are accepted. Runs are bounded and
derandomized, so they are quick and repeatable.
"""

from __future__ import annotations

import datetime
import enum
import uuid
from typing import Annotated, Any, Literal

import schemathesis
from hypothesis import HealthCheck, given, settings, strategies
from pydantic import BaseModel, Field
from schemathesis import GenerationMode
from schemathesis.checks import (
    not_a_server_error,
    positive_data_acceptance,
    response_schema_conformance,
)

from heron import Body, Cookie, Depends, File, Form, Header, Heron, Query, UploadFile
from heron.api.docs import APIDocs
from heron.openapi_app import openapi_for_app
from heron.params.security import APIKeyHeader
from heron.testing import TestClient
from tests.examples.test_demo import demo  # noqa: F401 - the demo app fixture

BOUNDED = settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Address(BaseModel):
    street: str = Field(max_length=50)
    zip: Annotated[str, Field(pattern=r"^[0-9]{5}$")]


class Customer(BaseModel):
    name: str = Field(min_length=1, max_length=20)
    age: int = Field(ge=0, le=150)
    email: str | None = None
    addresses: list[Address] = []
    kind: Literal["person", "company"] = "person"


class CustomerOut(BaseModel):
    id: int
    name: str
    age: int
    tags: list[str] = []


def paging(
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    size: Annotated[int, Query(ge=1, le=50)] = 10,
) -> dict[str, int]:
    return {"page": page, "size": size}


api_key = APIKeyHeader(name="X-Key", auto_error=False)


def build_app() -> Heron:
    """An app using every kind of parameter and body Heron documents."""
    app = Heron("schemathesis_app", static_folder=None)
    app.config["SECRET_KEY"] = "schemathesis"

    @app.get("/items/<int:item_id>")
    def get_item(
        item_id: int, q: str | None = None, verbose: bool = False, ratio: float = 1.0
    ) -> CustomerOut:
        return CustomerOut(id=item_id, name=q or "x", age=1)

    @app.get("/search")
    def search(
        tags: list[str] = [],  # noqa: B006
        ids: Annotated[list[int], Query()] = [],  # noqa: B006
        colour: Colour = Colour.RED,
        when: datetime.date | None = None,
        key: uuid.UUID | None = None,
        paged: dict[str, int] = Depends(paging),
        word: Annotated[str, Query(min_length=2, max_length=8, pattern="^[a-z]+$")] = "ab",
    ) -> dict[str, Any]:
        return {"tags": tags, "ids": ids, "colour": colour.value, "paged": paged}

    @app.get("/headers")
    def headers(
        x_request_id: Annotated[str | None, Header()] = None,
        x_count: Annotated[int, Header(ge=0)] = 0,
        session: Annotated[str | None, Cookie()] = None,
        key: str | None = Depends(api_key),
    ) -> dict[str, Any]:
        return {"id": x_request_id, "count": x_count, "session": session, "key": key}

    @app.post("/customers", status_code=201)
    def create(customer: Customer) -> CustomerOut:
        return CustomerOut(id=1, name=customer.name, age=customer.age)

    @app.put("/customers/<int:cid>")
    def replace(
        cid: int, customer: Customer, note: Annotated[str, Body(max_length=10)] = ""
    ) -> CustomerOut:
        return CustomerOut(id=cid, name=customer.name, age=customer.age, tags=[note])

    @app.delete("/customers/<int:cid>", status_code=204)
    def delete(cid: int) -> None:
        return None

    @app.post("/bulk")
    def bulk(customers: list[Customer]) -> list[CustomerOut]:
        return [CustomerOut(id=i, name=c.name, age=c.age) for i, c in enumerate(customers)]

    @app.post("/scalar")
    def scalar(value: Annotated[int, Body(ge=0)]) -> dict[str, int]:
        return {"value": value}

    @app.post("/login")
    def login(
        username: Annotated[str, Form(min_length=1)],
        password: Annotated[str, Form()],
        remember: Annotated[bool, Form()] = False,
    ) -> dict[str, Any]:
        return {"user": username, "remember": remember}

    @app.post("/upload")
    async def upload(
        title: Annotated[str, Form()],
        file: UploadFile,
        attachments: Annotated[list[UploadFile], File()] = [],  # noqa: B006
    ) -> dict[str, Any]:
        return {"title": title, "size": len(await file.read()), "more": len(attachments)}

    @app.get("/files/<path:name>")
    def files(name: str) -> dict[str, str]:
        return {"name": name}

    @app.get("/convert/<uuid:key>/<any(a, b):letter>/<float:number>")
    def convert(key: uuid.UUID, letter: str, number: float) -> dict[str, Any]:
        return {"key": str(key), "letter": letter, "number": number}

    app.install(APIDocs(docs_url=None, redoc_url=None))
    return app


app_schema = schemathesis.openapi.from_asgi("/openapi.json", build_app())


@app_schema.parametrize()
@BOUNDED
def test_test_app_conforms(case: schemathesis.Case) -> None:
    case.call_and_validate(
        checks=[not_a_server_error, response_schema_conformance, positive_data_acceptance]
    )


def _check_every_operation(schema: schemathesis.BaseSchema) -> list[str]:
    """Run bounded valid and invalid examples against each operation; the failures found."""
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        cases = strategies.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )

        @BOUNDED
        @given(case=cases)
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])

        try:
            check()
        except Exception as exc:
            failures.append(f"{operation.label}: {exc}")
    return failures


def test_demo_app_conforms(demo: Heron) -> None:  # noqa: F811
    """The demo app (pages, blueprint, model API) under generated requests."""
    with TestClient(demo):  # start-up seeds two posts
        document = openapi_for_app(demo)
        schema = schemathesis.openapi.from_dict(document)
        schema.app = demo
        assert any(path.startswith("/api/") for path in document["paths"])
        failures = _check_every_operation(schema)
    assert not failures, "\n\n".join(failures)
