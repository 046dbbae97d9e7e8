"""Path, query, header and cookie arguments: read from the request, validated in one call."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, ValidationError, create_model
from pydantic.fields import FieldInfo

from heron.http.exceptions import RequestValidationError
from heron.http.request import Request
from heron.params.errors import translate_errors
from heron.params.spec import ParamSpec

_PLAIN = (str, Any)


def _is_plain(param: ParamSpec) -> bool:
    """A ``str`` argument without constraints needs no validation, only a default."""
    field = param.field
    return param.annotation in _PLAIN and not param.is_sequence and not field.metadata


class ParamsReader:
    """Reads one callable's non-body arguments; validates them with one generated model."""

    __slots__ = ("_by_position", "_locations", "_plain", "_validator", "params")

    def __init__(self, params: list[ParamSpec], model_name: str) -> None:
        self.params = params
        self._plain = all(_is_plain(p) for p in params)
        self._locations = {f"p{i}": p for i, p in enumerate(params)}
        self._validator = None
        if not self._plain:
            definitions: dict[str, Any] = {
                key: (
                    p.annotation,
                    FieldInfo.merge_field_infos(p.field, alias=p.name, validation_alias=p.name),
                )
                for key, p in self._locations.items()
            }
            config = ConfigDict(arbitrary_types_allowed=True)
            model = create_model(model_name, __config__=config, **definitions)
            self._validator = model.__pydantic_validator__

    def raw(self, request: Request) -> dict[str, Any]:
        """The values present in the request, by Python name (absent ones left out)."""
        values: dict[str, Any] = {}
        for param in self.params:
            location = param.location
            if location == "path":
                value = request.path_params.get(param.alias)
                if value is not None:  # a converter's value; `str` asks for its text
                    values[param.name] = str(value) if param.annotation is str else value
                continue
            if location == "query":
                source: Any = request.query_params
            elif location == "header":
                source = request.headers
            else:
                value = request.cookies.get(param.alias)
                if value is not None:
                    values[param.name] = value
                continue
            if param.is_sequence:
                items = source.getlist(param.alias)
                if items:
                    values[param.name] = items
            else:
                value = source.get(param.alias)
                if value is not None:
                    values[param.name] = value
        return values

    def read(self, request: Request) -> dict[str, Any]:
        """Every argument by Python name, validated; a ``RequestValidationError`` otherwise."""
        raw = self.raw(request)
        if self._validator is None:
            return self._defaults(raw)
        try:
            model = self._validator.validate_python(raw)
        except ValidationError as exc:
            raise RequestValidationError(translate_errors(exc, self._locate)) from None
        fields = model.__dict__
        return {p.name: fields[key] for key, p in self._locations.items()}

    def _defaults(self, raw: dict[str, Any]) -> dict[str, Any]:
        errors = []
        for param in self.params:
            if param.name in raw:
                continue
            if param.required:
                loc = [param.location, param.alias]
                errors.append({"type": "missing", "loc": loc, "msg": "Field required"})
            else:
                raw[param.name] = param.field.get_default(call_default_factory=True)
        if errors:
            raise RequestValidationError(errors)
        return raw

    def _locate(self, loc: tuple[Any, ...]) -> list[Any]:
        name, *rest = loc
        param = next(p for p in self.params if p.name == name)
        return [param.location, param.alias, *rest]
