"""The schema the migration files build, found by replaying them on an in-memory SQLite database.

``makemigrations`` compares the models with this schema, not with the user's database
(as Django does): the result only depends on the files, and no database is needed. While
replaying, each table is attributed to the label whose migration created it, so a
label's removed models are found without guessing from table names.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.pool import StaticPool

from heron.db.migrations.errors import MigrationError
from heron.db.migrations.loader import Migration
from heron.db.migrations.ownership import ownership_hook
from heron.db.migrations.runner import PythonFunction, python_hook, run_migration
from heron.db.migrations.schema import IGNORED_TABLES, table_label
from heron.db.models.constraints import partial_index
from heron.db.models.registry import NAMING_CONVENTION

if TYPE_CHECKING:
    from heron.db.migrations.stated import Stated

__all__ = ["SchemaState"]


class SchemaState:
    """An in-memory SQLite database holding the replayed schema, and who owns each table."""

    def __init__(self) -> None:
        self.engine = sa.create_engine("sqlite://", poolclass=StaticPool)
        # Options SQLite lacks are the files' to state, not refused or warned about here.
        self.engine.dialect.heron_schema_only = True  # type: ignore[attr-defined]
        self.connection = self.engine.connect()
        #: table name -> label whose migrations (or models, for labels without any) made it
        self.owners: dict[str, str] = {}
        #: the data functions (``run_python``) the replayed migrations call, not run: they
        #: change rows, not the schema
        self.skipped_python: list[tuple[Migration, PythonFunction]] = []

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

    @contextlib.contextmanager
    def as_database(self) -> Iterator[None]:
        """While the block runs, options SQLite lacks are refused or warned about as on a
        database file (``sqlmigrate``), not only left to the files to state."""
        dialect: Any = self.engine.dialect
        dialect.heron_schema_only = False
        try:
            yield
        finally:
            dialect.heron_schema_only = True

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
        skip = self.skipped_python.append
        try:
            with (
                python_hook(lambda function: skip((migration, function))),
                ownership_hook(lambda t, m: managed.append((t, m))),
            ):
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

    def to_metadata(self, stated: Stated) -> sa.MetaData:
        """The replayed schema as ``MetaData`` a migration can be generated against, as the
        files state it (``stated``, recorded while they were replayed): their types,
        comments, defaults, check constraints, partial and descending indexes, the options of
        unique constraints and indexes. Each table's
        ``info["label"]`` is its owner. Expression indexes are refused (SQLite cannot read
        them back)."""
        metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression")
            metadata.reflect(self.connection, only=sorted(self.table_names()))
        for table in metadata.tables.values():
            if table.name in self.owners:
                table.info["label"] = self.owners[table.name]
            for column in table.columns:
                for setting in (stated.types, stated.comments, stated.defaults):
                    setting.give(table.name, column)
            table.comment = stated.comments.get((table.name, ""))
            for constraint in [c for c in table.constraints if isinstance(c, sa.CheckConstraint)]:
                table.constraints.discard(constraint)
            for name, condition in stated.checks.of(table.name).items():
                table.append_constraint(sa.CheckConstraint(condition, name=name))
            self._stated_indexes(table, stated)
            stated.key_options.give(table)
        return metadata

    def _stated_indexes(self, table: sa.Table, stated: Stated) -> None:
        """Put back what SQLite's reflection loses of the table's indexes: the conditions of
        partial ones and the order of descending columns."""
        expressions = sorted(name for owner, name in stated.expressions if owner == table.name)
        if expressions:
            raise MigrationError(
                f"{table.name} has expression indexes ({', '.join(expressions)}), which cannot "
                "be read back from the replayed schema yet."
            )
        quote = self.connection.dialect.identifier_preparer.quote
        for index in list(table.indexes):
            partial = stated.partials.get((table.name, str(index.name)))
            info = self.connection.exec_driver_sql(f"PRAGMA index_xinfo({quote(str(index.name))})")
            keys = [(row[2], bool(row[3])) for row in info if row[5]]
            if partial is None and not any(desc for _, desc in keys):
                continue
            table.indexes.discard(index)
            sorting = partial.keys if partial is not None else tuple(keys)
            columns = [table.c[c].desc() if desc else table.c[c] for c, desc in sorting]
            if partial is not None:  # the columns' table gets the index
                partial_index(partial.name, columns, partial.condition, unique=partial.unique)
            else:
                sa.Index(index.name, *columns, unique=index.unique)

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
