"""Validation errors as Heron reports them: deterministic ``{"type", "loc", "msg"}`` dicts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError


class ResponseValidationError(Exception):
    """A handler returned a value its response model rejects: a server error, logged."""

    def __init__(self, endpoint: str, errors: list[dict[str, Any]]) -> None:
        lines = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors)
        super().__init__(f"{endpoint} returned a value its response model rejects: {lines}")
        self.errors = errors


def translate_errors(
    exc: ValidationError, locate: Callable[[tuple[Any, ...]], list[Any]]
) -> list[dict[str, Any]]:
    """pydantic's errors with ``loc`` rewritten by ``locate`` (input values left out)."""
    return [
        {"type": error["type"], "loc": locate(error["loc"]), "msg": error["msg"]}
        for error in exc.errors(include_url=False, include_input=False, include_context=False)
    ]
