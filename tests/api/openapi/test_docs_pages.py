"""The APIDocs battery: the JSON document, Swagger UI, ReDoc and their local assets."""

from __future__ import annotations

import re

import pytest

from heron import Heron
from heron.api.docs import APIDocs
from heron.testing import TestClient
from tests.api.openapi.helpers import make_app

CDN_HOSTS = ("unpkg.com", "jsdelivr", "cdnjs", "googleapis", "cdn.redoc.ly", "cloudflare")


def _app(**options: object) -> Heron:
    app = make_app()
    app.config["OPENAPI_TITLE"] = "Shop <API>"

    @app.get("/items/<int:id>")
    def item(id: int) -> dict[str, int]:
        return {"id": id}

    app.install(APIDocs(**options))  # type: ignore[arg-type]
    return app


def _local_urls(html: str) -> list[str]:
    return [url.replace("&amp;", "&") for url in re.findall(r'(?:src|href)="([^"]+)"', html)]


def test_openapi_json_is_served_and_hides_the_docs_routes() -> None:
    client = _app().test_client()
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    doc = response.json()
    assert doc["info"]["title"] == "Shop <API>"
    assert list(doc["paths"]) == ["/items/{id}"]


@pytest.mark.parametrize(
    ("path", "assets"),
    [
        ("/docs", ["swagger-ui.css", "swagger-ui-bundle.js", "swagger-init.js"]),
        ("/redoc", ["redoc.standalone.js", "redoc-init.js"]),
    ],
)
def test_pages_load_only_local_assets(path: str, assets: list[str]) -> None:
    client = _app().test_client()
    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "<title>Shop &lt;API&gt; - " in page.text
    assert 'data-openapi-url="/openapi.json"' in page.text
    assert "<script>" not in page.text  # no inline script: fine under script-src 'self'
    urls = _local_urls(page.text)
    assert [url.rsplit("/", 1)[1].split("?")[0] for url in urls] == assets
    for url in urls:
        assert url.startswith("/_heron/apidocs/")
        asset = client.get(url)
        assert asset.status_code == 200, url
        kind = "text/css" if url.split("?")[0].endswith(".css") else "text/javascript"
        assert asset.headers["content-type"].startswith(kind)
        assert len(asset.content) > 300
    for host in CDN_HOSTS:
        assert host not in page.text
        for url in urls:
            if url.split("?")[0].endswith("-init.js"):
                assert host not in client.get(url).text


def test_init_scripts_start_the_viewers_from_data_attributes() -> None:
    client = _app().test_client()
    swagger = client.get(_local_urls(client.get("/docs").text)[-1]).text
    assert "SwaggerUIBundle(" in swagger and "data-openapi-url" in swagger
    redoc = client.get(_local_urls(client.get("/redoc").text)[-1]).text
    assert "Redoc.init(" in redoc and "data-openapi-url" in redoc


def test_swagger_parameters_and_redoc_options_reach_the_page() -> None:
    client = _app(
        swagger_ui_parameters={"docExpansion": "none"}, redoc_options={"hideDownloadButton": True}
    ).test_client()
    assert "&quot;docExpansion&quot;: &quot;none&quot;" in client.get("/docs").text
    assert "&quot;deepLinking&quot;: true" in client.get("/docs").text
    assert 'data-options="{&quot;hideDownloadButton&quot;: true}"' in client.get("/redoc").text


def test_urls_can_be_moved_or_disabled() -> None:
    client = _app(openapi_url="/spec.json", docs_url=None, redoc_url="/reference").test_client()
    assert client.get("/spec.json").status_code == 200
    assert client.get("/openapi.json").status_code == 404
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404
    assert 'data-openapi-url="/spec.json"' in client.get("/reference").text


def test_document_only() -> None:
    app = _app(docs_url=None, redoc_url=None)
    client = app.test_client()
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/docs").status_code == 404
    assert not any("static" in route.endpoint for route in app.router.routes)


def test_pages_need_the_document() -> None:
    with pytest.raises(ValueError, match="openapi_url"):
        APIDocs(openapi_url=None)
    app = _app(openapi_url=None, docs_url=None, redoc_url=None)
    assert app.test_client().get("/openapi.json").status_code == 404


def test_pages_follow_the_root_path() -> None:
    app = _app()
    with TestClient(app, root_path="/shop") as client:
        page = client.get("/docs").text
        assert 'data-openapi-url="/shop/openapi.json"' in page
        assert all(url.startswith("/shop/_heron/apidocs/") for url in _local_urls(page))
        assert client.get("/openapi.json").json()["servers"] == [{"url": "/shop"}]
