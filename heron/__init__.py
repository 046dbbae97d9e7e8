"""Heron: an async-first Python web framework with Flask's core and Django's batteries."""

from heron.app import Heron
from heron.config import Config, ConfigError
from heron.globals import current_app, g, request
from heron.http import (
    EventSourceResponse,
    FileResponse,
    HTMLResponse,
    HTTPException,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Request,
    Response,
    ServerSentEvent,
    StreamingResponse,
    UploadFile,
    abort,
    redirect,
)
from heron.params import (
    APIKeyCookie,
    APIKeyHeader,
    APIKeyQuery,
    Body,
    Cookie,
    Depends,
    File,
    Form,
    Header,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
    OAuth2PasswordBearer,
    Path,
    Query,
    RequestValidationError,
    Security,
    SecurityScopes,
)
from heron.routing import Blueprint, Converter
from heron.templating import render, render_string


def url_for(endpoint: str, **values: object) -> str:
    """Build a URL for ``endpoint`` with the application handling the current request."""
    return current_app.url_for(endpoint, **values)  # type: ignore[arg-type]


__version__ = "0.1.0"

__all__ = [
    "APIKeyCookie",
    "APIKeyHeader",
    "APIKeyQuery",
    "Blueprint",
    "Body",
    "Config",
    "ConfigError",
    "Converter",
    "Cookie",
    "Depends",
    "EventSourceResponse",
    "File",
    "FileResponse",
    "Form",
    "HTMLResponse",
    "HTTPBasic",
    "HTTPBasicCredentials",
    "HTTPBearer",
    "HTTPException",
    "Header",
    "Heron",
    "JSONResponse",
    "OAuth2PasswordBearer",
    "Path",
    "PlainTextResponse",
    "Query",
    "RedirectResponse",
    "Request",
    "RequestValidationError",
    "Response",
    "Security",
    "SecurityScopes",
    "ServerSentEvent",
    "StreamingResponse",
    "UploadFile",
    "abort",
    "current_app",
    "g",
    "redirect",
    "render",
    "render_string",
    "request",
    "url_for",
]
