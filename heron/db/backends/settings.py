"""Database settings: a URL or a dict, checked and normalised once, before any connection."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from heron.db.errors import ImproperlyConfigured

DEFAULT_URL = "sqlite:///db.sqlite3"
DEFAULT_POOL_SIZE = 10
DEFAULT_POOL_TIMEOUT = 30.0

# URL backend name -> (vendor, drivers accepted after the "+")
_VENDORS: dict[str, tuple[str, frozenset[str]]] = {
    "sqlite": ("sqlite", frozenset({"pysqlite", "aiosqlite"})),
    "postgresql": ("postgresql", frozenset({"psycopg", "asyncpg"})),
    "postgres": ("postgresql", frozenset({"psycopg", "asyncpg"})),
    "mysql": ("mysql", frozenset({"pymysql", "asyncmy"})),
    "mariadb": ("mysql", frozenset({"pymysql", "asyncmy"})),
}
_KEYS = frozenset({"URL", "POOL_SIZE", "POOL_TIMEOUT", "OPTIONS", "TEST"})
_DERIVED = frozenset({"VENDOR"})  # present in normalised settings, recomputed from the URL
_MEMORY_NAMES = frozenset({"", ":memory:"})


def parse_url(url: str | URL) -> URL:
    """Parse a SQLAlchemy-style URL, turning a parse failure into ``ImproperlyConfigured``."""
    try:
        return make_url(url)
    except ArgumentError as exc:
        raise ImproperlyConfigured(f"invalid database URL {str(url)!r}: {exc}") from None


def vendor_of(url: URL) -> str:
    """``"sqlite"``, ``"postgresql"`` or ``"mysql"`` for a URL, or ``ImproperlyConfigured``."""
    backend, _, driver = url.drivername.partition("+")
    entry = _VENDORS.get(backend)
    if entry is None:
        raise ImproperlyConfigured(
            f"unsupported database URL scheme {url.drivername!r} in "
            f"{url.render_as_string(hide_password=True)!r}; Heron supports sqlite://, "
            "postgresql:// and mysql:// (or mariadb://)"
        )
    vendor, drivers = entry
    if driver and driver not in drivers:
        raise ImproperlyConfigured(
            f"unsupported driver {driver!r} for {vendor}; Heron uses "
            f"{' and '.join(sorted(drivers))} (leave the driver out of the URL)"
        )
    return vendor


def is_memory_sqlite(url: URL) -> bool:
    """True for ``sqlite://`` and ``sqlite:///:memory:``."""
    return (url.database or "") in _MEMORY_NAMES


def normalize_settings(
    alias: str, value: str | URL | Mapping[str, Any], root_path: str | os.PathLike[str] | None
) -> dict[str, Any]:
    """Check one database's settings and return them complete, with an absolute SQLite path.

    ``value`` is a URL or a dict ``{"URL": ..., "POOL_SIZE": 10, "POOL_TIMEOUT": 30,
    "OPTIONS": {...}, "TEST": {"NAME": ...}}``.
    """
    if isinstance(value, str | URL):
        raw: dict[str, Any] = {"URL": value}
    elif isinstance(value, Mapping):
        raw = dict(value)
    else:
        raise ImproperlyConfigured(
            f"database {alias!r}: expected a URL or a dict with a URL key, got {value!r}"
        )
    unknown = set(raw) - _KEYS - _DERIVED
    if unknown:
        raise ImproperlyConfigured(
            f"database {alias!r}: unknown setting(s) {', '.join(sorted(unknown))}; "
            f"the settings are {', '.join(sorted(_KEYS))}"
        )
    if not raw.get("URL"):
        raise ImproperlyConfigured(f"database {alias!r}: the URL setting is missing")
    url = parse_url(raw["URL"])
    vendor = vendor_of(url)
    if vendor == "sqlite" and not is_memory_sqlite(url):
        path = Path(url.database or "")
        if not path.is_absolute():
            path = Path(root_path or os.getcwd()) / path
        url = url.set(database=str(path))
    options = raw.get("OPTIONS") or {}
    test = raw.get("TEST") or {}
    if not isinstance(options, Mapping) or not isinstance(test, Mapping):
        raise ImproperlyConfigured(f"database {alias!r}: OPTIONS and TEST must be dicts")
    try:
        pool_size = int(raw.get("POOL_SIZE", DEFAULT_POOL_SIZE))
        pool_timeout = float(raw.get("POOL_TIMEOUT", DEFAULT_POOL_TIMEOUT))
    except (TypeError, ValueError):
        raise ImproperlyConfigured(
            f"database {alias!r}: POOL_SIZE must be an int and POOL_TIMEOUT a number of seconds"
        ) from None
    if pool_size < 1 or pool_timeout <= 0:
        raise ImproperlyConfigured(
            f"database {alias!r}: POOL_SIZE must be >= 1 and POOL_TIMEOUT > 0"
        )
    return {
        "URL": url.render_as_string(hide_password=False),
        "VENDOR": vendor,
        "POOL_SIZE": pool_size,
        "POOL_TIMEOUT": pool_timeout,
        "OPTIONS": dict(options),
        "TEST": dict(test),
    }
