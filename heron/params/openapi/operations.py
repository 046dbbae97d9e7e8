"""One OpenAPI Operation Object per route and method, from the route's ``EndpointSpec``."""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Mapping
from typing import Any

from heron.http.responses import Response
from heron.http.status import phrase
from heron.params.body import BodySpec
from heron.params.endpoint import EndpointSpec
from heron.params.openapi.paths import converter_schema, merge_converter
from heron.params.openapi.schemas import SchemaRegistry, validation_error_content
from heron.params.openapi.schemes import SecuritySchemes
from heron.params.spec import ParamSpec, type_hints
from heron.routing import Route


@dataclasses.dataclass(eq=False)
class DocumentState:
    """What the operations of one document share while it is being built."""

    schemas: SchemaRegistry
    schemes: SecuritySchemes
    problem_details: bool = False
    validates: bool = False  # some operation answers 422: its schemas go into components


def build_operation(
    route: Route, spec: EndpointSpec, operation_id: str, state: DocumentState
) -> dict[str, Any]:
    """The Operation Object for ``route`` (analysed as ``spec``)."""
    options = route.options
    operation: dict[str, Any] = {}
    tags = options.get("tags")
    if tags is None and options.get("blueprint"):
        tags = [options["blueprint"]]
    if tags:
        operation["tags"] = list(tags)
    operation.update(_texts(route))
    operation["operationId"] = operation_id
    parameters = _parameters(route, spec, state.schemas)
    if parameters:
        operation["parameters"] = parameters
    if spec.body is not None:
        operation["requestBody"] = _request_body(spec.body, state.schemas)
    operation["responses"] = _responses(route, spec, state)
    if options.get("deprecated"):
        operation["deprecated"] = True
    security = state.schemes.requirements(spec.call)
    if security is not None:
        operation["security"] = security
    operation.update(options.get("openapi_extra") or {})
    return operation


def _humanise(endpoint: str) -> str:
    words = endpoint.rpartition(".")[2].replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _texts(route: Route) -> dict[str, str]:
    """``summary`` and ``description``: the options, else the docstring's first line and rest."""
    doc = inspect.getdoc(route.handler) or ""
    first, _, rest = doc.partition("\n")
    texts = {
        "summary": route.options.get("summary") or first.strip() or _humanise(route.endpoint),
        "description": route.options.get("description") or rest.strip(),
    }
    return {key: value for key, value in texts.items() if value}


def without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """``X | None`` as ``X``: a query string, header or cookie cannot carry a JSON null
    (leaving the parameter out is how a client sends ``None``)."""
    options = schema.get("anyOf")
    if not options or {"type": "null"} not in options:
        return schema
    rest = [option for option in options if option != {"type": "null"}]
    others = {key: value for key, value in schema.items() if key != "anyOf"}
    if others.get("default", 0) is None:
        del others["default"]
    if len(rest) == 1:
        return {**rest[0], **others}
    return {"anyOf": rest, **others}


def _parameter(
    name: str, location: str, required: bool, schema: dict[str, Any], param: ParamSpec | None
) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": name, "in": location, "required": required}
    if param is not None and param.description:
        entry["description"] = param.description
    if param is not None and param.deprecated:
        entry["deprecated"] = True
    entry["schema"] = schema
    return entry


def _parameters(route: Route, spec: EndpointSpec, schemas: SchemaRegistry) -> list[dict[str, Any]]:
    """Every path parameter of the rule, then the documented query, header and cookie ones."""
    converters = route.parsed_rule.converters if route.parsed_rule is not None else {}
    declared = {p.alias: p for p in spec.parameters if p.location == "path"}
    found: list[dict[str, Any]] = []
    for name in route.param_names:
        converter = converters.get(name)
        param = declared.get(name)
        if param is None:
            schema = converter_schema(converter) if converter is not None else {"type": "string"}
        else:
            finish = functools.partial(merge_converter, converter=converter)
            schema = schemas.of_type(param.annotation, "validation", param.field, finish)
        found.append(_parameter(name, "path", True, schema, param))
    for param in spec.parameters:
        if param.location == "path" or not param.include_in_schema:
            continue
        schema = schemas.of_type(param.annotation, "validation", param.field, without_null)
        found.append(_parameter(param.alias, param.location, param.required, schema, param))
    return found


def _request_body(body: BodySpec, schemas: SchemaRegistry) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    if not body.embedded and body.fields[0].description:
        entry["description"] = body.fields[0].description
    entry["required"] = body.required
    entry["content"] = {body.media_type: {"schema": schemas.of_adapter(body.adapter, "validation")}}
    return entry


def _plain_content(route: Route) -> dict[str, Any] | None:
    """What a handler without a response model returns, as far as its annotation says."""
    annotation = type_hints(route.handler).get("return")
    if annotation is str:
        return {"text/html": {"schema": {"type": "string"}}}
    if isinstance(annotation, type) and issubclass(annotation, Response):
        media_type = annotation.default_media_type
        return {media_type: {}} if media_type else None
    return None


def _description(status: str) -> str:
    return (phrase(int(status)) if status.isdigit() else "") or "Response"


def _returns_nothing(route: Route) -> bool:
    """``-> None``: Heron answers 204 No Content instead of 200."""
    return type_hints(route.handler).get("return", inspect.Parameter.empty) in (None, type(None))


def _responses(route: Route, spec: EndpointSpec, state: DocumentState) -> dict[str, Any]:
    status = str(spec.status_code)
    if status == "200" and spec.response is None and _returns_nothing(route):
        status = "204"
    success: dict[str, Any] = {"description": _description(status)}
    if spec.response is not None:
        schema = state.schemas.of_adapter(spec.response.adapter, "serialization")
        content: dict[str, Any] | None = {"application/json": {"schema": schema}}
    else:
        content = _plain_content(route)
    if content and status not in ("204", "304"):
        success["content"] = content
    responses: dict[str, Any] = {status: success}
    if spec.parameters or spec.body is not None:
        state.validates = True
        responses["422"] = {
            "description": "Validation Error",
            "content": validation_error_content(state.problem_details),
        }
    for code, extra in (route.options.get("responses") or {}).items():
        key = str(code)
        responses[key] = _merge_response(responses.get(key, {}), extra, key, state.schemas)
    return responses


def _merge_response(
    base: Mapping[str, Any], extra: Mapping[str, Any], status: str, schemas: SchemaRegistry
) -> dict[str, Any]:
    """A user-declared response over the generated one; ``model`` documents a JSON body."""
    merged = {**base, **{k: v for k, v in extra.items() if k not in ("model", "content")}}
    content = {media: dict(entry) for media, entry in base.get("content", {}).items()}
    if extra.get("model") is not None:
        schema = schemas.of_type(extra["model"], "serialization")
        content.setdefault("application/json", {})["schema"] = schema
    for media, entry in (extra.get("content") or {}).items():
        content[media] = {**content.get(media, {}), **entry}
    if content:
        merged["content"] = content
    merged.setdefault("description", _description(status))
    return merged
