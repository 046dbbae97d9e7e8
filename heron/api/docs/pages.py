"""The HTML of the Swagger UI and ReDoc pages: no inline script, every asset local."""

from __future__ import annotations

import json
from collections.abc import Mapping
from html import escape
from typing import Any

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
{head}
</head>
<body>
{body}
</body>
</html>
"""


def _attribute(value: Any) -> str:
    return escape(value if isinstance(value, str) else json.dumps(value), quote=True)


def _scripts(*urls: str) -> str:
    return "\n".join(f'<script src="{_attribute(url)}"></script>' for url in urls)


def swagger_ui_page(
    *, title: str, openapi_url: str, assets: Mapping[str, str], config: Mapping[str, Any]
) -> str:
    """The Swagger UI page; ``assets`` maps asset names to their URLs."""
    head = f'<link rel="stylesheet" href="{_attribute(assets["swagger-ui.css"])}">'
    body = (
        f'<div id="swagger-ui" data-openapi-url="{_attribute(openapi_url)}" '
        f'data-config="{_attribute(dict(config))}"></div>\n'
        + _scripts(assets["swagger-ui-bundle.js"], assets["swagger-init.js"])
    )
    return _PAGE.format(title=escape(title), head=head, body=body)


def redoc_page(
    *, title: str, openapi_url: str, assets: Mapping[str, str], options: Mapping[str, Any]
) -> str:
    """The ReDoc page; ``assets`` maps asset names to their URLs."""
    head = ""  # ReDoc styles itself
    body = (
        f'<div id="redoc" data-openapi-url="{_attribute(openapi_url)}" '
        f'data-options="{_attribute(dict(options))}"></div>\n'
        + _scripts(assets["redoc.standalone.js"], assets["redoc-init.js"])
    )
    return _PAGE.format(title=escape(title), head=head, body=body)
