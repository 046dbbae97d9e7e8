"""``heron dumpdata`` and ``heron loaddata``: a database's rows as fixtures, and back."""

from __future__ import annotations

import gzip
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import click

from heron.cli.db import database_errors, database_option, load_app
from heron.cli.options import app_option

__all__ = ["dumpdata_command", "loaddata_command"]


@click.command("dumpdata")
@app_option
@click.argument("specs", nargs=-1, metavar="[LABEL[.MODEL]]...")
@click.option(
    "--exclude", "-e", multiple=True, metavar="LABEL[.MODEL]", help="Leave these out (repeatable)."
)
@click.option("--indent", type=click.IntRange(min=0), default=None, help="Indent the JSON.")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file (.json, .jsonl, either .gz) instead of standard output.",
)
@click.option("--jsonl", is_flag=True, help="One record per line (the default for .jsonl files).")
@click.option("--pks", default=None, metavar="PK,PK...", help="Only these rows of one model.")
@click.option(
    "--natural-foreign",
    is_flag=True,
    help="Write relations to models with a natural_key() as that key.",
)
@click.option(
    "--natural-primary",
    is_flag=True,
    help="Leave out the pk of models with a natural_key().",
)
@database_option
def dumpdata_command(
    app_spec: str | None,
    specs: tuple[str, ...],
    exclude: tuple[str, ...],
    indent: int | None,
    output: Path | None,
    jsonl: bool,
    pks: str | None,
    natural_foreign: bool,
    natural_primary: bool,
    using: str,
) -> None:
    """Print the rows of the models (default: all) as a fixture."""
    from heron.db.fixtures import FixtureError, dump_data, write_records

    load_app(app_spec)
    lines = jsonl or (output is not None and output.name.removesuffix(".gz").endswith(".jsonl"))
    keys = None if pks is None else [key.strip() for key in pks.split(",") if key.strip()]
    with database_errors(using):
        try:
            records = dump_data(
                specs,
                exclude=exclude,
                using=using,
                pks=keys,
                natural_foreign=natural_foreign,
                natural_primary=natural_primary,
            )
            with _opened(output) as out:
                count = write_records(records, out, indent=indent, lines=lines)
        except (FixtureError, ValueError) as exc:
            raise click.ClickException(str(exc)) from exc
    if output is not None:
        click.echo(f"Dumped {count} object(s) to {output}.", err=True)


@click.command("loaddata")
@app_option
@click.argument("names", nargs=-1, required=True, metavar="FIXTURE...")
@click.option(
    "--ignore-unknown",
    "-i",
    is_flag=True,
    help="Skip records of models, and values of fields, that no longer exist.",
)
@database_option
def loaddata_command(
    app_spec: str | None, names: tuple[str, ...], ignore_unknown: bool, using: str
) -> None:
    """Load fixtures (files, or names under a label's fixtures/ folder), all or nothing."""
    from heron.db.fixtures import FixtureError, load_data

    load_app(app_spec)
    with database_errors(using):
        try:
            count = load_data(*names, using=using, ignore_unknown=ignore_unknown)
        except FixtureError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"Installed {count} object(s) from {len(names)} fixture(s).")


@contextmanager
def _opened(path: Path | None) -> Iterator[IO[str]]:
    """Standard output, or the file (gzipped for ``.gz``), closed afterwards."""
    if path is None:
        yield sys.stdout
        return
    opener: Any = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8") as stream:
        yield stream
