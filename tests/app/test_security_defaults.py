"""Security protections Heron applies without being asked."""

from __future__ import annotations

from heron import Heron
from heron.testing import TestClient


def test_security_headers_are_on_by_default(app: Heron) -> None:
    @app.get("/")
    async def index() -> str:
        return "hi"

    headers = TestClient(app).get("/").headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "strict-transport-security" not in headers


def test_security_headers_are_configurable_and_can_be_turned_off(app: Heron) -> None:
    @app.get("/")
    async def index() -> str:
        return "hi"

    app.config["SECURITY_HEADERS"] = {"hsts_seconds": 3600, "frame_options": "SAMEORIGIN"}
    headers = TestClient(app, base_url="https://testserver").get("/").headers
    assert headers["x-frame-options"] == "SAMEORIGIN"
    assert headers["strict-transport-security"] == "max-age=3600"

    other = Heron(__name__)
    other.config.update(TESTING=True, SECURITY_HEADERS=None)
    other.add_route("/", index)
    assert "x-frame-options" not in TestClient(other).get("/").headers


def test_handler_can_relax_a_default_header(app: Heron) -> None:
    @app.get("/embed")
    async def embed() -> tuple[str, dict[str, str]]:
        return "<p>embeddable</p>", {"X-Frame-Options": "SAMEORIGIN"}

    assert TestClient(app).get("/embed").headers["x-frame-options"] == "SAMEORIGIN"


def test_error_pages_carry_the_security_headers(app: Heron) -> None:
    response = TestClient(app).get("/missing")
    assert response.status_code == 404
    assert response.headers["x-content-type-options"] == "nosniff"
