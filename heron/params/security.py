"""Security schemes: dependencies that read a credential and document how it is sent.

Each scheme is a callable instance used with ``Depends`` (or ``Security`` to name OAuth2
scopes): it returns the credential, or answers 401 with a ``WWW-Authenticate`` challenge
(``auto_error=False`` returns ``None`` instead, so the handler can decide). The OpenAPI
generator lists every scheme an operation depends on under ``security``.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar

from heron.http.exceptions import HTTPException
from heron.http.request import Request

__all__ = [
    "APIKeyCookie",
    "APIKeyHeader",
    "APIKeyQuery",
    "HTTPBasic",
    "HTTPBasicCredentials",
    "HTTPBearer",
    "OAuth2PasswordBearer",
    "SecurityScheme",
]


class SecurityScheme:
    """Base class: a dependency reading one credential, with its OpenAPI description.

    Subclasses implement ``credential(request)`` (``None`` when absent or malformed) and
    ``openapi_scheme()``; ``challenge`` is the ``WWW-Authenticate`` value of the 401.
    """

    default_name: ClassVar[str] = "Security"
    challenge: str = "Bearer"

    def __init__(
        self, *, scheme_name: str | None = None, description: str | None = None, auto_error: bool
    ) -> None:
        self.scheme_name = scheme_name or self.default_name
        self.description = description
        self.auto_error = auto_error

    def credential(self, request: Request) -> Any:
        """The credential found in ``request``, or ``None``."""
        raise NotImplementedError

    def scheme(self) -> dict[str, Any]:
        """The scheme's own OpenAPI fields (``type`` and what that type needs)."""
        raise NotImplementedError

    def openapi_scheme(self) -> dict[str, Any]:
        """The OpenAPI Security Scheme Object for ``components/securitySchemes``."""
        scheme = self.scheme()
        if self.description:
            scheme["description"] = self.description
        return scheme

    def unauthenticated(self) -> HTTPException:
        """The 401 raised when the credential is missing or malformed."""
        return HTTPException(401, "Not authenticated", headers={"WWW-Authenticate": self.challenge})

    async def __call__(self, request: Request) -> Any:
        value = self.credential(request)
        if value is None and self.auto_error:
            raise self.unauthenticated()
        return value

    def __repr__(self) -> str:
        return f"{type(self).__name__}(scheme_name={self.scheme_name!r})"


class _APIKey(SecurityScheme):
    """An API key sent by name in one part of the request (``location``)."""

    location: ClassVar[str] = ""
    challenge = "APIKey"

    def __init__(
        self,
        name: str,
        *,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(scheme_name=scheme_name, description=description, auto_error=auto_error)
        self.name = name

    def source(self, request: Request) -> Mapping[str, str]:
        raise NotImplementedError

    def credential(self, request: Request) -> str | None:
        return self.source(request).get(self.name) or None

    def scheme(self) -> dict[str, Any]:
        return {"type": "apiKey", "in": self.location, "name": self.name}


class APIKeyHeader(_APIKey):
    """An API key in a request header: ``APIKeyHeader(name="X-API-Key")``."""

    default_name = "APIKeyHeader"
    location = "header"

    def source(self, request: Request) -> Mapping[str, str]:
        return request.headers


class APIKeyQuery(_APIKey):
    """An API key in the query string: ``APIKeyQuery(name="api_key")``."""

    default_name = "APIKeyQuery"
    location = "query"

    def source(self, request: Request) -> Mapping[str, str]:
        return request.query_params


class APIKeyCookie(_APIKey):
    """An API key in a cookie: ``APIKeyCookie(name="key")``."""

    default_name = "APIKeyCookie"
    location = "cookie"

    def source(self, request: Request) -> Mapping[str, str]:
        return request.cookies


def _authorization(request: Request, scheme: str) -> str | None:
    """The credentials of an ``Authorization: <scheme> <credentials>`` header, or ``None``."""
    value = request.headers.get("authorization")
    if not value:
        return None
    given, _, credentials = value.strip().partition(" ")
    credentials = credentials.strip()
    if given.lower() != scheme.lower() or not credentials:
        return None
    return credentials


class HTTPBearer(SecurityScheme):
    """A bearer token in ``Authorization: Bearer <token>``; returns the token."""

    default_name = "HTTPBearer"

    def __init__(
        self,
        *,
        bearer_format: str | None = None,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(scheme_name=scheme_name, description=description, auto_error=auto_error)
        self.bearer_format = bearer_format

    def credential(self, request: Request) -> str | None:
        return _authorization(request, "Bearer")

    def scheme(self) -> dict[str, Any]:
        scheme: dict[str, Any] = {"type": "http", "scheme": "bearer"}
        if self.bearer_format:
            scheme["bearerFormat"] = self.bearer_format
        return scheme


@dataclasses.dataclass(frozen=True, slots=True)
class HTTPBasicCredentials:
    """The user name and password of an ``Authorization: Basic`` header."""

    username: str
    password: str


class HTTPBasic(SecurityScheme):
    """HTTP Basic authentication; returns ``HTTPBasicCredentials`` (check them yourself)."""

    default_name = "HTTPBasic"

    def __init__(
        self,
        *,
        realm: str | None = None,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(scheme_name=scheme_name, description=description, auto_error=auto_error)
        self.realm = realm
        self.challenge = f'Basic realm="{realm}"' if realm else "Basic"

    def credential(self, request: Request) -> HTTPBasicCredentials | None:
        encoded = _authorization(request, "Basic")
        if encoded is None:
            return None
        try:
            decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        username, colon, password = decoded.partition(":")
        if not colon:
            return None
        return HTTPBasicCredentials(username, password)

    def scheme(self) -> dict[str, Any]:
        return {"type": "http", "scheme": "basic"}


class OAuth2PasswordBearer(SecurityScheme):
    """A bearer token obtained from ``token_url`` with OAuth2's password flow.

    ``scopes`` maps each scope name to its description (shown in the docs' login dialog);
    use ``Security(dependency, scopes=[...])`` to say which ones an operation needs.
    """

    default_name = "OAuth2PasswordBearer"

    def __init__(
        self,
        token_url: str,
        *,
        scopes: Mapping[str, str] | None = None,
        refresh_url: str | None = None,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(scheme_name=scheme_name, description=description, auto_error=auto_error)
        self.token_url = token_url
        self.scopes = dict(scopes or {})
        self.refresh_url = refresh_url

    def credential(self, request: Request) -> str | None:
        return _authorization(request, "Bearer")

    def scheme(self) -> dict[str, Any]:
        flow: dict[str, Any] = {"tokenUrl": self.token_url, "scopes": dict(self.scopes)}
        if self.refresh_url:
            flow["refreshUrl"] = self.refresh_url
        return {"type": "oauth2", "flows": {"password": flow}}
