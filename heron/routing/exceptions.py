"""The outcomes of a failed match (404, 405, 308, automatic OPTIONS) and of a failed build."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from heron.http.exceptions import HTTPException
from heron.routing._matcher import RouteConflictError


def allow_header(methods: Iterable[str]) -> str:
    """The ``Allow`` header value for ``methods``, sorted so responses are stable."""
    return ", ".join(sorted(methods))


class NotFound(HTTPException):
    """No route matches the path (404)."""

    def __init__(self, detail: Any = None) -> None:
        super().__init__(404, detail)


class MethodNotAllowed(HTTPException):
    """The path matches, but not with this method (405); ``allowed`` feeds the Allow header."""

    def __init__(self, allowed: Iterable[str], method: str | None = None) -> None:
        self.allowed = frozenset(allowed)
        header = allow_header(self.allowed)
        detail = f"Method {method} is not allowed here (allowed: {header})" if method else None
        super().__init__(405, detail, {"Allow": header})


class RequestRedirect(HTTPException):
    """The path exists only with a trailing slash: redirect there with 308.

    ``new_path`` is the router-level path, percent-encoded; the application prefixes
    its root path and appends the query string before it sends ``Location``.
    """

    def __init__(self, new_path: str) -> None:
        self.new_path = new_path
        super().__init__(308, None, {"Location": new_path})


class AutomaticOptions(HTTPException):
    """An OPTIONS request on a known path that declares no OPTIONS route.

    Not an error: the application answers it with an empty ``200`` whose ``Allow``
    header lists ``allowed`` (which includes HEAD when GET exists, and OPTIONS).
    """

    def __init__(self, allowed: Iterable[str]) -> None:
        self.allowed = frozenset(allowed)
        super().__init__(200, None, {"Allow": allow_header(self.allowed)})


class BuildError(LookupError):
    """``url_for`` could not build a URL: unknown endpoint, missing or invalid parameter."""

    def __init__(
        self,
        message: str,
        *,
        endpoint: str,
        params: Mapping[str, Any] | None = None,
        method: str | None = None,
    ) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        self.params = dict(params or {})
        self.method = method

    def __str__(self) -> str:
        return str(self.args[0])


__all__ = [
    "AutomaticOptions",
    "BuildError",
    "MethodNotAllowed",
    "NotFound",
    "RequestRedirect",
    "RouteConflictError",
    "allow_header",
]
