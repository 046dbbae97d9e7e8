"""Options shared by the ``heron`` commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

app_option: Callable[[F], F] = click.option(
    "--app",
    "app_spec",
    metavar="MODULE:ATTR",
    default=None,
    help="The application, e.g. 'project.web:app' or 'project:create_app()'. "
    "Default: $HERON_APP, else app.py or main.py in the current folder.",
)
