"""Check constraints added to, removed from or changed on an existing table are detected by
makemigrations, and the migration applies and unapplies on every backend; plus descending
indexes on columns named with a reserved word."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from heron.db.backends.base import Database
from heron.db.errors import IntegrityError
from heron.db.migrations import load_graph, make_migrations, migrate

from .conftest import Project, Target

HEADER = """
from heron.db import CheckConstraint, Index
from heron.db.query.expressions import F, Q

class Item(Model):
    price = fields.Integer()
    low = fields.Integer(default=0)
    high = fields.Integer(default=10)

    class Meta:
        constraints = [
            CheckConstraint(check="low <= high", name="%(label)s_range"),
"""

COLUMNS = "price, low, high"


def models(*constraints: str) -> str:
    """The models of a label: ``Item`` with the unchanged SQL check and ``constraints``."""
    return HEADER + "".join(f"            {c},\n" for c in constraints) + "        ]\n"


POSITIVE = 'CheckConstraint(condition=Q(price__gte=0), name="%(label)s_positive")'
AT_LEAST_TEN = 'CheckConstraint(condition=Q(price__gte=10), name="%(label)s_positive")'
CAPPED = 'CheckConstraint(check="price <= 100", name="%(label)s_capped")'
BELOW_HIGH = 'CheckConstraint(condition=Q(price__lt=F("high")), name="%(label)s_below")'


@dataclass(frozen=True)
class Case:
    """Models before and after a change, the operations it makes, and rows (``price, low,
    high``) with whether the schema before / after the change accepts them."""

    before: tuple[str, ...]
    after: tuple[str, ...]
    operations: tuple[str, ...]
    rows: tuple[tuple[str, bool, bool], ...]


CASES = {
    "add Q": Case(
        (POSITIVE,),
        (POSITIVE, BELOW_HIGH),
        ("Add check constraint {label}_below on {label}_item",),
        (("20, 0, 10", True, False), ("5, 0, 10", True, True)),
    ),
    "add SQL": Case(
        (),
        (CAPPED,),
        ("Add check constraint {label}_capped on {label}_item",),
        (("500, 0, 10", True, False),),
    ),
    "remove": Case(
        (POSITIVE, CAPPED),
        (POSITIVE,),
        ("Remove check constraint {label}_capped on {label}_item",),
        (("500, 0, 10", False, True), ("-1, 0, 10", False, False)),
    ),
    "change": Case(
        (POSITIVE, CAPPED),
        (AT_LEAST_TEN, CAPPED),
        (
            "Remove check constraint {label}_positive on {label}_item",
            "Add check constraint {label}_positive on {label}_item",
        ),
        (("5, 0, 10", True, False), ("-1, 0, 10", False, False), ("50, 0, 10", True, True)),
    ),
}


@pytest.fixture
def heron_db(db: Target) -> Iterator[Database]:
    """Heron's own ``Database`` on the test's database: its errors are Heron's family
    (MariaDB's failed CHECK is an IntegrityError there, as on the other backends)."""
    database = Database(db.url, alias="check_changes_test")
    try:
        yield database
    finally:
        database.close()


def accepts(database: Database, table: str, values: str, columns: str = COLUMNS) -> bool:
    """Whether ``table`` takes a row with ``values``; an accepted row is deleted again."""
    try:
        database.execute(f"INSERT INTO {table} ({columns}) VALUES ({values})")
    except IntegrityError:
        return False
    database.execute(f"DELETE FROM {table}")
    return True


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_check_constraint_changes_migrate(
    db: Target, heron_db: Database, project: Project, case: Case
) -> None:
    label = project.new_label("ckc")
    table = f"{label}_item"
    project.models(label, models(*case.before))
    [first] = make_migrations([label])
    project.models(label, models(*case.after))
    [second] = make_migrations([label])
    assert second.operations == tuple(o.format(label=label) for o in case.operations)
    assert f"{label}_range" not in second.source  # unchanged: left alone
    assert make_migrations([label]) == []  # the new file states the models' checks
    load_graph()

    def accepted() -> list[bool]:
        return [accepts(heron_db, table, values) for values, *_ in case.rows]

    migrate(label, first.name, using=db.engine)
    assert accepted() == [before for _, before, _ in case.rows]
    migrate(label, using=db.engine)
    assert accepted() == [after for *_, after in case.rows]
    assert not accepts(heron_db, table, "1, 5, 0")  # the unchanged check is still there
    migrate(label, first.name, using=db.engine)
    assert accepted() == [before for _, before, _ in case.rows]
    migrate(label, "zero", using=db.engine)
    assert db.tables() == set()


def test_a_check_on_a_new_column_comes_after_it(
    db: Target, heron_db: Database, project: Project
) -> None:
    label = project.new_label("ckn")
    table = f"{label}_item"
    project.models(label, models())
    [first] = make_migrations([label])
    cap = "\n    cap = fields.Integer(default=100)\n"
    capped = 'CheckConstraint(condition=Q(price__lte=F("cap")), name="%(label)s_cap")'
    project.models(label, models(capped).replace("\n\n    class Meta:", f"{cap}\n    class Meta:"))
    [second] = make_migrations([label])
    assert second.operations == (
        f"Add column {table}.cap (rows already there get '100')",
        f"Add check constraint {label}_cap on {table}",
    )
    assert make_migrations([label]) == []
    load_graph()
    migrate(label, using=db.engine)
    assert not accepts(heron_db, table, "500, 0, 10, 100", f"{COLUMNS}, cap")
    assert accepts(heron_db, table, "50, 0, 10, 100", f"{COLUMNS}, cap")
    migrate(label, first.name, using=db.engine)  # the check goes before its column
    assert accepts(heron_db, table, "500, 0, 10")
    migrate(label, "zero", using=db.engine)


def test_a_hand_written_check_matching_the_models_is_no_change(project: Project) -> None:
    label = project.new_label("ckh")
    project.models(label, models())
    [first] = make_migrations([label])
    project.write_migration(
        label,
        "0002_capped",
        f"""
        from alembic import op

        label = "{label}"
        dependencies = [("{label}", "{first.name}")]


        def upgrade() -> None:
            with op.batch_alter_table("{label}_item") as batch_op:
                batch_op.create_check_constraint("{label}_capped", "price  <=  100")


        def downgrade() -> None:
            with op.batch_alter_table("{label}_item") as batch_op:
                batch_op.drop_constraint("{label}_capped", type_="check")
        """,
    )
    project.models(label, models(CAPPED))
    load_graph()
    assert make_migrations([label]) == []


SORTED = """
from heron.db import Index

class Entry(Model):
    order = fields.Integer()
    group = fields.Integer(default=0)

    class Meta:
        indexes = [Index(fields=["group", "-order"], name="%(label)s_sorted")]
"""


@pytest.mark.parametrize("initial", [True, False], ids=["new table", "existing table"])
def test_descending_index_on_a_reserved_word(db: Target, project: Project, initial: bool) -> None:
    label = project.new_label("srt")
    plain = SORTED.replace("indexes = [", "indexes: list[Index] = []  # [")
    project.models(label, SORTED if initial else plain)
    files = make_migrations([label])
    if not initial:
        project.models(label, SORTED)
        files += make_migrations([label])
    assert "sa.column('order').desc()" in files[-1].source
    assert make_migrations([label]) == []
    load_graph()
    migrate(label, using=db.engine)
    assert db.indexes(f"{label}_entry")[f"{label}_sorted"] == ["group", "order"]
    quote = db.engine.dialect.identifier_preparer.quote
    db.execute(f"INSERT INTO {label}_entry ({quote('order')}, {quote('group')}) VALUES (1, 2)")
    migrate(label, "zero", using=db.engine)
    assert db.tables() == set()
