"""The ``heron`` command: run, serve, routes, shell and the database commands."""

from __future__ import annotations

from importlib import metadata

import click

from heron.cli.data import dumpdata_command, loaddata_command
from heron.cli.db import (
    makemigrations_command,
    migrate_command,
    showmigrations_command,
    sqlmigrate_command,
    squashmigrations_command,
)
from heron.cli.dbshell import dbshell_command
from heron.cli.flush import flush_command
from heron.cli.inspectdb import inspectdb_command
from heron.cli.routes import routes_command
from heron.cli.servers import run_command, serve_command
from heron.cli.shell import shell_command

__all__ = ["cli", "main"]


def _version() -> str:
    try:
        return metadata.version("heron")
    except metadata.PackageNotFoundError:  # running from a source checkout
        return "0.1.0.dev0"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=_version(), message="Heron %(version)s")
def cli() -> None:
    """Heron: run, serve and inspect a Heron application.

    The application is found from --app MODULE:ATTR, else $HERON_APP, else
    app.py or main.py in the current folder.
    """


cli.add_command(run_command)
cli.add_command(serve_command)
cli.add_command(routes_command)
cli.add_command(shell_command)
cli.add_command(makemigrations_command)
cli.add_command(migrate_command)
cli.add_command(showmigrations_command)
cli.add_command(sqlmigrate_command)
cli.add_command(squashmigrations_command)
cli.add_command(dumpdata_command)
cli.add_command(loaddata_command)
cli.add_command(dbshell_command)
cli.add_command(inspectdb_command)
cli.add_command(flush_command)


def main() -> None:
    """Entry point of the ``heron`` console script."""
    cli(prog_name="heron")
