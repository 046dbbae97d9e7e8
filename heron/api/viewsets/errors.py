"""What a ``ModelAPI`` answers when a request cannot be carried out.

Model validation errors become the 422 of request validation (``{"detail": [{"type",
"loc", "msg"}]}``); refusals (403, 404, 409) are JSON ``{"detail": "..."}``.
"""

from __future__ import annotations

from typing import Any

from heron.db import DataError, IntegrityError, ValidationError
from heron.db.models.base import Model
from heron.db.models.exceptions import ProtectedError
from heron.http.exceptions import RequestValidationError
from heron.http.responses import JSONResponse

__all__ = ["Refusal", "model_errors", "translate"]


class Refusal(Exception):
    """Stop the action with ``status`` and a JSON ``{"detail": detail}``."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail

    def response(self) -> JSONResponse:
        return JSONResponse({"detail": self.detail}, self.status)


def model_errors(model: type[Model], exc: ValidationError) -> RequestValidationError:
    """``full_clean()``'s per-field messages as a request validation error on the body."""
    errors: list[dict[str, Any]] = []
    by_field = exc.errors or {"__all__": exc.messages}
    meta = model._meta
    for name, messages in by_field.items():
        key = meta.fields_map[name].attname if name in meta.fields_map else None
        loc = ["body", key] if key else ["body"]
        for message in messages:
            errors.append({"type": exc.code or "model_validation", "loc": loc, "msg": message})
    return RequestValidationError(errors)


def translate(model: type[Model], exc: Exception) -> Exception | JSONResponse:
    """The response (or 422 exception) for an error raised while serving an action."""
    if isinstance(exc, Refusal):
        return exc.response()
    if isinstance(exc, ValidationError):
        return model_errors(model, exc)
    if isinstance(exc, ProtectedError):
        return JSONResponse({"detail": str(exc)}, 409)
    if isinstance(exc, IntegrityError):
        name = model._meta.verbose_name
        detail = f"The {name} conflicts with existing data (a unique value or a reference)."
        return JSONResponse({"detail": detail}, 409)
    if isinstance(exc, DataError):
        error = {"type": "data_error", "loc": ["body"], "msg": "The database refused a value."}
        return RequestValidationError([error])
    return exc
