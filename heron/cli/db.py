"""``heron makemigrations``, ``migrate``, ``showmigrations``, ``sqlmigrate`` and
``squashmigrations``.

Each command loads the application first (importing it imports the models) and uses the
database the app configures (``DATABASE_URL`` / ``DATABASES``).
"""

from __future__ import annotations

import ast
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from heron.cli.discovery import locate_app
from heron.cli.options import app_option

__all__ = [
    "database_errors",
    "load_app",
    "makemigrations_command",
    "migrate_command",
    "showmigrations_command",
    "sqlmigrate_command",
    "squashmigrations_command",
]

F = TypeVar("F", bound=Callable[..., Any])

database_option: Callable[[F], F] = click.option(
    "--database",
    "using",
    default="default",
    show_default=True,
    metavar="ALIAS",
    help="The database alias (from DATABASES) to work on.",
)


def load_app(app_spec: str | None) -> Any:
    """Find the app (importing its models) and configure ``heron.db`` from its settings,
    unless the app did it itself (``heron.db.init_app(app)``) or does not use the ORM."""
    app = locate_app(app_spec).app
    config = getattr(app, "config", None)
    uses_orm = "heron.db" in sys.modules
    if uses_orm and config is not None and "heron.db" not in getattr(app, "extensions", {}):
        from heron.db.connections import connections

        connections.configure_from(config, getattr(app, "root_path", None))
    return app


@contextmanager
def database_errors(using: str = "default") -> Iterator[None]:
    """Migration errors and an unreachable database as a one-line ``Error:``."""
    import sqlalchemy.exc

    from heron.db.errors import OperationalError
    from heron.db.migrations import MigrationError

    try:
        yield
    except MigrationError as exc:
        raise click.ClickException(str(exc)) from exc
    except (sqlalchemy.exc.OperationalError, OperationalError) as exc:
        raise click.ClickException(_database_failure(using, exc)) from exc


def _database_failure(using: str, exc: BaseException) -> str:
    """``Cannot use the database 'default' (URL, password hidden): first line of the error.``"""
    from heron.db.backends.settings import parse_url
    from heron.db.connections import connections

    url = parse_url(connections[using].url).render_as_string(hide_password=True)
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__]
    return f"Cannot use the database {using!r} ({url}): {lines[0]}"


def _check_labels(labels: tuple[str, ...] | list[str]) -> None:
    """Refuse labels that have neither models nor a migrations folder."""
    from heron.db.migrations.loader import label_directories
    from heron.db.models.registry import registry

    known = {*registry.labels(), *label_directories()}
    for label in labels:
        if label not in known:
            raise click.ClickException(
                f"No models have the label '{label}' (known: {', '.join(sorted(known)) or 'none'}"
                "); is its models module imported by the app?"
            )


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path(os.getcwd()).resolve()))
    except ValueError:
        return str(path)


def _ask_default(question: Any) -> Any:
    click.echo(str(question))
    while True:
        text = click.prompt(
            "Type a one-off value for them (a Python literal such as '' or 0), or nothing to stop",
            default="",
            show_default=False,
        )
        if not text.strip():
            raise click.ClickException(
                "Stopped: give the field a default or make it null=True, then run "
                "makemigrations again."
            )
        try:
            return ast.literal_eval(text)
        except (ValueError, SyntaxError):
            click.echo(f"{text!r} is not a Python literal; try again.")


@click.command("makemigrations")
@app_option
@click.argument("labels", nargs=-1)
@click.option("--name", "-n", default=None, help="Name of the migration (after its number).")
@click.option("--empty", is_flag=True, help="Write an empty migration for data changes.")
@click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing.")
@click.option(
    "--rename/--no-rename",
    default=None,
    help="Take every possible rename as a rename (or never), instead of asking.",
)
@click.option("--no-input", is_flag=True, help="Ask nothing: no renames, no one-off defaults.")
@click.option(
    "--check",
    is_flag=True,
    help="Exit with status 1 if models have changes without a migration (implies --dry-run "
    "and --no-input).",
)
def makemigrations_command(
    app_spec: str | None,
    labels: tuple[str, ...],
    name: str | None,
    empty: bool,
    dry_run: bool,
    rename: bool | None,
    no_input: bool,
    check: bool,
) -> None:
    """Write migration files for the labels (default: all) whose models changed."""
    from heron.db.migrations import RenameQuestion, make_migrations

    load_app(app_spec)
    dry_run = dry_run or check
    no_input = no_input or check

    def ask_rename(question: RenameQuestion) -> bool:
        return click.confirm(str(question), default=False)

    asker: bool | Callable[[RenameQuestion], bool] = (
        rename if rename is not None else (False if no_input else ask_rename)
    )
    with database_errors():
        files = make_migrations(
            labels or None,
            name=name,
            empty=empty,
            dry_run=dry_run,
            rename=asker,
            ask_default=None if no_input else _ask_default,
        )
    if not files:
        where = f" in {', '.join(repr(label) for label in labels)}" if labels else ""
        click.echo(f"No changes detected{where}.")
        return
    for file in files:
        click.echo(f"Migrations for '{file.label}':")
        click.echo(f"  {_shown(file.path)}")
        for line in file.operations or ("Data migration: fill in forwards() and backwards()",):
            click.echo(f"    - {line}")
    if check:
        raise click.ClickException("Models have changes without a migration: run makemigrations.")
    if dry_run:
        click.echo("Dry run: nothing was written.")


@click.command("migrate")
@app_option
@click.argument("label", required=False)
@click.argument("target", required=False)
@database_option
@click.option("--plan", is_flag=True, help="Show the steps without running them.")
def migrate_command(
    app_spec: str | None, label: str | None, target: str | None, using: str, plan: bool
) -> None:
    """Apply migrations; `migrate LABEL TARGET` moves LABEL to TARGET (or `zero`)."""
    from heron.db.migrations import Step, migrate, migration_plan

    load_app(app_spec)
    _check_labels([label] if label else [])
    if plan:
        with database_errors(using):
            steps = migration_plan(label, target, using=using)
        for step in steps:
            click.echo(f"  {step}")
        if not steps:
            click.echo("No migrations to run.")
        return

    running: list[Step] = []

    def progress(step: Step, finished: bool) -> None:
        if finished:
            running.clear()
            click.echo(" OK")
        else:
            running.append(step)
            verb = "Unapplying" if step.backwards else "Applying"
            click.echo(f"  {verb} {step.migration}...", nl=False)

    try:
        with database_errors(using):
            steps = migrate(label, target, using=using, progress=progress)
    except BaseException:
        if running:
            click.echo(" FAILED")
        raise
    if not steps:
        click.echo("No migrations to apply.")


@click.command("showmigrations")
@app_option
@click.argument("labels", nargs=-1)
@database_option
def showmigrations_command(app_spec: str | None, labels: tuple[str, ...], using: str) -> None:
    """List each label's migrations, [X] when applied."""
    from heron.db.migrations import show_migrations

    load_app(app_spec)
    _check_labels(labels)
    with database_errors(using):
        shown = show_migrations(labels or None, using=using)
    for label, migrations in shown.items():
        click.echo(label)
        for name, applied in migrations:
            click.echo(f" [{'X' if applied else ' '}] {name}")
        if not migrations:
            click.echo(" (no migrations)")


@click.command("sqlmigrate")
@app_option
@click.argument("label")
@click.argument("name")
@database_option
@click.option("--backwards", is_flag=True, help="Show the SQL that unapplies the migration.")
def sqlmigrate_command(
    app_spec: str | None, label: str, name: str, using: str, backwards: bool
) -> None:
    """Print the SQL of a migration for the app's database."""
    from heron.db.migrations import sql_migrate

    load_app(app_spec)
    _check_labels([label])
    with database_errors(using):
        sql = sql_migrate(label, name, using=using, backwards=backwards)
    click.echo(sql, nl=False)


@click.command("squashmigrations")
@app_option
@click.argument("label")
@click.argument("start_or_end", metavar="[START]")
@click.argument("end", required=False, metavar="END")
@click.option("--name", "-n", default=None, help="Name of the new migration (after its number).")
@click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing.")
@click.option(
    "--drop-data",
    is_flag=True,
    help="Leave out the data functions (run_python) of the squashed migrations instead of "
    "refusing to squash them.",
)
@click.option("--no-input", "--yes", "no_input", is_flag=True, help="Do not ask to confirm.")
def squashmigrations_command(
    app_spec: str | None,
    label: str,
    start_or_end: str,
    end: str | None,
    name: str | None,
    dry_run: bool,
    drop_data: bool,
    no_input: bool,
) -> None:
    """Write one migration replacing LABEL's migrations [START] to END (START: the first).

    The new file declares the migrations it replaces; keep the old files until every
    database has migrated past them, then delete them.
    """
    from heron.db.migrations.squash import Squash, squash_migrations

    load_app(app_spec)
    _check_labels([label])
    start = start_or_end if end is not None else None
    last = end if end is not None else start_or_end

    def squash(dry: bool) -> Squash:
        return squash_migrations(
            label, last, start=start, name=name, dry_run=dry, drop_data=drop_data
        )

    with database_errors():
        result = squash(dry_run or not no_input)
        replaced = ", ".join(key[1] for key in result.replaces)
        if not dry_run and not no_input:
            click.confirm(
                f"Squash {len(result.replaces)} migrations of '{label}' ({replaced}) into "
                f"{result.file.name}?",
                default=True,
                abort=True,
            )
            result = squash(False)
    click.echo(f"Squashed {len(result.replaces)} migrations of '{label}' ({replaced}) into:")
    click.echo(f"  {_shown(result.file.path)}")
    for line in result.file.operations:
        click.echo(f"    - {line}")
    for function in result.dropped:
        click.echo(f"  Left out the data function {function}")
    if dry_run:
        click.echo("Dry run: nothing was written.")
        return
    click.echo(
        "Keep the replaced files until every database has migrated past them, then delete "
        "them (the squashed migration stands for them from then on)."
    )
