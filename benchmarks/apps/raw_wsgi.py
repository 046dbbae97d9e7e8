"""A bare WSGI app: the ceiling for WSGI servers (optional cell `raw-wsgi@gunicorn`)."""

from collections.abc import Callable, Iterable
from typing import Any

import orjson

StartResponse = Callable[..., Any]

_PLAIN_HEADERS = [("Content-Type", "text/plain"), ("Content-Length", "13")]


def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """Serve GET /plaintext and GET /json; anything else is a 404."""
    path = environ["PATH_INFO"]
    if path == "/plaintext":
        start_response("200 OK", _PLAIN_HEADERS)
        return [b"Hello, World!"]
    if path == "/json":
        body = orjson.dumps({"message": "Hello, World!"})
        start_response(
            "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        )
        return [body]
    start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "9")])
    return [b"Not Found"]
