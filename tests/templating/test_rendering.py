"""render() / render_string() for a request, and templates end to end through an app."""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jinja2
import pytest

from heron import Heron
from heron.http import HTMLResponse, Request
from heron.templating import Templates, get_templates, render, render_string
from heron.testing import TestClient


def write(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def request_with(app: Any, path: str = "/posts") -> Request:
    scope = {"type": "http", "method": "GET", "path": path, "query_string": b"", "headers": []}
    if app is not None:
        scope["app"] = app
    return Request(scope)


@pytest.fixture
def templates(tmp_path: Path) -> Templates:
    write(tmp_path, "index.html", "<h1>{{ title }}</h1><p>{{ request.path }}</p>")
    write(tmp_path, "plain.txt", "{{ title }}")
    return Templates([tmp_path], globals={"site": "Heron"})


def test_render_returns_html_response(templates: Templates) -> None:
    request = request_with(SimpleNamespace(templates=templates))
    response = render(request, "index.html", title="<Hi>")
    assert isinstance(response, HTMLResponse)
    assert response.status_code == 200
    assert response.body == b"<h1>&lt;Hi&gt;</h1><p>/posts</p>"
    assert response.headers["content-type"] == "text/html; charset=utf-8"


def test_render_status_and_headers(templates: Templates) -> None:
    request = request_with(SimpleNamespace(templates=templates))
    response = render(request, "plain.txt", status_code=404, headers={"X-A": "1"}, title="gone")
    assert response.status_code == 404
    assert response.headers["x-a"] == "1"
    assert response.body == b"gone"


def test_render_sees_globals(templates: Templates) -> None:
    request = request_with(SimpleNamespace(templates=templates))
    assert render_string(request, "{{ site }} {{ request.method }}") == "Heron GET"


def test_render_string_escapes(templates: Templates) -> None:
    request = request_with(SimpleNamespace(templates=templates))
    assert render_string(request, "<b>{{ x }}</b>", x="<i>&") == "<b>&lt;i&gt;&amp;</b>"


def test_missing_template_raises_template_not_found(templates: Templates, tmp_path: Path) -> None:
    request = request_with(SimpleNamespace(templates=templates))
    with pytest.raises(jinja2.TemplateNotFound) as info:
        render(request, "nope.html")
    assert str(tmp_path) in str(info.value)


def test_render_without_app_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="no 'app'"):
        render(request_with(None), "index.html")


def test_render_with_app_lacking_templates_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match=r"request\.app\.templates"):
        render(request_with(SimpleNamespace(templates=None)), "index.html")


def test_get_templates_returns_the_app_environment(templates: Templates) -> None:
    assert get_templates(request_with(SimpleNamespace(templates=templates))) is templates


# -- end to end through a Heron application -------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write(
        tmp_path,
        "templates/base.html",
        "<link href=\"{{ static_url('site.css') }}\">{% block body %}{% endblock %}",
    )
    write(
        tmp_path,
        "templates/index.html",
        "{% extends 'base.html' %}{% block body %}"
        "<a href=\"{{ url_for('show', post_id=7) }}\">{{ title }}</a>"
        "<p>{{ request.path }}</p><p>{{ config['DEBUG'] }}</p>"
        "{% endblock %}",
    )
    write(tmp_path, "templates/shared.html", "from app")
    write(tmp_path, "static/site.css", "body{}")
    write(tmp_path, "blog/templates/shared.html", "from blueprint")
    write(
        tmp_path,
        "blog/templates/blog/list.html",
        "blog list {{ url_for('blog.static', filename='b.js') }}",
    )
    write(tmp_path, "blog/static/b.js", "1")
    return tmp_path


def make_app(root: Path) -> Any:
    from heron import Blueprint, Heron

    app = Heron("tests.templating.fake_app", root_path=str(root))
    app.config["SECRET_KEY"] = "test-secret"
    blog = Blueprint(
        "blog",
        "tests.templating.fake_blog",
        template_folder=str(root / "blog" / "templates"),
        static_folder=str(root / "blog" / "static"),
    )

    @app.get("/")
    async def index(request: Request) -> Any:
        return render(request, "index.html", title="<Hello>")

    @app.get("/posts/<int:post_id>")
    async def show(request: Request, post_id: int) -> Any:
        return render(request, "shared.html")

    @blog.get("/")
    async def listing(request: Request) -> Any:
        return render(request, "blog/list.html")

    @app.get("/missing")
    async def missing(request: Request) -> Any:
        return render(request, "nope.html")

    app.register_blueprint(blog, url_prefix="/blog")
    return app


@pytest.mark.anyio
async def test_end_to_end_templates_and_static(project: Path) -> None:
    from heron.testing import AsyncTestClient

    app = make_app(project)
    version = hashlib.sha256(b"body{}").hexdigest()[:12]
    async with AsyncTestClient(app, raise_server_exceptions=False) as client:
        page = await client.get("/")
        assert page.status_code == 200
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert f'<link href="/static/site.css?v={version}">' in page.text
        assert '<a href="/posts/7">&lt;Hello&gt;</a>' in page.text
        assert "<p>/</p>" in page.text

        css = await client.get(f"/static/site.css?v={version}")
        assert css.status_code == 200
        assert css.text == "body{}"
        assert css.headers["cache-control"] == "public, max-age=31536000, immutable"
        plain = await client.get("/static/site.css")
        assert plain.headers["cache-control"] == "no-cache"
        again = await client.get(
            "/static/site.css", headers={"If-None-Match": plain.headers["etag"]}
        )
        assert again.status_code == 304

        assert (await client.get("/static/../templates/base.html")).status_code == 404
        assert (await client.get("/static/%2e%2e/templates/base.html")).status_code == 404
        assert (await client.get("/static/..%2ftemplates%2fbase.html")).status_code == 404
        assert (await client.get("/static/missing.css")).status_code == 404

        # The app's templates folder comes before the blueprint's.
        assert (await client.get("/posts/7")).text == "from app"
        listing = await client.get("/blog/")
        assert listing.status_code == 200
        assert listing.text == "blog list /blog/static/b.js"
        assert (await client.get("/blog/static/b.js")).text == "1"

        missing = await client.get("/missing")
        assert missing.status_code == 500


def test_context_may_use_the_names_of_renders_own_parameters(tmp_path: Path) -> None:
    (tmp_path / "hello.html").write_text("{{ name }} {{ source }}")
    app = Heron(__name__, template_folder=str(tmp_path))
    app.config["TESTING"] = True

    @app.get("/")
    async def index(request: Request) -> object:
        return render(request, "hello.html", name="world", source="file")

    @app.get("/inline")
    async def inline(request: Request) -> str:
        return render_string(request, "{{ name }}-{{ source }}", name="a", source="b")

    client = TestClient(app)
    assert client.get("/").text == "world file"
    assert client.get("/inline").text == "a-b"
