"""Loading migration files: order, dependencies and the mistakes reported clearly."""

from __future__ import annotations

import pytest

from heron.db.migrations import MigrationError, load_graph, make_migrations, migrate

from .conftest import Project, Target

MODEL = "class Item(Model):\n    name = fields.String(max_length=10)\n"


def _label(project: Project) -> str:
    label = project.new_label("grf")
    project.models(label, MODEL)
    make_migrations([label])
    return label


def test_files_chain_by_number_and_declared_dependencies(project: Project) -> None:
    label = _label(project)
    project.write_migration(label, "0002_second", "def upgrade() -> None:\n    pass\n")
    graph = load_graph()
    chain = graph.labels[label]
    assert [m.name for m in chain] == ["0001_initial", "0002_second"]
    # No declared dependency: the previous number is implied.
    assert graph.dependencies[(label, "0002_second")] == [(label, "0001_initial")]
    assert not chain[1].reversible
    assert chain[0].reversible


def test_other_files_in_the_folder_are_ignored(project: Project) -> None:
    label = _label(project)
    folder = project.root / label / "migrations"
    (folder / "helpers.py").write_text("raise RuntimeError('not a migration')\n")
    (folder / "01_short.py").write_text("raise RuntimeError('not a migration')\n")
    assert [m.name for m in load_graph().labels[label]] == ["0001_initial"]


def test_a_file_of_another_label_is_skipped(project: Project) -> None:
    label = _label(project)
    project.write_migration(
        label, "0002_other", 'label = "somebody_else"\n\ndef upgrade() -> None:\n    pass\n'
    )
    assert [m.name for m in load_graph().labels[label]] == ["0001_initial"]


@pytest.mark.parametrize(
    ("name", "source", "message"),
    [
        ("0002_dup", "def upgrade() -> None:\n    pass\n", None),
        ("0002_noup", "x = 1\n", "has no upgrade"),
        ("0002_broken", "def upgrade(:\n", "failed to import"),
        (
            "0002_missing",
            'dependencies = [("nolabel", "0001_initial")]\ndef upgrade() -> None:\n    pass\n',
            "depends on nolabel.0001_initial, which does not exist",
        ),
        (
            "0002_baddep",
            'dependencies = ["0001_initial"]\ndef upgrade() -> None:\n    pass\n',
            "must be a \\(label, name\\) pair",
        ),
    ],
)
def test_bad_files_are_reported(
    project: Project, name: str, source: str, message: str | None
) -> None:
    label = _label(project)
    if message is None:  # two files with one number
        project.write_migration(label, "0002_a", source)
        message = "two migrations numbered 0002"
    project.write_migration(label, name, source)
    with pytest.raises(MigrationError, match=message):
        load_graph()


def test_a_dependency_cycle_is_reported(project: Project) -> None:
    one = _label(project)
    two = _label(project)
    project.write_migration(
        one,
        "0002_x",
        f'dependencies = [("{two}", "0002_y")]\ndef upgrade() -> None:\n    pass\n',
    )
    project.write_migration(
        two,
        "0002_y",
        f'dependencies = [("{one}", "0002_x")]\ndef upgrade() -> None:\n    pass\n',
    )
    with pytest.raises(MigrationError, match="cycle"):
        load_graph()


def test_an_inconsistent_history_is_refused(sqlite_db: Target, project: Project) -> None:
    label = _label(project)
    project.write_migration(
        label,
        "0002_next",
        "def upgrade() -> None:\n    pass\n\ndef downgrade() -> None:\n    pass\n",
    )
    migrate(label, using=sqlite_db.engine)
    sqlite_db.execute("DELETE FROM heron_migrations WHERE name = '0001_initial'")
    with pytest.raises(MigrationError, match="Inconsistent history"):
        migrate(label, using=sqlite_db.engine)
