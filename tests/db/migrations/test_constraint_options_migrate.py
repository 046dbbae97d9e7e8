"""The PostgreSQL options of unique constraints and indexes (``deferrable``,
``nulls_distinct=False``, ``include``) through makemigrations, migrate and sqlmigrate:
written in the files, changes detected (drop, then create again), applied on PostgreSQL
and undone by the downgrade; on SQLite and MariaDB the constraint is created without
deferral (with a warning), NULLS NOT DISTINCT is refused and included columns are left
out."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from heron.db.errors import NotSupportedError
from heron.db.migrations import load_graph, make_migrations, migrate, sql_migrate
from heron.db.migrations.squash import squash_migrations
from heron.db.models.constraints import ConstraintOptionWarning

from .conftest import Project, Target

HEADER = """
from heron.db import Index, UniqueConstraint
from heron.db.models.constraints import Deferrable

class Seat(Model):
    row = fields.Integer()
    number = fields.Integer(null=True)
    holder = fields.String(max_length=20, default="")

    class Meta:
        constraints = [{constraints}]
        indexes = [{indexes}]
"""


def models(*items: str) -> str:
    """``Seat`` with ``items`` (``Index(...)`` ones among its indexes)."""
    constraints = [i for i in items if not i.startswith("Index(")]
    indexes = [i for i in items if i.startswith("Index(")]
    return HEADER.format(constraints=", ".join(constraints), indexes=", ".join(indexes))


SPOT = 'UniqueConstraint(fields=["row", "number"], name="%(label)s_spot"{})'
PLAIN = SPOT.format("")
DEFERRED = SPOT.format(", deferrable=Deferrable.DEFERRED")
IMMEDIATE = SPOT.format(", deferrable=Deferrable.IMMEDIATE")
COVERING_SPOT = SPOT.format(', include=["holder"]')
NOT_DISTINCT = SPOT.format(", nulls_distinct=False")
BY_ROW = 'Index(fields=["row"], name="%(label)s_by_row"{})'
PLAIN_INDEX = BY_ROW.format("")
COVERING = BY_ROW.format(', include=["holder"]')
COVERING_MORE = BY_ROW.format(', include=["holder", "number"]')
SORTED_COVERING = 'Index(fields=["-row"], name="%(label)s_by_row", include=["holder"])'

#: (constraint name, deferrable, initially deferred) read from PostgreSQL.
NOT_DEFERRABLE = (False, False)


@pytest.fixture(autouse=True)
def _quiet() -> Iterator[None]:
    """The warning about deferrable constraints on SQLite and MariaDB is tested apart."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConstraintOptionWarning)
        yield


def deferral(db: Target, name: str) -> tuple[bool, bool]:
    """Whether PostgreSQL's constraint ``name`` is deferrable and initially deferred."""
    sql = f"SELECT condeferrable, condeferred FROM pg_constraint WHERE conname = '{name}'"
    [row] = db.rows(sql)
    return bool(row[0]), bool(row[1])


def index_sql(db: Target, name: str) -> str:
    [row] = db.rows(f"SELECT indexdef FROM pg_indexes WHERE indexname = '{name}'")
    return str(row[0])


@dataclass(frozen=True)
class Case:
    """Models before and after a change, the operations it makes, and what PostgreSQL
    shows before and after it (``(name suffix, what)``: a deferral pair or index SQL end)."""

    before: tuple[str, ...]
    after: tuple[str, ...]
    operations: tuple[str, ...]
    shown: tuple[tuple[str, object, object], ...]


DROP_SPOT = "Drop constraint {label}_spot on {label}_seat"
ADD_SPOT = "Add unique constraint {label}_spot on {label}_seat"
DROP_ROW = "Drop index {label}_by_row on {label}_seat"
ADD_ROW = "Create index {label}_by_row on {label}_seat"

CASES = {
    "deferrable added": Case(
        (PLAIN,), (DEFERRED,), (DROP_SPOT, ADD_SPOT), (("spot", NOT_DEFERRABLE, (True, True)),)
    ),
    "deferrable removed": Case(
        (DEFERRED,), (PLAIN,), (DROP_SPOT, ADD_SPOT), (("spot", (True, True), NOT_DEFERRABLE),)
    ),
    "deferred to immediate": Case(
        (DEFERRED,), (IMMEDIATE,), (DROP_SPOT, ADD_SPOT), (("spot", (True, True), (True, False)),)
    ),
    "include on a unique constraint": Case(
        (PLAIN,),
        (COVERING_SPOT,),
        (DROP_SPOT, ADD_SPOT),
        (("spot", '("row", number)', '("row", number) INCLUDE (holder)'),),
    ),
    "include added to an index": Case(
        (PLAIN_INDEX,),
        (COVERING,),
        (DROP_ROW, ADD_ROW),
        (("by_row", '("row")', '("row") INCLUDE (holder)'),),
    ),
    "include changed": Case(
        (COVERING,),
        (COVERING_MORE,),
        (DROP_ROW, ADD_ROW),
        (("by_row", "INCLUDE (holder)", "INCLUDE (holder, number)"),),
    ),
    "include with a descending column": Case(
        (PLAIN_INDEX,),
        (SORTED_COVERING,),
        (DROP_ROW, ADD_ROW),
        (("by_row", '("row")', '("row" DESC) INCLUDE (holder)'),),
    ),
}


def shown(db: Target, label: str, suffix: str, wanted: object) -> object:
    """What PostgreSQL shows of ``suffix``: its index's SQL if ``wanted`` is text, else
    its deferral."""
    name = f"{label}_{suffix}"
    return index_sql(db, name) if isinstance(wanted, str) else deferral(db, name)


def present(db: Target, label: str, suffix: str) -> bool:
    """Whether the unique constraint (``spot``) or the index (``by_row``) is there, on its
    key columns."""
    table = f"{label}_seat"
    if suffix == "spot":
        return ["row", "number"] in db.uniques(table)
    return db.indexes(table).get(f"{label}_by_row") == ["row"]


def matches(found: object, wanted: object) -> bool:
    return found.endswith(wanted) if isinstance(wanted, str) else found == wanted  # type: ignore[attr-defined]


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_option_changes_migrate(db: Target, project: Project, case: Case) -> None:
    label = project.new_label("com")
    project.models(label, models(*case.before))
    [first] = make_migrations([label])
    project.models(label, models(*case.after))
    [second] = make_migrations([label])
    assert second.operations == tuple(o.format(label=label) for o in case.operations)
    assert make_migrations([label]) == []  # the new file states the options
    load_graph()

    def check(when: int) -> None:
        for suffix, *states in case.shown:
            assert present(db, label, suffix)
            if db.vendor == "postgresql":
                assert matches(shown(db, label, suffix, states[when]), states[when])

    migrate(label, first.name, using=db.engine)
    check(0)
    migrate(label, using=db.engine)
    check(1)
    migrate(label, first.name, using=db.engine)
    check(0)
    migrate(label, "zero", using=db.engine)
    assert db.tables() == set()


def test_new_table_states_its_options(db: Target, project: Project) -> None:
    label = project.new_label("con")
    project.models(label, models(DEFERRED, COVERING))
    [file] = make_migrations([label])
    assert "deferrable=True, initially='DEFERRED'" in file.source
    assert "postgresql_include=['holder']" in file.source
    assert make_migrations([label]) == []
    load_graph()
    migrate(label, using=db.engine)
    if db.vendor == "postgresql":
        assert deferral(db, f"{label}_spot") == (True, True)
        assert index_sql(db, f"{label}_by_row").endswith("INCLUDE (holder)")
    else:
        assert db.indexes(f"{label}_seat")[f"{label}_by_row"] == ["row"]
    migrate(label, "zero", using=db.engine)
    assert db.tables() == set()


def test_removed_table_comes_back_with_its_options(db: Target, project: Project) -> None:
    label = project.new_label("cor")
    project.models(label, models(DEFERRED, COVERING))
    [first] = make_migrations([label])
    project.models(label, "")
    [second] = make_migrations([label])
    downgrade = second.source.split("def downgrade")[1]
    assert "deferrable=True, initially='DEFERRED'" in downgrade
    assert "postgresql_include=['holder']" in downgrade
    load_graph()
    migrate(label, using=db.engine)
    assert f"{label}_seat" not in db.tables()
    migrate(label, first.name, using=db.engine)
    if db.vendor == "postgresql":
        assert deferral(db, f"{label}_spot") == (True, True)
        assert index_sql(db, f"{label}_by_row").endswith("INCLUDE (holder)")
    migrate(label, "zero", using=db.engine)


def test_nulls_not_distinct(db: Target, project: Project) -> None:
    label = project.new_label("cod")
    project.models(label, models(PLAIN))
    [first] = make_migrations([label])
    project.models(label, models(NOT_DISTINCT))
    [second] = make_migrations([label])
    assert "postgresql_nulls_not_distinct=True" in second.source.split("def downgrade")[0]
    assert make_migrations([label]) == []
    load_graph()
    migrate(label, first.name, using=db.engine)
    if db.vendor != "postgresql":
        with pytest.raises(NotSupportedError, match="cannot treat NULLs as equal"):
            migrate(label, using=db.engine)
        migrate(label, "zero", using=db.engine)
        return
    table = f"{label}_seat"
    db.execute(f"INSERT INTO {table} (row, number, holder) VALUES (1, NULL, 'a')")
    db.execute(f"INSERT INTO {table} (row, number, holder) VALUES (1, NULL, 'b')")
    with pytest.raises(Exception, match="could not create unique index"):
        migrate(label, using=db.engine)  # two NULLs clash once not distinct
    db.execute(f"DELETE FROM {table} WHERE holder = 'b'")
    migrate(label, using=db.engine)
    assert "NULLS NOT DISTINCT" in index_sql(db, f"{label}_spot")
    with pytest.raises(Exception, match="duplicate key"):
        db.execute(f"INSERT INTO {table} (row, number, holder) VALUES (1, NULL, 'c')")
    migrate(label, first.name, using=db.engine)
    db.execute(f"INSERT INTO {table} (row, number, holder) VALUES (1, NULL, 'c')")
    migrate(label, "zero", using=db.engine)


def test_deferrable_warns_on_sqlite_and_mariadb(db: Target, project: Project) -> None:
    label = project.new_label("cow")
    project.models(label, models(DEFERRED))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConstraintOptionWarning)  # not while making the file
        make_migrations([label])
    load_graph()
    if db.vendor == "postgresql":
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConstraintOptionWarning)
            migrate(label, using=db.engine)
    else:
        with pytest.warns(ConstraintOptionWarning, match="checked after each statement"):
            migrate(label, using=db.engine)
    migrate(label, "zero", using=db.engine)


def test_sqlmigrate_shows_the_options(db: Target, project: Project) -> None:
    label = project.new_label("cos")
    project.models(label, models(PLAIN, PLAIN_INDEX))
    make_migrations([label])
    project.models(label, models(DEFERRED, COVERING))
    make_migrations([label])
    load_graph()
    sql = sql_migrate(label, "0002", using=db.engine)
    back = sql_migrate(label, "0002", using=db.engine, backwards=True)
    if db.vendor == "postgresql":
        assert "UNIQUE (row, number) DEFERRABLE INITIALLY DEFERRED" in sql
        assert "INCLUDE (holder)" in sql
        assert "DEFERRABLE" not in back and "INCLUDE" not in back
    else:
        assert "DEFERRABLE" not in sql and "INCLUDE" not in sql
        assert f"{label}_spot" in sql and f"{label}_by_row" in sql
    assert db.tables() == set()


def test_squashed_file_keeps_the_options(sqlite_db: Target, project: Project) -> None:
    label = project.new_label("coq")
    project.models(label, models(PLAIN, PLAIN_INDEX))
    make_migrations([label])
    number = 'UniqueConstraint(fields=["number"], name="%(label)s_nd", nulls_distinct=False)'
    project.models(label, models(DEFERRED, COVERING, number))
    make_migrations([label])
    squash = squash_migrations(label, "0002")
    upgrade = squash.file.source.split("def downgrade")[0]
    assert "deferrable=True, initially='DEFERRED'" in upgrade
    assert "postgresql_include=['holder']" in upgrade
    assert "postgresql_nulls_not_distinct=True" in upgrade
    assert make_migrations([label], dry_run=True) == []
