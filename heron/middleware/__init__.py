"""Heron's pure-ASGI middleware: compression, CORS, host checking, https, security headers.

Each class wraps an ASGI application, ``Middleware(app, **options)``; the
application composes the chain once at startup through
``app.add_middleware(cls, **options)`` (the last one added is the outermost).
"""

from heron.middleware.cors import CORSMiddleware
from heron.middleware.gzip import GZipMiddleware
from heron.middleware.httpsredirect import HTTPSRedirectMiddleware
from heron.middleware.security import SecurityHeaders, SecurityHeadersMiddleware
from heron.middleware.trustedhost import TrustedHostMiddleware

__all__ = [
    "CORSMiddleware",
    "GZipMiddleware",
    "HTTPSRedirectMiddleware",
    "SecurityHeaders",
    "SecurityHeadersMiddleware",
    "TrustedHostMiddleware",
]
