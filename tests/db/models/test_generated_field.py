"""``GeneratedField``: a column the database computes, read back after every write,
filterable and orderable, and refused as a value to write."""

from __future__ import annotations

import decimal

import pytest

from heron.db import FieldError, fields
from heron.db.backends import Database
from heron.db.fields import DB_DEFAULT, GeneratedField
from heron.db.query.expressions import F
from heron.db.query.functions import Lower

from .dbdefault_models import Line

D = decimal.Decimal


def test_a_new_instance_waits_for_the_database() -> None:
    line = Line(name="A")
    assert line.total is DB_DEFAULT and line.label is DB_DEFAULT
    field = Line._meta.get_field("total")
    assert isinstance(field, GeneratedField) and field.generated and not field.editable


def test_save_reads_the_computed_values_back(db: Database) -> None:
    line = Line(name="Bolt", qty=3)
    line.save()
    assert (line.total, line.label) == (D("7.50"), "bolt")
    line.qty = 4
    line.name = "NUT"
    line.save()  # an UPDATE: the columns change with it, and are read back
    assert (line.total, line.label) == (D("10.00"), "nut")
    fresh = Line.objects.get(pk=line.pk)
    assert (fresh.total, fresh.label, fresh.note) == (D("10.00"), "nut", "n")


def test_update_fields_and_queryset_update(db: Database) -> None:
    line = Line.objects.create(name="a", qty=2)
    line.qty = 10
    line.save(update_fields=["qty"])
    assert line.total == D("25.00")
    Line.objects.filter(pk=line.pk).update(qty=F("qty") + 1)
    line.refresh_from_db()
    assert line.total == D("27.50")
    with pytest.raises(ValueError, match="GeneratedField"):
        line.save(update_fields=["total"])
    with pytest.raises(FieldError, match="total is a GeneratedField"):
        Line.objects.filter(pk=line.pk).update(total=1)


def test_a_generated_field_reads_as_its_output_fields_kind() -> None:
    from heron.db.query.lookups import kind_of_field

    made = GeneratedField(expression=F("a"), output_field=fields.Date(), db_persist=True)
    assert kind_of_field(made) == "date"


def test_filter_order_and_values(db: Database) -> None:
    Line.objects.bulk_create([Line(name="x", qty=q) for q in (1, 4, 2)])
    assert [line.qty for line in Line.objects.order_by("-total")] == [4, 2, 1]
    assert Line.objects.filter(total__gte=D("5")).count() == 2
    assert list(
        Line.objects.filter(label="x").values_list("total", flat=True).order_by("total")
    ) == [
        D("2.50"),
        D("5.00"),
        D("10.00"),
    ]


def test_bulk_create_reads_them_back(db: Database) -> None:
    made = Line.objects.bulk_create([Line(name="A", qty=2), Line(name="B", note="own")])
    assert [(m.total, m.label, m.note) for m in made] == [
        (D("5.00"), "a", "n"),
        (D("2.50"), "b", "own"),
    ]


def test_writing_a_value_is_refused(db: Database) -> None:
    line = Line.objects.create(name="a")
    with pytest.raises(AttributeError, match="cannot be assigned"):
        line.total = D("1")
    with pytest.raises(ValueError, match="cannot be written"):
        Line(name="b", total=D("1")).save()
    with pytest.raises(ValueError, match="cannot be written"):
        Line.objects.bulk_create([Line(name="b", label="x")])
    with pytest.raises(ValueError, match="GeneratedField"):
        Line.objects.bulk_update([line], ["total"])


def test_a_copy_of_a_loaded_row_is_inserted_anew(db: Database) -> None:
    line = Line.objects.create(name="a", qty=2)
    line.pk = None
    line.qty = 3
    line.save()
    assert line.total == D("7.50") and Line.objects.count() == 2


def test_full_clean_skips_it(db: Database) -> None:
    Line(name="a").full_clean()
    Line.objects.create(name="b").full_clean()


def test_deferred_and_refreshed(db: Database) -> None:
    line = Line.objects.create(name="Zed", qty=2)
    lazy = Line.objects.only("name").get(pk=line.pk)
    assert lazy.total == D("5.00")  # loaded on access
    Line.objects.filter(pk=line.pk).update(name="Q")
    line.refresh_from_db(fields=["label"])
    assert line.label == "q"


def test_bad_declarations() -> None:
    with pytest.raises(ValueError, match="db_persist"):
        GeneratedField(expression=F("a"), output_field=fields.Integer())
    with pytest.raises(TypeError, match="expression"):
        GeneratedField(expression=5, output_field=fields.Integer(), db_persist=True)
    with pytest.raises(TypeError, match="output_field"):
        GeneratedField(expression=Lower("a"), output_field=fields.Integer, db_persist=True)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="default"):
        GeneratedField(expression=F("a"), output_field=fields.Integer(), db_persist=True, default=1)


@pytest.mark.anyio
async def test_async_writes_read_back(db: Database) -> None:
    line = Line(name="Async", qty=2)
    await line.asave()
    assert (line.total, line.label) == (D("5.00"), "async")
    line.qty = 5
    await line.asave()
    assert line.total == D("12.50")
    made = await Line.objects.abulk_create([Line(name="B")])
    assert made[0].total == D("2.50")
    got = await Line.objects.filter(total__gt=D("10")).aget()
    assert got.pk == line.pk
    await line.arefresh_from_db()
    assert line.label == "async"
