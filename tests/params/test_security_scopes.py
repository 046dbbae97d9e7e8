"""SecurityScopes: a dependency learns which OAuth2 scopes the operations above it need."""

from typing import Annotated

from heron import (
    Depends,
    Heron,
    HTTPException,
    OAuth2PasswordBearer,
    Security,
    SecurityScopes,
)
from heron.testing import TestClient

oauth2 = OAuth2PasswordBearer(
    token_url="/token", scopes={"read": "Read", "admin": "Administer", "me": "Own profile"}
)

# A token here is "user:scope,scope": what a real app would decode from a signed token.
seen_scopes: list[list[str]] = []


def current_user(security_scopes: SecurityScopes, token: str = Depends(oauth2)) -> str:
    seen_scopes.append(security_scopes.scopes)
    user, _, granted = token.partition(":")
    missing = [scope for scope in security_scopes.scopes if scope not in granted.split(",")]
    if missing:
        raise HTTPException(
            403,
            f"missing scope {missing[0]}",
            headers={"WWW-Authenticate": f'Bearer scope="{security_scopes.scope_str}"'},
        )
    return user


def active_user(user: Annotated[str, Security(current_user, scopes=["me"])]) -> str:
    return user


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_each_operation_checks_its_own_scopes(app: Heron, client: TestClient) -> None:
    @app.get("/report")
    async def report(user: Annotated[str, Security(current_user, scopes=["read"])]) -> str:
        return user

    @app.get("/admin")
    async def admin(user: str = Security(current_user, scopes=["read", "admin"])) -> str:
        return user

    assert client.get("/report", headers=bearer("ann:read")).text == "ann"
    denied = client.get("/admin", headers=bearer("ann:read"))
    assert denied.status_code == 403
    assert denied.headers["www-authenticate"] == 'Bearer scope="read admin"'
    assert client.get("/admin", headers=bearer("root:read,admin")).text == "root"
    assert client.get("/admin").status_code == 401  # no token: the scheme answers first


def test_scopes_add_up_from_the_handler_down(app: Heron, client: TestClient) -> None:
    @app.get("/profile")
    async def profile(user: str = Security(active_user, scopes=["read"])) -> str:
        return user

    seen_scopes.clear()
    assert client.get("/profile", headers=bearer("ann:read,me")).text == "ann"
    assert seen_scopes == [["read", "me"]]
    assert client.get("/profile", headers=bearer("ann:me")).status_code == 403


def test_a_dependency_reading_scopes_is_cached_per_scope_list(
    app: Heron, client: TestClient
) -> None:
    calls: list[str] = []

    def connection() -> str:
        calls.append("connection")
        return "conn"

    def scoped(security_scopes: SecurityScopes, conn: str = Depends(connection)) -> str:
        calls.append(security_scopes.scope_str)
        return security_scopes.scope_str

    @app.get("/both")
    async def both(
        first: str = Security(scoped, scopes=["a"]),
        again: str = Security(scoped, scopes=["a"]),
        other: str = Security(scoped, scopes=["b"]),
    ) -> list[str]:
        return [first, again, other]

    assert client.get("/both").json() == ["a", "a", "b"]
    assert calls == ["connection", "a", "b"]  # no scopes read below: shared once


def test_route_dependencies_and_the_handler_itself(app: Heron, client: TestClient) -> None:
    checked: list[list[str]] = []

    def check(security_scopes: SecurityScopes) -> None:
        checked.append(security_scopes.scopes)

    @app.get("/audit", dependencies=[Security(check, scopes=["audit"])])
    async def audit(security_scopes: SecurityScopes) -> list[str]:
        return security_scopes.scopes  # nothing above the handler

    assert client.get("/audit").json() == []
    assert checked == [["audit"]]
    operation = app.openapi()["paths"]["/audit"]["get"]
    assert "parameters" not in operation  # SecurityScopes is injected, not read from the request


def test_overrides_receive_the_scopes_of_the_dependency_they_replace(
    app: Heron, client: TestClient
) -> None:
    @app.get("/report")
    async def report(user: str = Security(current_user, scopes=["read"])) -> str:
        return user

    def fake_user(security_scopes: SecurityScopes) -> str:
        return f"tester with {security_scopes.scope_str}"

    app.dependency_overrides[current_user] = fake_user
    assert client.get("/report").text == "tester with read"
    app.dependency_overrides.clear()


def test_scope_str_and_repr() -> None:
    scopes = SecurityScopes(["read", "write"])
    assert scopes.scope_str == "read write"
    assert repr(scopes) == "SecurityScopes(['read', 'write'])"
    assert SecurityScopes().scopes == [] and SecurityScopes().scope_str == ""
