"""The demo's blog: a blueprint with its own templates and routes."""

from blog.views import blog

__all__ = ["blog"]
