"""The 422 answer of both Litestar JSON API apps (Litestar's own default is 400)."""

from litestar import Request, Response
from litestar.exceptions import ValidationException


def unprocessable(request: Request, exc: ValidationException) -> Response[dict[str, object]]:
    """A validation error as a 422 with Litestar's error details."""
    return Response({"detail": exc.detail, "errors": exc.extra}, status_code=422)
