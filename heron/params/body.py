"""The request body of an endpoint: one JSON value, an embedded JSON object, or a form.

Every body argument of a handler and its dependencies is validated in one pydantic
call; JSON is parsed by pydantic straight from the bytes, once.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
    create_model,
)
from pydantic.fields import FieldInfo

from heron.http.datastructures import FormData
from heron.http.exceptions import HTTPException, RequestValidationError
from heron.http.request import Request
from heron.http.uploads import UploadFile
from heron.params.errors import translate_errors
from heron.params.spec import HandlerSignatureError, ParamSpec, is_sequence

JSON_MEDIA_TYPE = "application/json"
FORM_MEDIA_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

_UPLOAD_SCHEMA = WithJsonSchema({"type": "string", "format": "binary"})


def _upload_annotation(annotation: Any) -> Any:
    """Let pydantic accept ``UploadFile`` values as they are and document them as binary."""
    if annotation is UploadFile:
        return Annotated[UploadFile, _UPLOAD_SCHEMA]
    origin = get_origin(annotation)
    if origin is list and get_args(annotation) == (UploadFile,):
        return list[Annotated[UploadFile, _UPLOAD_SCHEMA]]
    return annotation


@dataclasses.dataclass(eq=False)
class BodySpec:
    """How an endpoint reads its body, and the type that documents it."""

    media_type: str
    fields: list[ParamSpec]
    embedded: bool  # the body is an object whose keys are the fields' aliases
    annotation: Any  # the single field's type, or a generated model of all fields
    required: bool
    adapter: TypeAdapter[Any]
    form_model: type[BaseModel] | None = None  # one model whose fields are the form's fields

    @property
    def is_form(self) -> bool:
        return self.media_type in FORM_MEDIA_TYPES

    async def read(self, request: Request) -> dict[str, Any]:
        """Validate the body; return each body argument by its name on the wire (alias)."""
        if self.is_form:
            return await self._read_form(request)
        self._check_json_content_type(request)
        body = await request.body()
        if not body:
            return self._empty()
        try:
            value = self.adapter.validate_json(body)
        except ValidationError as exc:
            raise RequestValidationError(translate_errors(exc, self._locate)) from None
        if not self.embedded:
            return {self.fields[0].alias: value}
        return {field.alias: getattr(value, field.name) for field in self.fields}

    def _check_json_content_type(self, request: Request) -> None:
        for name, value in request.scope.get("headers") or ():
            if name == b"content-type":
                media_type = value.partition(b";")[0].strip().lower()
                if media_type == b"application/json" or media_type.endswith(b"+json"):
                    return
                break
        else:
            return  # no Content-Type: read as JSON
        media_type = request.content_type
        raise HTTPException(
            415, f"Unsupported media type {media_type!r}; send the body as application/json"
        )

    def _empty(self) -> dict[str, Any]:
        if self.required:
            error = {"type": "missing", "loc": ["body"], "msg": "Field required"}
            raise RequestValidationError([error])
        return {
            field.alias: field.field.get_default(call_default_factory=True) for field in self.fields
        }

    async def _read_form(self, request: Request) -> dict[str, Any]:
        media_type = request.content_type
        if media_type is not None and media_type not in FORM_MEDIA_TYPES:
            raise HTTPException(
                415, f"Unsupported media type {media_type!r}; send the body as {self.media_type}"
            )
        form = await request.form()
        if self.form_model is not None:
            return self._read_form_model(form)
        data: dict[str, Any] = {}
        for field in self.fields:
            values: list[Any] = form.getlist(field.alias)
            if not values:
                continue
            if field.location == "file" and field.annotation is bytes:
                values = [await v.read() if isinstance(v, UploadFile) else v for v in values]
            data[field.alias] = values if field.is_sequence else values[0]
        try:
            value = self.adapter.validate_python(data)
        except ValidationError as exc:
            raise RequestValidationError(translate_errors(exc, self._locate)) from None
        return {field.alias: getattr(value, field.name) for field in self.fields}

    def _read_form_model(self, form: FormData) -> dict[str, Any]:
        assert self.form_model is not None
        data: dict[str, Any] = {}
        for name, info in self.form_model.model_fields.items():
            key = info.alias or name
            values = form.getlist(key)
            if values:
                data[key] = values if is_sequence(info.annotation) else values[0]
        try:
            value = self.adapter.validate_python(data)
        except ValidationError as exc:
            raise RequestValidationError(translate_errors(exc, self._locate)) from None
        return {self.fields[0].alias: value}

    def _locate(self, loc: tuple[Any, ...]) -> list[Any]:
        return ["body", *loc]


def build_body(fields: list[ParamSpec], model_name: str) -> BodySpec | None:
    """The body spec for an endpoint's body arguments (None when it takes no body)."""
    if not fields:
        return None
    media_type = _media_type(fields)
    single = fields[0]
    if media_type != JSON_MEDIA_TYPE and any(_is_model(field.annotation) for field in fields):
        if len(fields) > 1:
            raise HandlerSignatureError(
                f"{model_name}: a form model must be the only form parameter of its handler"
            )
        model = single.annotation
        return BodySpec(media_type, fields, True, model, True, TypeAdapter(model), model)
    embedded = (
        len(fields) > 1
        or media_type != JSON_MEDIA_TYPE
        or bool(getattr(single.marker, "embed", False))
    )
    if not embedded:
        annotation = single.annotation
        adapter: TypeAdapter[Any] = TypeAdapter(Annotated[annotation, single.field])  # type: ignore[arg-type]
        required = single.required
    else:
        annotation = _body_model(fields, model_name)
        adapter = TypeAdapter(annotation)
        required = any(field.required for field in fields)
    return BodySpec(media_type, fields, embedded, annotation, required, adapter)


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _media_type(fields: list[ParamSpec]) -> str:
    locations = {field.location for field in fields}
    if "file" in locations:
        return "multipart/form-data"
    if "form" in locations:
        return "application/x-www-form-urlencoded"
    return JSON_MEDIA_TYPE


def _body_model(fields: list[ParamSpec], model_name: str) -> type[Any]:
    definitions: dict[str, Any] = {}
    for field in fields:
        info = FieldInfo.merge_field_infos(
            field.field, alias=field.alias, validation_alias=field.alias
        )
        definitions[field.name] = (_upload_annotation(field.annotation), info)
    config = ConfigDict(arbitrary_types_allowed=True, populate_by_name=True)
    return create_model(model_name, __config__=config, **definitions)  # type: ignore[no-any-return]
