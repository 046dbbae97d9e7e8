"""Models of the window-function tests (label ``qt``, so ``conftest.db`` creates them)."""

from __future__ import annotations

from heron.db import Model, fields
from tests.db.query.qt_models import table


class Sale(Model):
    """A sale in a region: a decimal amount, integer units, a nullable float score, a
    date-time and text, for partitions, orderings and each result type."""

    region = fields.String(max_length=20)
    item = fields.String(max_length=50)
    amount = fields.Decimal(max_digits=8, decimal_places=2)
    units = fields.Integer()
    score = fields.Float(null=True)
    sold = fields.DateTime()

    class Meta:
        label = "qt"
        table = table("sale")
