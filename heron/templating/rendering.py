"""`render()` and `render_string()`: render templates for a request.

The environment comes from `request.app.templates` (built once by the
application); the request itself is put into the context as `request`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from heron.http.responses import HTMLResponse
from heron.templating.environment import Templates

if TYPE_CHECKING:
    from heron.http.request import Request

__all__ = ["get_templates", "render", "render_string"]


def get_templates(request: Request) -> Templates:
    """The application's `Templates`, reached through `request.app`."""
    app: Any = request.app
    if app is None:
        raise RuntimeError(
            "render() needs an application: the request's scope has no 'app' "
            "(is the request being handled by a Heron application?)"
        )
    templates = getattr(app, "templates", None)
    if not isinstance(templates, Templates):
        raise RuntimeError(
            f"render() needs request.app.templates to be a heron.templating.Templates, "
            f"got {type(templates).__name__}"
        )
    return templates


def render(
    request: Request,
    name: str,
    /,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render the template `name` with `context` (plus `request`) into an HTML response.

    Rendering runs synchronously in the calling thread; a missing template
    raises `jinja2.TemplateNotFound` naming the folders searched.
    """
    context["request"] = request
    html = get_templates(request).render(name, context)
    return HTMLResponse(html, status_code=status_code, headers=headers)


def render_string(request: Request, source: str, /, **context: Any) -> str:
    """Render the template text `source` with `context` (plus `request`), autoescaped."""
    context["request"] = request
    return get_templates(request).render_string(source, context)
