"""A model's Q check constraints go through makemigrations and migrate on every backend."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from heron.db.migrations import load_graph, make_migrations, migrate

from .conftest import Project, Target

MODELS = """
import datetime
from heron.db import CheckConstraint
from heron.db.query.expressions import F, Q

class Item(Model):
    price = fields.Integer()
    low = fields.Integer(default=0)
    high = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    code = fields.String(max_length=20)
    day = fields.Date(null=True)

    class Meta:
        constraints = [
            CheckConstraint(condition=Q(price__gte=0) & Q(low__lte=F("high")), name="%(label)s_a"),
            CheckConstraint(condition=Q(active=True) | Q(price=0), name="%(label)s_b"),
            CheckConstraint(condition=Q(code__startswith="A_"), name="%(label)s_c"),
            CheckConstraint(
                condition=Q(day__isnull=True) | Q(day__gte=datetime.date(2000, 1, 1)),
                name="%(label)s_d",
            ),
        ]
"""

COLUMNS = "price, low, high, active, code, day"


@pytest.mark.parametrize(
    "values",
    [
        "-1, 0, 10, true, 'A_1', NULL",
        "1, 11, 10, true, 'A_1', NULL",
        "1, 0, 10, false, 'A_1', NULL",
        "1, 0, 10, true, 'AB1', NULL",
        "1, 0, 10, true, 'A_1', '1999-12-31'",
    ],
)
def test_q_constraints_migrate(db: Target, project: Project, values: str) -> None:
    label = project.new_label("chk")
    project.models(label, MODELS)
    [file] = make_migrations([label])
    assert "heron_check(" in file.source
    assert "import datetime" in file.source
    load_graph()
    migrate(label, using=db.engine)
    table = f"{label}_item"
    db.execute(f"INSERT INTO {table} ({COLUMNS}) VALUES (1, 0, 10, true, 'A_1', '2000-01-01')")
    db.execute(f"INSERT INTO {table} ({COLUMNS}) VALUES (0, 0, 10, false, 'A_', NULL)")
    # Raw pymysql reports a failed CHECK as error 4025, an OperationalError.
    refused = sa.exc.OperationalError if db.vendor == "mysql" else sa.exc.IntegrityError
    with pytest.raises(refused, match=r"(?i)constraint"):
        db.execute(f"INSERT INTO {table} ({COLUMNS}) VALUES ({values})")
    assert make_migrations([label]) == []
    migrate(label, "zero", using=db.engine)
    assert db.tables() == set()
