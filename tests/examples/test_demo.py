"""The demo app that README's first command starts works page by page."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from heron import Heron
from heron.testing import TestClient

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo"


@pytest.fixture
def demo(monkeypatch: pytest.MonkeyPatch) -> Iterator[Heron]:
    monkeypatch.syspath_prepend(str(DEMO))
    monkeypatch.setenv("HERON_DEBUG", "1")
    for name in ("app", "blog", "blog.views"):
        sys.modules.pop(name, None)
    with pytest.warns(UserWarning, match="SECRET_KEY"):
        module = importlib.import_module("app")
        module.app.build()
    yield module.app
    for name in ("app", "blog", "blog.views"):
        sys.modules.pop(name, None)


def test_pages_render_with_links_and_static_url(demo: Heron) -> None:
    client = TestClient(demo)
    home = client.get("/")
    assert home.status_code == 200
    assert 'href="/blog/"' in home.text
    assert "/static/style.css?v=" in home.text
    assert client.get("/about").status_code == 200
    assert "Hello, Heron" in client.get("/blog/1").text


def test_user_input_is_escaped(demo: Heron) -> None:
    response = TestClient(demo).get("/hello/<script>x</script>")
    assert "&lt;script&gt;" in response.text
    assert "<script>" not in response.text


def test_json_errors_and_static(demo: Heron) -> None:
    client = TestClient(demo)
    assert client.get("/api/status").json()["status"] == "ok"
    assert client.get("/blog/api").json()[0]["title"] == "Hello, Heron"
    assert client.get("/teapot").status_code == 418
    missing = client.get("/blog/99")
    assert missing.status_code == 404
    assert "Nothing at /blog/99" in missing.text
    css = client.get("/static/style.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
