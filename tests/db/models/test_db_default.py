"""``db_default=``: the column's server default fills fields left unset, on every backend,
and the instance holds the database's value after the write."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

import pytest

from heron.db import ValidationError, fields
from heron.db.backends import Database
from heron.db.fields import DB_DEFAULT, DatabaseDefault

from .dbdefault_models import Ticket

DEFAULTS = {
    "status": "it's new",
    "priority": 3,
    "urgent": False,
    "price": decimal.Decimal("9.50"),
    "due": datetime.date(2030, 1, 31),
    "code": "ABC",
    "both": 1,
    "code_unique": None,
}


def _values(ticket: Ticket) -> dict[str, Any]:
    return {name: getattr(ticket, name) for name in DEFAULTS}


def test_an_unset_field_holds_the_marker_until_saved() -> None:
    ticket = Ticket(title="t")
    assert ticket.status is DB_DEFAULT and isinstance(ticket.status, DatabaseDefault)
    assert DatabaseDefault() is DB_DEFAULT and repr(DB_DEFAULT) == "DatabaseDefault()"
    assert ticket.both == 1  # the Python default wins for the ORM's inserts
    assert Ticket._meta.get_field("status").has_db_default
    assert not Ticket._meta.get_field("title").has_db_default


def test_save_reads_back_what_the_database_filled(db: Database) -> None:
    before = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=5)
    ticket = Ticket(title="t")
    ticket.save()
    assert _values(ticket) == DEFAULTS
    assert isinstance(ticket.opened, datetime.datetime) and ticket.opened >= before
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert _values(fresh) == DEFAULTS and fresh.opened == ticket.opened


def test_given_values_are_written(db: Database) -> None:
    ticket = Ticket.objects.create(title="t", status="done", priority=7, urgent=True)
    assert (ticket.status, ticket.priority, ticket.urgent) == ("done", 7, True)
    assert ticket.code == "ABC"
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.status, fresh.priority, fresh.urgent, fresh.code) == ("done", 7, True, "ABC")


def test_raw_insert_takes_the_database_default(db: Database) -> None:
    table = Ticket._meta.table_name
    db.execute(f"INSERT INTO {table} (title) VALUES ('raw')")
    ticket = Ticket.objects.get(title="raw")
    assert ticket.both == 2  # db_default, where the ORM would write default=1
    assert ticket.status == "it's new" and ticket.priority == 3


def test_update_leaves_the_marker_out(db: Database) -> None:
    ticket = Ticket.objects.create(title="t", priority=5)
    ticket.priority = DB_DEFAULT  # not written: the row keeps 5, read back
    ticket.title = "u"
    ticket.save()
    assert ticket.priority == 5
    assert Ticket.objects.get(pk=ticket.pk).title == "u"


def test_chosen_primary_key_insert(db: Database) -> None:
    ticket = Ticket(id=1234, title="t")
    ticket.save()  # an UPDATE finding nothing, then the INSERT
    assert ticket.priority == 3 and Ticket.objects.get(pk=1234).status == "it's new"


def test_bulk_create_mixes_rows_with_and_without_values(db: Database) -> None:
    made = Ticket.objects.bulk_create(
        [
            Ticket(title="a"),
            Ticket(title="b", priority=9),
            Ticket(title="c"),
            Ticket(title="d", status="x", priority=8),
            Ticket(id=5000, title="e"),
        ]
    )
    got = {t.title: (t.status, t.priority) for t in made}
    assert got == {
        "a": ("it's new", 3),
        "b": ("it's new", 9),
        "c": ("it's new", 3),
        "d": ("x", 8),
        "e": ("it's new", 3),
    }
    assert all(t.pk is not None for t in made)
    stored = {t.title: (t.status, t.priority) for t in Ticket.objects.all()}
    assert stored == got


def test_full_clean_skips_fields_left_to_the_database(db: Database) -> None:
    ticket = Ticket(title="t")
    ticket.full_clean()
    assert ticket.status is DB_DEFAULT
    ticket.status = "x" * 30
    with pytest.raises(ValidationError) as caught:
        ticket.full_clean()
    assert "status" in caught.value.errors


def test_expression_defaults_cannot_read_columns() -> None:
    from heron.db.query.expressions import F

    with pytest.raises(ValueError, match="cannot refer to fields"):
        fields.Integer(db_default=F("other") + 1)


@pytest.mark.anyio
async def test_async_writes_read_back_too(db: Database) -> None:
    ticket = Ticket(title="a")
    await ticket.asave()
    assert _values(ticket) == DEFAULTS
    created = await Ticket.objects.acreate(title="b", priority=4)
    assert (created.priority, created.status) == (4, "it's new")
    made = await Ticket.objects.abulk_create([Ticket(title="c"), Ticket(title="d", urgent=True)])
    assert [(t.urgent, t.priority) for t in made] == [(False, 3), (True, 3)]
    await ticket.arefresh_from_db()
    assert _values(ticket) == DEFAULTS
