"""Heron templating: Jinja2 environment per application, `render()` per request."""

from heron.templating.environment import Templates
from heron.templating.rendering import get_templates, render, render_string

__all__ = ["Templates", "get_templates", "render", "render_string"]
