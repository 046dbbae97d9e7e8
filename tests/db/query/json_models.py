"""Models of the JSON lookup tests (label ``qt``, so ``conftest.db`` creates them)."""

from __future__ import annotations

from heron.db import Model, fields
from tests.db.query.qt_models import table


class Doc(Model):
    """A name and a nullable JSON document."""

    name = fields.String(max_length=50)
    data = fields.JSON(null=True)

    class Meta:
        label = "qt"
        table = table("doc")


class Memo(Model):
    """A JSON document reached across a foreign key (``doc__data__...``)."""

    doc = fields.ForeignKey(Doc, on_delete=fields.CASCADE, related_name="notes")
    extra = fields.JSON(default=dict)

    class Meta:
        label = "qt"
        table = table("jmemo")
