"""Partial unique constraints and partial indexes (``condition=Q(...)``) through
makemigrations and migrate: created, changed and removed on every backend (MariaDB has
none: the migration runs and leaves them out)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from heron.db.backends.base import Database
from heron.db.errors import IntegrityError
from heron.db.migrations import load_graph, make_migrations, migrate, migration_metadata
from heron.db.migrations.schema import tables_of

from .conftest import Project, Target

HEADER = """
from heron.db import Index, UniqueConstraint
from heron.db.query.expressions import Q

class Item(Model):
    member = fields.Integer()
    club = fields.String(max_length=20)
    active = fields.Boolean(default=True)
    rank = fields.Integer(default=0)

    class Meta:
        constraints = [
"""

COLUMNS = "member, club, active, rank"


def models(*items: str) -> str:
    """``Item`` with ``items`` (constraints, and ``Index(...)`` entries as indexes)."""
    constraints = [i for i in items if not i.startswith("Index(")]
    indexes = [i for i in items if i.startswith("Index(")]
    return (
        HEADER
        + "".join(f"            {c},\n" for c in constraints)
        + "        ]\n        indexes = [\n"
        + "".join(f"            {i},\n" for i in indexes)
        + "        ]\n"
    )


ONE = '"%(label)s_one"'
ACTIVE = f'UniqueConstraint(fields=["member", "club"], name={ONE}, condition=Q(active=True))'
ACTIVE_RANKED = (
    f'UniqueConstraint(fields=["member", "club"], name={ONE}, '
    "condition=Q(active=True) & Q(rank__gt=0))"
)
USER_ONLY = f'UniqueConstraint(fields=["member"], name={ONE}, condition=Q(active=True))'
PLAIN = f'UniqueConstraint(fields=["member", "club"], name={ONE})'
CLUB_RANK = 'UniqueConstraint(fields=["club", "rank"], name="%(label)s_club_rank")'
RANKED = 'Index(fields=["-rank", "club"], name="%(label)s_ranked", condition=Q(rank__gt=0))'

# Pairs of rows; ``None``: the second row is refused by SQLite and PostgreSQL only.
ACTIVE_TWICE = ("1, 'a', true, 0", "1, 'a', true, 0")
INACTIVE_TWICE = ("1, 'a', false, 0", "1, 'a', false, 0")
ACTIVE_RANK_1 = ("1, 'a', true, 1", "1, 'a', true, 1")
ACTIVE_OTHER_CLUB = ("1, 'a', true, 1", "1, 'b', true, 2")
ACTIVE_OTHER_RANK = ("1, 'a', true, 1", "1, 'a', true, 2")
INACTIVE_SAME_RANK = ("1, 'a', false, 1", "2, 'a', false, 1")


@dataclass(frozen=True)
class Case:
    """Models before and after a change, the operations it makes, and row pairs with
    whether the schema before / after the change accepts the second row."""

    before: tuple[str, ...]
    after: tuple[str, ...]
    operations: tuple[str, ...]
    pairs: tuple[tuple[tuple[str, str], bool | None, bool | None], ...]


CASES = {
    "add": Case(
        (),
        (ACTIVE,),
        ("Create partial index {label}_one on {label}_item",),
        ((ACTIVE_TWICE, True, None), (INACTIVE_TWICE, True, True)),
    ),
    "add index": Case(
        (ACTIVE,),
        (ACTIVE, RANKED),
        ("Create partial index {label}_ranked on {label}_item",),
        ((ACTIVE_TWICE, None, None),),
    ),
    "remove": Case(
        (ACTIVE, RANKED),
        (RANKED,),
        ("Drop partial index {label}_one on {label}_item",),
        ((ACTIVE_TWICE, None, True), (INACTIVE_TWICE, True, True)),
    ),
    "change condition": Case(
        (ACTIVE,),
        (ACTIVE_RANKED,),
        (
            "Drop partial index {label}_one on {label}_item",
            "Create partial index {label}_one on {label}_item",
        ),
        ((ACTIVE_TWICE, None, True), (ACTIVE_RANK_1, None, None)),
    ),
    "change fields": Case(
        (ACTIVE,),
        (USER_ONLY,),
        (
            "Drop partial index {label}_one on {label}_item",
            "Create partial index {label}_one on {label}_item",
        ),
        ((ACTIVE_OTHER_CLUB, True, None), (ACTIVE_TWICE, None, None)),
    ),
    "to plain": Case(
        (ACTIVE,),
        (PLAIN,),
        (
            "Drop partial index {label}_one on {label}_item",
            "Add unique constraint {label}_one on {label}_item",
        ),
        ((INACTIVE_TWICE, True, False), (ACTIVE_TWICE, None, False)),
    ),
    "from plain": Case(
        (PLAIN,),
        (ACTIVE,),
        (
            "Drop constraint {label}_one on {label}_item",
            "Create partial index {label}_one on {label}_item",
        ),
        ((INACTIVE_TWICE, False, True), (ACTIVE_TWICE, False, None)),
    ),
    "kept through a table rebuild": Case(  # SQLite rebuilds the table to add the constraint
        (ACTIVE,),
        (ACTIVE, CLUB_RANK),
        ("Add unique constraint {label}_club_rank on {label}_item",),
        ((ACTIVE_OTHER_RANK, None, None), (INACTIVE_SAME_RANK, True, False)),
    ),
}


@pytest.fixture
def heron_db(db: Target) -> Iterator[Database]:
    """Heron's own ``Database`` on the test's database (its errors are Heron's)."""
    database = Database(db.url, alias="partial_unique_test")
    try:
        yield database
    finally:
        database.close()


def accepts(database: Database, table: str, pair: tuple[str, str]) -> bool:
    """Whether ``table`` takes both rows of ``pair``; the rows are deleted again."""
    try:
        for values in pair:
            database.execute(f"INSERT INTO {table} ({COLUMNS}) VALUES ({values})")
    except IntegrityError:
        return False
    finally:
        database.execute(f"DELETE FROM {table}")
    return True


def expected(db: Target, accepted: bool | None) -> bool:
    """``None`` (refused by a partial index) is accepted on MariaDB, which has none."""
    return db.vendor == "mysql" if accepted is None else accepted


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_partial_changes_migrate(
    db: Target, heron_db: Database, project: Project, case: Case
) -> None:
    label = project.new_label("pum")
    table = f"{label}_item"
    project.models(label, models(*case.before))
    [first] = make_migrations([label])
    project.models(label, models(*case.after))
    [second] = make_migrations([label])
    assert second.operations == tuple(o.format(label=label) for o in case.operations)
    assert make_migrations([label]) == []  # the new file states the models' indexes
    load_graph()

    def accepted(when: int) -> list[bool]:
        return [accepts(heron_db, table, pair) for pair, *_ in case.pairs]

    def wanted(when: int) -> list[bool]:
        return [expected(db, flags[when]) for _, *flags in case.pairs]

    migrate(label, first.name, using=db.engine)
    assert accepted(0) == wanted(0)
    migrate(label, using=db.engine)
    assert accepted(1) == wanted(1)
    migrate(label, first.name, using=db.engine)
    assert accepted(0) == wanted(0)
    migrate(label, "zero", using=db.engine)
    assert db.tables() == set()


def test_new_table_with_partial_indexes(db: Target, heron_db: Database, project: Project) -> None:
    label = project.new_label("pun")
    table = f"{label}_item"
    project.models(label, models(ACTIVE, RANKED))
    [file] = make_migrations([label])
    assert "create_partial_index(" in file.source and "heron_check(" in file.source
    assert "sa.column('rank').desc()" in file.source
    assert make_migrations([label]) == []
    load_graph()
    migrate(label, using=db.engine)
    names = set(db.indexes(table))
    if db.vendor == "mysql":
        assert not names & {f"{label}_one", f"{label}_ranked"}
    else:
        assert {f"{label}_one", f"{label}_ranked"} <= names
    assert accepts(heron_db, table, ACTIVE_TWICE) is (db.vendor == "mysql")
    assert accepts(heron_db, table, INACTIVE_TWICE)
    migrate(label, "zero", using=db.engine)
    assert db.tables() == set()


def test_renamed_table_keeps_its_partial_index(
    db: Target, heron_db: Database, project: Project
) -> None:
    label = project.new_label("pur")
    project.models(label, models(ACTIVE))
    make_migrations([label])
    project.models(label, models(ACTIVE).replace("class Item(", "class Thing("))
    [second] = make_migrations([label], rename=True)
    assert second.operations == (f"Rename table {label}_item to {label}_thing",)
    assert make_migrations([label]) == []
    load_graph()
    migrate(label, using=db.engine)
    assert accepts(heron_db, f"{label}_thing", ACTIVE_TWICE) is (db.vendor == "mysql")
    migrate(label, "zero", using=db.engine)
    assert db.tables() == set()


def test_tables_made_from_the_models(db: Target, heron_db: Database, project: Project) -> None:
    """Labels without migrations get their tables from the models (``migrate_all``): the
    partial indexes too, on the databases that have them."""
    label = project.new_label("puc")
    project.models(label, models(ACTIVE))
    tables = tables_of(migration_metadata(), [label])
    tables[0].metadata.create_all(db.engine, tables=tables)
    assert accepts(heron_db, f"{label}_item", ACTIVE_TWICE) is (db.vendor == "mysql")
    assert accepts(heron_db, f"{label}_item", INACTIVE_TWICE)
    tables[0].metadata.drop_all(db.engine, tables=tables)
