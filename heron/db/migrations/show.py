"""Looking at migrations without applying them: ``show_migrations`` and ``sql_migrate``."""

from __future__ import annotations

import io
from collections.abc import Iterable

from heron.db.migrations.executor import TRANSACTIONAL_DDL, Using, get_engine
from heron.db.migrations.loader import Migration, MigrationGraph, label_directories, load_graph
from heron.db.migrations.recorder import Recorder
from heron.db.migrations.runner import (
    PythonFunction,
    python_hook,
    python_placeholder,
    run_migration,
    run_migration_offline,
)
from heron.db.migrations.schema import migration_metadata, referenced_tables
from heron.db.migrations.state import SchemaState

__all__ = ["show_migrations", "sql_migrate"]


def show_migrations(
    labels: Iterable[str] | None = None, *, using: Using = "default"
) -> dict[str, list[tuple[str, bool]]]:
    """For each label (default: every label with models), its migrations and whether each is
    applied: ``{"blog": [("0001_initial", True), ("0002_add_post_slug", False)]}``."""
    directories = label_directories()
    wanted = sorted(directories) if labels is None else list(labels)
    with get_engine(using).connect() as connection:
        recorded = Recorder(connection).applied()
    graph = load_graph(directories, applied=recorded)
    applied = graph.applied(recorded)
    return {
        label: [(m.name, m.key in applied) for m in graph.labels.get(label, [])] for label in wanted
    }


def _replayed_sql(graph: MigrationGraph, migration: Migration, backwards: bool) -> str:
    """SQLite: replay what comes before on an in-memory database, then record the statements.

    (SQLite rebuilds tables to alter them, which needs the table as it is, so the SQL cannot
    be produced without a database.)
    """
    from heron.db.models.registry import registry

    keys = graph.ancestors([migration.key])
    if not backwards:
        keys.discard(migration.key)
    before = [m for m in graph.order() if m.key in keys]
    unmigrated = [lbl for lbl in registry.labels() if lbl not in graph.labels]
    tables = referenced_tables(migration_metadata(), [migration.label], unmigrated)
    out: list[str] = []
    with SchemaState.replay(before, tables) as state:
        with state.capture() as statements:

            def comment(function: PythonFunction) -> None:
                statements.append((python_placeholder(function), None))

            with python_hook(comment), state.as_database():
                run_migration(state.connection, migration, backwards=backwards)
        for statement, params in statements:
            end = "" if statement.startswith("--") else ";"
            out.append(statement + end + (f"  -- parameters: {params!r}" if params else ""))
    return "\n\n".join(out) + ("\n" if out else "")


def sql_migrate(label: str, name: str, *, using: Using = "default", backwards: bool = False) -> str:
    """The SQL a migration runs on the database ``using`` (its vendor), without running it."""
    graph = load_graph()
    migration = graph.resolve(label, name)
    engine = get_engine(using)
    vendor = engine.dialect.name
    if vendor == "sqlite":
        body = _replayed_sql(graph, migration, backwards)
    else:
        buffer = io.StringIO()
        run_migration_offline(engine.dialect, migration, buffer, backwards=backwards)
        body = buffer.getvalue()
    body = body.strip() + "\n" if body.strip() else "-- (no SQL)\n"
    if migration.atomic and vendor in TRANSACTIONAL_DDL:
        return f"BEGIN;\n\n{body}\nCOMMIT;\n"
    return body
