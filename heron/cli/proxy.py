"""The application behind a trusted proxy, for servers without proxy-header support (granian)."""

from __future__ import annotations

import os
from typing import Any

from heron.cli.discovery import app_factory

__all__ = ["proxied_app_factory"]


def proxied_app_factory() -> Any:
    """``app_factory()`` wrapped so X-Forwarded-For/-Proto from trusted proxies are applied."""
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    trusted = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
    return ProxyHeadersMiddleware(app_factory(), trusted_hosts=trusted)
