"""Small URL helpers shared by the router, blueprints and the application's ``url_for``."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, urlencode

FRAGMENT_SAFE = "!$&'()*+,;=:@/?"
_TOKEN = re.compile(r"[A-Z0-9!#$%&'*+.^_`|~-]+")


def encode_query(params: Mapping[str, Any]) -> str:
    """``a=1&tag=x&tag=y``: lists and tuples repeat the key; ``None`` values are left out."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, list | tuple | set | frozenset):
            pairs.extend((key, str(item)) for item in value if item is not None)
        else:
            pairs.append((key, str(value)))
    return urlencode(pairs)


def quote_fragment(anchor: str) -> str:
    """Escape ``anchor`` for use after ``#``."""
    return quote(str(anchor), safe=FRAGMENT_SAFE)


def external_url(scheme: str, host: str, path: str, root_path: str = "") -> str:
    """``scheme://host`` + the application's root path + a path built by the router."""
    return f"{scheme}://{host}{root_path.rstrip('/')}{path}"


def join_rule(prefix: str | None, rule: str) -> str:
    """Put a rule under a URL prefix: ``("/admin", "/users")`` gives ``/admin/users``.

    An empty rule stands for the prefix itself; ``"/"`` for the prefix with a slash.
    """
    if not prefix:
        return rule or "/"
    if not rule:
        return prefix
    return prefix.rstrip("/") + "/" + rule.lstrip("/")


def qualify_endpoint(endpoint: str, current_blueprint: str | None) -> str:
    """Resolve ``".index"`` to ``"<current blueprint>.index"``; other names pass through."""
    if endpoint.startswith("."):
        if current_blueprint:
            return current_blueprint + endpoint
        return endpoint[1:]
    return endpoint


def normalize_methods(methods: Iterable[str] | None) -> frozenset[str]:
    """Upper-case a collection of method names; ``None`` means GET only."""
    if methods is None:
        return frozenset({"GET"})
    if isinstance(methods, str):
        raise TypeError(f"methods must be a list of strings such as ['GET'], not {methods!r}")
    result = frozenset(str(m).upper() for m in methods)
    if not result:
        raise ValueError("methods must name at least one HTTP method")
    for m in result:
        if _TOKEN.fullmatch(m) is None:
            raise ValueError(f"invalid HTTP method {m!r}")
    return result


__all__ = [
    "encode_query",
    "external_url",
    "join_rule",
    "normalize_methods",
    "qualify_endpoint",
    "quote_fragment",
]
