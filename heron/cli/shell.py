"""``heron shell``: an interactive Python shell with the application loaded."""

from __future__ import annotations

import code
import importlib
import sys
from typing import Any

import click

from heron.cli.db import load_app
from heron.cli.options import app_option

__all__ = ["shell_command", "shell_namespace"]


def shell_namespace(app: Any) -> dict[str, Any]:
    """``app``, the app's models (with ``Q``, ``F`` and ``atomic``) when it uses the ORM,
    plus whatever the app adds through an optional ``shell_context()`` method."""
    namespace: dict[str, Any] = {"app": app}
    namespace.update(_model_namespace())
    extra = getattr(app, "shell_context", None)
    if callable(extra):
        namespace.update(extra())
    return namespace


def _model_namespace() -> dict[str, Any]:
    """Every model the app's import registered, by class name (``label_Name`` on a clash)."""
    if "heron.db" not in sys.modules:
        return {}
    import heron.db as db

    found: dict[str, Any] = {}
    for model in db.registry.all_models():
        if model._meta.auto_created:  # many-to-many link tables
            continue
        name = model.__name__
        if name in found:
            name = f"{model._meta.label}_{name}"
        found[name] = model
    if found:
        found.update({"Q": db.Q, "F": db.F, "atomic": db.atomic, "connections": db.connections})
    return found


def _banner(app: Any, namespace: dict[str, Any]) -> str:
    names = ", ".join(sorted(namespace))
    return (
        f"Python {sys.version.split()[0]} on {sys.platform}\n"
        f"Heron shell for {app!r}. In the namespace: {names}"
    )


@click.command("shell")
@app_option
@click.option("--plain", is_flag=True, help="Use the plain Python shell even if IPython is here.")
@click.option(
    "-c", "--command", default=None, help="Run this Python code in the namespace instead."
)
def shell_command(app_spec: str | None, plain: bool, command: str | None) -> None:
    """Start a Python shell with `app` (and the app's shell context) in its namespace."""
    app = load_app(app_spec)
    namespace = shell_namespace(app)
    if command is not None:
        exec(compile(command, "<command>", "exec"), namespace)
        return
    banner = _banner(app, namespace)
    if not plain:
        try:
            ipython = importlib.import_module("IPython")
        except ImportError:
            pass
        else:
            click.echo(banner)
            ipython.start_ipython(argv=["--no-banner"], user_ns=namespace)
            return
    code.interact(banner=banner, local=namespace, exitmsg="")
