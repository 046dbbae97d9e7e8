"""Key examples of quickstart, routing, requests-responses and errors-and-hooks, as written."""

from __future__ import annotations

from typing import Any

import pytest

from heron import (
    Blueprint,
    Converter,
    Heron,
    Request,
    Response,
    UploadFile,
    abort,
    g,
    redirect,
    render,
    url_for,
)
from heron.routing import BuildError
from heron.testing import TestClient


def client_for(app: Heron) -> TestClient:
    app.config["TESTING"] = True
    return TestClient(app, follow_redirects=False)


# -- quickstart.md ------------------------------------------------------------------------


def quickstart_app() -> Heron:
    app = Heron(__name__)

    @app.get("/")
    async def index(request: Request):
        return render(request, "index.html", name="world")

    @app.get("/api/users/<int:user_id>")
    async def user(user_id: int):
        if user_id != 1:
            abort(404, "No such user")
        return {"id": user_id, "name": "Ada"}

    return app


def test_quickstart() -> None:
    client = client_for(quickstart_app())
    page = client.get("/")
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "<h1>Hello, world!</h1>" in page.text
    assert '<a href="/api/users/1">/api/users/1</a>' in page.text
    assert client.get("/api/users/1").json() == {"id": 1, "name": "Ada"}
    missing = client.get("/api/users/2", headers={"Accept": "application/json"})
    assert (missing.status_code, missing.json()) == (404, {"detail": "No such user"})


# -- routing.md ---------------------------------------------------------------------------


class HexConverter(Converter):
    regex = "[0-9a-fA-F]+"

    def to_python(self, value: str) -> int:
        return int(value, 16)  # raise ValueError to reject the match

    def to_url(self, value: int) -> str:
        return format(value, "x")


def routing_app() -> Heron:
    app = Heron(__name__)

    @app.get("/users/<int:user_id>")
    async def show_user(user_id: int):
        return {"id": user_id}

    @app.get("/page/<int(min=1):number>")
    @app.get("/files/<name>.<ext>")
    @app.get("/tags/<tag>")
    async def params(request: Request):
        return {key: str(value) for key, value in request.path_params.items()}

    @app.post("/users")
    async def create_user(request):
        return redirect(url_for("show_user", user_id=7))

    app.add_converter("hex", HexConverter)

    @app.get("/colors/<hex:rgb>")
    async def color(rgb: int):
        return {"rgb": rgb}

    shop = Blueprint("shop", __name__, url_prefix="/shop")

    @shop.get("/")
    async def shop_index():
        return "shop"

    @shop.get("/items/<int:item_id>")
    async def item(item_id: int):
        return {"item": item_id, "self": url_for(".item", item_id=3)}

    app.register_blueprint(shop)
    return app


def test_routes_converters_and_methods() -> None:
    client = client_for(routing_app())
    assert client.get("/users/42").json() == {"id": 42}
    assert client.get("/page/3").json() == {"number": "3"}
    assert client.get("/page/0").status_code == 404
    assert client.get("/files/report.json").json() == {"name": "report", "ext": "json"}
    assert client.get("/tags/caf%C3%A9").json() == {"tag": "café"}
    assert client.get("/colors/ff").json() == {"rgb": 255}
    assert client.head("/users/1").content == b""
    options = client.options("/users/1")
    assert (options.status_code, options.headers["allow"]) == (200, "GET, HEAD, OPTIONS")
    wrong = client.delete("/users/1")
    assert (wrong.status_code, wrong.headers["allow"]) == (405, "GET, HEAD, OPTIONS")


def test_trailing_slash_redirect_and_url_for() -> None:
    app = routing_app()
    client = client_for(app)
    moved = client.get("/shop?x=1")
    assert (moved.status_code, moved.headers["location"]) == (308, "/shop/?x=1")
    assert client.post("/users").headers["location"] == "/users/7"
    assert client.get("/shop/items/4").json() == {"item": 4, "self": "/shop/items/3"}
    assert app.url_for("color", rgb=255) == "/colors/ff"
    assert app.url_for("params", tag="a b") == "/tags/a%20b"
    assert app.url_for("show_user", user_id=1, _anchor="comments") == "/users/1#comments"
    assert app.url_for("show_user", user_id=1, q=["a", "b"]) == "/users/1?q=a&q=b"
    with pytest.raises(BuildError, match="missing parameter 'user_id'"):
        app.url_for("show_user")
    with pytest.raises(BuildError, match="Did you mean 'show_user'"):
        app.url_for("show_usr")


# -- requests-responses.md ----------------------------------------------------------------


def requests_app(saved: list[Any]) -> Heron:
    app = Heron(__name__)

    @app.get("/search")
    async def search(request: Request):
        terms = request.query_params.getlist("q")
        page = int(request.query_params.get("page", "1"))
        theme = request.cookies.get("theme", "light")
        agent = request.headers.get("user-agent", "")
        return {"terms": terms, "page": page, "theme": theme, "agent": agent}

    @app.post("/api/notes")
    async def create_note(request: Request):
        data = await request.json()  # parsed JSON
        return {"received": data}, 201

    @app.post("/profile")
    async def save_profile(request: Request):
        form = await request.form()
        interests = form.getlist("interest")  # every checked box
        avatar = form.get("avatar")
        if isinstance(avatar, UploadFile) and avatar.filename:
            saved.append((avatar.filename, avatar.content_type, await avatar.read()))
        saved.append((form["name"], interests))
        return redirect("/profile")

    @app.post("/preferences")
    async def preferences(request: Request):
        response = redirect("/")
        response.set_cookie("theme", "dark", max_age=365 * 24 * 3600)
        return response

    return app


def test_request_reading() -> None:
    client = client_for(requests_app([]))
    client.cookies.set("theme", "dark")
    found = client.get("/search?q=a&q=b&page=2")
    assert found.json()["terms"] == ["a", "b"]
    assert (found.json()["page"], found.json()["theme"]) == (2, "dark")
    note = client.post("/api/notes", json={"title": "hi"})
    assert (note.status_code, note.json()) == (201, {"received": {"title": "hi"}})
    bad = client.post("/api/notes", content=b'{"a":', headers={"content-type": "application/json"})
    assert bad.status_code == 400
    assert "Invalid JSON: unexpected end of data at line 1 column 6" in bad.text
    assert client.get("/search?q=%zz").status_code == 400


def test_forms_and_uploads() -> None:
    saved: list[Any] = []
    client = client_for(requests_app(saved))
    files = {"avatar": ("me.png", b"PNG", "image/png")}
    sent = client.post("/profile", data={"name": "Ada", "interest": ["x", "y"]}, files=files)
    assert (sent.status_code, sent.headers["location"]) == (302, "/profile")
    assert saved == [("me.png", "image/png", b"PNG"), ("Ada", ["x", "y"])]
    broken = client.post("/profile", content=b"--", headers={"content-type": "multipart/form-data"})
    assert broken.status_code == 400 and "Malformed multipart body" in broken.text
    cookie = client.post("/preferences").headers["set-cookie"]
    assert cookie == "theme=dark; Max-Age=31536000; Path=/; HttpOnly; SameSite=Lax"
    with pytest.raises(ValueError):
        Response("x", headers={"X-Bad": "a\r\nSet-Cookie: x=1"})


# -- errors-and-hooks.md ------------------------------------------------------------------


class PaymentError(Exception):
    pass


def hooks_app(log: list[Any]) -> Heron:
    app = Heron(__name__)
    posts = {1: {"title": "one"}}

    @app.get("/posts/<int:post_id>")
    async def post(post_id: int):
        post = posts.get(post_id) or abort(404, f"There is no post {post_id}")
        return post

    @app.get("/pay")
    def pay():
        raise PaymentError("card declined")

    @app.errorhandler(404)
    async def not_found(request, exc):
        return render(request, "404.html"), 404

    @app.errorhandler(PaymentError)
    def payment_failed(exc):  # Flask style: just the exception
        return {"detail": str(exc)}, 402

    @app.before_request
    async def load_user(request):
        g.user = request.cookies.get("uid")

    @app.after_request
    def add_header(response):  # or (request, response)
        response.headers["X-Served-By"] = "heron"
        return response  # return a new response to replace it

    @app.teardown_request
    def close_things(exc):  # or (request, exc); always runs
        log.append(type(exc).__name__ if exc else None)

    @app.get("/me")
    def me():
        return {"user": g.user}

    @app.on_startup
    async def connect():
        app.extensions["db"] = "pool"
        log.append("startup")

    @app.lifespan
    async def http_client(app):
        log.append("enter")
        yield
        log.append("exit")

    return app


def test_error_handlers() -> None:
    log: list[Any] = []
    client = client_for(hooks_app(log))
    assert client.get("/posts/1").json() == {"title": "one"}
    missing = client.get("/posts/2")
    assert (missing.status_code, missing.text.strip()) == (404, "<h1>Nothing here</h1>")
    assert client.get("/nowhere").text.strip() == "<h1>Nothing here</h1>"
    paid = client.get("/pay")
    assert (paid.status_code, paid.json()) == (402, {"detail": "card declined"})


def test_hooks_and_lifespan() -> None:
    log: list[Any] = []
    app = hooks_app(log)
    with client_for(app) as client:
        assert app.extensions["db"] == "pool"
        client.cookies.set("uid", "7")
        me = client.get("/me")
        assert (me.json(), me.headers["x-served-by"]) == ({"user": "7"}, "heron")
        assert "x-served-by" not in client.get("/pay").headers  # errors skip after_request
    assert log == ["enter", "startup", None, "PaymentError", "exit"]
