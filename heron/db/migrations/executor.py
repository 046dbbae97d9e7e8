"""Applying and unapplying migrations on a database, each in its own transaction.

PostgreSQL and SQLite run a migration's DDL (``batch_alter_table`` blocks included) and its
``heron_migrations`` row in one transaction, so a failing migration leaves nothing behind.
MySQL/MariaDB commit each DDL statement implicitly: a migration failing half-way stays
half-applied there, and its error gets a note saying so.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from heron.db.migrations.errors import MigrationError, StoppedBeforeChanges
from heron.db.migrations.loader import ZERO, Key, Migration, MigrationGraph, load_graph
from heron.db.migrations.recorder import Recorder
from heron.db.migrations.runner import run_migration
from heron.db.migrations.schema import migration_metadata, table_label, tables_of
from heron.db.signals import ModelSignal, post_migrate, pre_migrate, send

__all__ = [
    "Progress",
    "Step",
    "Using",
    "build_plan",
    "create_all_tables",
    "get_engine",
    "load_state",
    "migrate",
    "migrate_all",
    "migration_plan",
]

#: A database alias of ``heron.db.connections``, or a SQLAlchemy engine.
Using = str | sa.Engine
TRANSACTIONAL_DDL = frozenset({"sqlite", "postgresql"})


@dataclass(frozen=True)
class Step:
    """One migration to apply (or, ``backwards``, to unapply)."""

    migration: Migration
    backwards: bool = False

    def __str__(self) -> str:
        return f"{'Unapply' if self.backwards else 'Apply'} {self.migration}"


#: Called as ``progress(step, finished)`` before and after each step.
Progress = Callable[[Step, bool], None]


def get_engine(using: Using) -> sa.Engine:
    """The SQLAlchemy engine of a database alias (or ``using`` itself if it is an engine)."""
    if isinstance(using, sa.Engine):
        return using
    from heron.db.connections import connections

    engine: sa.Engine = connections[using].sqlalchemy_engine()
    return engine


def _check_history(graph: MigrationGraph, applied: set[Key]) -> None:
    for key in sorted(applied):
        if key not in graph:
            continue
        for dep in graph.dependencies[key]:
            if dep not in applied:
                raise MigrationError(
                    f"Inconsistent history: {key[0]}.{key[1]} is applied but its dependency "
                    f"{dep[0]}.{dep[1]} is not."
                )


def build_plan(
    graph: MigrationGraph, applied: set[Key], label: str | None, target: str | None
) -> list[Step]:
    """The steps that bring the database to ``target`` (see ``migrate``)."""

    def forward(keys: set[Key]) -> list[Step]:
        return [Step(m) for m in graph.order() if m.key in keys and m.key not in applied]

    def backward(keys: set[Key]) -> list[Step]:
        return [Step(m, True) for m in reversed(graph.order()) if m.key in keys & applied]

    _check_history(graph, applied)
    if label is None:
        if target is not None:
            raise MigrationError("A target migration needs its label: migrate LABEL TARGET.")
        return forward(set(graph.migrations))
    chain = graph.labels.get(label)
    if not chain:
        raise MigrationError(f"'{label}' has no migrations (run makemigrations {label}).")
    if target is None:
        return forward(graph.ancestors([chain[-1].key]))
    if target == ZERO:
        return backward(graph.descendants([chain[0].key]))
    migration = graph.resolve(label, target)
    if migration.key in applied:
        later = [m.key for m in chain if m.number > migration.number]
        return backward(graph.descendants(later))
    return forward(graph.ancestors([migration.key]))


def _check_foreign_keys(raw: Any) -> None:
    broken = raw.execute("PRAGMA foreign_key_check").fetchall()
    if broken:
        tables = ", ".join(sorted({str(row[0]) for row in broken}))
        raise MigrationError(f"The migration leaves broken foreign keys in {tables}.")


@contextlib.contextmanager
def _sqlite_transaction(connection: sa.Connection, atomic: bool) -> Iterator[None]:
    """Foreign keys off (table rebuilds drop and rename tables), then checked before COMMIT."""
    raw: Any = connection.connection.driver_connection
    enforced = bool(raw.execute("PRAGMA foreign_keys").fetchone()[0])
    raw.execute("PRAGMA foreign_keys=OFF")  # (a no-op inside a transaction)
    try:
        with connection.begin():
            if atomic and not raw.in_transaction:
                raw.execute("BEGIN")  # pysqlite begins no transaction before DDL
            yield
            if enforced:
                _check_foreign_keys(raw)
    finally:
        if enforced:
            raw.execute("PRAGMA foreign_keys=ON")


@contextlib.contextmanager
def _autocommit(connection: sa.Connection) -> Iterator[None]:
    level = connection.get_isolation_level()
    connection.execution_options(isolation_level="AUTOCOMMIT")
    try:
        yield
    finally:
        connection.commit()  # ends SQLAlchemy's empty autobegun transaction
        connection.execution_options(isolation_level=level)


@contextlib.contextmanager
def _transaction(connection: sa.Connection, atomic: bool) -> Iterator[None]:
    """The one transaction a migration and its version-table row run in.

    It is begun before Alembic sees the connection, so Alembic joins it. (On a connection
    outside a transaction, each ``batch_alter_table`` block begins and commits a transaction
    of its own, committing everything before it.) ``atomic=False``: autocommit on PostgreSQL.
    """
    connection.commit()  # ends the transaction SQLAlchemy began by itself, if any
    if connection.dialect.name == "sqlite":
        with _sqlite_transaction(connection, atomic):
            yield
    elif connection.dialect.name == "postgresql" and not atomic:
        with _autocommit(connection):
            yield
    else:
        with connection.begin():
            yield


def _not_rolled_back(step: Step, vendor: str) -> str | None:
    """What a failing step leaves behind where it is not rolled back (None where it is)."""
    migration = step.migration
    if vendor not in TRANSACTIONAL_DDL:
        why = "MariaDB/MySQL cannot roll back DDL"
    elif not migration.atomic:
        why = "it runs outside a transaction (atomic = False)"
    else:
        return None
    if step.backwards:
        verb, state, flag = "Unapplying", "applied", " --backwards"
    else:
        verb, state, flag = "Applying", "not applied", ""
    return (
        f"{verb} {migration} failed and was not rolled back: {why}. The statements it ran "
        f"before the failing one remain applied, while the migration is recorded as {state}. "
        f"`heron sqlmigrate {migration.label} {migration.name}{flag}` shows its SQL: undo "
        "those statements (or finish the migration) by hand, fix the file, and migrate again."
    )


@contextlib.contextmanager
def _explained(step: Step, vendor: str) -> Iterator[None]:
    """Add ``_not_rolled_back``'s note to an error of the step (its traceback is kept)."""
    try:
        yield
    except Exception as exc:
        note = _not_rolled_back(step, vendor)
        if note is not None and not isinstance(exc, StoppedBeforeChanges):
            exc.add_note(note)
        raise


def _run_steps(connection: sa.Connection, steps: list[Step], progress: Progress | None) -> None:
    recorder = Recorder(connection)
    if any(not step.backwards for step in steps):
        recorder.ensure()
        connection.commit()
    for step in steps:
        if progress is not None:
            progress(step, False)
        migration = step.migration
        with _explained(step, connection.dialect.name), _transaction(connection, migration.atomic):
            run_migration(connection, migration, backwards=step.backwards)
            if step.backwards:
                recorder.unrecord(*migration.recorded_keys)
            else:
                recorder.record(*migration.recorded_keys)
        if progress is not None:
            progress(step, True)
    if any(step.backwards for step in steps):
        recorder.drop_if_empty()
        connection.commit()


def _record_squashes(connection: sa.Connection, graph: MigrationGraph) -> None:
    """Record the squashed migrations whose replaced migrations the old files applied, and
    forget those of which the old files unapplied some, so the database keeps its history
    once the old files (or the squashed ones squashed again) are deleted."""
    recorder = Recorder(connection)
    if not graph.squashes or not recorder.exists():
        connection.commit()
        return
    recorded = recorder.applied()
    connection.commit()
    squashes = {m.key for m in graph.squashes}
    derived = graph.applied(recorded - squashes)
    complete, stale = derived - recorded, (recorded & squashes) - derived
    if complete or stale:
        with connection.begin():
            recorder.record(*sorted(complete))
            recorder.unrecord(*sorted(stale))


def _applied(connection: sa.Connection) -> set[Key]:
    applied = Recorder(connection).applied()
    connection.commit()
    return applied


def load_state(connection: sa.Connection) -> tuple[MigrationGraph, set[Key]]:
    """The migration graph as the database on ``connection`` sees it (squashed migrations or
    the files they replace), and its applied migrations (squashed ones included)."""
    recorded = _applied(connection)
    graph = load_graph(applied=recorded)
    return graph, graph.applied(recorded)


def migration_plan(
    label: str | None = None, target: str | None = None, *, using: Using = "default"
) -> list[Step]:
    """What ``migrate(label, target)`` would do, without doing it."""
    with get_engine(using).connect() as connection:
        return build_plan(*load_state(connection), label, target)


def migrate(
    label: str | None = None,
    target: str | None = None,
    *,
    using: Using = "default",
    progress: Progress | None = None,
) -> list[Step]:
    """Apply or unapply migrations; returns the steps run.

    No label: apply every unapplied migration. A label: apply its migrations (and those of
    other labels they depend on). A label and a target (``"0002"`` or ``"0002_add_slug"``):
    move the label to that migration, unapplying later ones (and the migrations of other
    labels that depend on them) if it is already applied. Target ``"zero"``: unapply all of
    the label's migrations. The ``heron_migrations`` table is dropped once it is empty.
    """
    with get_engine(using).connect() as connection:
        graph, applied = load_state(connection)
        steps = build_plan(graph, applied, label, target)
        _announce(pre_migrate, graph, using, steps)
        _run_steps(connection, steps, progress)
        _record_squashes(connection, graph)
    _announce(post_migrate, graph, using, steps)
    return steps


def _announce(signal: ModelSignal, graph: MigrationGraph, using: Using, steps: list[Step]) -> None:
    """``pre_migrate``/``post_migrate`` for each label with models or migrations."""
    if not signal.receivers:
        return
    from heron.db.models.registry import registry

    for label in sorted({*graph.labels, *registry.labels()}):
        send(signal, label, "migrate", "a plain function", using=using, plan=steps)


def _split_by_references(
    tables: list[sa.Table], migrated: set[str]
) -> tuple[list[sa.Table], list[sa.Table]]:
    """Tables that can be created before the migrations run, and those that need them first."""
    after: set[str] = set()
    for table in tables:  # dependency order: a table's targets are seen before it
        targets = {fk.target_fullname.rsplit(".", 1)[0] for fk in table.foreign_keys}
        if targets & (migrated | after):
            after.add(table.name)
    return [t for t in tables if t.name not in after], [t for t in tables if t.name in after]


def _create(connection: sa.Connection, tables: list[sa.Table]) -> list[str]:
    inspector = sa.inspect(connection)
    missing = [t for t in tables if not inspector.has_table(t.name)]
    if missing:  # create_all adds the foreign keys closing a cycle once the tables exist
        missing[0].metadata.create_all(connection, tables=missing, checkfirst=False)
    connection.commit()
    return [t.name for t in missing]


def create_all_tables(using: Using = "default", labels: Iterable[str] | None = None) -> list[str]:
    """Create the missing tables of ``labels`` (default: labels without migrations) from the
    models; returns the names of the tables created."""
    from heron.db.models.registry import registry

    if labels is None:
        graph = load_graph()
        labels = [lbl for lbl in registry.labels() if lbl not in graph.labels]
    tables = tables_of(migration_metadata(), labels)
    with get_engine(using).connect() as connection:
        return _create(connection, tables)


def migrate_all(using: Using = "default", *, progress: Progress | None = None) -> list[Step]:
    """Bring a database up to date: apply every label's migrations, and create the tables of
    labels that have no migrations folder straight from their models.

    Meant for a fresh test database. Tables of labels without migrations are created before
    the migrations run, except those with foreign keys to migrated tables (created after).
    """
    from heron.db.models.registry import registry

    metadata = migration_metadata()
    with get_engine(using).connect() as connection:
        graph, applied = load_state(connection)
        unmigrated = [lbl for lbl in registry.labels() if lbl not in graph.labels]
        migrated = {t.name for t in metadata.tables.values() if table_label(t) in graph.labels}
        before, after = _split_by_references(tables_of(metadata, unmigrated), migrated)
        steps = build_plan(graph, applied, None, None)
        _announce(pre_migrate, graph, using, steps)
        _create(connection, before)
        _run_steps(connection, steps, progress)
        _record_squashes(connection, graph)
        _create(connection, after)
    _announce(post_migrate, graph, using, steps)
    return steps
