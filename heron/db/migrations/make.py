"""``make_migrations``: write a new migration file for each label whose models changed."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from heron.db.migrations.autodetect import AskRename, Changes, detect_changes
from heron.db.migrations.errors import MigrationError
from heron.db.migrations.fixups import AskDefault
from heron.db.migrations.loader import (
    Key,
    MigrationGraph,
    label_directories,
    load_graph,
)
from heron.db.migrations.schema import migration_metadata, referenced_tables, table_label
from heron.db.migrations.state import SchemaState
from heron.db.migrations.stated import stated
from heron.db.migrations.writer import (
    clean_name,
    describe,
    render_data_migration,
    render_migration,
    suggest_name,
)

__all__ = [
    "MigrationFile",
    "check_labels",
    "check_migrations_current",
    "make_migrations",
    "migration_file",
]


@dataclass(frozen=True)
class MigrationFile:
    """A migration written (or, with ``dry_run``, that would be written)."""

    label: str
    name: str
    path: Path
    source: str
    dependencies: tuple[Key, ...]
    operations: tuple[str, ...]
    written: bool

    def __str__(self) -> str:
        return f"{self.label}.{self.name}"


def check_labels(labels: Sequence[str], directories: dict[str, Path]) -> None:
    """Refuse labels without models, or whose migrations folder is missing or shared."""
    from heron.db.models.registry import registry

    for label in labels:
        if label in registry.labels() and label not in directories:
            raise MigrationError(
                f"The models of '{label}' are not in a file on disk, so it has no migrations "
                "folder."
            )
        if label not in directories:
            known = ", ".join(sorted({*registry.labels(), *directories})) or "none"
            raise MigrationError(
                f"No models have the label '{label}' (known: {known}); is its models module "
                "imported by the app?"
            )
        shared = sorted(o for o, d in directories.items() if o != label and d == directories[label])
        if shared:
            raise MigrationError(
                f"'{label}' and {', '.join(repr(s) for s in shared)} would share the migrations "
                f"folder {directories[label]}: move one label's models into a package of its own."
            )


def _next_name(graph: MigrationGraph, label: str, name: str) -> str:
    leaf = graph.leaf(label)
    return f"{(leaf.number if leaf else 0) + 1:04d}_{name}"


def _referrers(graph: MigrationGraph, label: str) -> set[str]:
    """The other labels whose existing migrations depend on the label's (their foreign keys
    point, or pointed, at its tables)."""
    return {
        m.label
        for m in graph.migrations.values()
        if m.label != label and any(dep[0] == label for dep in m.dependencies)
    }


def _check_targets_migrated(
    changes: dict[str, Changes],
    owners: dict[str, str],
    graph: MigrationGraph,
    directories: dict[str, Path],
) -> None:
    """Refuse a new foreign key to a table of a label that has a migrations folder but no
    migration yet, and is not being migrated now: on a fresh database the table would not
    exist when the key is created (PostgreSQL and MariaDB refuse it)."""
    for label, change in changes.items():
        for table in sorted(change.referenced):
            owner = owners.get(table)
            if owner is None or owner == label or owner in changes or owner in graph.labels:
                continue
            if owner in directories:
                raise MigrationError(
                    f"'{label}' gets a foreign key to {table} of '{owner}', which has no "
                    f"migrations yet: run `heron makemigrations {owner} {label}` (or "
                    "makemigrations without labels) so that the table is created first."
                )


def _link(
    changes: dict[str, Changes], graph: MigrationGraph, owners: dict[str, str]
) -> tuple[list[str], dict[str, list[tuple[str, bool]]]]:
    """Order the labels so that new tables exist before the foreign keys pointing at them, and
    dropped tables go after the foreign keys that pointed at them.

    Returns the order and, per label, the other labels it depends on (True: on the other
    label's new migration, False: on its latest existing one).
    """
    needs: dict[str, list[tuple[str, bool]]] = {}
    for label, change in changes.items():
        wanted: list[tuple[str, bool]] = []
        for table in change.referenced:
            owner = owners.get(table)
            if owner is not None:
                wanted.append((owner, owner in changes and table in changes[owner].created))
        if change.dropped:
            wanted += [(other, False) for other in _referrers(graph, label)]
            wanted += [
                (other, True)
                for other, theirs in changes.items()
                if change.dropped & theirs.unreferenced
            ]
        links: dict[str, bool] = {}
        for other, new in wanted:
            if other != label and (new or graph.leaf(other) is not None):
                links[other] = links.get(other, False) or new
        needs[label] = sorted(links.items())
    order: list[str] = []
    visiting: list[str] = []

    def visit(label: str) -> None:
        if label in order:
            return
        if label in visiting:
            cycle = " -> ".join([*visiting[visiting.index(label) :], label])
            raise MigrationError(
                f"The new migrations would depend on each other in a cycle of labels ({cycle}): "
                "new foreign keys point at new tables, or tables are dropped that other "
                "labels' foreign keys point at. Make one of the changes in a later migration "
                "(make it, run makemigrations, then make the other)."
            )
        visiting.append(label)
        for other, new in needs[label]:
            if new:
                visit(other)
        visiting.pop()
        order.append(label)

    for label in sorted(changes):
        visit(label)
    return order, needs


def _check_drops(state: SchemaState, changes: dict[str, Changes]) -> None:
    """Refuse to drop a table that a label left out of this run still points at."""
    inspector = sa.inspect(state.connection)
    dropped = {table: label for label, change in changes.items() for table in change.dropped}
    for table, owner in sorted(state.owners.items()):
        theirs = changes.get(owner)
        for fk in inspector.get_foreign_keys(table):
            target = fk["referred_table"]
            gone = target in dropped and dropped[target] != owner
            if gone and (theirs is None or target not in theirs.unreferenced):
                raise MigrationError(
                    f"'{dropped[target]}' drops {target}, which {table} ('{owner}') still "
                    f"points at: run makemigrations for '{owner}' too, in the same run."
                )


def _write(directory: Path, name: str, source: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    init = directory / "__init__.py"
    if not init.exists():
        init.write_text("")
    path = directory / f"{name}.py"
    if path.exists():
        raise MigrationError(f"{path} already exists.")
    path.write_text(source)
    return path


def make_migrations(
    labels: Iterable[str] | None = None,
    *,
    name: str | None = None,
    empty: bool = False,
    dry_run: bool = False,
    rename: bool | AskRename | None = None,
    ask_default: AskDefault | None = None,
) -> list[MigrationFile]:
    """Write a migration for each label (default: every label) whose models changed.

    ``rename``: ``True`` takes every possible rename as a rename, a callable is asked about
    each (``RenameQuestion`` → bool), ``None``/``False`` treats them as drop + add.
    ``ask_default`` supplies a one-off value for NOT NULL columns added to existing tables
    when the field has no constant default. ``empty`` writes a data migration to fill in.
    Returns the files in the order they should be applied.
    """
    from heron.db.models.registry import registry

    directories = label_directories()
    # Every label by default, except those whose models are not in a file (no folder).
    wanted = list(dict.fromkeys(labels)) if labels else sorted(directories)
    if empty and not labels:
        raise MigrationError("An empty migration needs the label(s) to write it for.")
    check_labels(wanted, directories)
    graph = load_graph(directories)
    chosen = clean_name(name) if name else None
    results: list[MigrationFile] = []
    if empty:
        for label in wanted:
            leaf = graph.leaf(label)
            stamp = "auto_" + datetime.datetime.now().strftime("%Y%m%d_%H%M")
            full = _next_name(graph, label, chosen or stamp)
            first: tuple[Key, ...] = (leaf.key,) if leaf else ()
            source = render_data_migration(label, full, first)
            results.append(
                migration_file(label, full, directories[label], source, first, (), dry_run)
            )
        return results
    metadata = migration_metadata()
    unmigrated = [lbl for lbl in registry.labels() if lbl not in graph.labels and lbl not in wanted]
    premade = referenced_tables(metadata, wanted, unmigrated)
    ask: AskRename | None = (lambda q: True) if rename is True else (rename or None)
    with stated() as recorded, SchemaState.replay(graph.order(), premade) as state:
        changes: dict[str, Changes] = {}
        for label in wanted:
            found = detect_changes(
                state, metadata, label, ask_rename=ask, ask_default=ask_default, stated=recorded
            )
            if found:
                changes[label] = found
        _check_drops(state, changes)
    owners = {t.name: lbl for t in metadata.tables.values() if (lbl := table_label(t))}
    _check_targets_migrated(changes, owners, graph, directories)
    order, needs = _link(changes, graph, owners)
    new_names = {
        label: _next_name(
            graph, label, chosen or suggest_name(changes[label], initial=label not in graph.labels)
        )
        for label in order
    }
    for label in order:
        leaf = graph.leaf(label)
        deps: list[Key] = [leaf.key] if leaf else []
        for other, new in needs[label]:
            other_leaf = graph.leaf(other)
            if new:
                deps.append((other, new_names[other]))
            elif other_leaf is not None:
                deps.append(other_leaf.key)
        full = new_names[label]
        source = render_migration(label, full, deps, changes[label])
        lines = tuple(describe(changes[label]))
        results.append(
            migration_file(label, full, directories[label], source, tuple(deps), lines, dry_run)
        )
    return results


def migration_file(
    label: str,
    name: str,
    directory: Path,
    source: str,
    deps: tuple[Key, ...],
    lines: tuple[str, ...],
    dry_run: bool,
) -> MigrationFile:
    """Write the migration's source to ``directory/name.py`` (unless ``dry_run``)."""
    path = directory / f"{name}.py"
    if not dry_run:
        path = _write(directory, name, source)
    return MigrationFile(label, name, path, source, deps, lines, not dry_run)


def check_migrations_current() -> None:
    """Raise ``MigrationError`` when a label with migrations has model changes that no
    migration holds (what ``heron makemigrations --check`` reports), naming them."""
    labels = sorted(load_graph(label_directories()).labels)
    if not labels:
        return
    try:
        pending = make_migrations(labels, dry_run=True, rename=False, ask_default=None)
    except MigrationError as exc:
        raise MigrationError(f"{_STALE}\n  {exc}\n{_RUN}") from exc
    if pending:
        lines = [f"  {file.label}: {op}" for file in pending for op in file.operations]
        raise MigrationError("\n".join([_STALE, *lines, _RUN]))


_STALE = "The models have changes that are not in a migration:"
_RUN = "Run `heron makemigrations` and commit the migration files."
