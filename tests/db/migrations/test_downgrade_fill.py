"""Unapplying the removal of NOT NULL fields on a table with rows: the columns come back
NOT NULL with no server default left, the rows filled with an empty value of each type
(the current date or time for dates), or the stated ``db_default``; columns without an
honest value stop the downgrade with an error naming them, before any change."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

import pytest
import sqlalchemy as sa

from heron.db.migrations import MigrationError, load_graph, make_migrations, migrate

from .conftest import Project, Target

BASE = """
class Tag(Model):
    name = fields.String(max_length=10)

class Item(Model):
    name = fields.String(max_length=10)
"""
FILLED = """
    code = fields.String(max_length=10)
    notes = fields.Text()
    count = fields.Integer()
    price = fields.Decimal(max_digits=8, decimal_places=2)
    seen = fields.Boolean(default=True)
    data = fields.Binary()
    made = fields.DateTime(auto_now_add=True)
    day = fields.Date()
    span = fields.Duration()
    level = fields.Integer(db_default=5)
"""
UNFILLED = """
    key = fields.UUID()
    doc = fields.JSON()
    at = fields.Time()
    tag = fields.ForeignKey(Tag, on_delete=fields.CASCADE)
"""
LINKED = """
    tags = fields.ManyToManyField(Tag)
"""


def insert(db: Target, table: str, **values: Any) -> None:
    """Insert a row, its values bound with the types the database reflects."""
    reflected = sa.Table(table, sa.MetaData(), autoload_with=db.engine)
    with db.engine.begin() as conn:
        conn.execute(reflected.insert().values(**values))


def removed_then_unapplied(db: Target, project: Project, fields: str, **row: Any) -> str:
    """Migrate ``Item`` with ``fields``, insert ``row``, remove the fields, migrate, then
    back to the first migration; returns the label."""
    label = project.new_label("dfl")
    project.models(label, BASE + fields)
    make_migrations([label])
    migrate(label, using=db.engine)
    insert(db, f"{label}_tag", id=1, name="t")
    insert(db, f"{label}_item", id=1, name="a", **row)
    project.models(label, BASE)
    make_migrations([label])
    load_graph()
    migrate(label, using=db.engine)
    return label


def test_columns_come_back_filled(db: Target, project: Project) -> None:
    span = datetime.timedelta(seconds=3) if db.vendor == "postgresql" else 3_000_000
    row = {
        "code": "c",
        "notes": "n",
        "count": 4,
        "price": decimal.Decimal("1.50"),
        "seen": True,
        "data": b"\x01",
        "made": datetime.datetime(2020, 1, 2, 3, 4, 5),
        "day": datetime.date(2020, 1, 2),
        "span": span,
        "level": 9,
    }
    label = removed_then_unapplied(db, project, FILLED, **row)
    table = f"{label}_item"
    migrate(label, "0001", using=db.engine)
    columns = db.columns(table)
    names = list(row)
    assert [columns[c]["nullable"] for c in names] == [False] * len(names)
    assert [columns[c]["default"] for c in names[:-1]] == [None] * (len(names) - 1)
    assert "5" in str(columns["level"]["default"])  # the stated db_default, kept
    [found] = db.rows(f"SELECT {', '.join(names)} FROM {table}")
    values = dict(zip(names, found, strict=True))
    assert (values["code"], values["notes"], values["count"], values["price"]) == ("", "", 0, 0)
    assert not values["seen"] and bytes(values["data"]) == b"" and not values["span"]
    assert values["level"] == 5
    today = datetime.datetime.now(datetime.UTC).date()
    days = {str(today), str(today - datetime.timedelta(days=1))}
    assert str(values["made"])[:10] in days and str(values["day"]) in days
    project.models(label, BASE + FILLED)
    assert db.diff(label) == []


def test_columns_without_a_value_stop_the_downgrade(db: Target, project: Project) -> None:
    row = {"key": "0" * 32, "doc": '{"a": 1}', "at": datetime.time(1, 2), "tag_id": 1}
    label = removed_then_unapplied(db, project, UNFILLED, **row)
    table = f"{label}_item"
    before = set(db.columns(table))
    with pytest.raises(
        MigrationError, match=rf"{table}\.at, {table}\.doc, {table}\.key, {table}\.tag_id back"
    ) as stopped:
        migrate(label, "0001", using=db.engine)
    assert not getattr(stopped.value, "__notes__", None)  # nothing to undo, even on MariaDB
    assert set(db.columns(table)) == before  # stopped before any change, on every backend
    db.execute(f"DELETE FROM {table}")
    migrate(label, "0001", using=db.engine)  # an empty table takes them
    columns = db.columns(table)
    assert all(not columns[c]["nullable"] for c in ("key", "doc", "at", "tag_id"))


def test_a_removed_many_to_many_comes_back_empty(db: Target, project: Project) -> None:
    label = removed_then_unapplied(db, project, LINKED)
    insert(db, f"{label}_item", id=2, name="b")
    migrate(label, "0001", using=db.engine)
    assert db.rows(f"SELECT COUNT(*) FROM {label}_item_tags") == [(0,)]
    insert(db, f"{label}_item_tags", item_id=2, tag_id=1)
    assert db.rows(f"SELECT COUNT(*) FROM {label}_item") == [(2,)]
