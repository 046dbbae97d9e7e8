"""Django on ASGI (uvicorn): async views, so the views themselves pay no hop to a sync thread.

Django sets Content-Length only in CommonMiddleware, whose hooks run in a sync thread under
ASGI; to send the same headers as every other app without that cost, the views set it.
"""

import django_setup
from django.http import HttpRequest, HttpResponse, JsonResponse  # type: ignore[import-untyped]
from django.urls import path  # type: ignore[import-untyped]

django_setup.configure(__name__, [])


def _sized(response: HttpResponse) -> HttpResponse:
    response["Content-Length"] = str(len(response.content))
    return response


async def plaintext(request: HttpRequest) -> HttpResponse:
    """Plaintext endpoint."""
    return _sized(HttpResponse(b"Hello, World!", content_type="text/plain"))


async def json(request: HttpRequest) -> HttpResponse:
    """JSON endpoint."""
    return _sized(JsonResponse({"message": "Hello, World!"}))


urlpatterns = [path("plaintext", plaintext), path("json", json)]

from django.core.asgi import get_asgi_application  # type: ignore[import-untyped]  # noqa: E402

app = get_asgi_application()
