"""Static files served by a Heron app, driven with raw ASGI scopes so no client normalises paths."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from heron.http.types import Message

pytestmark = pytest.mark.anyio


@pytest.fixture
def app(tmp_path: Path) -> Any:
    from heron import Heron

    (tmp_path / "static" / "css").mkdir(parents=True)
    (tmp_path / "static" / "css" / "site.css").write_text("body{}")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "secret.html").write_text("secret")
    (tmp_path / "settings.py").write_text("SECRET = 1")
    application = Heron("tests.staticfiles.fake_app", root_path=str(tmp_path))
    application.config["SECRET_KEY"] = "test-secret"
    return application


async def fetch(app: Any, raw_path: str, method: str = "GET") -> tuple[int, bytes]:
    messages: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        messages.append(message)

    path, _, query = raw_path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 5000),
        "root_path": "",
        "path": unquote(path),
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [(b"host", b"testserver")],
    }
    await app(scope, receive, send)
    return messages[0]["status"], b"".join(m.get("body", b"") for m in messages[1:])


async def test_static_file_is_served(app: Any) -> None:
    assert await fetch(app, "/static/css/site.css") == (200, b"body{}")
    status, body = await fetch(app, "/static/css/site.css", method="HEAD")
    assert (status, body) == (200, b"")


@pytest.mark.parametrize(
    "raw_path",
    [
        "/static/../settings.py",
        "/static/../templates/secret.html",
        "/static/css/../../settings.py",
        "/static/../static/css/site.css",
        "/static/%2e%2e/settings.py",
        "/static/%2E%2E/templates/secret.html",
        "/static/..%2fsettings.py",
        "/static/..%2Ftemplates%2Fsecret.html",
        "/static/..%5csettings.py",
        "/static/css%5c..%5c..%5csettings.py",
        "/static/css/site.css%00.png",
        "/static/%2fetc/passwd",
        "/static/C:%5cWindows%5cwin.ini",
        "/static/css",
        "/static/css/",
        "/static/nope.css",
    ],
)
async def test_traversal_and_bad_names_are_404(app: Any, raw_path: str) -> None:
    status, body = await fetch(app, raw_path)
    assert status == 404
    assert b"SECRET" not in body and b"secret" not in body


async def test_static_url_builds_a_versioned_url(app: Any) -> None:
    url = app.static_url("css/site.css")
    assert url.startswith("/static/css/site.css?v=")
    version = url.rpartition("=")[2]
    assert len(version) == 12
    status, _ = await fetch(app, url)
    assert status == 200
