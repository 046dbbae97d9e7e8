"""The demo app that README's first command starts works page by page."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from heron import Heron
from heron.db import connections, registry
from heron.db.migrations import migrate
from heron.testing import TestClient

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo"


DEMO_MODULES = ("app", "blog", "blog.api", "blog.views", "blog.models", "blog.migrations")


def _forget_demo() -> None:
    for name in DEMO_MODULES:
        sys.modules.pop(name, None)
    for model in list(registry.all_models()):
        if model._meta.label == "blog":
            registry.unregister(model)


@pytest.fixture
def demo(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Heron]:
    """The demo app on a fresh SQLite database, migrated with its committed migrations."""
    monkeypatch.syspath_prepend(str(DEMO))
    monkeypatch.setenv("HERON_DEBUG", "1")
    monkeypatch.setenv("HERON_DATABASE_URL", f"sqlite:///{tmp_path / 'demo.db'}")
    _forget_demo()
    connections.reset()
    with pytest.warns(UserWarning, match="SECRET_KEY"):
        module = importlib.import_module("app")
        module.app.build()
    migrate(using="default")
    yield module.app
    connections.close_all()
    connections.reset()
    _forget_demo()


@pytest.fixture
def client(demo: Heron) -> Iterator[TestClient]:
    """A client with the demo's start-up (which seeds two posts) run."""
    with TestClient(demo) as test_client:
        yield test_client


def test_pages_render_with_links_and_static_url(client: TestClient) -> None:
    home = client.get("/")
    assert home.status_code == 200
    assert 'href="/blog/"' in home.text
    assert "/static/style.css?v=" in home.text
    assert client.get("/about").status_code == 200
    assert "Hello, Heron" in client.get("/blog/1").text


def test_user_input_is_escaped(client: TestClient) -> None:
    response = client.get("/hello/<script>x</script>")
    assert "&lt;script&gt;" in response.text
    assert "<script>" not in response.text


def test_json_errors_and_static(client: TestClient) -> None:
    assert client.get("/api/status").json()["status"] == "ok"
    titles = [p["title"] for p in client.get("/api/posts").json()["results"]]
    assert titles == ["Blueprints", "Hello, Heron"]
    assert client.get("/teapot").status_code == 418
    missing = client.get("/blog/99")
    assert missing.status_code == 404
    assert "Nothing at /blog/99" in missing.text
    css = client.get("/static/style.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")


def test_posts_and_comments_are_stored_and_validated(client: TestClient) -> None:
    created = client.post("/api/posts", json={"title": "Third", "body": "From the API"})
    assert created.status_code == 201
    post_id = created.json()["id"]
    assert client.get("/api/posts").json()["results"][0]["title"] == "Third"
    invalid = client.post("/api/posts", json={"title": "x" * 201})
    assert invalid.status_code == 422
    assert invalid.json()["detail"][0]["loc"] == ["body", "title"]
    assert client.post("/api/posts", json=["not", "an", "object"]).status_code == 422
    comment = client.post(
        "/api/comments", json={"post_id": post_id, "author": "Ada", "body": "<b>hi</b>"}
    )
    assert comment.status_code == 201
    page = client.get(f"/blog/{post_id}")
    assert "&lt;b&gt;hi&lt;/b&gt;" in page.text
    listed = client.get(f"/api/comments?post_id={post_id}").json()
    assert [c["author"] for c in listed["results"]] == ["Ada"]
    orphan = client.post("/api/comments", json={"post_id": 999, "author": "a", "body": "b"})
    assert orphan.status_code == 422
    assert orphan.json()["detail"][0]["loc"] == ["body", "post_id"]
    assert client.patch(f"/api/posts/{post_id}", json={"title": "3rd"}).json()["title"] == "3rd"
    assert client.delete(f"/api/posts/{post_id}").status_code == 204
    assert client.get(f"/api/comments?post_id={post_id}").json()["count"] == 0


def test_blog_list_links_to_the_api(client: TestClient) -> None:
    page = client.get("/blog/")
    assert 'href="/api/posts"' in page.text
    assert client.get("/api/posts").status_code == 200


def test_api_document_and_docs_pages(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert document["info"]["title"] == "Heron demo blog"
    assert {"/api/posts", "/api/posts/{pk}", "/api/comments"} <= set(document["paths"])
    assert "/static/{filename}" not in document["paths"]
    for page in ("/docs", "/redoc"):
        response = client.get(page)
        assert response.status_code == 200
        assert "/openapi.json" in response.text
