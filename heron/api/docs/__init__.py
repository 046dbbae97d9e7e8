"""Interactive API documentation: the OpenAPI document, Swagger UI and ReDoc.

``app.install(APIDocs())`` serves ``/openapi.json``, ``/docs`` (Swagger UI) and
``/redoc``; the viewers' scripts and styles are served by Heron from files shipped
with it, so the pages work offline. Pass ``None`` for a URL to leave that page out.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from heron.api.docs.pages import redoc_page, swagger_ui_page
from heron.http.request import Request
from heron.http.responses import HTMLResponse, JSONResponse
from heron.openapi_app import openapi_for_app
from heron.routing import Blueprint

if TYPE_CHECKING:
    from heron.app import Heron

ASSETS = Path(__file__).parent / "assets"
_ASSET_FILES = {
    "swagger-ui.css": "swagger-ui/swagger-ui.css",
    "swagger-ui-bundle.js": "swagger-ui/swagger-ui-bundle.js",
    "swagger-init.js": "swagger-init.js",
    "redoc.standalone.js": "redoc/redoc.standalone.js",
    "redoc-init.js": "redoc-init.js",
}
_SWAGGER_DEFAULTS: dict[str, Any] = {
    "deepLinking": True,
    "showExtensions": True,
    "showCommonExtensions": True,
}

__all__ = ["APIDocs"]


class APIDocs:
    """Serves the app's OpenAPI document and the pages that display it.

    The routes are a blueprint (``name``), left out of the document themselves; the
    viewers' files are its static folder, served under ``assets_url``.
    ``swagger_ui_parameters`` and ``redoc_options`` are passed to the viewers as they are.
    """

    def __init__(
        self,
        *,
        openapi_url: str | None = "/openapi.json",
        docs_url: str | None = "/docs",
        redoc_url: str | None = "/redoc",
        assets_url: str = "/_heron/apidocs",
        title: str | None = None,
        swagger_ui_parameters: Mapping[str, Any] | None = None,
        redoc_options: Mapping[str, Any] | None = None,
        name: str = "apidocs",
    ) -> None:
        if openapi_url is None and (docs_url or redoc_url):
            raise ValueError("the docs pages need the OpenAPI document: set openapi_url")
        self.openapi_url = openapi_url
        self.docs_url = docs_url
        self.redoc_url = redoc_url
        self.assets_url = assets_url
        self.title = title
        self.swagger_ui_parameters = {**_SWAGGER_DEFAULTS, **(swagger_ui_parameters or {})}
        self.redoc_options = dict(redoc_options or {})
        self.name = name

    def init_app(self, app: Heron) -> None:
        """Register the blueprint serving the document, the pages and their assets."""
        pages = bool(self.docs_url or self.redoc_url)
        blueprint = Blueprint(
            self.name,
            __name__,
            static_folder=str(ASSETS) if pages else None,
            static_url_path=self.assets_url if pages else None,
        )
        hidden: dict[str, Any] = {"include_in_schema": False}

        async def openapi(request: Request) -> JSONResponse:
            document = openapi_for_app(app)
            if request.root_path and "servers" not in document:
                document = {**document, "servers": [{"url": request.root_path}]}
            return JSONResponse(document)

        async def swagger_ui(request: Request) -> HTMLResponse:
            html = swagger_ui_page(
                title=self._title(app, "Swagger UI"),
                openapi_url=self._openapi_link(request),
                assets=self._assets(app),
                config=self.swagger_ui_parameters,
            )
            return HTMLResponse(html)

        async def redoc(request: Request) -> HTMLResponse:
            html = redoc_page(
                title=self._title(app, "ReDoc"),
                openapi_url=self._openapi_link(request),
                assets=self._assets(app),
                options=self.redoc_options,
            )
            return HTMLResponse(html)

        if self.openapi_url:
            blueprint.add_route(self.openapi_url, openapi, name="openapi", **hidden)
        if self.docs_url:
            blueprint.add_route(self.docs_url, swagger_ui, name="swagger_ui", **hidden)
        if self.redoc_url:
            blueprint.add_route(self.redoc_url, redoc, name="redoc", **hidden)
        app.register_blueprint(blueprint)

    def _title(self, app: Heron, viewer: str) -> str:
        title = self.title or app.config.get("OPENAPI_TITLE") or app.import_name
        return f"{title} - {viewer}"

    def _openapi_link(self, request: Request) -> str:
        return request.root_path.rstrip("/") + str(self.openapi_url)

    def _assets(self, app: Heron) -> dict[str, str]:
        endpoint = f"{self.name}.static"
        return {name: app.static_url(path, endpoint) for name, path in _ASSET_FILES.items()}
