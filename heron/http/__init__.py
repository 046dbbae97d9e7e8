"""Heron's HTTP layer: requests, responses, headers, cookies, forms and HTTP errors.

Plain ASGI with no application knowledge; every other Heron layer builds on it.
"""

from heron.http.datastructures import (
    URL,
    Address,
    FormData,
    Headers,
    MultiDict,
    MutableHeaders,
    QueryParams,
    State,
    UploadFile,
)
from heron.http.exceptions import ClientDisconnect, HTTPException, abort
from heron.http.files import FileResponse
from heron.http.request import Request, check_path
from heron.http.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
    redirect,
)
from heron.http.sse import EventSourceResponse, ServerSentEvent

__all__ = [
    "URL",
    "Address",
    "ClientDisconnect",
    "EventSourceResponse",
    "FileResponse",
    "FormData",
    "HTMLResponse",
    "HTTPException",
    "Headers",
    "JSONResponse",
    "MultiDict",
    "MutableHeaders",
    "PlainTextResponse",
    "QueryParams",
    "RedirectResponse",
    "Request",
    "Response",
    "ServerSentEvent",
    "State",
    "StreamingResponse",
    "UploadFile",
    "abort",
    "check_path",
    "redirect",
]
