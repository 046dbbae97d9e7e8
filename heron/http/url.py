"""``URL``: an immutable URL with handy accessors, built from a string or an ASGI scope."""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import SplitResult, parse_qsl, quote, urlencode, urlsplit

from heron.http.types import Scope

__all__ = ["URL", "full_path"]

_DEFAULT_PORTS: Final = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_PATH_SAFE: Final = "/:@!$&'()*+,;=-._~"


def full_path(scope: Scope) -> str:
    """The decoded request path including ``root_path``, whatever ASGI flavour the
    server follows (``path`` with or without the root path prefixed)."""
    root_path: str = scope.get("root_path", "")
    path: str = scope["path"]
    if not root_path or path.startswith(root_path):
        return path
    return root_path + path


class URL:
    """An absolute or relative URL; components are parsed on first access."""

    __slots__ = ("_parts", "_url")

    def __init__(self, url: str = "") -> None:
        self._url = url
        self._parts: SplitResult | None = None

    @classmethod
    def from_scope(cls, scope: Scope) -> URL:
        """The URL the client requested, rebuilt from an ASGI scope."""
        scheme = scope.get("scheme", "http")
        path = quote(full_path(scope), safe=_PATH_SAFE)
        query: bytes = scope.get("query_string", b"")
        if query:
            path = f"{path}?{query.decode('latin-1')}"
        host = None
        for name, value in scope.get("headers", ()):
            if name == b"host":
                host = value.decode("latin-1")
                break
        if host is None:
            server = scope.get("server")
            if server is None:
                return cls(path)
            hostname, port = server
            default = _DEFAULT_PORTS.get(scheme)
            host = hostname if port == default or port is None else f"{hostname}:{port}"
        return cls(f"{scheme}://{host}{path}")

    @property
    def components(self) -> SplitResult:
        """The ``urllib.parse.SplitResult`` of this URL."""
        if self._parts is None:
            self._parts = urlsplit(self._url)
        return self._parts

    @property
    def scheme(self) -> str:
        return self.components.scheme

    @property
    def netloc(self) -> str:
        return self.components.netloc

    @property
    def hostname(self) -> str | None:
        return self.components.hostname

    @property
    def port(self) -> int | None:
        return self.components.port

    @property
    def path(self) -> str:
        """The path as it appears in the URL (percent-encoded)."""
        return self.components.path

    @property
    def query(self) -> str:
        return self.components.query

    @property
    def fragment(self) -> str:
        return self.components.fragment

    @property
    def is_secure(self) -> bool:
        return self.scheme in ("https", "wss")

    def replace(self, **parts: Any) -> URL:
        """A copy with some of ``scheme``, ``netloc``, ``hostname``, ``port``,
        ``path``, ``query`` or ``fragment`` replaced."""
        current = self.components
        if "hostname" in parts or "port" in parts:
            hostname = parts.pop("hostname", current.hostname) or ""
            port = parts.pop("port", current.port)
            userinfo, _, _ = current.netloc.rpartition("@")
            if ":" in hostname:
                hostname = f"[{hostname}]"
            netloc = hostname if port is None else f"{hostname}:{port}"
            parts["netloc"] = f"{userinfo}@{netloc}" if userinfo else netloc
        return URL(current._replace(**parts).geturl())

    def include_query_params(self, **params: Any) -> URL:
        """A copy with ``params`` set in the query string (replacing same-named ones)."""
        pairs = [
            (k, v) for k, v in parse_qsl(self.query, keep_blank_values=True) if k not in params
        ]
        pairs.extend((k, str(v)) for k, v in params.items())
        return self.replace(query=urlencode(pairs))

    def remove_query_params(self, *names: str) -> URL:
        """A copy without the query parameters called ``names``."""
        pairs = [(k, v) for k, v in parse_qsl(self.query, keep_blank_values=True) if k not in names]
        return self.replace(query=urlencode(pairs))

    def __str__(self) -> str:
        return self._url

    def __repr__(self) -> str:
        return f"URL({self._url!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, URL | str):
            return str(self) == str(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._url)
