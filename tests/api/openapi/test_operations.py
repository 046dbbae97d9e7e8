"""Operation metadata, route selection and the application-level document."""

from __future__ import annotations

from pathlib import Path

from heron import Blueprint, Heron
from heron.openapi_app import openapi_for_app
from heron.params.openapi import build_openapi, path_template
from tests.api.openapi.helpers import document, make_app, operation


def test_summary_and_description_come_from_the_docstring_or_options() -> None:
    app = make_app()

    @app.get("/documented")
    def documented() -> dict[str, str]:
        """List the things.

        Every thing, newest first.
        Paged by ``page``.
        """
        return {}

    @app.get("/overridden", summary="Short", description="Long text")
    def overridden() -> dict[str, str]:
        """Ignored."""
        return {}

    @app.get("/bare")
    def list_all_items() -> dict[str, str]:
        return {}

    doc = document(app)
    op = operation(doc, "/documented")
    assert op["summary"] == "List the things."
    assert op["description"] == "Every thing, newest first.\nPaged by ``page``."
    assert (
        operation(doc, "/overridden")["summary"],
        operation(doc, "/overridden")["description"],
    ) == ("Short", "Long text")
    assert operation(doc, "/bare")["summary"] == "List all items"
    assert "description" not in operation(doc, "/bare")


def test_operation_ids_are_unique() -> None:
    app = make_app()

    @app.route("/things", methods=["GET", "POST"])
    def things() -> dict[str, str]:
        return {}

    @app.get("/custom", operation_id="fetchCustom")
    def custom() -> dict[str, str]:
        return {}

    @app.get("/one/<int:id>", name="item")
    @app.get("/one", name="item")
    def item(id: int = 0) -> dict[str, str]:
        return {}

    doc = document(app)
    assert operation(doc, "/things", "get")["operationId"] == "things_get"
    assert operation(doc, "/things", "post")["operationId"] == "things_post"
    assert operation(doc, "/custom")["operationId"] == "fetchCustom"
    ids = [op["operationId"] for item in doc["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))
    assert {operation(doc, "/one")["operationId"], operation(doc, "/one/{id}")["operationId"]} == {
        "item",
        "item_2",
    }


def test_tags_deprecated_extra_and_hidden_routes() -> None:
    app = make_app()

    @app.get("/tagged", tags=["things", "admin"], deprecated=True)
    def tagged() -> dict[str, str]:
        return {}

    @app.get("/hidden", include_in_schema=False)
    def hidden() -> dict[str, str]:
        return {}

    @app.get("/extra", openapi_extra={"x-rate-limit": 10})
    def extra() -> dict[str, str]:
        return {}

    doc = document(app)
    op = operation(doc, "/tagged")
    assert op["tags"] == ["things", "admin"]
    assert op["deprecated"] is True
    assert "/hidden" not in doc["paths"]
    assert operation(doc, "/extra")["x-rate-limit"] == 10
    assert "deprecated" not in operation(doc, "/extra")


def test_blueprint_routes_are_tagged_with_the_blueprint() -> None:
    app = make_app()
    shop = Blueprint("shop", __name__, url_prefix="/shop")

    @shop.get("/cart/<int:id>")
    def cart(id: int) -> dict[str, str]:
        return {}

    @shop.get("/special", tags=["promotions"])
    def special() -> dict[str, str]:
        return {}

    app.register_blueprint(shop)
    doc = document(app)
    op = operation(doc, "/shop/cart/{id}")
    assert op["tags"] == ["shop"]
    assert op["operationId"] == "shop_cart"
    assert operation(doc, "/shop/special")["tags"] == ["promotions"]


def test_head_options_and_static_routes_are_left_out(tmp_path: Path) -> None:
    (tmp_path / "static").mkdir()
    app = Heron("openapi_static_tests", root_path=str(tmp_path))
    app.config["SECRET_KEY"] = "x"

    @app.route("/multi", methods=["GET", "HEAD", "OPTIONS", "DELETE"])
    def multi() -> dict[str, str]:
        return {}

    assert any(route.endpoint == "static" for route in app.router.routes)
    doc = document(app)
    assert list(doc["paths"]) == ["/multi"]
    assert sorted(doc["paths"]["/multi"]) == ["delete", "get"]


def test_settings_give_the_info_and_servers() -> None:
    app = make_app()
    app.config.update(
        OPENAPI_TITLE="Shop API",
        OPENAPI_VERSION="2.1.0",
        OPENAPI_DESCRIPTION="Buy things.",
        OPENAPI_SERVERS=[{"url": "https://api.example.com"}],
        OPENAPI_TAGS=[{"name": "shop", "description": "The shop"}],
        OPENAPI_INFO={"license": {"name": "MIT", "identifier": "MIT"}},
    )
    doc = document(app)
    assert doc["openapi"] == "3.1.0"
    assert doc["info"] == {
        "title": "Shop API",
        "version": "2.1.0",
        "description": "Buy things.",
        "license": {"name": "MIT", "identifier": "MIT"},
    }
    assert doc["servers"] == [{"url": "https://api.example.com"}]
    assert doc["tags"] == [{"name": "shop", "description": "The shop"}]
    assert doc["paths"] == {}


def test_defaults_and_the_cache_follows_new_routes() -> None:
    app = make_app()

    @app.get("/a")
    def a() -> dict[str, str]:
        return {}

    first = document(app)
    assert first["info"] == {"title": "openapi_tests", "version": "0.1.0"}
    assert openapi_for_app(app) is first

    @app.get("/b")
    def b() -> dict[str, str]:
        return {}

    second = document(app)
    assert second is not first
    assert list(second["paths"]) == ["/a", "/b"]


def test_build_openapi_takes_any_routes() -> None:
    app = make_app()

    @app.get("/x/<int:id>")
    def x(id: int) -> dict[str, str]:
        return {}

    doc = build_openapi(app.router.routes, title="T", version="1", servers=[{"url": "/api"}])
    assert doc["info"] == {"title": "T", "version": "1"}
    assert doc["servers"] == [{"url": "/api"}]
    assert "RequestValidationError" in doc["components"]["schemas"]
    assert path_template("/a/<int(min=1):b>/<c>/<path:d>") == "/a/{b}/{c}/{d}"
