"""Other ASGI or WSGI applications served under a path prefix with ``app.mount()``."""

from __future__ import annotations

import inspect
from typing import Any

from heron.http.types import ASGIApp, Receive, Scope, Send


def _looks_like_wsgi(app: Any) -> bool:
    target = app if inspect.isfunction(app) or inspect.ismethod(app) else type(app).__call__
    if inspect.iscoroutinefunction(target):
        return False
    try:
        params = list(inspect.signature(app).parameters)
    except (TypeError, ValueError):
        return False
    return len(params) == 2


class Mounts:
    """Prefix → application table, consulted only when no route matched.

    The mounted app sees the full ``path`` and a ``root_path`` extended by the prefix
    (the ASGI convention uvicorn and a2wsgi follow), so it can build its own URLs.
    """

    __slots__ = ("_entries", "names")

    def __init__(self) -> None:
        self._entries: list[tuple[str, ASGIApp]] = []
        self.names: dict[str, str] = {}

    def add(
        self, prefix: str, app: Any, *, name: str | None = None, wsgi: bool | None = None
    ) -> None:
        """Mount ``app`` at ``prefix`` (``/admin``); WSGI apps are wrapped with a2wsgi."""
        if not prefix.startswith("/") or prefix == "/":
            raise ValueError(f"a mount prefix must start with '/' and not be '/' alone: {prefix!r}")
        prefix = prefix.rstrip("/")
        if any(existing == prefix for existing, _ in self._entries):
            raise ValueError(f"something is already mounted at {prefix!r}")
        if wsgi or (wsgi is None and _looks_like_wsgi(app)):
            from a2wsgi import WSGIMiddleware

            app = WSGIMiddleware(app)
        self._entries.append((prefix, app))
        self._entries.sort(key=lambda entry: len(entry[0]), reverse=True)
        if name:
            self.names[name] = prefix

    def __bool__(self) -> bool:
        return bool(self._entries)

    def find(self, path: str) -> tuple[str, ASGIApp] | None:
        """The longest mounted prefix that ``path`` lies under."""
        for prefix, app in self._entries:
            if path == prefix or path.startswith(prefix + "/"):
                return prefix, app
        return None

    async def forward(
        self, prefix: str, app: ASGIApp, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Call the mounted app with the prefix moved into ``root_path``."""
        child = dict(scope)
        child["root_path"] = scope.get("root_path", "") + prefix
        await app(child, receive, send)
