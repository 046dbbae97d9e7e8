"""Error handler lookup and Heron's default error responses (HTML or JSON by ``Accept``)."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from heron.http.accept import accept_quality
from heron.http.exceptions import HTTPException, RequestValidationError
from heron.http.request import Request
from heron.http.responses import HTMLResponse, JSONResponse, Response
from heron.http.status import phrase

logger = logging.getLogger("heron.error")

ErrorHandlers = Mapping[int | type[BaseException], Callable[..., Any]]

_PAGE = (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
    "<title>{status} {title}</title></head>"
    "<body><h1>{title}</h1><p>{detail}</p></body></html>\n"
)


def find_error_handler(
    exc: BaseException, chain: Sequence[ErrorHandlers]
) -> Callable[..., Any] | None:
    """The handler for ``exc``: by status code first, then the most specific class.

    ``chain`` lists handler tables from the innermost blueprint out to the app; within
    one class level, a blueprint's handler wins over the app's. Unhandled non-HTTP
    errors fall back to a handler registered for 500.
    """
    if isinstance(exc, HTTPException):
        for table in chain:
            handler = table.get(exc.status_code)
            if handler is not None:
                return handler
    for cls in type(exc).__mro__:
        for table in chain:
            handler = table.get(cls)
            if handler is not None:
                return handler
    if not isinstance(exc, HTTPException):
        for table in chain:
            handler = table.get(500)
            if handler is not None:
                return handler
    return None


PROBLEM_MEDIA_TYPE = "application/problem+json"


def _wants_json(request: Request, exc: HTTPException, api: bool) -> bool:
    """JSON for validation errors, clients that prefer it, clients that sent JSON, and on
    API routes (typed bodies or response models) unless the client prefers HTML."""
    if isinstance(exc, RequestValidationError) or request.prefers_json():
        return True
    if api:
        accept = request.headers.get("accept")
        return not accept or accept_quality(accept, "text/html") <= accept_quality(
            accept, "application/json"
        )
    media_type = request.content_type
    return media_type is not None and (
        media_type == "application/json" or media_type.endswith("+json")
    )


def _problem(exc: HTTPException) -> dict[str, Any]:
    """An RFC 9457 problem document for ``exc``."""
    title = phrase(exc.status_code)
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": exc.status_code}
    if isinstance(exc, RequestValidationError):
        body["detail"] = "The request did not validate"
        body["errors"] = exc.errors
    elif exc.detail != title:
        body["detail"] = exc.detail
    return body


def http_error_response(request: Request, exc: HTTPException, *, api: bool = False) -> Response:
    """The default response for an ``HTTPException``: a small page or ``{"detail": ...}``.

    ``api`` marks a route that speaks JSON. With ``PROBLEM_DETAILS`` set, JSON errors are
    RFC 9457 ``application/problem+json``.
    """
    if _wants_json(request, exc, api):
        app = request.scope.get("app")
        if app is not None and app.config.get("PROBLEM_DETAILS"):
            return JSONResponse(
                _problem(exc), exc.status_code, exc.headers, media_type=PROBLEM_MEDIA_TYPE
            )
        return JSONResponse({"detail": exc.detail}, exc.status_code, headers=exc.headers)
    title = html.escape(phrase(exc.status_code))
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    page = _PAGE.format(status=exc.status_code, title=title, detail=html.escape(detail))
    return HTMLResponse(page, exc.status_code, headers=exc.headers)


def server_error_response(
    request: Request, exc: BaseException, config: Mapping[str, Any]
) -> Response:
    """A 500: the debug page in debug mode, otherwise nothing about the internals."""
    logger.error("Unhandled exception in %s %s", request.method, request.path, exc_info=exc)
    if not config.get("DEBUG"):
        return http_error_response(request, HTTPException(500))
    from heron.debug import REDACTED_NAMES, format_traceback_text, render_debug_page

    if request.prefers_json():
        body = {
            "detail": "Internal Server Error",
            "exception": f"{type(exc).__name__}: {exc}",
            "traceback": format_traceback_text(exc),
        }
        return JSONResponse(body, 500)
    redact = (*REDACTED_NAMES, str(config.get("SESSION_COOKIE_NAME", "session")))
    page = render_debug_page(exc, request, form=request.parsed_form, redact_names=redact)
    return HTMLResponse(page, 500)
