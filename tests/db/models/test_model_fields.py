"""Every field type saved and loaded on every backend, sync and async, and filtered on."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

import pytest

from heron.db import DataError
from tests.db.models.mt_models import Everything, Kind, Level, Stamp, Token

UTC = dt.UTC
PLUS_TWO = dt.timezone(dt.timedelta(hours=2))


def sample() -> dict[str, Any]:
    """A value for every field, chosen to catch lossy storage."""
    return {
        "big": 2**62 + 7,
        "small": -32768,
        "integer": 2**31 - 1,
        "flt": 0.1,
        "dec": decimal.Decimal("12345678.1234"),
        "wide": decimal.Decimal("123456.7890123456"),
        "flag": True,
        "maybe": False,
        "name": "héllo wörld ✓",
        "body": "line\n" * 2000 + "🦩",
        "day": dt.date(2024, 2, 29),
        "moment": dt.datetime(2024, 1, 1, 14, 0, 0, 123456, tzinfo=PLUS_TWO),
        "clock": dt.time(23, 59, 58, 999999),
        "span": dt.timedelta(days=3, hours=4, microseconds=5),
        "uid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "data": {"a": [1, 2.5, None, True], "b": {"c": "ü"}},
        "blob": bytes(range(256)),
        "email": "ada@example.com",
        "url": "https://example.com/a?b=c",
        "slug": "a-slug_1",
        "kind": Kind.BETA_GAMMA,
        "level": Level.HIGH,
        "size": "l",
        "attachment": "docs/2024/a.pdf",
        "picture": "img/a.png",
    }


def check_loaded(obj: Everything, values: dict[str, Any], vendor: str) -> None:
    for name, value in values.items():
        if name == "wide" and vendor == "sqlite":
            continue
        loaded = getattr(obj, name)
        assert loaded == value, name
        assert type(loaded) is type(value), name
    assert obj.moment.tzinfo is UTC
    assert obj.moment == dt.datetime(2024, 1, 1, 12, 0, 0, 123456, tzinfo=UTC)
    assert obj.kind is Kind.BETA_GAMMA and obj.level is Level.HIGH
    assert obj.created.tzinfo is UTC and obj.updated.tzinfo is UTC
    assert isinstance(obj.made_on, dt.date)


def values_for(vendor: str) -> dict[str, Any]:
    values = sample()
    if vendor == "sqlite":  # more than 15 significant digits: refused on SQLite (below)
        values["wide"] = None
    return values


def test_every_field_round_trips_sync(db: Any) -> None:
    values = values_for(db.vendor)
    obj = Everything(**values)
    obj.save()
    assert isinstance(obj.pk, int)
    loaded = Everything.objects.get(pk=obj.pk)
    check_loaded(loaded, values, db.vendor)
    assert loaded.created == obj.created and loaded.uid == obj.uid


@pytest.mark.anyio
async def test_every_field_round_trips_async(db: Any) -> None:
    values = values_for(db.vendor)
    obj = Everything(**values)
    await obj.asave()
    loaded = await Everything.objects.aget(pk=obj.pk)
    check_loaded(loaded, values, db.vendor)


def test_nulls_round_trip(db: Any) -> None:
    nullable = [f.name for f in Everything._meta.fields if f.null]
    obj = Everything.objects.create(**dict.fromkeys(nullable))
    loaded = Everything.objects.get(pk=obj.pk)
    assert all(getattr(loaded, name) is None for name in nullable)
    assert len(nullable) == 13


def test_filter_on_every_field(db: Any) -> None:
    values = values_for(db.vendor)
    target = Everything.objects.create(**values)
    Everything.objects.create()
    for name, value in values.items():
        if value is None or name in ("blob", "data"):
            continue
        found = list(Everything.objects.filter(**{name: value}))
        assert found == [target], name


@pytest.mark.anyio
async def test_filter_on_every_field_async(db: Any) -> None:
    values = values_for(db.vendor)
    target = await Everything.objects.acreate(**values)
    await Everything.objects.acreate()
    for name, value in values.items():
        if value is None or name in ("blob", "data"):
            continue
        assert await Everything.objects.filter(**{name: value}).acount() == 1, name
        assert (await Everything.objects.aget(**{name: value})).pk == target.pk


def test_wide_decimal_is_exact_or_refused(db: Any) -> None:
    value = decimal.Decimal("12345678901234567890.1234567890")
    if db.vendor == "sqlite":
        with pytest.raises(DataError, match="15 significant digits"):
            Everything.objects.create(wide=value)
        assert Everything.objects.count() == 0
    else:
        obj = Everything.objects.create(wide=value)
        assert Everything.objects.get(pk=obj.pk).wide == value


@pytest.mark.parametrize(
    ("given", "stored"),
    [("1.00005", "1.0001"), ("-2.00005", "-2.0001"), ("0.12344", "0.1234"), ("7.99995", "8.0000")],
)
def test_extra_decimal_places_are_rounded_half_away_from_zero(
    db: Any, given: str, stored: str
) -> None:
    obj = Everything.objects.create(dec=decimal.Decimal(given))
    loaded = Everything.objects.get(pk=obj.pk).dec
    assert loaded == decimal.Decimal(stored) and str(loaded) == stored
    assert Everything.objects.filter(dec=decimal.Decimal(stored)).count() == 1


def test_whole_and_fractional_decimals_load_with_the_field_s_places(db: Any) -> None:
    values = ["5", "94.25", "0.1", "-0.0001", "12345678.1234", "0"]
    Everything.objects.bulk_create([Everything(dec=decimal.Decimal(v)) for v in values])
    loaded = list(Everything.objects.order_by("pk").values_list("dec", flat=True))
    assert [str(d) for d in loaded] == [
        "5.0000",
        "94.2500",
        "0.1000",
        "-0.0001",
        "12345678.1234",
        "0.0000",
    ]
    instances = [e.dec for e in Everything.objects.order_by("pk")]
    assert [str(d) for d in instances] == [str(d) for d in loaded]


def test_comparisons_and_ordering_are_by_value(db: Any) -> None:
    hour, day = dt.timedelta(hours=1), dt.timedelta(days=1)
    last_of_2023 = dt.datetime(2023, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    for dec, moment, span, date in [
        ("9.5", dt.datetime(2024, 1, 1, 9, tzinfo=UTC), 9 * hour, dt.date(2024, 1, 9)),
        ("10.25", dt.datetime(2024, 1, 1, 10, tzinfo=UTC), day, dt.date(2024, 1, 10)),
        ("-3", last_of_2023, 0 * hour, dt.date(2023, 1, 1)),
    ]:
        Everything.objects.create(dec=decimal.Decimal(dec), moment=moment, span=span, day=date)
    by_dec = Everything.objects.order_by("dec").values_list("dec", flat=True)
    assert list(by_dec) == [decimal.Decimal("-3"), decimal.Decimal("9.5"), decimal.Decimal("10.25")]
    assert Everything.objects.filter(dec__gt=decimal.Decimal("9.75")).count() == 1
    # An aware value in another zone is compared as the same instant.
    noon_plus_two = dt.datetime(2024, 1, 1, 11, 30, tzinfo=PLUS_TWO)  # 09:30 UTC
    assert Everything.objects.filter(moment__gt=noon_plus_two).count() == 1
    assert Everything.objects.filter(span__gte=dt.timedelta(hours=9)).count() == 2
    assert Everything.objects.filter(day__lt=dt.date(2024, 1, 10)).count() == 2
    latest = Everything.objects.order_by("-moment").first()
    assert latest is not None and latest.moment == dt.datetime(2024, 1, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    ["abc", '"abc"', "123", 123, 1.5, True, None, [], {}, [1, "two", {"3": [4]}], "ü🦩"],
)
def test_json_values_round_trip(db: Any, value: Any) -> None:
    obj = Everything.objects.create(data=value)
    assert Everything.objects.get(pk=obj.pk).data == value
    assert Everything.objects.filter(pk=obj.pk).values_list("data", flat=True)[0] == value


@pytest.mark.anyio
async def test_json_string_round_trips_async(db: Any) -> None:
    for value in ["abc", '"abc"', "123", {"k": "v"}]:
        obj = await Everything.objects.acreate(data=value)
        assert (await Everything.objects.aget(pk=obj.pk)).data == value


def test_defaults(db: Any) -> None:
    first, second = Everything(), Everything()
    assert first.uid != second.uid and isinstance(first.uid, uuid.UUID)
    assert first.kind is Kind.ALPHA and first.size == "s" and first.big == 0
    first.save()
    loaded = Everything.objects.get(pk=first.pk)
    assert (loaded.uid, loaded.kind, loaded.flag, loaded.name) == (first.uid, Kind.ALPHA, False, "")


def test_auto_now_and_auto_now_add(db: Any) -> None:
    obj = Everything.objects.create()
    created, updated = obj.created, obj.updated
    assert created is not None and updated is not None
    assert obj.made_on == dt.datetime.now(UTC).date()
    obj.name = "changed"
    obj.save()
    assert obj.created == created and obj.updated > updated
    loaded = Everything.objects.get(pk=obj.pk)
    assert loaded.created == created and loaded.updated == obj.updated
    before = obj.updated
    obj.name = "only the name"
    obj.save(update_fields=["name"])
    assert Everything.objects.get(pk=obj.pk).updated == before


def test_enum_accepts_values_and_names(db: Any) -> None:
    by_value = Everything.objects.create(kind="b-g", level=2)
    by_name = Everything.objects.create(kind="BETA_GAMMA", level="HIGH")
    for obj in (by_value, by_name):
        loaded = Everything.objects.get(pk=obj.pk)
        assert loaded.kind is Kind.BETA_GAMMA and loaded.level is Level.HIGH
    assert Everything.objects.filter(kind=Kind.BETA_GAMMA).count() == 2
    assert Everything.objects.filter(kind="b-g", level=Level.HIGH).count() == 2


def test_choices_display(db: Any) -> None:
    obj = Everything.objects.create(size="l", kind=Kind.BETA_GAMMA, level=Level.LOW)
    loaded = Everything.objects.get(pk=obj.pk)
    assert loaded.get_size_display() == "Large"
    assert loaded.get_kind_display() == "Beta gamma"
    assert loaded.get_level_display() == "Low"
    loaded.size = "x"
    assert loaded.get_size_display() == "x"


def test_uuid_primary_key_and_foreign_key(db: Any) -> None:
    token = Token.objects.create(name="t")
    assert isinstance(token.pk, uuid.UUID)
    stamp = Stamp.objects.create(token=token)
    loaded = Stamp.objects.get(pk=stamp.pk)
    assert loaded.token_id == token.pk and type(loaded.token_id) is uuid.UUID
    assert loaded.token == token
    assert list(token.stamps.all()) == [stamp]
    assert Stamp.objects.filter(token__name="t").count() == 1
    assert Token.objects.get(pk=str(token.pk)) == token
    assert token.delete() == (2, {"mt.Stamp": 1, "mt.Token": 1})


def test_file_generate_filename() -> None:
    field = Everything._meta.get_field("attachment")
    year = dt.datetime.now(UTC).year
    assert field.generate_filename(None, "../../etc/a.pdf") == f"docs/{year}/a.pdf"  # type: ignore[attr-defined]


def test_bulk_create_fills_auto_now_fields(db: Any) -> None:
    before = dt.datetime.now(UTC)
    objs = Everything.objects.bulk_create([Everything(name=f"n{i}") for i in range(3)])
    loaded = list(Everything.objects.order_by("name"))
    assert [o.name for o in loaded] == ["n0", "n1", "n2"]
    assert all(o.created >= before.replace(microsecond=0) and o.updated for o in loaded)
    assert [o.created for o in loaded] == [o.created for o in objs]


def test_datetimes_in_any_zone_or_naive_are_stored_as_the_same_utc_instant(db: Any) -> None:
    plus_two = dt.timezone(dt.timedelta(hours=2))
    instant = dt.datetime(2024, 5, 1, 10, 0, 0, 7, tzinfo=UTC)
    values = [
        instant,  # UTC
        instant.astimezone(plus_two),  # the same instant elsewhere
        instant.replace(tzinfo=None),  # naive: taken as UTC
        dt.datetime(1, 1, 1, tzinfo=UTC),  # the smallest year, zero microseconds
    ]
    objs = Everything.objects.bulk_create(
        [Everything(name=f"z{i}", moment=value) for i, value in enumerate(values)]
    )
    stored = [
        o.moment for o in Everything.objects.filter(pk__in=[o.pk for o in objs]).order_by("name")
    ]
    assert stored == [instant, instant, instant, dt.datetime(1, 1, 1, tzinfo=UTC)]
    assert all(s.tzinfo is not None and s.utcoffset() == dt.timedelta(0) for s in stored)
    assert Everything.objects.filter(moment=instant.astimezone(plus_two)).count() == 3
    assert Everything.objects.filter(moment__lt=instant).count() == 1
