"""Render the debug error page: one self-contained HTML document, everything escaped."""

from __future__ import annotations

import platform
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from heron.debug.frames import exception_chain, format_traceback_text
from heron.debug.request_info import REDACTED_NAMES, request_view

if TYPE_CHECKING:
    from heron.http import Request

__all__ = ["render_debug_page"]

_TEMPLATES = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    # Its own environment: always autoescaped, independent of the app's templates.
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("debug.html")


def render_debug_page(
    exc: BaseException,
    request: Request | None,
    *,
    form: Mapping[str, Any] | None = None,
    redact_names: Iterable[str] = REDACTED_NAMES,
) -> str:
    """The HTML debug page for ``exc`` raised while handling ``request``.

    Shows the exception chain with each frame's source and locals, the request
    (credentials redacted: Authorization/Cookie headers, and cookies or form
    fields whose name contains one of ``redact_names``) and a copyable traceback.
    Only for DEBUG mode: it reveals source code and local variables.
    """
    chain = exception_chain(exc)
    last = chain[-1]
    return _template().render(
        title=last.type_name,
        message=last.message,
        chain=chain,
        request=None
        if request is None
        else request_view(request, form=form, redact_names=redact_names),
        traceback_text=format_traceback_text(exc),
        python_version=platform.python_version(),
    )
