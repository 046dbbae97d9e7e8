"""Django on WSGI (gunicorn): plain sync views, the idiomatic way."""

import django_setup
from django.http import HttpRequest, HttpResponse, JsonResponse  # type: ignore[import-untyped]
from django.urls import path  # type: ignore[import-untyped]

# CommonMiddleware is what sets Content-Length in a Django project (without it: chunked).
django_setup.configure(__name__, ["django.middleware.common.CommonMiddleware"])


def plaintext(request: HttpRequest) -> HttpResponse:
    """Plaintext endpoint."""
    return HttpResponse(b"Hello, World!", content_type="text/plain")


def json(request: HttpRequest) -> JsonResponse:
    """JSON endpoint."""
    return JsonResponse({"message": "Hello, World!"})


urlpatterns = [path("plaintext", plaintext), path("json", json)]

from django.core.wsgi import get_wsgi_application  # type: ignore[import-untyped]  # noqa: E402

app = get_wsgi_application()
