"""Path, query, header and cookie parameters in the generated document."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable
from typing import Annotated

from heron import Cookie, Depends, Header, Path, Query
from tests.api.openapi.helpers import document, make_app, operation, parameter, resolve


def test_rule_becomes_a_path_template_with_typed_parameters() -> None:
    app = make_app()

    @app.get("/items/<int:item_id>/files/<path:name>")
    def get_file(item_id: int, name: str) -> dict[str, str]:
        return {}

    @app.get("/things/<uuid:key>/<float:ratio>/<any(red, blue):colour>/<slug:slug>")
    def thing(key: uuid.UUID, ratio, colour, slug) -> dict[str, str]:  # type: ignore[no-untyped-def]
        return {}

    doc = document(app)
    op = operation(doc, "/items/{item_id}/files/{name}")
    assert parameter(op, "item_id", "path") == {
        "name": "item_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    }
    assert parameter(op, "name", "path")["schema"] == {"type": "string"}
    op = operation(doc, "/things/{key}/{ratio}/{colour}/{slug}")
    assert parameter(op, "key", "path")["schema"] == {"type": "string", "format": "uuid"}
    assert parameter(op, "ratio", "path")["schema"] == {"type": "number", "minimum": 0}
    assert parameter(op, "colour", "path")["schema"] == {"type": "string", "enum": ["blue", "red"]}
    assert parameter(op, "slug", "path")["schema"]["pattern"] == "^(?:[-a-zA-Z0-9_]+)$"


def test_path_parameters_the_handler_does_not_declare_are_documented_from_the_converter() -> None:
    app = make_app()

    @app.get("/a/<int(min=1, max=9, signed=True):n>/<name>")
    def raw(request) -> dict[str, str]:  # type: ignore[no-untyped-def]
        return {}

    op = operation(document(app), "/a/{n}/{name}")
    assert parameter(op, "n", "path")["schema"] == {"type": "integer", "minimum": 1, "maximum": 9}
    assert parameter(op, "name", "path")["schema"] == {"type": "string", "pattern": "^(?:[^/]+)$"}


def test_path_parameter_annotation_and_marker_constraints() -> None:
    app = make_app()

    @app.get("/p/<int:page>")
    def paged(page: Annotated[int, Path(ge=1, le=50, description="The page")]) -> list[int]:
        return []

    param = parameter(operation(document(app), "/p/{page}"), "page", "path")
    assert param["description"] == "The page"
    assert param["schema"]["type"] == "integer"
    assert param["schema"]["minimum"] == 1
    assert param["schema"]["maximum"] == 50


def test_query_parameters_required_defaults_constraints_and_lists() -> None:
    app = make_app()

    @app.get("/search")
    def search(
        q: str,
        page: Annotated[int, Query(ge=1, description="Page number", examples=[2])] = 1,
        size: int = Query(20, gt=0, le=100),
        tags: list[str] = [],  # noqa: B006
        ratio: float | None = None,
        word: Annotated[str, Query(min_length=2, max_length=5, pattern="^[a-z]+$")] = "ab",
    ) -> list[str]:
        return []

    op = operation(document(app), "/search")
    assert parameter(op, "q") == {
        "name": "q",
        "in": "query",
        "required": True,
        "schema": {"type": "string"},
    }
    page = parameter(op, "page")
    assert page["required"] is False
    assert page["description"] == "Page number"
    assert page["schema"]["minimum"] == 1
    assert page["schema"]["default"] == 1
    assert page["schema"]["examples"] == [2]
    assert "description" not in page["schema"]
    size = parameter(op, "size")["schema"]
    assert (size["exclusiveMinimum"], size["maximum"], size["default"]) == (0, 100, 20)
    assert parameter(op, "tags")["schema"]["type"] == "array"
    assert parameter(op, "tags")["schema"]["items"] == {"type": "string"}
    # ``float | None = None``: a query string cannot carry null; leaving it out sends None
    assert parameter(op, "ratio")["schema"] == {"type": "number"}
    word = parameter(op, "word")["schema"]
    assert (word["minLength"], word["maxLength"], word["pattern"]) == (2, 5, "^[a-z]+$")


def test_aliases_headers_and_cookies() -> None:
    app = make_app()

    @app.get("/who")
    def who(
        user_agent: Annotated[str | None, Header()] = None,
        token: Annotated[str, Header(alias="X-Auth-Token")] = "",
        raw_name: Annotated[str, Header(convert_underscores=False)] = "",
        session_id: Annotated[str | None, Cookie(alias="sid")] = None,
        item_query: Annotated[str, Query(alias="item-query")] = "",
    ) -> dict[str, str]:
        return {}

    op = operation(document(app), "/who")
    assert parameter(op, "user-agent", "header")["required"] is False
    assert parameter(op, "X-Auth-Token", "header")
    assert parameter(op, "raw_name", "header")
    assert parameter(op, "sid", "cookie")
    assert parameter(op, "item-query", "query")
    names = {p["name"] for p in op["parameters"]}
    assert not names & {"user_agent", "token", "session_id", "item_query"}


def test_deprecated_and_hidden_parameters() -> None:
    app = make_app()

    @app.get("/old")
    def old(
        legacy: Annotated[int, Query(deprecated=True)] = 0,
        secret: Annotated[str, Query(include_in_schema=False)] = "",
    ) -> dict[str, str]:
        return {}

    op = operation(document(app), "/old")
    assert parameter(op, "legacy")["deprecated"] is True
    assert all(p["name"] != "secret" for p in op["parameters"])


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


def test_enum_parameters_are_shared_components() -> None:
    app = make_app()

    @app.get("/paint")
    def paint(colour: Colour = Colour.RED) -> dict[str, str]:
        return {}

    @app.get("/mix")
    def mix(first: Colour, second: Colour) -> dict[str, str]:
        return {}

    doc = document(app)
    schema = parameter(operation(doc, "/paint"), "colour")["schema"]
    assert schema["default"] == "red"
    assert resolve(doc, {"$ref": schema["$ref"]})["enum"] == ["red", "blue"]
    assert parameter(operation(doc, "/mix"), "first")["schema"] == {
        "$ref": "#/components/schemas/Colour"
    }
    assert doc["components"]["schemas"]["Colour"]["enum"] == ["red", "blue"]


def test_dependencies_contribute_their_parameters_once() -> None:
    app = make_app()

    def pagination(page: int = 1, size: Annotated[int, Query(le=100)] = 10) -> tuple[int, int]:
        return page, size

    def tenant(
        x_tenant: Annotated[str, Header()], paging: tuple[int, int] = Depends(pagination)
    ) -> str:
        return x_tenant

    @app.get("/orders")
    def orders(
        t: str = Depends(tenant), paging: tuple[int, int] = Depends(pagination), q: str = ""
    ) -> list[str]:
        return []

    op = operation(document(app), "/orders")
    names = [(p["in"], p["name"]) for p in op["parameters"]]
    assert sorted(names) == sorted(
        [("query", "page"), ("query", "size"), ("header", "x-tenant"), ("query", "q")]
    )
    assert parameter(op, "x-tenant", "header")["required"] is True
    assert parameter(op, "size")["schema"]["maximum"] == 100


class Opaque:
    """A type pydantic cannot describe."""

    def __init__(self, raw: str) -> None:
        self.raw = raw


def test_types_pydantic_cannot_describe_get_an_open_schema() -> None:
    app = make_app()

    @app.get("/opaque")
    def opaque(
        value: Opaque | None = None, hook: Callable[[], int] | None = None, n: int = 0
    ) -> dict[str, int]:
        return {"n": n}

    op = operation(document(app), "/opaque")
    assert parameter(op, "value")["schema"] == {}  # no pydantic schema at all
    assert parameter(op, "hook")["schema"] == {}  # a schema, but none in JSON Schema
    assert parameter(op, "n")["schema"] == {"type": "integer", "default": 0}
