"""The schema the migration files build, found by replaying them on an in-memory SQLite database.

``makemigrations`` compares the models with this schema, not with the user's database
(as Django does): the result only depends on the files, and no database is needed. While
replaying, each table is attributed to the label whose migration created it, so a
label's removed models are found without guessing from table names.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.pool import StaticPool

from heron.db.migrations.errors import MigrationError
from heron.db.migrations.loader import Migration
from heron.db.migrations.ownership import ownership_hook
from heron.db.migrations.runner import PythonFunction, python_hook, run_migration
from heron.db.migrations.schema import IGNORED_TABLES, table_label

__all__ = ["SchemaState"]


def _skip(function: PythonFunction) -> None:
    """Data functions change rows, not the schema: a replay leaves them out."""


class SchemaState:
    """An in-memory SQLite database holding the replayed schema, and who owns each table."""

    def __init__(self) -> None:
        self.engine = sa.create_engine("sqlite://", poolclass=StaticPool)
        self.connection = self.engine.connect()
        #: table name -> label whose migrations (or models, for labels without any) made it
        self.owners: dict[str, str] = {}

    @classmethod
    def replay(
        cls, migrations: Iterable[Migration], tables: Iterable[sa.Table] = ()
    ) -> SchemaState:
        """Create ``tables`` (labels without migrations), then apply ``migrations`` in order."""
        state = cls()
        try:
            state.create_tables(tables)
            for migration in migrations:
                state.apply(migration)
        except BaseException:
            state.close()
            raise
        return state

    def table_names(self) -> set[str]:
        """The tables in the replayed schema (version tables excluded)."""
        names = sa.inspect(self.connection).get_table_names()
        return {name for name in names if name not in IGNORED_TABLES}

    def owned(self, label: str) -> set[str]:
        """The tables the label's migrations created (and did not drop)."""
        return {name for name, owner in self.owners.items() if owner == label}

    def create_tables(self, tables: Iterable[sa.Table]) -> None:
        """Create tables straight from the models (for labels that have no migrations)."""
        for table in tables:
            table.create(self.connection, checkfirst=True)
            label = table_label(table)
            if label is not None:
                self.owners[table.name] = label
        self.connection.commit()

    def apply(self, migration: Migration, *, backwards: bool = False) -> None:
        """Run one migration on the replayed schema, updating table ownership."""
        before = self.table_names()
        managed: list[tuple[str, bool]] = []  # release_table()/adopt_table() calls
        try:
            with python_hook(_skip), ownership_hook(lambda t, m: managed.append((t, m))):
                run_migration(self.connection, migration, backwards=backwards)
            self.connection.commit()
        except MigrationError:
            raise
        except Exception as exc:
            raise MigrationError(
                f"Replaying {migration} on an in-memory SQLite database (to learn the schema "
                f"the migrations build) failed: {exc}"
            ) from exc
        after = self.table_names()
        for name in before - after:
            self.owners.pop(name, None)
        for name in after - before:
            self.owners[name] = migration.label
        for name, owned in managed:
            if owned:
                self.owners[name] = migration.label
            else:
                self.owners.pop(name, None)

    @contextlib.contextmanager
    def capture(self) -> Iterator[list[tuple[str, Any]]]:
        """Record the statements that change the schema or rows while the block runs."""
        statements: list[tuple[str, Any]] = []

        def listener(
            conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
        ) -> None:
            head = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
            if head not in {"PRAGMA", "SELECT"}:  # reflection queries
                statements.append((statement.strip(), parameters))

        event.listen(self.engine, "before_cursor_execute", listener)
        try:
            yield statements
        finally:
            event.remove(self.engine, "before_cursor_execute", listener)

    def close(self) -> None:
        """Drop the in-memory database."""
        self.connection.close()
        self.engine.dispose()

    def __enter__(self) -> SchemaState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
