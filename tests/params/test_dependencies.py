"""Depends: sync and async, nested, cached, generators cleaned up after the response, overrides."""

from collections.abc import AsyncIterator, Iterator
from typing import Annotated

import pytest

from heron import Depends, Header, Heron, HTTPException, Query, Request, abort
from heron.testing import TestClient


def test_sync_and_async_dependencies_with_their_own_parameters(
    app: Heron, client: TestClient
) -> None:
    def pagination(page: Annotated[int, Query(ge=1)] = 1, size: int = 10) -> dict:
        return {"offset": (page - 1) * size, "limit": size}

    async def current_user(x_user: Annotated[str, Header()] = "anonymous") -> str:
        return x_user

    @app.get("/items")
    async def items(
        paging: Annotated[dict, Depends(pagination)], user: str = Depends(current_user)
    ) -> dict:
        return {"paging": paging, "user": user}

    response = client.get("/items?page=3&size=5", headers={"X-User": "ann"})
    assert response.json() == {"paging": {"offset": 10, "limit": 5}, "user": "ann"}
    response = client.get("/items?page=0")
    assert response.json()["detail"][0]["loc"] == ["query", "page"]


def test_nested_dependencies_run_once_per_request(app: Heron, client: TestClient) -> None:
    calls: list[str] = []

    async def settings() -> dict:
        calls.append("settings")
        return {"prefix": ">"}

    async def formatter(conf: dict = Depends(settings)) -> str:
        return conf["prefix"]

    async def greeting(conf: dict = Depends(settings), fmt: str = Depends(formatter)) -> str:
        return fmt + "hello"

    @app.get("/")
    async def handler(text: str = Depends(greeting), conf: dict = Depends(settings)) -> dict:
        return {"text": text, "prefix": conf["prefix"]}

    assert client.get("/").json() == {"text": ">hello", "prefix": ">"}
    assert calls == ["settings"]
    client.get("/")
    assert calls == ["settings", "settings"]


def test_use_cache_false_runs_every_time(app: Heron, client: TestClient) -> None:
    counter = iter(range(100))

    def ticket() -> int:
        return next(counter)

    @app.get("/")
    async def handler(a: int = Depends(ticket), b: int = Depends(ticket, use_cache=False)) -> dict:
        return {"a": a, "b": b}

    assert client.get("/").json() == {"a": 0, "b": 1}


def test_dependency_may_take_the_request_and_abort(app: Heron, client: TestClient) -> None:
    async def require_token(request: Request) -> str:
        token = request.headers.get("authorization")
        if token != "Bearer good":
            abort(401, "Not authenticated")
        return "alice"

    @app.get("/private")
    async def private(user: str = Depends(require_token)) -> dict:
        return {"user": user}

    assert client.get("/private").status_code == 401
    assert client.get("/private", headers={"Authorization": "Bearer good"}).json() == {
        "user": "alice"
    }


def test_dependency_without_callable_uses_the_annotation(app: Heron, client: TestClient) -> None:
    class Paging:
        def __init__(self, page: int = 1) -> None:
            self.page = page

    @app.get("/")
    async def handler(paging: Annotated[Paging, Depends()]) -> dict:
        return {"page": paging.page}

    assert client.get("/?page=4").json() == {"page": 4}


def test_callable_instance_dependency(app: Heron, client: TestClient) -> None:
    class Prefixed:
        def __init__(self, prefix: str) -> None:
            self.prefix = prefix

        async def __call__(self, name: str = "x") -> str:
            return self.prefix + name

    @app.get("/")
    async def handler(value: str = Depends(Prefixed("id-"))) -> dict:
        return {"value": value}

    assert client.get("/?name=7").json() == {"value": "id-7"}


def test_generator_dependencies_clean_up_after_the_response(app: Heron) -> None:
    events: list[str] = []

    async def connection() -> AsyncIterator[str]:
        events.append("open")
        try:
            yield "conn"
        finally:
            events.append("close")

    def transaction(conn: str = Depends(connection)) -> Iterator[str]:
        events.append("begin")
        yield conn + "+tx"
        events.append("commit")

    @app.get("/")
    async def handler(tx: str = Depends(transaction)) -> dict:
        events.append("handler")
        return {"tx": tx}

    client = TestClient(app)
    assert client.get("/").json() == {"tx": "conn+tx"}
    assert events == ["open", "begin", "handler", "commit", "close"]


def test_generator_dependency_sees_the_handlers_error(app: Heron) -> None:
    seen: list[str] = []

    async def unit_of_work() -> AsyncIterator[None]:
        try:
            yield
        except HTTPException as exc:
            seen.append(f"rollback {exc.status_code}")
            raise
        except RuntimeError as exc:
            seen.append(f"rollback {exc}")
            raise
        else:
            seen.append("commit")

    @app.get("/conflict")
    async def conflict(work: None = Depends(unit_of_work)) -> dict:
        abort(409)

    @app.get("/boom")
    async def boom(work: None = Depends(unit_of_work)) -> dict:
        raise RuntimeError("boom")

    client = TestClient(app, raise_server_exceptions=False)
    assert client.get("/conflict").status_code == 409
    assert client.get("/boom").status_code == 500
    assert seen == ["rollback 409", "rollback boom"]


def test_failing_cleanup_is_logged_not_raised(app: Heron, caplog: pytest.LogCaptureFixture) -> None:
    async def broken() -> AsyncIterator[int]:
        yield 1
        raise RuntimeError("cleanup failed")

    @app.get("/")
    async def handler(value: int = Depends(broken)) -> dict:
        return {"value": value}

    assert TestClient(app).get("/").json() == {"value": 1}
    assert "cleanup failed" in caplog.text


def test_dependency_overrides_for_tests(app: Heron, client: TestClient) -> None:
    async def real_user() -> str:
        return "real"

    async def profile(user: str = Depends(real_user)) -> dict:
        return {"user": user}

    @app.get("/")
    async def handler(data: dict = Depends(profile)) -> dict:
        return data

    assert client.get("/").json() == {"user": "real"}
    app.dependency_overrides[real_user] = lambda name="fake": name
    assert client.get("/?name=test").json() == {"user": "test"}
    app.dependency_overrides.clear()
    assert client.get("/").json() == {"user": "real"}


def test_unresolvable_annotation_is_a_clear_error(app: Heron) -> None:
    @app.get("/")
    async def handler(value: "NotDefinedAnywhere") -> dict:  # type: ignore[name-defined]  # noqa: F821
        return {}

    with pytest.raises(TypeError, match="NotDefinedAnywhere"):
        app.build()


def test_dependency_cycle_is_an_error(app: Heron) -> None:
    def a(value: int = Depends(lambda: 1)) -> int:
        return value

    def loop(value: int = Depends(a)) -> int:
        return value

    loop.__defaults__ = (Depends(loop),)

    @app.get("/")
    async def handler(value: int = Depends(loop)) -> dict:
        return {}

    with pytest.raises(TypeError, match="cycle"):
        app.build()


def test_sync_handler_with_dependencies(app: Heron, client: TestClient) -> None:
    def number(n: int = 2) -> int:
        return n

    @app.get("/")
    def handler(value: int = Depends(number)) -> dict:
        return {"square": value * value}

    assert client.get("/?n=5").json() == {"square": 25}


def test_route_and_blueprint_dependencies_run_before_the_handler(app: Heron) -> None:
    from heron import Blueprint

    order: list[str] = []

    async def verify_key(x_key: Annotated[str, Header()]) -> None:
        if x_key != "secret":
            abort(403)
        order.append("key")

    def audit(request: Request) -> None:
        order.append(f"audit {request.path}")

    api = Blueprint("api", __name__, url_prefix="/api", dependencies=[Depends(verify_key)])

    @api.get("/items", dependencies=[Depends(audit)])
    async def items() -> dict:
        order.append("handler")
        return {"ok": True}

    app.register_blueprint(api)
    client = TestClient(app)
    assert client.get("/api/items").json()["detail"][0]["loc"] == ["header", "x-key"]
    assert client.get("/api/items", headers={"X-Key": "wrong"}).status_code == 403
    assert order == []
    assert client.get("/api/items", headers={"X-Key": "secret"}).json() == {"ok": True}
    assert order == ["key", "audit /api/items", "handler"]


def test_route_dependencies_must_be_depends_markers(app: Heron) -> None:
    @app.get("/", dependencies=[lambda: None])
    async def handler() -> dict:
        return {}

    with pytest.raises(TypeError, match="Depends"):
        app.build()
