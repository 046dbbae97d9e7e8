"""HTTP errors raised by handlers and by request parsing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

from heron.http.status import phrase


class HTTPException(Exception):
    """An error that becomes an HTTP response with ``status_code``.

    ``detail`` defaults to the status phrase ("Not Found"); it may be any value a
    JSON error body can carry. ``headers`` are added to the error response.
    """

    def __init__(
        self,
        status_code: int,
        detail: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if detail is None:
            detail = phrase(status_code)
        super().__init__(status_code, detail)
        self.status_code = status_code
        self.detail = detail
        self.headers: dict[str, str] | None = dict(headers) if headers else None

    def __str__(self) -> str:
        return f"{self.status_code} {self.detail}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code!r}, detail={self.detail!r})"


def abort(
    status_code: int, detail: Any = None, headers: Mapping[str, str] | None = None
) -> NoReturn:
    """Stop handling the request with an HTTP error response."""
    raise HTTPException(status_code, detail, headers)


class RequestValidationError(HTTPException):
    """The request's parameters or body failed validation: a 422 listing every error.

    ``errors`` is a list of ``{"type", "loc", "msg"}`` dicts; ``loc`` starts with where
    the value came from (``"path"``, ``"query"``, ``"header"``, ``"cookie"``, ``"body"``).
    The answer is always JSON, whatever the client accepts.
    """

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(422, errors)
        self.errors = errors


class ClientDisconnect(Exception):
    """The client went away while its request body was being read."""


__all__ = ["ClientDisconnect", "HTTPException", "RequestValidationError", "abort"]
