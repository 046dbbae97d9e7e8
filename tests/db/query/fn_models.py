"""Models of the database-function tests (label ``qt``, so ``conftest.db`` creates them)."""

from __future__ import annotations

from heron.db import Model, fields
from tests.db.query.qt_models import table


class Order(Model):
    """A date-time, a date, a decimal, a float and text (some nullable) for the functions."""

    created = fields.DateTime()
    due = fields.Date(null=True)
    amount = fields.Decimal(max_digits=8, decimal_places=2)
    weight = fields.Float(null=True)
    code = fields.String(max_length=50, default="")
    note = fields.String(max_length=50, null=True)

    class Meta:
        label = "qt"
        table = table("order")
