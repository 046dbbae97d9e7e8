"""Heron static files: safe serving from a folder, with content-hash cache busting."""

from heron.staticfiles.static import IMMUTABLE_CACHE_CONTROL, REVALIDATE_CACHE_CONTROL, StaticFiles

__all__ = ["IMMUTABLE_CACHE_CONTROL", "REVALIDATE_CACHE_CONTROL", "StaticFiles"]
