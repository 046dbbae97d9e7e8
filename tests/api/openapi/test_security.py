"""Security schemes: what they accept and refuse, and how operations document them."""

from __future__ import annotations

import base64

import pytest

from heron import Blueprint, Depends, Security
from heron.params.security import (
    APIKeyCookie,
    APIKeyHeader,
    APIKeyQuery,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
    OAuth2PasswordBearer,
)
from tests.api.openapi.helpers import document, make_app, operation

header_key = APIKeyHeader(name="X-API-Key", description="Issued on the account page")
query_key = APIKeyQuery(name="api_key")
cookie_key = APIKeyCookie(name="key", auto_error=False)
bearer = HTTPBearer(bearer_format="JWT")
basic = HTTPBasic(realm="shop")
oauth2 = OAuth2PasswordBearer(
    token_url="/token", scopes={"read": "Read things", "write": "Change things"}
)


def _basic(value: bytes) -> dict[str, str]:
    return {"authorization": "Basic " + base64.b64encode(value).decode()}


def _app():  # type: ignore[no-untyped-def]
    app = make_app()

    @app.get("/header")
    async def by_header(key: str = Depends(header_key)) -> dict[str, str]:
        return {"key": key}

    @app.get("/query")
    def by_query(key: str = Depends(query_key)) -> dict[str, str]:
        return {"key": key}

    @app.get("/cookie")
    def by_cookie(key: str | None = Depends(cookie_key)) -> dict[str, str | None]:
        return {"key": key}

    @app.get("/bearer")
    def by_bearer(token: str = Depends(bearer)) -> dict[str, str]:
        return {"token": token}

    @app.get("/basic")
    def by_basic(credentials: HTTPBasicCredentials = Depends(basic)) -> dict[str, str]:
        return {"user": credentials.username, "password": credentials.password}

    def current_user(token: str = Depends(oauth2)) -> str:
        return f"user:{token}"

    def writer(user: str = Security(current_user, scopes=["write"])) -> str:
        return user

    @app.get("/me")
    def me(user: str = Security(current_user, scopes=["read"])) -> dict[str, str]:
        return {"user": user}

    @app.post("/things")
    def change(
        user: str = Security(writer, scopes=["read"]), key: str = Depends(header_key)
    ) -> dict[str, str]:
        return {"user": user}

    @app.get("/optional")
    def optional(
        key: str | None = Depends(cookie_key),
        other: str | None = Depends(APIKeyQuery(name="k", auto_error=False)),
    ) -> dict[str, str | None]:
        return {"key": key}

    @app.get("/open")
    def open_() -> dict[str, str]:
        return {}

    return app


@pytest.fixture
def client():  # type: ignore[no-untyped-def]
    return _app().test_client()


def test_api_keys_are_read_from_header_query_and_cookie(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/header", headers={"x-api-key": "k1"}).json() == {"key": "k1"}
    assert client.get("/query?api_key=k2").json() == {"key": "k2"}
    client.cookies.set("key", "k3")
    assert client.get("/cookie").json() == {"key": "k3"}


def test_missing_credentials_are_a_401_with_a_challenge(client) -> None:  # type: ignore[no-untyped-def]
    for path, challenge in [
        ("/header", "APIKey"),
        ("/query", "APIKey"),
        ("/bearer", "Bearer"),
        ("/basic", 'Basic realm="shop"'),
        ("/me", "Bearer"),
    ]:
        response = client.get(path, headers={"accept": "application/json"})
        assert response.status_code == 401, path
        assert response.headers["www-authenticate"] == challenge
        assert response.json() == {"detail": "Not authenticated"}


def test_auto_error_false_gives_none(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/cookie").json() == {"key": None}


def test_bearer_tokens(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/bearer", headers={"authorization": "Bearer abc.def"}).json() == {
        "token": "abc.def"
    }
    assert client.get("/bearer", headers={"authorization": "bearer  xyz "}).json() == {
        "token": "xyz"
    }
    assert client.get("/bearer", headers={"authorization": "Basic abc"}).status_code == 401
    assert client.get("/bearer", headers={"authorization": "Bearer"}).status_code == 401
    assert client.get("/me", headers={"authorization": "Bearer t1"}).json() == {"user": "user:t1"}


def test_basic_credentials(client) -> None:  # type: ignore[no-untyped-def]
    answer = client.get("/basic", headers=_basic(b"ann:pa:ss"))
    assert answer.json() == {"user": "ann", "password": "pa:ss"}
    assert client.get("/basic", headers=_basic(b"no-colon")).status_code == 401
    assert client.get("/basic", headers=_basic(b"\xff\xfe:x")).status_code == 401
    assert client.get("/basic", headers={"authorization": "Basic !!!"}).status_code == 401


def test_schemes_are_components_and_operations_require_them() -> None:
    doc = document(_app())
    schemes = doc["components"]["securitySchemes"]
    assert schemes == {
        "APIKeyHeader": {
            "type": "apiKey",
            "in": "header",
            "name": "X-API-Key",
            "description": "Issued on the account page",
        },
        "APIKeyQuery": {"type": "apiKey", "in": "query", "name": "api_key"},
        "APIKeyCookie": {"type": "apiKey", "in": "cookie", "name": "key"},
        "HTTPBearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
        "HTTPBasic": {"type": "http", "scheme": "basic"},
        "OAuth2PasswordBearer": {
            "type": "oauth2",
            "flows": {
                "password": {
                    "tokenUrl": "/token",
                    "scopes": {"read": "Read things", "write": "Change things"},
                }
            },
        },
        "APIKeyQuery2": {"type": "apiKey", "in": "query", "name": "k"},
    }
    assert operation(doc, "/header")["security"] == [{"APIKeyHeader": []}]
    assert operation(doc, "/me")["security"] == [{"OAuth2PasswordBearer": ["read"]}]
    assert operation(doc, "/things", "post")["security"] == [
        {"OAuth2PasswordBearer": ["read", "write"], "APIKeyHeader": []}
    ]
    assert "security" not in operation(doc, "/open")


def test_optional_schemes_may_be_left_out() -> None:
    doc = document(_app())
    assert operation(doc, "/cookie")["security"] == [{"APIKeyCookie": []}, {}]
    assert operation(doc, "/optional")["security"] == [
        {"APIKeyCookie": []},
        {"APIKeyQuery2": []},
        {},
    ]


def test_scheme_names_can_be_chosen() -> None:
    app = make_app()
    admin = APIKeyHeader(name="X-Admin", scheme_name="AdminKey")

    @app.get("/admin")
    def admin_only(key: str = Depends(admin)) -> dict[str, str]:
        return {}

    doc = document(app)
    assert doc["components"]["securitySchemes"] == {
        "AdminKey": {"type": "apiKey", "in": "header", "name": "X-Admin"}
    }
    assert operation(doc, "/admin")["security"] == [{"AdminKey": []}]
    # the scheme's own request argument is not an API parameter
    assert "parameters" not in operation(doc, "/admin")


def test_route_and_blueprint_dependencies_are_documented() -> None:
    app = make_app()
    admin = Blueprint("admin", __name__, url_prefix="/admin", dependencies=[Depends(bearer)])

    @admin.get("/stats")
    def stats() -> dict[str, int]:
        return {}

    @app.get("/guarded", dependencies=[Depends(header_key)])
    def guarded() -> dict[str, int]:
        return {}

    app.register_blueprint(admin)
    doc = document(app)
    assert operation(doc, "/guarded")["security"] == [{"APIKeyHeader": []}]
    assert operation(doc, "/admin/stats")["security"] == [{"HTTPBearer": []}]
    client = app.test_client()
    assert client.get("/admin/stats").status_code == 401
    assert client.get("/admin/stats", headers={"authorization": "Bearer t"}).status_code == 200
