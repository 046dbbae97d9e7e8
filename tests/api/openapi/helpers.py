"""Shared helpers: a fresh app, its validated document, and lookups into it."""

from __future__ import annotations

from typing import Any

from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from heron import Heron
from heron.openapi_app import openapi_for_app


def make_app() -> Heron:
    app = Heron("openapi_tests", static_folder=None)
    app.config.update(SECRET_KEY="openapi-tests", TESTING=True)
    return app


def document(app: Heron) -> dict[str, Any]:
    """The app's OpenAPI document, checked against the OpenAPI 3.1 specification."""
    doc = openapi_for_app(app)
    validate(doc, cls=OpenAPIV31SpecValidator)
    return doc


def operation(doc: dict[str, Any], path: str, method: str = "get") -> dict[str, Any]:
    return doc["paths"][path][method]  # type: ignore[no-any-return]


def parameter(op: dict[str, Any], name: str, location: str = "query") -> dict[str, Any]:
    matches = [p for p in op.get("parameters", []) if p["name"] == name and p["in"] == location]
    assert len(matches) == 1, f"{location} parameter {name!r} in {op.get('parameters')}"
    return matches[0]


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Follow a ``$ref`` into ``components/schemas``."""
    ref = schema.get("$ref")
    if ref is None:
        return schema
    return doc["components"]["schemas"][ref.rsplit("/", 1)[1]]  # type: ignore[no-any-return]


def json_schema(op: dict[str, Any], status: str) -> dict[str, Any]:
    return op["responses"][status]["content"]["application/json"]["schema"]  # type: ignore[no-any-return]
