"""Routing through the app: methods, HEAD/OPTIONS, redirects, url_for, globals, thread pool."""

from __future__ import annotations

import asyncio
import threading
from typing import Annotated, Any

import httpx
import pytest

from heron import Blueprint, Heron, Path, Request, g, request, url_for
from heron.testing import AsyncTestClient, TestClient


def test_method_not_allowed_lists_allowed_methods(app: Heron) -> None:
    @app.route("/items", methods=["GET", "POST"])
    async def items() -> str:
        return "items"

    response = TestClient(app).delete("/items")
    assert response.status_code == 405
    assert set(response.headers["allow"].replace(" ", "").split(",")) >= {"GET", "POST", "HEAD"}


def test_head_is_answered_from_get_without_body(app: Heron) -> None:
    @app.get("/page")
    async def page() -> str:
        return "<p>content</p>"

    response = TestClient(app).head("/page")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(len("<p>content</p>"))


def test_options_is_answered_with_allow(app: Heron) -> None:
    @app.route("/thing", methods=["GET", "PUT"])
    async def thing() -> str:
        return "x"

    response = TestClient(app).options("/thing")
    assert response.status_code == 200
    assert {"GET", "PUT", "HEAD", "OPTIONS"} <= {
        m.strip() for m in response.headers["allow"].split(",")
    }


def test_trailing_slash_redirect_keeps_query(app: Heron) -> None:
    @app.get("/docs/")
    async def docs() -> str:
        return "docs"

    client = TestClient(app, follow_redirects=False)
    response = client.get("/docs?page=2")
    assert response.status_code == 308
    assert response.headers["location"] == "/docs/?page=2"
    assert TestClient(app).get("/docs").text == "docs"


def test_unknown_path_is_404(app: Heron) -> None:
    assert TestClient(app).get("/missing").status_code == 404


def test_path_parameters_are_converted(app: Heron) -> None:
    @app.get("/users/<int:user_id>/posts/<slug>")
    async def post(user_id: int, slug: str) -> dict[str, Any]:
        return {"user_id": user_id, "slug": slug}

    client = TestClient(app)
    assert client.get("/users/7/posts/hello").json() == {"user_id": 7, "slug": "hello"}
    assert client.get("/users/x/posts/hello").status_code == 404


def test_url_for_in_python(app: Heron) -> None:
    bp = Blueprint("shop", __name__)

    @bp.get("/item/<int:item_id>")
    async def item(item_id: int) -> str:
        return url_for(".item", item_id=item_id + 1, q="a b")

    @app.get("/")
    async def index() -> dict[str, str]:
        return {
            "item": url_for("shop.item", item_id=3),
            "external": url_for("index", _external=True),
        }

    app.register_blueprint(bp, url_prefix="/shop")
    client = TestClient(app)
    assert client.get("/").json() == {"item": "/shop/item/3", "external": "http://testserver/"}
    assert client.get("/shop/item/1").text == "/shop/item/2?q=a+b"


def test_url_for_outside_a_request_needs_server_name(app: Heron) -> None:
    @app.get("/x")
    async def x() -> str:
        return ""

    assert app.url_for("x") == "/x"
    with pytest.raises(RuntimeError, match="SERVER_NAME"):
        app.url_for("x", _external=True)
    app.config["SERVER_NAME"] = "example.com"
    assert app.url_for("x", _external=True, _scheme="https") == "https://example.com/x"


def test_context_locals_in_async_and_sync_handlers(app: Heron) -> None:
    @app.before_request
    def load_user() -> None:
        g.user = "ada"

    @app.get("/async")
    async def in_async() -> str:
        return f"{request.path} {g.user}"

    @app.get("/sync")
    def in_sync() -> str:
        return f"{request.path} {g.user}"

    client = TestClient(app)
    assert client.get("/async").text == "/async ada"
    assert client.get("/sync").text == "/sync ada"


def test_context_locals_outside_a_request_raise() -> None:
    with pytest.raises(RuntimeError, match="outside of a request"):
        request.path  # noqa: B018
    with pytest.raises(RuntimeError, match="outside of a request"):
        g.user  # noqa: B018


@pytest.mark.anyio
async def test_sync_handlers_do_not_block_the_event_loop(app: Heron) -> None:
    released = threading.Event()

    @app.get("/blocking")
    def blocking() -> str:
        assert released.wait(timeout=5), "the event loop was blocked"
        return "released"

    @app.get("/release")
    async def release() -> str:
        released.set()
        return "ok"

    async with AsyncTestClient(app) as client:
        slow = asyncio.create_task(client.get("/blocking"))
        await asyncio.sleep(0.05)
        assert (await client.get("/release")).text == "ok"
        assert (await slow).text == "released"


def test_path_marker_for_a_name_the_rule_lacks_fails_at_registration(app: Heron) -> None:
    @app.get("/x")
    async def handler(missing: Annotated[int, Path()]) -> str:
        return ""

    with pytest.raises(TypeError, match="missing"):
        app.build()


def test_other_parameters_are_query_parameters(app: Heron) -> None:
    @app.get("/x")
    async def handler(wanted: int) -> str:
        return str(wanted * 2)

    client = TestClient(app)
    assert client.get("/x?wanted=21").text == "42"
    response = client.get("/x")
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"type": "missing", "loc": ["query", "wanted"], "msg": "Field required"}
    ]


def test_mount_asgi_and_wsgi_apps(app: Heron) -> None:
    async def asgi_app(scope: Any, receive: Any, send: Any) -> None:
        body = f"{scope['root_path']}|{scope['path']}".encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [f"{environ['SCRIPT_NAME']}|{environ['PATH_INFO']}".encode()]

    app.mount("/asgi", asgi_app)
    app.mount("/legacy", wsgi_app)
    client = TestClient(app)
    assert client.get("/asgi/a/b").text == "/asgi|/asgi/a/b"
    assert client.get("/legacy/x").text == "/legacy|/x"
    assert client.get("/other").status_code == 404


def test_bad_input_is_a_4xx(app: Heron) -> None:
    @app.post("/json")
    async def take_json(request: Request) -> Any:
        return await request.json()

    @app.get("/q")
    async def take_query(request: Request) -> Any:
        return dict(request.query_params)

    client = TestClient(app)
    bad_json = client.post(
        "/json", content=b'{"a": 1,}', headers={"Content-Type": "application/json"}
    )
    assert bad_json.status_code == 400
    assert "line 1" in bad_json.text
    assert client.get("/q", params={"a": "b"}).json() == {"a": "b"}
    assert client.get(httpx.URL("/q?a=%ff")).status_code == 400
    assert client.get(httpx.URL("/q?a=%zz")).status_code == 400


@pytest.mark.parametrize("raw_path", [b"/files/%ff", b"/files/%zz", b"/files/%4"])
def test_bad_encoding_in_the_path_is_400(app: Heron, raw_path: bytes) -> None:
    @app.get("/files/<name>")
    async def file(name: str) -> str:
        return name

    async def call() -> list[dict[str, Any]]:
        scope = {
            "type": "http",
            "method": "GET",
            "path": raw_path.decode("latin-1"),
            "raw_path": raw_path,
            "query_string": b"",
            "headers": [],
            "root_path": "",
        }
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await app(scope, receive, send)
        return sent

    sent = asyncio.run(call())
    assert sent[0]["status"] == 400
    assert b"Invalid" in sent[1]["body"]
