"""The Jinja2 environment Heron renders templates with.

One `Templates` object is built per application at startup; every request
looks templates up by name through it, so Jinja's compiled-template cache is
shared by all requests.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, Template, TemplateNotFound, select_autoescape

from heron.templating.escaping import HeronTemplate

__all__ = ["AUTOESCAPE_EXTENSIONS", "Templates"]

#: File extensions rendered with HTML autoescaping turned on.
AUTOESCAPE_EXTENSIONS = ("html", "htm", "xml", "jinja", "jinja2")

# Compiled `render_string` sources kept around; a template string is usually a
# literal in the code, so the same few sources come back again and again.
_STRING_CACHE_SIZE = 128


class _SearchPathLoader(FileSystemLoader):
    """A file-system loader whose "not found" error names every folder searched."""

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        try:
            return super().get_source(environment, template)
        except TemplateNotFound:
            folders = ", ".join(repr(path) for path in self.searchpath) or "(no folders)"
            raise TemplateNotFound(
                template, f"Template {template!r} not found; searched: {folders}"
            ) from None


class Templates:
    """Jinja2 templates looked up across the application's and blueprints' folders.

    Folders are searched in order (the application's first, then each
    blueprint's in registration order). With `auto_reload` (debug mode) an
    edited template is recompiled on its next use; otherwise compiled
    templates stay in Jinja's cache. Rendering is synchronous.
    """

    __slots__ = ("_loader", "_strings", "_strings_lock", "env")

    def __init__(
        self,
        search_paths: Sequence[str | os.PathLike[str]],
        *,
        auto_reload: bool = False,
        globals: Mapping[str, Any] | None = None,
    ) -> None:
        self._loader = _SearchPathLoader([os.fspath(path) for path in search_paths])
        self._strings: dict[str, Template] = {}
        self._strings_lock = threading.Lock()
        self.env = Environment(
            loader=self._loader,
            autoescape=select_autoescape(
                enabled_extensions=AUTOESCAPE_EXTENSIONS,
                disabled_extensions=(),
                default_for_string=True,
                default=False,
            ),
            auto_reload=auto_reload,
            enable_async=False,
        )
        self.env.template_class = HeronTemplate
        if globals:
            self.env.globals.update(globals)

    @property
    def search_paths(self) -> list[str]:
        """The folders searched for templates, in lookup order."""
        return list(self._loader.searchpath)

    @property
    def auto_reload(self) -> bool:
        """Whether edited templates are recompiled on their next use."""
        return self.env.auto_reload

    @auto_reload.setter
    def auto_reload(self, value: bool) -> None:
        self.env.auto_reload = value

    def add_search_path(self, path: str | Path) -> None:
        """Append a folder searched after those already known (e.g. a blueprint's)."""
        folder = os.fspath(path)
        if folder not in self._loader.searchpath:
            self._loader.searchpath.append(folder)

    def add_global(self, name: str, value: Any) -> None:
        """Make `value` available to every template as `name`."""
        self.env.globals[name] = value

    def add_filter(self, name: str, fn: Callable[..., Any]) -> None:
        """Register `fn` as the Jinja filter `name`."""
        self.env.filters[name] = fn

    def add_test(self, name: str, fn: Callable[..., bool]) -> None:
        """Register `fn` as the Jinja test `name` (`{% if x is name %}`)."""
        self.env.tests[name] = fn

    def get_template(self, name: str) -> Template:
        """The compiled template `name` (from Jinja's cache when up to date)."""
        return self.env.get_template(name)

    def render(self, name: str, context: Mapping[str, Any] | None = None) -> str:
        """Render the template file `name` with `context`; autoescaped by extension."""
        return self.env.get_template(name).render(context or {})

    def render_string(self, source: str, context: Mapping[str, Any] | None = None) -> str:
        """Render the template text `source` with `context`; always autoescaped."""
        template = self._strings.get(source)
        if template is None:
            template = self.env.from_string(source)
            with self._strings_lock:  # sync views render from worker threads
                if len(self._strings) >= _STRING_CACHE_SIZE:
                    # Drop the oldest entry (dicts keep insertion order).
                    del self._strings[next(iter(self._strings))]
                self._strings[source] = template
        return template.render(context or {})
