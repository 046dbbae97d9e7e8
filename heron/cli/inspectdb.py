"""``heron inspectdb``: print models for the tables of the app's database."""

from __future__ import annotations

import click

from heron.cli.db import database_errors, database_option, load_app
from heron.cli.options import app_option

__all__ = ["inspectdb_command"]


@click.command("inspectdb")
@app_option
@click.argument("tables", nargs=-1)
@click.option("--label", default=None, help="The label to give the models (Meta.label).")
@database_option
def inspectdb_command(
    app_spec: str | None, tables: tuple[str, ...], label: str | None, using: str
) -> None:
    """Print a models module for the database's tables (default: all), as a start."""
    from heron.db.connections import connections
    from heron.db.inspection import inspect_database

    load_app(app_spec)
    with database_errors(using):
        engine = connections[using].sqlalchemy_engine()
        try:
            click.echo(inspect_database(engine, list(tables) or None, label), nl=False)
        except LookupError as exc:
            raise click.ClickException(str(exc)) from exc
