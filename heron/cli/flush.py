"""``heron flush``: empty the app's model tables, keeping the tables and the migrations
applied, after asking (unless ``--no-input``)."""

from __future__ import annotations

import click

from heron.cli.db import database_errors, database_option, load_app
from heron.cli.options import app_option

__all__ = ["flush_command"]


@click.command("flush")
@app_option
@database_option
@click.option("--no-input", "no_input", is_flag=True, help="Do not ask for confirmation.")
def flush_command(app_spec: str | None, using: str, no_input: bool) -> None:
    """Delete every row of the models' tables and restart their keys (the migrations stay
    applied); post_migrate receivers run again."""
    from heron.db.backends.settings import parse_url
    from heron.db.connections import connections
    from heron.db.flush import flush

    load_app(app_spec)
    url = parse_url(connections[using].url).render_as_string(hide_password=True)
    if not no_input:
        click.echo(
            f"This deletes every row of the model tables of the database {using!r} ({url}),\n"
            "and cannot be undone. The tables and the migration records stay."
        )
        if click.prompt("Type 'yes' to go on", default="", show_default=False) != "yes":
            raise click.ClickException("Flush cancelled; nothing was deleted.")
    with database_errors(using):
        emptied = flush(using)
    click.echo(f"Emptied {len(emptied)} table{'' if len(emptied) == 1 else 's'} of {using!r}.")
