"""``build_openapi``: the OpenAPI 3.1 document of a set of routes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from heron.params.endpoint import analyse_endpoint
from heron.params.openapi.operations import DocumentState, build_operation
from heron.params.openapi.paths import path_template
from heron.params.openapi.schemas import SchemaRegistry, validation_error_components
from heron.params.openapi.schemes import SecuritySchemes
from heron.routing import Route

OPENAPI_VERSION = "3.1.0"

# The methods an OpenAPI Path Item can hold, in the order documents usually list them.
# HEAD and OPTIONS are answered by Heron for every route, so they are not documented.
DOCUMENTED_METHODS = ("GET", "PUT", "POST", "DELETE", "PATCH", "TRACE")


class OperationIds:
    """Hands out ``operationId`` values, unique within a document."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def next(self, route: Route, method: str, methods: int) -> str:
        """The route's ``operation_id`` option or endpoint name (plus the method if it has
        several), made unique with a number."""
        base = route.options.get("operation_id") or re.sub(r"\W+", "_", route.endpoint)
        if methods > 1:
            base = f"{base}_{method.lower()}"
        name, number = base, 1
        while name in self._used:
            number += 1
            name = f"{base}_{number}"
        self._used.add(name)
        return name


def _documented(route: Route) -> list[str]:
    if not route.options.get("include_in_schema", True):
        return []
    return [method for method in DOCUMENTED_METHODS if method in route.methods]


def build_openapi(
    routes: Iterable[Route],
    *,
    title: str,
    version: str,
    description: str | None = None,
    servers: Sequence[Mapping[str, Any]] | None = None,
    tags: Sequence[Mapping[str, Any]] | None = None,
    info: Mapping[str, Any] | None = None,
    problem_details: bool = False,
) -> dict[str, Any]:
    """The OpenAPI 3.1 document describing ``routes``.

    Routes with the option ``include_in_schema=False`` are left out. ``tags`` describes
    the tags operations use, ``info`` adds fields such as ``contact`` or ``license``, and
    ``problem_details`` documents 422 answers as RFC 9457 problems (the
    ``PROBLEM_DETAILS`` setting).
    """
    state = DocumentState(SchemaRegistry(), SecuritySchemes(), problem_details)
    operation_ids = OperationIds()
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        methods = _documented(route)
        if not methods:
            continue
        spec = analyse_endpoint(
            route.handler, route.param_names, rule=route.rule, options=route.options
        )
        item = paths.setdefault(path_template(route.rule), {})
        for method in methods:
            operation_id = operation_ids.next(route, method, len(methods))
            item[method.lower()] = build_operation(route, spec, operation_id, state)
    document: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "info": _info(title, version, description, info),
    }
    if servers:
        document["servers"] = [dict(server) for server in servers]
    document["paths"] = paths
    components = _components(state)
    if components:
        document["components"] = components
    if tags:
        document["tags"] = [dict(tag) for tag in tags]
    return document


def _info(
    title: str, version: str, description: str | None, extra: Mapping[str, Any] | None
) -> dict[str, Any]:
    info: dict[str, Any] = {"title": title, "version": version}
    if description:
        info["description"] = description
    info.update(extra or {})
    return info


def _components(state: DocumentState) -> dict[str, Any]:
    schemas = state.schemas.generate()
    if state.validates:
        for name, schema in validation_error_components(state.problem_details).items():
            schemas.setdefault(name, schema)
    components: dict[str, Any] = {}
    if schemas:
        components["schemas"] = dict(sorted(schemas.items()))
    if state.schemes.components:
        components["securitySchemes"] = state.schemes.components
    return components
