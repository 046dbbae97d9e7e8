"""Minimal Django settings shared by the benchmark apps (no database unless one is given)."""

from pathlib import Path
from typing import Any

import django  # type: ignore[import-untyped]
from django.conf import settings  # type: ignore[import-untyped]

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def configure(
    urlconf: str, middleware: list[str], *, databases: dict[str, Any] | None = None
) -> None:
    """Configure Django for a one-module project: URLconf `urlconf`, the given middleware,
    `databases` (none by default) and the templates in `benchmarks/apps/templates/`."""
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench",
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF=urlconf,
        MIDDLEWARE=middleware,
        INSTALLED_APPS=[],
        DATABASES=databases or {},
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "DIRS": [TEMPLATES_DIR],
            }
        ],
        USE_TZ=True,
    )
    django.setup()
