"""Finding migration files and ordering them: one folder per label, ``NNNN_name.py`` files.

A migration file is a Python module with ``upgrade()``, optionally ``downgrade()``,
``dependencies`` (``[("auth", "0001_initial")]``), ``label`` and ``atomic``. Each file
implicitly depends on the previous number of its label, so the files of one label form
a chain; ``dependencies`` adds the links to other labels.

A squashed migration (``heron squashmigrations``) also declares ``replaces``: the migrations
it stands for, and carries the number of the last of them (``0004_squashed_0001_0004``).
While the replaced files are still there, the graph holds either the squashed migration or
the files it replaces, never both (``MigrationGraph.build``): the squashed one unless the
database has applied only some of the replaced ones. Dependencies naming a replaced
migration lead to the squashed one when it is used.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from heron.db.migrations.errors import IrreversibleMigration, MigrationError

__all__ = [
    "ZERO",
    "Key",
    "Migration",
    "MigrationGraph",
    "label_directories",
    "load_graph",
    "load_label",
    "migration_files",
]

ZERO = "zero"
MIGRATION_FILE = re.compile(r"^(\d{4})_(\w+)\.py$")
Key = tuple[str, str]


@dataclass(frozen=True, eq=False)
class Migration:
    """One migration file of one label, loaded."""

    label: str
    name: str
    path: Path
    module: ModuleType
    dependencies: tuple[Key, ...]
    atomic: bool = True
    #: the migrations a squashed migration stands for (empty for the others)
    replaces: tuple[Key, ...] = ()

    @property
    def key(self) -> Key:
        """``(label, name)``, as recorded in the version table."""
        return (self.label, self.name)

    @property
    def number(self) -> int:
        """The file's number: 2 for ``0002_add_post_slug``."""
        return int(self.name[:4])

    @property
    def reversible(self) -> bool:
        """True when the file defines ``downgrade()``."""
        return callable(getattr(self.module, "downgrade", None))

    @property
    def recorded_keys(self) -> tuple[Key, ...]:
        """What applying it records: its key, and those of the migrations it replaces (so
        the database stays consistent once the replaced files are deleted)."""
        return (self.key, *self.replaces)

    def upgrade(self) -> None:
        """Run the file's ``upgrade()`` (inside ``Operations.context``)."""
        self.module.upgrade()

    def downgrade(self) -> None:
        """Run the file's ``downgrade()``; ``IrreversibleMigration`` if it has none."""
        if not self.reversible:
            raise IrreversibleMigration(f"{self} cannot be reversed: it has no downgrade().")
        self.module.downgrade()

    def __str__(self) -> str:
        return f"{self.label}.{self.name}"

    def __repr__(self) -> str:
        return f"<Migration {self}>"


def migration_files(directory: Path) -> list[Path]:
    """The migration files of a folder (``NNNN_name.py``), by name."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.is_file() and MIGRATION_FILE.match(p.name))


def _import_file(label: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"heron_migrations.{label}.m{path.stem}", path)
    if spec is None or spec.loader is None:  # pragma: no cover - only for non-Python files
        raise MigrationError(f"Cannot load the migration file {path}.")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise MigrationError(f"The migration file {path} failed to import: {exc!r}") from exc
    return module


def _keys(path: Path, value: Any, what: str = "dependency") -> tuple[Key, ...]:
    deps: list[Key] = []
    for item in value or ():
        if (
            not isinstance(item, tuple | list)
            or len(item) != 2
            or not all(isinstance(part, str) for part in item)
        ):
            raise MigrationError(f"{path}: each {what} must be a (label, name) pair, got {item!r}.")
        deps.append((item[0], item[1]))
    return tuple(deps)


def _check_numbers(label: str, migrations: list[Migration]) -> None:
    """One file per number, except a squashed migration beside the last file it replaces."""
    replaced = {key for m in migrations for key in m.replaces}
    seen: dict[int, Migration] = {}
    for migration in migrations:
        if migration.key in replaced:
            continue
        other = seen.setdefault(migration.number, migration)
        if other is not migration:
            raise MigrationError(
                f"'{label}' has two migrations numbered {migration.number:04d} "
                f"({other.name} and {migration.name}): renumber one of them and make it "
                "depend on the other."
            )


def load_label(label: str, directory: Path) -> list[Migration]:
    """Import the label's migration files (skipping files that declare another label)."""
    migrations: list[Migration] = []
    for path in migration_files(directory):
        module = _import_file(label, path)
        declared = getattr(module, "label", label)
        if declared != label:
            continue  # a folder shared by several labels: the file belongs to another one
        if not callable(getattr(module, "upgrade", None)):
            raise MigrationError(f"{path} has no upgrade() function.")
        deps = _keys(path, getattr(module, "dependencies", ()))
        replaces = _keys(path, getattr(module, "replaces", ()), "replaced migration")
        atomic = bool(getattr(module, "atomic", True))
        migrations.append(Migration(label, path.stem, path, module, deps, atomic, replaces))
    _check_numbers(label, migrations)
    return migrations


def with_squashes(squashes: Iterable[Migration], recorded: set[Key]) -> set[Key]:
    """The recorded migrations, plus the squashed migrations whose replaced migrations are
    all among them (a database migrated with the old files), squashes of squashes too."""
    found = set(recorded)
    pending = [m for m in squashes if m.key not in found]
    while complete := [m for m in pending if set(m.replaces) <= found]:
        found.update(m.key for m in complete)
        pending = [m for m in pending if m not in complete]
    return found


def _replacements(
    migrations: list[Migration], recorded: set[Key] | None
) -> tuple[set[Key], dict[Key, Key]]:
    """Which of a squashed migration and the files it replaces the graph holds.

    The squashed one, unless the database (``recorded``; None: no database) applied some
    but not all of the replaced ones: then the replaced files, which must still exist.
    Returns the keys left out and where a dependency on each left-out key leads instead.
    """
    loaded = {m.key for m in migrations}
    squashes = [m for m in migrations if m.replaces]
    applied = with_squashes(squashes, recorded or set())
    left_out: set[Key] = set()
    redirect: dict[Key, Key] = {}
    for squash in squashes:
        done = [key for key in squash.replaces if key in applied]
        if not done or len(done) == len(squash.replaces) or squash.key in applied:
            left_out.update(squash.replaces)
            redirect.update(dict.fromkeys(squash.replaces, squash.key))
            continue
        inner = {k for m in squashes if m.key in squash.replaces for k in m.replaces}
        missing = [f"{k[0]}.{k[1]}" for k in squash.replaces if k not in loaded | inner]
        if missing:
            raise MigrationError(
                f"The database has applied only some of the migrations {squash} replaces "
                f"({', '.join(f'{k[0]}.{k[1]}' for k in done)}), and the files of "
                f"{', '.join(missing)} are gone: restore them from version control, migrate, "
                "then delete them again."
            )
        left_out.add(squash.key)
        redirect[squash.key] = squash.replaces[-1]
    return left_out, redirect


def _follow(redirect: dict[Key, Key], key: Key) -> Key:
    """Where a dependency on ``key`` leads, through squashes of squashes."""
    seen = {key}
    while key in redirect and redirect[key] not in seen:
        key = redirect[key]
        seen.add(key)
    return key


@dataclass
class MigrationGraph:
    """Every loaded migration and the dependencies between them."""

    migrations: dict[Key, Migration] = field(default_factory=dict)
    dependencies: dict[Key, list[Key]] = field(default_factory=dict)
    labels: dict[str, list[Migration]] = field(default_factory=dict)
    #: migrations left out for a squashed one (or the reverse) → the one used instead
    replaced: dict[Key, Key] = field(default_factory=dict)
    #: every squashed migration loaded, used or not
    squashes: list[Migration] = field(default_factory=list)

    @classmethod
    def build(
        cls, migrations: Iterable[Migration], applied: set[Key] | None = None
    ) -> MigrationGraph:
        """Link the migrations: the previous file of the label, then declared dependencies.

        ``applied``: the migrations a database recorded, which decides between squashed
        migrations and the files they replace (see ``_replacements``).
        """
        graph = cls()
        loaded = list(migrations)
        left_out, graph.replaced = _replacements(loaded, applied)
        graph.squashes = sorted((m for m in loaded if m.replaces), key=lambda m: m.key)
        for migration in loaded:
            if migration.key in left_out:
                continue
            graph.migrations[migration.key] = migration
            graph.labels.setdefault(migration.label, []).append(migration)
        for chain in graph.labels.values():
            chain.sort(key=lambda m: m.number)
            previous: Migration | None = None
            for migration in chain:
                deps = [previous.key] if previous is not None else []
                for declared in migration.dependencies:
                    dep = _follow(graph.replaced, declared)
                    if dep not in graph.migrations:
                        raise MigrationError(
                            f"{migration} depends on {dep[0]}.{dep[1]}, which does not exist "
                            f"(is the '{dep[0]}' label's models module imported?)."
                        )
                    if dep not in deps:
                        deps.append(dep)
                graph.dependencies[migration.key] = deps
                previous = migration
        graph.order()  # fails early on a cycle
        return graph

    def __iter__(self) -> Iterator[Migration]:
        return iter(self.order())

    def __contains__(self, key: object) -> bool:
        return key in self.migrations

    def applied(self, recorded: set[Key]) -> set[Key]:
        """The recorded migrations, plus the squashed ones whose replaced migrations are
        all recorded (a database migrated with the old files)."""
        return with_squashes(self.squashes, recorded)

    def leaf(self, label: str) -> Migration | None:
        """The label's last migration, or None if it has none."""
        chain = self.labels.get(label)
        return chain[-1] if chain else None

    def order(self) -> list[Migration]:
        """Every migration after all of its dependencies (ties broken by label and number)."""
        result: list[Migration] = []
        done: set[Key] = set()
        visiting: set[Key] = set()
        for root in sorted(self.migrations):
            if root in done:
                continue
            stack: list[tuple[Key, Iterator[Key]]] = [(root, iter(self.dependencies[root]))]
            visiting.add(root)
            while stack:
                key, deps = stack[-1]
                dep = next(deps, None)
                if dep is None:
                    stack.pop()
                    visiting.discard(key)
                    done.add(key)
                    result.append(self.migrations[key])
                elif dep in visiting:
                    cycle = (
                        " -> ".join(f"{k[0]}.{k[1]}" for k, _ in stack) + f" -> {dep[0]}.{dep[1]}"
                    )
                    raise MigrationError(f"Migrations depend on each other in a cycle: {cycle}.")
                elif dep not in done:
                    visiting.add(dep)
                    stack.append((dep, iter(self.dependencies[dep])))
        return result

    def _closure(self, start: Iterable[Key], step: Callable[[Key], Iterable[Key]]) -> set[Key]:
        found: set[Key] = set()
        todo = list(start)
        while todo:
            key = todo.pop()
            if key not in found:
                found.add(key)
                todo.extend(step(key))
        return found

    def ancestors(self, keys: Iterable[Key]) -> set[Key]:
        """The given migrations and everything they depend on, directly or not."""
        return self._closure(keys, lambda key: self.dependencies[key])

    def descendants(self, keys: Iterable[Key]) -> set[Key]:
        """The given migrations and everything that depends on them, directly or not."""
        children: dict[Key, list[Key]] = {}
        for key, deps in self.dependencies.items():
            for dep in deps:
                children.setdefault(dep, []).append(key)
        return self._closure(keys, lambda key: children.get(key, ()))

    def resolve(self, label: str, target: str) -> Migration:
        """The label's migration named ``target`` or whose name starts with it (``0002``)."""
        chain = self.labels.get(label, [])
        exact = [m for m in chain if m.name == target]
        matches = exact or [m for m in chain if m.name.startswith(target)]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            known = ", ".join(m.name for m in chain) or "none"
            instead = self.replaced.get((label, target))
            if instead is not None:
                raise MigrationError(
                    f"{label}.{target} is replaced by {instead[0]}.{instead[1]} on this "
                    f"database (it has: {known})."
                )
            raise MigrationError(f"'{label}' has no migration '{target}' (it has: {known}).")
        names = ", ".join(m.name for m in matches)
        raise MigrationError(f"'{target}' matches several migrations of '{label}': {names}.")


def label_directories(labels: Iterable[str] | None = None) -> dict[str, Path]:
    """The migrations folder of each label with models (labels without a file on disk
    skipped), and of labels whose models are all gone (``retired_directories``)."""
    from heron.db.models.registry import registry

    wanted = registry.labels() if labels is None else list(labels)
    result: dict[str, Path] = {}
    for label in wanted:
        try:
            result[label] = registry.migrations_dir(label)
        except (LookupError, KeyError):
            continue
    if labels is None or len(result) < len(wanted):
        retired = retired_directories(result)
        result.update(
            retired if labels is None else {k: retired[k] for k in wanted if k in retired}
        )
    return result


def retired_directories(known: dict[str, Path]) -> dict[str, Path]:
    """Labels whose models are all gone: an imported models module (``lib.models``) with no
    models left, beside a folder of Heron migrations (they define ``upgrade()``) that is no
    other label's. Their tables are to be dropped by a last migration.
    """
    from heron.db.models.registry import label_for_module

    taken = set(known.values())
    found: dict[str, Path] = {}
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if name.rpartition(".")[2] != "models" or not file:
            continue
        label = label_for_module(name)
        folder = Path(file).resolve().parent / "migrations"
        files = migration_files(folder) if label not in known and folder not in taken else []
        if files and "def upgrade(" in files[0].read_text():
            found[label] = folder
    return found


def load_graph(
    directories: dict[str, Path] | None = None, applied: set[Key] | None = None
) -> MigrationGraph:
    """Load the migrations of every label with models (or of ``directories``); ``applied``:
    what a database recorded, to choose between squashed migrations and the old files."""
    directories = label_directories() if directories is None else directories
    migrations: list[Migration] = []
    for label, directory in sorted(directories.items()):
        migrations.extend(load_label(label, directory))
    return MigrationGraph.build(migrations, applied)
