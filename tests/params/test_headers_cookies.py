"""Header and cookie parameters."""

from __future__ import annotations

from typing import Annotated

from heron import Cookie, Header, Heron
from heron.testing import TestClient


def test_header_names_convert_underscores(app: Heron, client: TestClient) -> None:
    @app.get("/")
    async def handler(
        user_agent: Annotated[str, Header()] = "",
        x_request_id: Annotated[int | None, Header()] = None,
    ) -> dict:
        return {"ua": user_agent, "id": x_request_id}

    response = client.get("/", headers={"User-Agent": "probe", "X-Request-ID": "12"})
    assert response.json() == {"ua": "probe", "id": 12}
    response = client.get("/", headers={"X-Request-ID": "twelve"})
    assert response.json()["detail"][0]["loc"] == ["header", "x-request-id"]


def test_header_without_conversion_and_alias(app: Heron, client: TestClient) -> None:
    @app.get("/")
    async def handler(
        raw_name: Annotated[str, Header(convert_underscores=False)] = "-",
        token: Annotated[str, Header(alias="X-Api-Token")] = "-",
    ) -> dict:
        return {"raw": raw_name, "token": token}

    response = client.get("/", headers={"raw_name": "1", "x-api-token": "t"})
    assert response.json() == {"raw": "1", "token": "t"}


def test_required_header_and_repeated_values(app: Heron, client: TestClient) -> None:
    @app.get("/")
    async def handler(x_tag: Annotated[list[str], Header()]) -> dict:
        return {"tags": x_tag}

    assert client.get("/", headers=[("x-tag", "a"), ("x-tag", "b")]).json() == {"tags": ["a", "b"]}
    response = client.get("/")
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"type": "missing", "loc": ["header", "x-tag"], "msg": "Field required"}
    ]


def test_cookies(app: Heron, client: TestClient) -> None:
    @app.get("/")
    async def handler(
        session_id: Annotated[str, Cookie()], visits: Annotated[int, Cookie(ge=0)] = 0
    ) -> dict:
        return {"session": session_id, "visits": visits}

    client.cookies.set("session_id", "abc")
    client.cookies.set("visits", "4")
    assert client.get("/").json() == {"session": "abc", "visits": 4}
    client.cookies.set("visits", "-1")
    assert client.get("/").json()["detail"][0]["loc"] == ["cookie", "visits"]
    client.cookies.clear()
    assert client.get("/").json()["detail"][0]["loc"] == ["cookie", "session_id"]
