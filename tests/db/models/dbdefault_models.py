"""The models of the ``db_default`` and ``GeneratedField`` tests (label ``mt``)."""

from __future__ import annotations

import datetime
import decimal

from heron.db import CheckConstraint, Model, Q, fields
from heron.db.query.expressions import F, Value
from heron.db.query.functions import Lower, Now, Upper


class Ticket(Model):
    """Every kind of database default, and one with a Python default besides."""

    title = fields.String(max_length=50)
    status = fields.String(max_length=20, db_default="it's new")
    priority = fields.Integer(db_default=3)
    urgent = fields.Boolean(db_default=False)
    price = fields.Decimal(max_digits=8, decimal_places=2, db_default=decimal.Decimal("9.50"))
    due = fields.Date(db_default=datetime.date(2030, 1, 31))
    opened = fields.DateTime(db_default=Now())
    code = fields.String(max_length=20, db_default=Upper(Value("abc")))
    both = fields.Integer(default=1, db_default=2)
    code_unique = fields.String(max_length=20, null=True, unique=True, db_default=None)

    class Meta:
        label = "mt"
        constraints = [CheckConstraint(condition=Q(priority__gte=0), name="mt_ticket_priority")]


class Line(Model):
    """Generated columns: stored and virtual (virtual on SQLite and MariaDB only)."""

    name = fields.String(max_length=50)
    qty = fields.Integer(default=1)
    unit = fields.Decimal(max_digits=8, decimal_places=2, default=decimal.Decimal("2.50"))
    total = fields.GeneratedField(
        expression=F("qty") * F("unit"),
        output_field=fields.Decimal(max_digits=12, decimal_places=2),
        db_persist=True,
    )
    # (Concat is no generation expression on PostgreSQL: its concat() is not immutable)
    label = fields.GeneratedField(
        expression=Lower("name"),
        output_field=fields.String(max_length=80),
        db_persist=True,
    )
    note = fields.String(max_length=20, db_default="n")

    class Meta:
        label = "mt"
