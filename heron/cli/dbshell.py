"""``heron dbshell``: the database's own command-line client, connected as the app is."""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any

import click

from heron.cli.db import database_option, load_app
from heron.cli.options import app_option

__all__ = ["client_command", "dbshell_command"]

#: The client program of each vendor, best first.
CLIENTS = {"sqlite": ("sqlite3",), "postgresql": ("psql",), "mysql": ("mariadb", "mysql")}


def client_command(
    url: Any, vendor: str, extra: tuple[str, ...] = ()
) -> tuple[list[str], dict[str, str]]:
    """The client's argument list for the database at ``url`` and the environment
    variables it takes the password from (so it never shows in a process list)."""
    program = next((p for p in CLIENTS[vendor] if shutil.which(p)), None)
    if program is None:
        names = " or ".join(CLIENTS[vendor])
        raise click.ClickException(
            f"The {vendor} client ({names}) is not installed or not on PATH."
        )
    if vendor == "sqlite":
        return [program, url.database or ":memory:", *extra], {}
    env: dict[str, str] = {}
    if vendor == "postgresql":
        args = [program, "-d", url.database or "postgres"]
        flags = {"-h": url.host, "-p": url.port, "-U": url.username}
        if url.password:
            env["PGPASSWORD"] = str(url.password)
    else:
        args = [program, f"--database={url.database or ''}"]
        flags = {"-h": url.host, "-P": url.port, "-u": url.username}
        if url.password:
            env["MYSQL_PWD"] = str(url.password)
    for flag, value in flags.items():
        if value is not None:
            args += [flag, str(value)]
    return [*args, *extra], env


@click.command("dbshell", context_settings={"ignore_unknown_options": True})
@app_option
@database_option
@click.argument("extra", nargs=-1, type=click.UNPROCESSED)
def dbshell_command(app_spec: str | None, using: str, extra: tuple[str, ...]) -> None:
    """Open the database's client (sqlite3, psql, mariadb); arguments after -- go to it."""
    from heron.db.backends.settings import parse_url
    from heron.db.connections import connections

    load_app(app_spec)
    db = connections[using]
    args, env = client_command(parse_url(db.url), db.vendor, extra)
    try:
        code = subprocess.call(args, env={**os.environ, **env})
    except KeyboardInterrupt:
        code = 130
    if code:
        raise SystemExit(code)
