"""Minimal Django settings shared by the WSGI and ASGI benchmark apps (no database)."""

import django  # type: ignore[import-untyped]
from django.conf import settings  # type: ignore[import-untyped]


def configure(urlconf: str, middleware: list[str]) -> None:
    """Configure Django for a one-module project: URLconf `urlconf`, the given middleware."""
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench",
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF=urlconf,
        MIDDLEWARE=middleware,
        INSTALLED_APPS=[],
        DATABASES={},
        USE_TZ=True,
    )
    django.setup()
