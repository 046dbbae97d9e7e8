"""``squash_migrations``: one migration file standing for a run of a label's migrations.

The migrations the run depends on are replayed on in-memory SQLite (``SchemaState``), then
the run itself; the schema after it, read back as the files state it, is the target that
``detect_changes`` compares the schema before the run with. Renames the run makes are
taken as renames (not a drop and an add), so a squash that starts after a table's creation
keeps its rows, and NOT NULL columns it adds to existing tables fill them as the run did.

The new file carries the number of the run's last migration (``0004_squashed_0001_0004``)
and declares ``replaces``; the loader uses either it or the files it replaces (see
``heron.db.migrations.loader``), so both can stay side by side until every database has
migrated past the run, and the old files can then be deleted.

Data functions (``run_python``) in the run are not carried over: the squashed file could
only call them from the old files, which are meant to be deleted, and copying a function
out of its module loses what it uses there. The squash is refused, naming them, unless
``drop_data`` says they are not needed on a new database (then the file's docstring lists
them, and they can be copied in by hand).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from alembic.operations import ops

from heron.db.migrations.autodetect import Changes, RenameQuestion, detect_changes
from heron.db.migrations.errors import MigrationError
from heron.db.migrations.fixups import DefaultQuestion
from heron.db.migrations.loader import Key, Migration, MigrationGraph, label_directories, load_graph
from heron.db.migrations.make import MigrationFile, check_labels, migration_file
from heron.db.migrations.schema import migration_metadata, referenced_tables
from heron.db.migrations.state import SchemaState
from heron.db.migrations.stated import following, stated
from heron.db.migrations.writer import clean_name, describe, render_migration

__all__ = ["Squash", "squash_migrations"]


@dataclass(frozen=True)
class Squash:
    """A squashed migration written (or, with ``dry_run``, that would be written)."""

    file: MigrationFile
    #: the migrations it replaces, in order
    replaces: tuple[Key, ...]
    #: the data functions of the run left out (``label.name: function``)
    dropped: tuple[str, ...] = ()


def _run(graph: MigrationGraph, label: str, start: str | None, end: str) -> list[Migration]:
    """The label's migrations from ``start`` (default: its first) to ``end``."""
    chain = graph.labels.get(label)
    if not chain:
        raise MigrationError(f"'{label}' has no migrations to squash.")
    last = graph.resolve(label, end)
    first = graph.resolve(label, start) if start is not None else chain[0]
    if first.number > last.number:
        raise MigrationError(
            f"The run to squash is reversed: {first} comes after {last}; give the first "
            "migration, then the last."
        )
    run = [m for m in chain if first.number <= m.number <= last.number]
    if len(run) < 2:
        raise MigrationError(f"Squashing needs at least two migrations; {first} is alone.")
    return run


def _check_replaced_files_gone(run: list[Migration]) -> None:
    """Refuse to squash a squashed migration whose replaced files are still there."""
    for migration in run:
        folder = migration.path.parent
        left = [k for k in migration.replaces if (folder / f"{k[1]}.py").exists()]
        if left:
            names = ", ".join(name for _, name in left)
            raise MigrationError(
                f"{migration} is a squashed migration whose replaced files are still there "
                f"({names}): delete them (once every database has migrated past it) before "
                "squashing it again."
            )


def _check_nothing_between(graph: MigrationGraph, keys: set[Key]) -> set[Key]:
    """The migrations the run depends on (outside it); refused when one of them depends on
    the run itself (another label's migration sits between two of the run's)."""
    before = graph.ancestors(keys) - keys
    for key in sorted(before):
        inside = [dep for dep in graph.dependencies[key] if dep in keys]
        if inside:
            raise MigrationError(
                f"{key[0]}.{key[1]} depends on {inside[0][0]}.{inside[0][1]}, and a later "
                "migration of the run depends on it: squash a shorter run (ending before it)."
            )
    return before


def _external_dependencies(graph: MigrationGraph, run: list[Migration]) -> list[Key]:
    """The run's dependencies on other labels, without those another dependency (or the
    migration before the run) implies."""
    keys = {m.key for m in run}
    outside = list(
        dict.fromkeys(dep for m in run for dep in graph.dependencies[m.key] if dep not in keys)
    )
    implied = {key for dep in outside for key in graph.ancestors(graph.dependencies[dep])}
    return [dep for dep in outside if dep not in implied and dep[0] != run[0].label]


@dataclass
class _RunOperations:
    """What the run's operations do that a comparison of schemas cannot tell: the renames
    (followed from name to name) and the values given to the rows already in a table when
    a NOT NULL column was added. ``detect_changes`` asks about both."""

    #: table now → its name before the run
    tables: dict[str, str] = field(default_factory=dict)
    #: (table now, column now) → the column's name before the run
    columns: dict[tuple[str, str], str] = field(default_factory=dict)
    #: (table now, column now) → the one-off default that filled the rows there
    filled: dict[tuple[str, str], str] = field(default_factory=dict)

    def record(self, op: ops.MigrateOperation) -> None:
        if isinstance(op, ops.AddColumnOp):
            default = getattr(op.column.server_default, "arg", None)
            if not op.column.nullable and isinstance(default, str):
                self.filled[(op.table_name, op.column.name)] = default
        elif isinstance(op, ops.AlterColumnOp) and op.modify_name is not None:
            old, new = (op.table_name, op.column_name), (op.table_name, op.modify_name)
            self.columns[new] = self.columns.pop(old, op.column_name)
            if old in self.filled:
                self.filled[new] = self.filled.pop(old)
        elif isinstance(op, ops.RenameTableOp):
            self.tables[op.new_table_name] = self.tables.pop(op.table_name, op.table_name)
            for found in (self.columns, self.filled):
                for key in [k for k in found if k[0] == op.table_name]:
                    found[(op.new_table_name, key[1])] = found.pop(key)

    def renamed(self, question: RenameQuestion) -> bool:
        """Whether the run made the rename ``question`` asks about."""
        if question.kind == "table":
            return self.tables.get(question.new) == question.old
        return self.columns.get((question.table, question.new)) == question.old

    def one_off_default(self, question: DefaultQuestion) -> str:
        """The value the run gave existing rows of a NOT NULL column it added."""
        found = self.filled.get((question.table, question.column))
        if found is None:
            raise MigrationError(
                f"{question} The squashed migrations did not say which (squash a run that "
                "starts with the table's creation)."
            )
        return found


def _dropped_data(state: SchemaState, keys: set[Key], drop_data: bool) -> tuple[str, ...]:
    found = tuple(
        f"{m}: {getattr(fn, '__name__', repr(fn))}()"
        for m, fn in state.skipped_python
        if m.key in keys
    )
    if found and not drop_data:
        raise MigrationError(
            "The run has data functions (run_python), which a squashed migration cannot "
            f"carry: {', '.join(found)}. Squash around them, or pass drop_data (--drop-data) "
            "if a new database does not need them (copy them into the new file by hand if "
            "it does)."
        )
    return found


def _replayed_changes(
    graph: MigrationGraph, run: list[Migration], drop_data: bool
) -> tuple[Changes, tuple[str, ...]]:
    """The operations from the schema before the run to the schema after it, and the data
    functions left out."""
    from heron.db.models.registry import registry

    label, keys = run[0].label, {m.key for m in run}
    before = [m for m in graph.order() if m.key in _check_nothing_between(graph, keys)]
    unmigrated = [lbl for lbl in registry.labels() if lbl not in graph.labels]
    premade = referenced_tables(migration_metadata(), [label], unmigrated)
    run_ops = _RunOperations()
    with stated() as recorded, SchemaState.replay(before, premade) as state:
        with following(run_ops.record):
            for migration in run:
                state.apply(migration)
        dropped = _dropped_data(state, keys, drop_data)
        target = state.to_metadata(recorded)
    with stated() as recorded, SchemaState.replay(before, premade) as state:
        changes = detect_changes(
            state,
            target,
            label,
            ask_rename=run_ops.renamed,
            ask_default=run_ops.one_off_default,
            stated=recorded,
        )
    return changes, dropped


def squash_migrations(
    label: str,
    end: str,
    *,
    start: str | None = None,
    name: str | None = None,
    dry_run: bool = False,
    drop_data: bool = False,
) -> Squash:
    """Write one migration replacing the label's migrations ``start`` (default: its
    first) to ``end`` (names or number prefixes, ``"0004"``). See the module docstring."""
    directories = label_directories()
    check_labels([label], directories)
    graph = load_graph(directories)
    run = _run(graph, label, start, end)
    _check_replaced_files_gone(run)
    changes, dropped = _replayed_changes(graph, run, drop_data)
    replaces = tuple(k for m in run for k in (*m.replaces, m.key))
    chosen = clean_name(name) if name else f"squashed_{run[0].number:04d}_{run[-1].number:04d}"
    full = f"{run[-1].number:04d}_{chosen}"
    notes = [f"Replaces {run[0]} to {run[-1]} ({len(run)} migrations)."]
    if dropped:
        left_out = "\n".join(f"- {d}" for d in dropped)
        notes.append(f"Data functions of the replaced migrations left out:\n{left_out}")
    deps = _external_dependencies(graph, run)
    source = render_migration(label, full, deps, changes, replaces=replaces, notes=notes)
    lines = tuple(describe(changes))
    written = migration_file(label, full, directories[label], source, tuple(deps), lines, dry_run)
    return Squash(written, replaces, dropped)
