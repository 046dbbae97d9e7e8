"""Indexes and unique constraints on expressions through makemigrations and migrate:
written with their SQL for every backend, compared without spurious re-creates, created
and dropped on SQLite and PostgreSQL, refused by name on MariaDB."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from heron.db.backends.base import Database
from heron.db.errors import IntegrityError, NotSupportedError
from heron.db.migrations import create_all_tables, load_graph, make_migrations, migrate

from .conftest import Project, Target

HEADER = """
from heron.db import Index, UniqueConstraint
from heron.db.query.expressions import F, Q, Value
from heron.db.query.functions import Coalesce, Lower, Upper

class Person(Model):
    email = fields.String(max_length=80)
    nick = fields.String(max_length=40, null=True)
    rank = fields.Integer(default=0)

    class Meta:
        constraints = [{constraints}]
        indexes = [{indexes}]
"""

LOWER = 'UniqueConstraint(Lower("email"), name="%(label)s_email_ci")'
UPPER = 'UniqueConstraint(Upper("email"), name="%(label)s_email_ci")'
RANKED = 'Index(Lower("nick"), F("rank").desc(), name="%(label)s_nick_rank")'
HOSTILE = 'Index(Coalesce("nick", Value("x\'); DROP TABLE t; --")), name="%(label)s_hostile")'
PARTIAL = 'UniqueConstraint(Lower("nick"), name="%(label)s_live_nick", condition=Q(rank__gt=0))'


def models(constraints: tuple[str, ...] = (), indexes: tuple[str, ...] = ()) -> str:
    return HEADER.format(constraints=", ".join(constraints), indexes=", ".join(indexes))


@pytest.fixture
def heron_db(db: Target) -> Iterator[Database]:
    """Heron's own ``Database`` on the test's database (its errors are Heron's)."""
    database = Database(db.url, alias="functional_index_test")
    try:
        yield database
    finally:
        database.close()


def accepts(database: Database, table: str, *rows: str) -> bool:
    """Whether ``table`` takes all ``rows`` (``email, nick, rank``); deleted again."""
    try:
        for values in rows:
            database.execute(f"INSERT INTO {table} (email, nick, rank) VALUES ({values})")
    except IntegrityError:
        return False
    finally:
        database.execute(f"DELETE FROM {table}")
    return True


def index_names(db: Target, table: str) -> set[str]:
    """The indexes of ``table`` (SQLAlchemy cannot reflect expression ones on SQLite)."""
    query = {
        "sqlite": f"SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = '{table}'",
        "postgresql": f"SELECT indexname FROM pg_indexes WHERE tablename = '{table}'",
    }[db.vendor]
    return {row[0] for row in db.rows(query)}


def test_initial_file_and_no_spurious_changes(db: Target, project: Project) -> None:
    label = project.new_label("fim")
    project.models(label, models((LOWER, PARTIAL), (RANKED, HOSTILE)))
    [first] = make_migrations([label])
    assert f"Create index {label}_email_ci on {label}_person" in first.operations
    assert f"Create index {label}_live_nick on {label}_person" in first.operations
    source = first.path.read_text()
    assert "from heron.db.models.indexes import heron_expression" in source
    assert "op.create_index('" + label + "_email_ci'" in source
    assert "heron_expression({'sqlite': 'lower(email)'" in source
    assert "sa.column('rank').desc()" in source
    assert "create_partial_index(" in source and "drop_partial_index(" in source
    assert "x''); DROP TABLE t; --" in source  # a quoted literal in every backend's SQL
    assert make_migrations([label]) == []


@pytest.mark.parametrize(
    ("before", "after", "operations"),
    [
        ((), (LOWER,), ("Create index {label}_email_ci on {label}_person",)),
        ((LOWER,), (), ("Drop index {label}_email_ci on {label}_person",)),
        (
            (LOWER,),
            (UPPER,),
            (
                "Drop index {label}_email_ci on {label}_person",
                "Create index {label}_email_ci on {label}_person",
            ),
        ),
    ],
    ids=["add", "remove", "change"],
)
def test_changes_detected(
    db: Target,
    project: Project,
    before: tuple[str, ...],
    after: tuple[str, ...],
    operations: tuple[str, ...],
) -> None:
    label = project.new_label("fic")
    project.models(label, models(before, (RANKED,)))
    make_migrations([label])
    project.models(label, models(after, (RANKED,)))
    [second] = make_migrations([label])
    assert second.operations == tuple(o.format(label=label) for o in operations)
    assert make_migrations([label]) == []


def test_migrate_forward_back_and_zero(db: Target, heron_db: Database, project: Project) -> None:
    label = project.new_label("fir")
    table = f"{label}_person"
    project.models(label, models())
    [first] = make_migrations([label])
    project.models(label, models((LOWER, PARTIAL), (RANKED, HOSTILE)))
    assert len(make_migrations([label])) == 1
    load_graph()
    migrate(label, first.name, using=db.engine)
    twice = ("'a@x', NULL, 0", "'A@X', NULL, 0")
    assert accepts(heron_db, table, *twice)
    if db.vendor == "mysql":
        with pytest.raises(NotSupportedError, match=f"index '{label}_email_ci' on '{table}'"):
            migrate(label, using=db.engine)
        migrate(label, "zero", using=db.engine)
        assert db.tables() == set()
        return
    migrate(label, using=db.engine)
    assert not accepts(heron_db, table, *twice)
    assert accepts(heron_db, table, "'a@x', 'Bo', 0", "'b@x', 'bo', 0")  # rank 0: no limit
    assert not accepts(heron_db, table, "'a@x', 'Bo', 1", "'b@x', 'bo', 2")
    assert {f"{label}_nick_rank", f"{label}_hostile"} <= index_names(db, table)
    migrate(label, first.name, using=db.engine)
    assert accepts(heron_db, table, *twice)
    migrate(label, using=db.engine)
    migrate(label, "zero", using=db.engine)
    assert db.tables() == set()


def test_tables_of_labels_without_migrations(db: Target, project: Project) -> None:
    """What the test set-up does (``migrate_all``) for a label with no migrations."""
    label = project.new_label("fit")
    table = f"{label}_person"
    project.models(label, models((LOWER,), (RANKED,)))
    if db.vendor == "mysql":
        with pytest.raises(NotSupportedError, match=f"index '{label}_"):
            create_all_tables(db.engine, labels=[label])
        assert table not in db.tables()
        return
    assert create_all_tables(db.engine, labels=[label]) == [table]
    assert {f"{label}_email_ci", f"{label}_nick_rank"} <= index_names(db, table)


def test_kept_through_a_table_rebuild(db: Target, heron_db: Database, project: Project) -> None:
    """SQLite rebuilds a table to alter a column, from a reflection that cannot see
    indexes on expressions: they are created again."""
    label = project.new_label("fib")
    table = f"{label}_person"
    project.models(label, models((LOWER,), (RANKED,)))
    make_migrations([label])
    project.models(label, models((LOWER,), (RANKED,)).replace("max_length=40", "max_length=60"))
    [second] = make_migrations([label])
    assert second.operations == (f"Alter column {table}.nick (type)",)
    load_graph()
    if db.vendor == "mysql":
        with pytest.raises(NotSupportedError):
            migrate(label, using=db.engine)
        return
    migrate(label, using=db.engine)
    assert {f"{label}_email_ci", f"{label}_nick_rank"} <= index_names(db, table)
    assert not accepts(heron_db, table, "'a@x', NULL, 0", "'A@X', NULL, 0")
    migrate(label, "zero", using=db.engine)
