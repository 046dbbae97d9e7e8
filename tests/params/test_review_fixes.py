"""Behaviour FastAPI users rely on: dict bodies, form models, auth before parameters,
class dependencies under postponed annotations, sync transaction dependencies."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import pytest
from pydantic import BaseModel

from heron import Depends, Form, Heron, Query, Request, abort
from heron.db import Model, atomic, connections, fields, registry
from heron.testing import TestClient


class Login(BaseModel):
    username: str
    remember: bool = False
    scopes: list[str] = []


class Paging:
    """A class dependency whose ``__init__`` annotations are strings (postponed)."""

    def __init__(self, page: int = 1, size: Annotated[int, Query(le=100)] = 10) -> None:
        self.page, self.size = page, size


class Entry(Model):
    text = fields.String(max_length=20)

    class Meta:
        label = "paramsfix"


def transaction() -> Iterator[None]:
    with atomic():
        yield


async def current_user(request: Request) -> str:
    if request.headers.get("authorization") != "Bearer ok":
        abort(401, "Not authenticated")
    return "ann"


def test_class_dependency_with_postponed_annotations(app: Heron, client: TestClient) -> None:
    @app.get("/articles")
    async def articles(paging: Annotated[Paging, Depends()]) -> dict:
        return {"page": paging.page, "size": paging.size}

    assert client.get("/articles?page=2&size=5").json() == {"page": 2, "size": 5}
    assert client.get("/articles?size=500").json()["detail"][0]["loc"] == ["query", "size"]


def test_dict_parameter_is_the_body(app: Heron, client: TestClient) -> None:
    @app.post("/data")
    async def data(payload: dict[str, int]) -> dict:
        return {"total": sum(payload.values())}

    assert client.post("/data", json={"a": 1, "b": 2}).json() == {"total": 3}
    assert client.post("/data", json={"a": "x"}).json()["detail"][0]["loc"] == ["body", "a"]


def test_form_model_takes_its_fields_from_the_form(app: Heron, client: TestClient) -> None:
    @app.post("/login")
    async def login(data: Annotated[Login, Form()]) -> dict:
        return data.model_dump()

    response = client.post(
        "/login", data={"username": "ann", "remember": "true", "scopes": ["a", "b"]}
    )
    assert response.json() == {"username": "ann", "remember": True, "scopes": ["a", "b"]}
    missing = client.post("/login", data={"remember": "true"})
    assert missing.json()["detail"] == [
        {"type": "missing", "loc": ["body", "username"], "msg": "Field required"}
    ]


def test_dependencies_run_before_the_handlers_own_parameters(
    app: Heron, client: TestClient
) -> None:
    @app.get("/secret")
    async def secret(user: Annotated[str, Depends(current_user)], q: int) -> dict:
        return {"user": user, "q": q}

    assert client.get("/secret?q=x").status_code == 401
    authorised = {"Authorization": "Bearer ok"}
    assert client.get("/secret?q=x", headers=authorised).status_code == 422
    assert client.get("/secret?q=1", headers=authorised).json() == {"user": "ann", "q": 1}


def test_returning_one_model_instance_without_a_schema(app: Heron, notes_db: None) -> None:
    @app.get("/entry")
    async def entry():  # type: ignore[no-untyped-def]
        return await Entry.objects.acreate(text="solo")

    assert TestClient(app).get("/entry").json() == {"id": 1, "text": "solo"}


@pytest.fixture
def notes_db(tmp_path: Path) -> Iterator[None]:
    connections.configure(database_url=f"sqlite:///{tmp_path / 'fix.db'}")
    engine = connections["default"].sqlalchemy_engine()
    registry.metadata.create_all(engine, tables=registry.tables_for("paramsfix"))
    yield
    connections.reset()


def test_sync_transaction_dependency_wraps_a_sync_handler(app: Heron, notes_db: None) -> None:
    @app.post("/entries")
    def create(tx: Annotated[None, Depends(transaction)], fail: bool = False) -> dict:
        Entry.objects.create(text="kept" if not fail else "rolled back")
        if fail:
            abort(409)
        return {"count": Entry.objects.count()}

    client = TestClient(app)
    assert client.post("/entries").json() == {"count": 1}
    assert client.post("/entries?fail=true").status_code == 409
    assert client.post("/entries").json() == {"count": 2}
    assert sorted(Entry.objects.values_list("text", flat=True)) == ["kept", "kept"]
