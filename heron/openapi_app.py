"""An application's OpenAPI document, built from its routes and settings on first use."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from heron.params.openapi import build_openapi

if TYPE_CHECKING:
    from heron.app import Heron

EXTENSION_KEY = "openapi"


@dataclasses.dataclass(frozen=True)
class _Cached:
    routes: int  # how many routes the app had when the document was built
    document: dict[str, Any]


def openapi_for_app(app: Heron) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``app``'s routes (those not hidden with
    ``include_in_schema=False``, as static-file routes are).

    Settings: ``OPENAPI_TITLE`` (default: the import name), ``OPENAPI_VERSION``,
    ``OPENAPI_DESCRIPTION``, ``OPENAPI_SERVERS``, ``OPENAPI_TAGS`` and ``OPENAPI_INFO``
    (extra ``info`` fields); ``PROBLEM_DETAILS`` changes how 422 answers are documented.
    The document is built once and rebuilt only when routes are added.
    """
    routes = app.router.routes
    cached = app.extensions.get(EXTENSION_KEY)
    if isinstance(cached, _Cached) and cached.routes == len(routes):
        return cached.document
    config = app.config
    document = build_openapi(
        routes,
        title=config.get("OPENAPI_TITLE") or app.import_name,
        version=str(config.get("OPENAPI_VERSION") or "0.1.0"),
        description=config.get("OPENAPI_DESCRIPTION"),
        servers=config.get("OPENAPI_SERVERS"),
        tags=config.get("OPENAPI_TAGS"),
        info=config.get("OPENAPI_INFO"),
        problem_details=bool(config.get("PROBLEM_DETAILS")),
    )
    app.extensions[EXTENSION_KEY] = _Cached(len(routes), document)
    return document


__all__ = ["openapi_for_app"]
