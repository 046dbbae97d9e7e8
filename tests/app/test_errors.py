"""Error handlers, default error pages and what a 500 reveals."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from heron import Blueprint, Heron, HTTPException, Request, abort
from heron.testing import TestClient


class AppError(Exception):
    pass


class SpecificError(AppError):
    pass


def test_abort_gives_html_or_json_by_accept(app: Heron) -> None:
    @app.get("/gone")
    async def gone() -> None:
        abort(410, "This <thing> is gone")

    client = TestClient(app)
    page = client.get("/gone", headers={"Accept": "text/html"})
    assert page.status_code == 410
    assert page.headers["content-type"].startswith("text/html")
    assert "This &lt;thing&gt; is gone" in page.text
    api = client.get("/gone", headers={"Accept": "application/json"})
    assert api.status_code == 410
    assert api.json() == {"detail": "This <thing> is gone"}


def test_handler_by_status_code(app: Heron) -> None:
    @app.errorhandler(404)
    async def not_found(request: Request, exc: HTTPException) -> Any:
        return {"missing": request.path}, 404

    response = TestClient(app).get("/nowhere")
    assert response.status_code == 404
    assert response.json() == {"missing": "/nowhere"}


def test_flask_style_handler_taking_only_the_error(app: Heron) -> None:
    @app.errorhandler(AppError)
    def handle(exc: AppError) -> Any:
        return f"handled {type(exc).__name__}", 400

    @app.get("/")
    async def boom() -> None:
        raise AppError()

    response = TestClient(app).get("/")
    assert (response.status_code, response.text) == (400, "handled AppError")


def test_most_specific_exception_class_wins(app: Heron) -> None:
    @app.errorhandler(AppError)
    async def general(exc: Exception) -> Any:
        return "general", 400

    @app.errorhandler(SpecificError)
    async def specific(exc: Exception) -> Any:
        return "specific", 409

    @app.get("/specific")
    async def raise_specific() -> None:
        raise SpecificError()

    @app.get("/general")
    async def raise_general() -> None:
        raise AppError()

    client = TestClient(app)
    assert client.get("/specific").text == "specific"
    assert client.get("/general").text == "general"


def test_blueprint_handler_wins_for_its_routes(app: Heron) -> None:
    bp = Blueprint("shop", __name__)

    @bp.errorhandler(AppError)
    async def shop_error(exc: Exception) -> Any:
        return "shop", 400

    @bp.get("/fail")
    async def shop_fail() -> None:
        raise AppError()

    @app.errorhandler(AppError)
    async def app_error(exc: Exception) -> Any:
        return "app", 400

    @app.get("/fail")
    async def app_fail() -> None:
        raise AppError()

    app.register_blueprint(bp, url_prefix="/shop")
    client = TestClient(app)
    assert client.get("/shop/fail").text == "shop"
    assert client.get("/fail").text == "app"


def test_production_500_reveals_nothing_and_logs(
    app: Heron, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["TESTING"] = False

    @app.get("/")
    async def boom() -> None:
        secret = "hunter2"  # noqa: F841 - must not appear in the response
        raise RuntimeError("database password is hunter2")

    with caplog.at_level(logging.ERROR, logger="heron.error"):
        response = TestClient(app).get("/")
    assert response.status_code == 500
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text
    assert "Internal Server Error" in response.text
    assert "database password is hunter2" in caplog.text
    assert "Traceback" in caplog.text


def test_debug_mode_shows_the_debug_page(app: Heron) -> None:
    app.config.update(TESTING=False, DEBUG=True)

    @app.get("/")
    async def boom() -> None:
        local_value = "<visible-local>"  # noqa: F841
        raise ValueError("broken <here>")

    response = TestClient(app).get("/", headers={"Accept": "text/html"})
    assert response.status_code == 500
    assert "ValueError" in response.text
    assert "broken &lt;here&gt;" in response.text
    assert "&lt;visible-local&gt;" in response.text
    assert "<visible-local>" not in response.text


def test_testing_mode_propagates_to_the_test(app: Heron) -> None:
    @app.get("/")
    async def boom() -> None:
        raise KeyError("missing")

    with pytest.raises(KeyError):
        TestClient(app).get("/")


def test_500_handler_catches_unhandled_errors(app: Heron) -> None:
    @app.errorhandler(500)
    async def oops(exc: Exception) -> Any:
        return "sorry", 500

    @app.get("/")
    async def boom() -> None:
        raise RuntimeError()

    response = TestClient(app, raise_server_exceptions=False).get("/")
    assert (response.status_code, response.text) == (500, "sorry")


def test_error_handler_that_fails_gives_a_plain_500(app: Heron) -> None:
    app.config["TESTING"] = False

    @app.errorhandler(AppError)
    async def broken(exc: Exception) -> Any:
        raise RuntimeError("handler broke")

    @app.get("/")
    async def boom() -> None:
        raise AppError()

    response = TestClient(app).get("/", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal Server Error"}


def test_testing_mode_raises_a_broken_error_handlers_exception(app: Heron) -> None:
    @app.errorhandler(403)
    def broken(exc: Exception) -> Any:
        raise RuntimeError("handler fails")

    @app.get("/f")
    def forbidden() -> None:
        abort(403)

    with pytest.raises(RuntimeError, match="handler fails"):
        TestClient(app).get("/f")
