"""Running a migration's ``upgrade()``/``downgrade()`` with Alembic's ``op`` bound to a connection.

Migration files use ``from alembic import op`` exactly as Alembic scripts do; Heron sets up
the ``MigrationContext`` and ``Operations`` behind ``op``. Data changes go through
``run_python(fn)``, which calls ``fn(connection)`` when migrating for real, and is skipped
when Heron replays migrations to learn the schema or prints their SQL.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import IO, Any

import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

from heron.db.migrations.loader import Migration

__all__ = [
    "PythonFunction",
    "python_hook",
    "python_placeholder",
    "run_migration",
    "run_migration_offline",
    "run_python",
]

PythonFunction = Callable[[sa.Connection], object]
PythonHook = Callable[[PythonFunction], None]

_python_hook: ContextVar[PythonHook | None] = ContextVar("heron_migrations_python", default=None)


def run_python(function: PythonFunction) -> None:
    """Run a data-migration function, giving it the migration's connection::

        def forwards(connection):
            connection.execute(sa.text("UPDATE blog_post SET slug = lower(title)"))

        def upgrade():
            run_python(forwards)

    The connection is inside the migration's transaction (where the database has
    transactional DDL). Replays of the migrations (``makemigrations``) skip the call;
    ``sqlmigrate`` shows a comment in its place.
    """
    hook = _python_hook.get()
    if hook is not None:
        hook(function)
        return
    from alembic import op

    function(op.get_bind())


def python_placeholder(function: PythonFunction) -> str:
    """The SQL comment ``sqlmigrate`` shows where a data function runs."""
    name = getattr(function, "__name__", repr(function))
    return f"-- Python function {name}() runs here; its SQL is not shown."


@contextlib.contextmanager
def python_hook(hook: PythonHook) -> Iterator[None]:
    """Route ``run_python`` calls to ``hook`` while the block runs."""
    token = _python_hook.set(hook)
    try:
        yield
    finally:
        _python_hook.reset(token)


def _call(migration: Migration, backwards: bool) -> None:
    with warnings.catch_warnings():
        # A file is written for every backend: ``alter_column(..., autoincrement=True)``
        # keeps MariaDB's AUTO_INCREMENT, and means nothing (but a warning) elsewhere.
        warnings.filterwarnings("ignore", "autoincrement and existing_autoincrement only make")
        if backwards:
            migration.downgrade()
        else:
            migration.upgrade()


def run_migration(
    connection: sa.Connection, migration: Migration, *, backwards: bool = False
) -> None:
    """Run the migration's statements on ``connection``.

    Transactions are the caller's: to run the whole migration in one, begin it first
    (``connection.begin()``); Alembic then joins it as an external transaction. (On a
    connection outside a transaction, each ``batch_alter_table`` block begins and commits a
    transaction of its own.)
    """
    context = MigrationContext.configure(connection=connection)
    with Operations.context(context):
        _call(migration, backwards)


def run_migration_offline(
    dialect: sa.Dialect, migration: Migration, output: IO[str], *, backwards: bool = False
) -> None:
    """Write the migration's SQL for ``dialect`` to ``output`` without a database."""
    opts: dict[str, Any] = {"as_sql": True, "output_buffer": output, "literal_binds": True}
    context = MigrationContext.configure(dialect=dialect, opts=opts)

    def comment(function: PythonFunction) -> None:
        output.write(python_placeholder(function) + "\n\n")

    with python_hook(comment), Operations.context(context):
        _call(migration, backwards)
