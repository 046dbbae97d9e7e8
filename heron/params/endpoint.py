"""A route's whole contract: arguments, body, dependencies and response model."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any

from heron.params.body import BodySpec, build_body
from heron.params.responses import ResponseSpec, build_response
from heron.params.spec import (
    CallSpec,
    DependencySpec,
    ParamSpec,
    analyse_call,
    route_dependencies,
)


@dataclasses.dataclass(eq=False)
class EndpointSpec:
    """What a route reads and returns; the invoker runs it and OpenAPI documents it."""

    call: CallSpec
    body: BodySpec | None
    response: ResponseSpec | None
    status_code: int

    @property
    def parameters(self) -> list[ParamSpec]:
        """Path, query, header and cookie arguments of the handler and its dependencies,
        each (location, name) once."""
        seen: set[tuple[str, str]] = set()
        found: list[ParamSpec] = []
        for spec in self.call.walk():
            for param in spec.params:
                key = (
                    param.location,
                    param.alias.lower() if param.location == "header" else param.alias,
                )
                if key not in seen:
                    seen.add(key)
                    found.append(param)
        return found

    @property
    def dependencies(self) -> list[DependencySpec]:
        """Every dependency in the tree, depth first, each callable once."""
        found: dict[Any, DependencySpec] = {}
        for spec in self.call.walk():
            for dependency, _ in spec.dependencies:
                found.setdefault(dependency.call, dependency)
        return list(found.values())


def _model_name(handler: Callable[..., Any]) -> str:
    name = getattr(handler, "__name__", type(handler).__name__)
    return "Body_" + re.sub(r"\W+", "_", name).strip("_")


def analyse_endpoint(
    handler: Callable[..., Any],
    path_params: Collection[str],
    *,
    rule: str = "",
    options: Mapping[str, Any] | None = None,
) -> EndpointSpec:
    """Analyse ``handler`` and its dependencies for the route ``rule``."""
    options = options or {}
    call = analyse_call(handler, path_params, rule=rule)
    call.dependencies[:0] = route_dependencies(options.get("dependencies", ()), path_params, rule)
    fields: list[ParamSpec] = []
    names: set[str] = set()
    for spec in call.walk():
        for field in spec.body:
            if field.alias not in names:
                names.add(field.alias)
                fields.append(field)
    body = build_body(fields, _model_name(handler))
    endpoint = getattr(handler, "__qualname__", repr(handler))
    response = build_response(handler, options, endpoint)
    return EndpointSpec(call, body, response, int(options.get("status_code", 200)))
