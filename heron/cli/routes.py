"""``heron routes``: the application's URL map as a table."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import click

from heron.cli.discovery import locate_app
from heron.cli.options import app_option

__all__ = ["format_table", "route_rows", "routes_command"]

HEADERS = ("Methods", "Path", "Endpoint", "Handler")


def _handler_name(handler: Any) -> str:
    target = getattr(handler, "func", handler)  # functools.partial
    module = getattr(target, "__module__", None) or type(target).__module__
    qualname = getattr(target, "__qualname__", None) or type(target).__qualname__
    return f"{module}.{qualname}"


def _methods(methods: Iterable[str]) -> str:
    shown = set(methods)
    if "GET" in shown:
        shown.discard("HEAD")  # implied by GET
    return ", ".join(sorted(shown))


def route_rows(app: Any) -> list[tuple[str, str, str, str]]:
    """One row per route: methods, path, endpoint, handler; sorted by path."""
    rows = [
        (_methods(route.methods), route.rule, route.endpoint, _handler_name(route.handler))
        for route in app.router.routes
    ]
    return sorted(rows, key=lambda row: (row[1], row[0], row[2]))


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns under a header line and a rule."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=True)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


@click.command("routes")
@app_option
def routes_command(app_spec: str | None) -> None:
    """Show the application's routes, sorted by path."""
    app = locate_app(app_spec).app
    if not hasattr(app, "router"):
        raise click.UsageError(f"{app!r} is not a Heron application: it has no routes to list.")
    rows = route_rows(app)
    if not rows:
        click.echo("No routes.")
        return
    click.echo(format_table(HEADERS, rows))
