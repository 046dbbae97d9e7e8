"""``heron dbshell``: the client's command line for each backend, run for real."""

from __future__ import annotations

import os
import subprocess

import click
import pytest

from heron.cli.dbshell import client_command
from heron.db.backends import Database
from heron.db.backends.settings import parse_url

#: How each client runs one statement and exits.
RUN_ONE = {
    "sqlite": ("select 40 + 2;",),
    "postgresql": ("-c", "select 40 + 2"),
    "mysql": ("-e", "select 40 + 2"),
}


def test_the_client_runs_against_the_database(database: Database) -> None:
    database.execute("SELECT 1")  # creates the SQLite file
    args, env = client_command(parse_url(database.url), database.vendor, RUN_ONE[database.vendor])
    done = subprocess.run(
        args, env={**os.environ, **env}, capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "42" in done.stdout


def test_the_password_goes_in_the_environment_not_the_arguments() -> None:
    args, env = client_command(parse_url("postgresql://u:s3cret@db:6543/shop"), "postgresql")
    assert args == ["psql", "-d", "shop", "-h", "db", "-p", "6543", "-U", "u"]
    assert env == {"PGPASSWORD": "s3cret"}
    args, env = client_command(parse_url("mysql://root:pw@127.0.0.1/shop"), "mysql", ("-e", "x"))
    assert args[1:] == ["--database=shop", "-h", "127.0.0.1", "-u", "root", "-e", "x"]
    assert env == {"MYSQL_PWD": "pw"}


def test_a_missing_client_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    with pytest.raises(click.ClickException, match=r"The postgresql client \(psql\) is not"):
        client_command(parse_url("postgresql://db/x"), "postgresql")
