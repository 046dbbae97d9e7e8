"""before_request, after_request and teardown_request on the app and on blueprints."""

from __future__ import annotations

from typing import Any

from heron import Blueprint, Heron, Request, Response, g
from heron.testing import TestClient


def test_before_request_can_short_circuit(app: Heron) -> None:
    calls: list[str] = []

    @app.before_request
    async def guard(request: Request) -> Any:
        calls.append("guard")
        if request.headers.get("x-token") != "ok":
            return {"detail": "no token"}, 401
        return None

    @app.get("/")
    async def index() -> str:
        calls.append("handler")
        return "in"

    client = TestClient(app)
    assert client.get("/").status_code == 401
    assert calls == ["guard"]
    assert client.get("/", headers={"X-Token": "ok"}).text == "in"
    assert calls == ["guard", "guard", "handler"]


def test_after_request_may_replace_or_edit(app: Heron) -> None:
    @app.after_request
    def add_header(response: Response) -> Response:
        response.headers["X-After"] = "1"
        return response

    @app.after_request
    async def replace(request: Request, response: Response) -> Any:
        if request.path == "/replace":
            return "replaced", 202
        return None

    @app.get("/")
    async def index() -> str:
        return "original"

    @app.get("/replace")
    async def other() -> str:
        return "original"

    client = TestClient(app)
    first = client.get("/")
    assert (first.text, first.headers["x-after"]) == ("original", "1")
    second = client.get("/replace")
    assert (second.status_code, second.text) == (202, "replaced")


def test_teardown_always_runs_and_gets_the_exception(app: Heron) -> None:
    seen: list[Any] = []

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        seen.append(exc)

    @app.get("/ok")
    async def ok() -> str:
        return "ok"

    @app.get("/fail")
    async def fail() -> str:
        raise ValueError("bad")

    client = TestClient(app, raise_server_exceptions=False)
    client.get("/ok")
    client.get("/fail")
    assert seen[0] is None
    assert isinstance(seen[1], ValueError)


def test_blueprint_hooks_apply_only_to_its_routes(app: Heron) -> None:
    bp = Blueprint("admin", __name__)

    @bp.before_request
    def mark() -> None:
        g.area = "admin"

    @bp.get("/")
    async def admin_index() -> str:
        return g.area

    @app.get("/")
    async def index() -> str:
        return getattr(g, "area", "public")

    app.register_blueprint(bp, url_prefix="/admin")
    client = TestClient(app)
    assert client.get("/admin/").text == "admin"
    assert client.get("/").text == "public"


def test_app_before_hooks_run_before_blueprint_hooks(app: Heron) -> None:
    order: list[str] = []
    bp = Blueprint("bp", __name__)
    app.before_request(lambda: order.append("app"))
    bp.before_request(lambda: order.append("bp"))

    @bp.get("/x")
    async def x() -> str:
        return ",".join(order)

    app.register_blueprint(bp)
    assert TestClient(app).get("/x").text == "app,bp"
