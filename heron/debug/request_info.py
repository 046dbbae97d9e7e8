"""The request sections of the debug page, with credentials redacted."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from heron.debug.safe import safe_repr

if TYPE_CHECKING:
    from heron.http import Request

__all__ = ["REDACTED", "REDACTED_HEADERS", "REDACTED_NAMES", "RequestView", "request_view"]

REDACTED = "[redacted]"
#: Header values never shown (compared case-insensitively).
REDACTED_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key"})
#: Cookie, form field and header names whose values are hidden when they contain one of
#: these (case-insensitive).
REDACTED_NAMES = (
    "session",
    "csrf",
    "xsrf",
    "token",
    "secret",
    "password",
    "passwd",
    "api_key",
    "apikey",
)

Pairs = list[tuple[str, str]]


@dataclass(slots=True)
class RequestView:
    """What the page shows about the request: the request line and name/value sections."""

    method: str = ""
    url: str = ""
    sections: list[tuple[str, Pairs]] = field(default_factory=list)


def _hidden(name: str, patterns: tuple[str, ...]) -> bool:
    lowered = name.lower()
    return any(pattern in lowered for pattern in patterns)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else safe_repr(value)


def _items(source: Any) -> Iterable[tuple[Any, Any]]:
    multi_items = getattr(source, "multi_items", None)
    return multi_items() if callable(multi_items) else source.items()  # type: ignore[no-any-return]


def _section(read: Any) -> Pairs:
    """Pairs from ``read()``; a request too broken to parse shows why instead."""
    try:
        return list(read())
    except Exception as exc:
        return [("(unreadable)", f"{type(exc).__name__}: {safe_repr(exc)}")]


def request_view(
    request: Request,
    *,
    form: Mapping[str, Any] | None = None,
    redact_names: Iterable[str] = REDACTED_NAMES,
) -> RequestView:
    """Describe ``request`` for the debug page; never raises."""
    patterns = tuple(name.lower() for name in redact_names)

    def headers() -> Iterable[tuple[str, str]]:
        for name, value in _items(request.headers):
            hide = name.lower() in REDACTED_HEADERS or _hidden(name, patterns)
            yield name, REDACTED if hide else value

    def query() -> Iterable[tuple[str, str]]:
        for name, value in _items(request.query_params):
            yield str(name), _text(value)

    def path_params() -> Iterable[tuple[str, str]]:
        for name, value in request.path_params.items():
            yield str(name), _text(value)

    def cookies() -> Iterable[tuple[str, str]]:
        for name, value in request.cookies.items():
            yield name, REDACTED if _hidden(name, patterns) else value

    def form_fields() -> Iterable[tuple[str, str]]:
        assert form is not None
        for name, value in _items(form):
            yield str(name), REDACTED if _hidden(str(name), patterns) else _text(value)

    view = RequestView()
    try:
        view.method = str(request.method)
        view.url = str(request.url)
    except Exception as exc:
        view.url = f"(unreadable: {type(exc).__name__})"
    view.sections.append(("Headers", _section(headers)))
    view.sections.append(("Query parameters", _section(query)))
    view.sections.append(("Path parameters", _section(path_params)))
    if form is not None:
        view.sections.append(("Form", _section(form_fields)))
    view.sections.append(("Cookies", _section(cookies)))
    return view
