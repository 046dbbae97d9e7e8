"""Responses: the success status and model, 204, 422 and declared extra responses."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from heron import HTMLResponse, Query, Request
from tests.api.openapi.helpers import document, json_schema, make_app, operation, resolve


class Tag(BaseModel):
    label: str


class Article(BaseModel):
    id: int
    title: str
    tags: list[Tag] = []
    score: float = Field(default=0, serialization_alias="rating")


class Problem(BaseModel):
    detail: str


def test_response_models_nested_and_lists() -> None:
    app = make_app()

    @app.get("/articles/<int:id>")
    def article(id: int) -> Article:
        return Article(id=id, title="t")

    @app.get("/articles")
    def articles() -> list[Article]:
        return []

    @app.get("/maybe", response_model=Article | None)
    def maybe():  # type: ignore[no-untyped-def]
        return None

    doc = document(app)
    schema = json_schema(operation(doc, "/articles/{id}"), "200")
    assert schema == {"$ref": "#/components/schemas/Article"}
    article_schema = resolve(doc, schema)
    assert article_schema["properties"]["tags"]["items"] == {"$ref": "#/components/schemas/Tag"}
    assert "rating" in article_schema["properties"]  # serialization mode: the name sent
    listed = json_schema(operation(doc, "/articles"), "200")
    assert listed == {"type": "array", "items": {"$ref": "#/components/schemas/Article"}}
    assert {"type": "null"} in json_schema(operation(doc, "/maybe"), "200")["anyOf"]


def test_status_codes_and_no_content() -> None:
    app = make_app()

    @app.post("/articles", status_code=201)
    def create(article: Article) -> Article:
        return article

    @app.delete("/articles/<int:id>", status_code=204)
    def delete(id: int) -> None:
        return None

    @app.post("/ping")
    def ping() -> None:
        return None

    doc = document(app)
    responses = operation(doc, "/articles", "post")["responses"]
    assert set(responses) == {"201", "422"}
    assert responses["201"]["description"] == "Created"
    deleted = operation(doc, "/articles/{id}", "delete")["responses"]["204"]
    assert deleted == {"description": "No Content"}
    assert operation(doc, "/ping", "post")["responses"] == {"204": {"description": "No Content"}}


def test_validation_error_is_documented_only_where_input_is_validated() -> None:
    app = make_app()

    @app.get("/plain")
    def plain(request: Request) -> HTMLResponse:
        return HTMLResponse("<p>hi</p>")

    @app.get("/checked")
    def checked(n: Annotated[int, Query(ge=0)] = 0) -> dict[str, int]:
        return {"n": n}

    doc = document(app)
    plain_responses = operation(doc, "/plain")["responses"]
    assert plain_responses == {"200": {"description": "OK", "content": {"text/html": {}}}}
    error = json_schema(operation(doc, "/checked"), "422")
    body = resolve(doc, error)
    assert body["required"] == ["detail"]
    item = resolve(doc, body["properties"]["detail"]["items"])
    assert item["required"] == ["type", "loc", "msg"]
    assert item["properties"]["loc"]["items"]["anyOf"] == [{"type": "string"}, {"type": "integer"}]


def test_the_documented_validation_error_is_what_heron_sends() -> None:
    from jsonschema import Draft202012Validator

    app = make_app()

    @app.get("/checked")
    def checked(n: Annotated[int, Query(ge=0)] = 0) -> dict[str, int]:
        return {"n": n}

    doc = document(app)
    schema = {**json_schema(operation(doc, "/checked"), "422")}
    schema["components"] = doc["components"]
    sent = app.test_client().get("/checked?n=-1")
    assert sent.status_code == 422
    Draft202012Validator(schema).validate(sent.json())


def test_problem_details_setting_documents_problem_json() -> None:
    app = make_app()
    app.config["PROBLEM_DETAILS"] = True

    @app.get("/checked")
    def checked(n: int = 0) -> dict[str, int]:
        return {"n": n}

    doc = document(app)
    content = operation(doc, "/checked")["responses"]["422"]["content"]
    (schema,) = [entry["schema"] for entry in content.values()]
    assert list(content) == ["application/problem+json"]
    assert resolve(doc, schema)["properties"]["errors"]["type"] == "array"
    sent = app.test_client().get("/checked?n=x", headers={"accept": "application/json"})
    assert sent.headers["content-type"].startswith("application/problem+json")
    assert set(resolve(doc, schema)["required"]) <= set(sent.json())


def test_declared_responses_are_merged() -> None:
    app = make_app()

    @app.get(
        "/articles/<int:id>",
        responses={
            404: {"description": "No such article", "model": Problem},
            200: {
                "description": "The article",
                "headers": {"X-Rev": {"schema": {"type": "integer"}}},
            },
            "default": {"description": "Anything else"},
        },
    )
    def article(id: int) -> Article:
        return Article(id=id, title="t")

    doc = document(app)
    responses = operation(doc, "/articles/{id}")["responses"]
    assert responses["404"]["description"] == "No such article"
    assert resolve(doc, json_schema(operation(doc, "/articles/{id}"), "404"))["title"] == "Problem"
    assert responses["200"]["description"] == "The article"
    assert responses["200"]["headers"]["X-Rev"]["schema"] == {"type": "integer"}
    assert json_schema(operation(doc, "/articles/{id}"), "200") == {
        "$ref": "#/components/schemas/Article"
    }
    assert responses["default"] == {"description": "Anything else"}


def test_undescribed_returns_document_the_status_alone() -> None:
    app = make_app()

    @app.get("/page")
    def page() -> str:
        return "<p>hi</p>"

    @app.get("/anything")
    def anything():  # type: ignore[no-untyped-def]
        return {"a": 1}

    doc = document(app)
    assert operation(doc, "/page")["responses"]["200"]["content"] == {
        "text/html": {"schema": {"type": "string"}}
    }
    assert operation(doc, "/anything")["responses"] == {"200": {"description": "OK"}}
