"""An audit of every field type on every backend, sync and async: edge values through
every way of writing and reading them, and the errors (or documented differences) at the
edges of what each database can store."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import math
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from heron.db import DataError, IntegrityError, Model, ValidationError, fields
from heron.db.errors import DatabaseError
from tests.db.models.mt_models import Everything, Kind, Level, Token

UTC = dt.UTC
MINUS_FIVE = dt.timezone(dt.timedelta(hours=-5))
PLUS_FIVE = dt.timezone(dt.timedelta(hours=5))
D = decimal.Decimal


class Color(enum.Enum):
    RED = "r"
    BLUE = "b"


class Rank(int, enum.Enum):
    """An int-valued Enum that is not an IntEnum (``str()`` gives ``Rank.FIRST``)."""

    FIRST = 1
    SECOND = 2


class AuditValue(Model):
    """Fields with narrow limits, for the edge cases ``Everything`` does not reach."""

    count = fields.Integer(null=True)
    money = fields.Decimal(max_digits=5, decimal_places=2, null=True)
    color = fields.String(max_length=10, null=True, choices=Color)
    note = fields.Text(null=True)
    short = fields.String(max_length=5, null=True)
    moment = fields.DateTime(null=True)
    span = fields.Duration(null=True)
    data = fields.JSON(null=True)
    ratio = fields.Float(null=True)

    class Meta:
        label = "mt"


class Upload:
    """A stand-in for an uploaded file: ``File`` fields store its ``name``."""

    def __init__(self, name: str) -> None:
        self.name = name


def same(loaded: Any, expected: Any) -> bool:
    """Equal, of the same type all the way down (``True`` is not ``1``, ``1.0`` not ``1``)."""
    if type(loaded) is not type(expected):
        return False
    if isinstance(expected, dict):
        return loaded.keys() == expected.keys() and all(
            same(loaded[k], v) for k, v in expected.items()
        )
    if isinstance(expected, list):
        return len(loaded) == len(expected) and all(map(same, loaded, expected))
    if isinstance(expected, float) and math.isnan(expected):
        return math.isnan(loaded)
    if isinstance(expected, dt.datetime):
        return loaded == expected and loaded.tzinfo is UTC
    if isinstance(expected, float) and expected == 0:
        return math.copysign(1, loaded) == math.copysign(1, expected)
    return bool(loaded == expected)


# (field of Everything, value written, value expected back)
EDGES: list[tuple[str, Any, Any]] = [
    ("big", 2**63 - 1, 2**63 - 1),
    ("big", -(2**63), -(2**63)),
    ("small", 2**15 - 1, 2**15 - 1),
    ("small", -(2**15), -(2**15)),
    ("integer", 2**31 - 1, 2**31 - 1),
    ("integer", -(2**31), -(2**31)),
    ("integer", "42", 42),
    ("flt", 1e308, 1e308),
    ("flt", 0.1 + 0.2, 0.30000000000000004),
    ("flt", -2.5e-300, -2.5e-300),
    ("flt", 7, 7.0),
    ("dec", D("-99999999.9999"), D("-99999999.9999")),
    ("dec", D("1E+2"), D("100.0000")),
    ("dec", D("0.0001"), D("0.0001")),
    ("dec", "12.5", D("12.5000")),
    ("flag", True, True),
    ("flag", False, False),
    ("maybe", None, None),
    ("name", "🦩 emoji ✓ ünï", "🦩 emoji ✓ ünï"),
    ("name", "مرحبا \u202eRTL\u202c שלום", "مرحبا \u202eRTL\u202c שלום"),
    ("name", "🦩" * 50, "🦩" * 50),
    ("name", "", ""),
    ("body", "🦩\n" * 20000, "🦩\n" * 20000),
    ("day", dt.date(2024, 2, 29), dt.date(2024, 2, 29)),
    ("day", dt.date(1000, 1, 1), dt.date(1000, 1, 1)),
    (
        "moment",
        dt.datetime(2024, 5, 1, 5, 0, 0, 999999, tzinfo=MINUS_FIVE),
        dt.datetime(2024, 5, 1, 10, 0, 0, 999999, tzinfo=UTC),
    ),
    (
        "moment",
        dt.datetime(2024, 5, 1, 10, 0, 0, 1),
        dt.datetime(2024, 5, 1, 10, 0, 0, 1, tzinfo=UTC),
    ),
    ("moment", "2024-05-01T12:00:00+02:00", dt.datetime(2024, 5, 1, 10, tzinfo=UTC)),
    (
        "moment",
        dt.datetime(9999, 12, 31, 23, 59, 59, 999998, tzinfo=UTC),
        dt.datetime(9999, 12, 31, 23, 59, 59, 999998, tzinfo=UTC),
    ),
    (
        "moment",
        dt.datetime(1, 1, 1, 0, 0, 0, 1, tzinfo=UTC),
        dt.datetime(1, 1, 1, 0, 0, 0, 1, tzinfo=UTC),
    ),
    ("clock", dt.time(0, 0), dt.time(0, 0)),
    ("clock", dt.time(23, 59, 59, 999999), dt.time(23, 59, 59, 999999)),
    ("clock", "12:00:00.000001", dt.time(12, 0, 0, 1)),
    ("span", dt.timedelta(days=-1, microseconds=1), dt.timedelta(days=-1, microseconds=1)),
    ("span", dt.timedelta(microseconds=-1), dt.timedelta(microseconds=-1)),
    (
        "span",
        dt.timedelta(days=999999, seconds=86399, microseconds=999999),
        dt.timedelta(days=999999, seconds=86399, microseconds=999999),
    ),
    ("span", dt.timedelta(0), dt.timedelta(0)),
    (
        "uid",
        "12345678-1234-5678-1234-567812345678",
        uuid.UUID("12345678-1234-5678-1234-567812345678"),
    ),
    ("uid", uuid.UUID(int=2**128 - 1), uuid.UUID(int=2**128 - 1)),
    (
        "data",
        {"nested": {"list": [1, 2.5, True, None, "ü", {"🦩": "\u202e"}]}},
        {"nested": {"list": [1, 2.5, True, None, "ü", {"🦩": "\u202e"}]}},
    ),
    ("data", [1, True, 1.0, 0, False, "1"], [1, True, 1.0, 0, False, "1"]),
    ("data", [], []),
    ("data", False, False),
    ("data", 0, 0),
    ("data", "", ""),
    ("blob", bytes(range(256)) * 4096, bytes(range(256)) * 4096),
    ("blob", memoryview(b"\x00mem"), b"\x00mem"),
    ("blob", bytearray(b"\xff\x00"), b"\xff\x00"),
    ("blob", b"", b""),
    ("kind", "b-g", Kind.BETA_GAMMA),
    ("kind", "BETA_GAMMA", Kind.BETA_GAMMA),
    ("level", Level.HIGH, Level.HIGH),
    ("level", 1, Level.LOW),
    ("size", "l", "l"),
    ("attachment", Upload("docs/2024/ü.pdf"), "docs/2024/ü.pdf"),
    ("picture", "img/🦩.png", "img/🦩.png"),
]


def edge_id(edge: tuple[str, Any, Any]) -> str:
    return f"{edge[0]}-{str(edge[1])[:24]}"


def check(loaded: Any, expected: Any, how: str) -> None:
    assert same(loaded, expected), f"{how}: {loaded!r} != {expected!r}"


def filterable(name: str, value: Any) -> Any:
    """The value to filter by (a memoryview is filtered by its bytes, as Django needs)."""
    return bytes(value) if isinstance(value, memoryview) else value


@pytest.mark.parametrize(("name", "value", "expected"), EDGES, ids=map(edge_id, EDGES))
def test_edge_values_round_trip_sync(db: Any, name: str, value: Any, expected: Any) -> None:
    obj = Everything.objects.create(**{name: value})
    obj.refresh_from_db()
    check(getattr(obj, name), expected, "refresh_from_db")
    check(getattr(Everything.objects.get(pk=obj.pk), name), expected, "get")
    rows = Everything.objects.filter(pk=obj.pk)
    check(rows.values(name)[0][name], expected, "values")
    check(rows.values_list(name, flat=True)[0], expected, "values_list")
    assert Everything.objects.filter(**{name: filterable(name, value)}).count() == 1, "filter"
    other = Everything.objects.create()
    Everything.objects.filter(pk=other.pk).update(**{name: value})
    check(getattr(Everything.objects.get(pk=other.pk), name), expected, "update")
    (bulk,) = Everything.objects.bulk_create([Everything(**{name: value})])
    check(getattr(Everything.objects.get(pk=bulk.pk), name), expected, "bulk_create")
    later = Everything.objects.create()
    setattr(later, name, value)
    Everything.objects.bulk_update([later], [name])
    check(getattr(Everything.objects.get(pk=later.pk), name), expected, "bulk_update")


@pytest.mark.anyio
@pytest.mark.parametrize(("name", "value", "expected"), EDGES, ids=map(edge_id, EDGES))
async def test_edge_values_round_trip_async(db: Any, name: str, value: Any, expected: Any) -> None:
    obj = await Everything.objects.acreate(**{name: value})
    await obj.arefresh_from_db()
    check(getattr(obj, name), expected, "arefresh_from_db")
    check(getattr(await Everything.objects.aget(pk=obj.pk), name), expected, "aget")
    rows = Everything.objects.filter(pk=obj.pk)
    check((await rows.values(name))[0][name], expected, "values")
    check((await rows.values_list(name, flat=True))[0], expected, "values_list")
    assert await Everything.objects.filter(**{name: filterable(name, value)}).acount() == 1
    other = await Everything.objects.acreate()
    await Everything.objects.filter(pk=other.pk).aupdate(**{name: value})
    check(getattr(await Everything.objects.aget(pk=other.pk), name), expected, "aupdate")
    (bulk,) = await Everything.objects.abulk_create([Everything(**{name: value})])
    check(getattr(await Everything.objects.aget(pk=bulk.pk), name), expected, "abulk_create")
    later = await Everything.objects.acreate()
    setattr(later, name, value)
    await Everything.objects.abulk_update([later], [name])
    check(getattr(await Everything.objects.aget(pk=later.pk), name), expected, "abulk_update")


# -- enum members in plain fields ---------------------------------------------------------------


def test_plain_enum_member_in_a_string_with_enum_choices_stores_its_value(db: Any) -> None:
    obj = AuditValue.objects.create(color=Color.RED)
    assert AuditValue.objects.get(pk=obj.pk).color == "r"
    assert AuditValue.objects.filter(color=Color.RED).count() == 1
    AuditValue.objects.filter(pk=obj.pk).update(color=Color.BLUE)
    assert AuditValue.objects.values_list("color", flat=True)[0] == "b"
    assert AuditValue(color=Color.BLUE).get_color_display() == "Blue"
    AuditValue(color=Color.BLUE).full_clean()


@pytest.mark.anyio
async def test_int_enum_like_member_in_an_integer_stores_its_value_async(db: Any) -> None:
    obj = await AuditValue.objects.acreate(count=Rank.SECOND, note=Color.RED)
    loaded = await AuditValue.objects.aget(pk=obj.pk)
    assert (loaded.count, loaded.note) == (2, "r") and type(loaded.count) is int
    assert await AuditValue.objects.filter(count=Rank.SECOND).acount() == 1


def test_int_enum_like_member_in_an_integer_stores_its_value(db: Any) -> None:
    obj = AuditValue.objects.create(count=Rank.FIRST)
    assert AuditValue.objects.get(pk=obj.pk).count == 1
    assert AuditValue.objects.filter(count=Rank.FIRST).count() == 1
    AuditValue.objects.bulk_create([AuditValue(count=Rank.SECOND)])
    assert sorted(AuditValue.objects.values_list("count", flat=True)) == [1, 2]


# -- values a column cannot hold: the same error class everywhere ------------------------------


@pytest.mark.parametrize("value", [D("1000"), D("-999.995"), D("1E+3")])
def test_decimal_beyond_max_digits(db: Any, value: D) -> None:
    """full_clean() refuses it; PostgreSQL and MariaDB refuse it on save with DataError,
    SQLite stores it (documented: it has no fixed-point type to enforce the limit)."""
    with pytest.raises(ValidationError, match="digits"):
        AuditValue(money=value).full_clean()
    if db.vendor == "sqlite":
        obj = AuditValue.objects.create(money=value)
        assert AuditValue.objects.get(pk=obj.pk).money == value.quantize(D("0.01"))
    else:
        with pytest.raises(DataError):
            AuditValue.objects.create(money=value)
    # Comparing with a value beyond the field's digits is fine everywhere.
    assert AuditValue.objects.filter(money__gt=D("99999.995")).count() == 0


@pytest.mark.anyio
async def test_decimal_beyond_max_digits_async(db: Any) -> None:
    obj = await AuditValue.objects.acreate(money=D("999.994"))
    assert (await AuditValue.objects.aget(pk=obj.pk)).money == D("999.99")
    if db.vendor != "sqlite":
        with pytest.raises(DataError):
            await AuditValue.objects.filter(pk=obj.pk).aupdate(money=D("-999.995"))
    assert await AuditValue.objects.filter(money__lt=D("1000.001")).acount() == 1


def test_big_integer_beyond_64_bits_is_a_data_error_everywhere(db: Any) -> None:
    with pytest.raises(ValidationError, match="between"):
        Everything(big=2**63).full_clean()
    with pytest.raises(DataError):
        Everything.objects.create(big=2**63)
    with pytest.raises(DataError):
        Everything.objects.bulk_create([Everything(big=-(2**63) - 1)])


def test_integer_range_is_the_column_s_on_servers_and_64_bits_on_sqlite(db: Any) -> None:
    """Documented: SQLite INTEGER columns are all 64-bit."""
    with pytest.raises(ValidationError, match="between"):
        Everything(integer=2**31).full_clean()
    if db.vendor == "sqlite":
        obj = Everything.objects.create(integer=2**31, small=2**15)
        assert Everything.objects.get(pk=obj.pk).integer == 2**31
    else:
        with pytest.raises(DataError):
            Everything.objects.create(integer=2**31)
        with pytest.raises(DataError):
            Everything.objects.create(small=-(2**15) - 1)


@pytest.mark.anyio
async def test_duration_beyond_the_column_is_a_data_error_or_stored_async(db: Any) -> None:
    """``timedelta.max`` needs more than 64 bits of microseconds: only ``interval`` holds it."""
    if db.vendor == "postgresql":
        obj = await AuditValue.objects.acreate(span=dt.timedelta.max)
        assert (await AuditValue.objects.aget(pk=obj.pk)).span == dt.timedelta.max
    else:
        with pytest.raises(DataError):
            await AuditValue.objects.acreate(span=dt.timedelta.max)


def test_duration_beyond_the_column_is_a_data_error_or_stored(db: Any) -> None:
    if db.vendor == "postgresql":
        obj = AuditValue.objects.create(span=dt.timedelta.min)
        assert AuditValue.objects.get(pk=obj.pk).span == dt.timedelta.min
    else:
        with pytest.raises(DataError):
            AuditValue.objects.create(span=dt.timedelta.min)


@pytest.mark.parametrize("value", [1e20, "999999999999 days, 0:00:00", "P99999999999D"])
def test_duration_too_large_for_timedelta_is_a_validation_error(value: Any) -> None:
    with pytest.raises(ValidationError, match="out of range for a duration"):
        AuditValue(span=value).full_clean()


OUT_OF_RANGE_IN_UTC = [
    dt.datetime(1, 1, 1, 1, 0, tzinfo=PLUS_FIVE),  # year 0 in UTC
    dt.datetime(9999, 12, 31, 22, 0, tzinfo=MINUS_FIVE),  # year 10000 in UTC
]


@pytest.mark.parametrize("value", OUT_OF_RANGE_IN_UTC, ids=["year-0", "year-10000"])
def test_datetime_outside_years_1_to_9999_in_utc_is_refused_clearly(db: Any, value: Any) -> None:
    with pytest.raises(ValidationError, match="out of range"):
        AuditValue(moment=value).full_clean()
    with pytest.raises(DataError, match="out of range"):
        AuditValue.objects.create(moment=value)
    with pytest.raises(DataError, match="out of range"):
        AuditValue.objects.filter(moment__lt=value).count()


@pytest.mark.anyio
async def test_datetime_outside_years_1_to_9999_in_utc_is_refused_clearly_async(db: Any) -> None:
    with pytest.raises(DataError, match="out of range"):
        await AuditValue.objects.acreate(moment=OUT_OF_RANGE_IN_UTC[0])
    with pytest.raises(DataError, match="out of range"):
        await AuditValue.objects.abulk_create([AuditValue(moment=OUT_OF_RANGE_IN_UTC[1])])


def test_string_longer_than_max_length(db: Any) -> None:
    """full_clean() refuses it everywhere; PostgreSQL and MariaDB refuse it on save, SQLite
    stores it (documented)."""
    with pytest.raises(ValidationError, match="at most 5 characters"):
        AuditValue(short="🦩" * 6).full_clean()
    AuditValue(short="🦩" * 5).full_clean()
    obj = AuditValue.objects.create(short="🦩" * 5)
    assert AuditValue.objects.get(pk=obj.pk).short == "🦩" * 5
    if db.vendor == "sqlite":
        AuditValue.objects.create(short="abcdef")
    else:
        with pytest.raises(DataError):
            AuditValue.objects.create(short="abcdef")


def test_nul_character_in_text(db: Any) -> None:
    """PostgreSQL text cannot hold NUL (documented): a DataError."""
    if db.vendor == "postgresql":
        with pytest.raises(DataError):
            AuditValue.objects.create(note="a\x00b")
        with pytest.raises(DataError):
            AuditValue.objects.create(data="\x00")
    else:
        obj = AuditValue.objects.create(note="a\x00b", data="\x00")
        loaded = AuditValue.objects.get(pk=obj.pk)
        assert (loaded.note, loaded.data) == ("a\x00b", "\x00")


@pytest.mark.anyio
async def test_nul_character_in_text_async(db: Any) -> None:
    if db.vendor == "postgresql":
        with pytest.raises(DataError):
            await AuditValue.objects.acreate(note="a\x00b")
    else:
        obj = await AuditValue.objects.acreate(note="a\x00b", data="\x00")
        loaded = await AuditValue.objects.aget(pk=obj.pk)
        assert (loaded.note, loaded.data) == ("a\x00b", "\x00")


# -- floats: what each database does with inf, nan and -0.0 (documented) ----------------------


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_non_finite_floats(db: Any, value: float) -> None:
    if db.vendor == "mysql":
        with pytest.raises(DatabaseError, match="can not be used with MySQL"):
            AuditValue.objects.create(ratio=value)
        return
    obj = AuditValue.objects.create(ratio=value)
    loaded = AuditValue.objects.get(pk=obj.pk).ratio
    if db.vendor == "sqlite" and math.isnan(value):
        assert loaded is None  # SQLite stores NaN as NULL
    else:
        assert same(loaded, value)


def test_negative_zero_float(db: Any) -> None:
    obj = AuditValue.objects.create(ratio=-0.0)
    loaded = AuditValue.objects.get(pk=obj.pk).ratio
    assert loaded == 0.0
    assert math.copysign(1, loaded) == (-1 if db.vendor == "postgresql" else 1)


# -- JSON ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [math.nan, {"a": [math.inf]}, [-math.inf]])
def test_json_refuses_nan_and_infinity_in_full_clean(value: Any) -> None:
    with pytest.raises(ValidationError, match="NaN and Infinity"):
        AuditValue(data=value).full_clean()


def test_json_python_none_is_sql_null_and_keeps_types(db: Any) -> None:
    AuditValue.objects.bulk_create([AuditValue(data=None), AuditValue(data=[None])])
    assert AuditValue.objects.filter(data__isnull=True).count() == 1
    assert AuditValue.objects.filter(data=[None]).count() == 1
    (loaded,) = AuditValue.objects.filter(data__isnull=False).values_list("data", flat=True)
    assert loaded == [None]


# -- unique: IntegrityError on every backend ---------------------------------------------------


def test_unique_violation_is_an_integrity_error(db: Any) -> None:
    Token.objects.create(name="dup")
    with pytest.raises(IntegrityError):
        Token.objects.create(name="dup")
    with pytest.raises(IntegrityError):
        Token.objects.bulk_create([Token(name="x"), Token(name="x")])
    other = Token.objects.create(name="other")
    with pytest.raises(IntegrityError):
        Token.objects.filter(pk=other.pk).update(name="dup")
    with pytest.raises(ValidationError, match="already exists"):
        Token(name="dup").full_clean()


@pytest.mark.anyio
async def test_unique_violation_is_an_integrity_error_async(db: Any) -> None:
    token = await Token.objects.acreate(name="dup")
    with pytest.raises(IntegrityError):
        await Token.objects.acreate(name="dup")
    with pytest.raises(IntegrityError):
        await Token.objects.abulk_create([Token(id=token.pk, name="new")])
    with pytest.raises(ValidationError, match="already exists"):
        await Token(name="dup").afull_clean()


def test_uuid_primary_key_by_string(db: Any) -> None:
    token = Token.objects.create(name="t")
    text = str(token.pk)
    assert Token.objects.get(pk=text) == token
    assert Token.objects.filter(pk__in=[text, token.pk.hex]).count() == 1
    assert Token.objects.filter(pk=text).update(name="u") == 1
    Token.objects.bulk_update([Token(id=text, name="v")], ["name"])
    assert Token.objects.get(pk=token.pk).name == "v"


# -- auto_now ----------------------------------------------------------------------------------


def test_auto_now_is_left_alone_by_update_and_bulk_update(db: Any) -> None:
    obj = Everything.objects.create()
    stamped = Everything.objects.get(pk=obj.pk).updated
    Everything.objects.filter(pk=obj.pk).update(name="by update")
    assert Everything.objects.get(pk=obj.pk).updated == stamped
    obj.name = "by bulk_update"
    Everything.objects.bulk_update([obj], ["name"])
    assert Everything.objects.get(pk=obj.pk).updated == stamped
    obj.name = "saved"
    obj.save(update_fields=["name", "updated"])
    assert Everything.objects.get(pk=obj.pk).updated > stamped


def test_slug_and_db_index_fields_get_an_index(db: Any) -> None:
    indexes = sa.inspect(db.sqlalchemy_engine()).get_indexes(Everything._meta.table_name)
    assert ["slug"] in [index["column_names"] for index in indexes]


# -- validators and choices in full_clean ---------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "ada@", "Enter a valid email address."),
        ("url", "example.com", "Enter a valid URL."),
        ("slug", "a b", "Enter a valid slug"),
        ("size", "x", "Value 'x' is not a valid choice (choose one of 's', 'l')."),
        ("kind", "nope", "'nope' is not a valid Kind (choose one of 'a', 'b-g')."),
        ("picture", "a.svg", "File extension 'svg' is not allowed."),
        ("dec", "1e99", "no more than 12 digits in total"),
        ("small", 2**15, "between -32768 and 32767"),
        ("moment", "tomorrow", "not a valid date and time"),
        ("clock", dt.time(1, tzinfo=UTC), "without a time zone"),
        ("uid", "not-a-uuid", "is not a valid UUID"),
        ("blob", "text", "Binary fields take bytes, not str."),
    ],
)
def test_full_clean_messages(field: str, value: Any, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Everything(**{field: value}).full_clean(validate_unique=False)
    assert list(caught.value.errors) == [field]
    assert message in caught.value.errors[field][0]


def test_json_filter_by_whole_value_and_key_order(db: Any) -> None:
    """Documented: PostgreSQL compares jsonb values, the others compare JSON text."""
    AuditValue.objects.create(data={"a": 1, "b": [True, None]})
    assert AuditValue.objects.filter(data={"a": 1, "b": [True, None]}).count() == 1
    assert AuditValue.objects.filter(data={"a": 1, "b": [1, None]}).count() == 0
    reordered = AuditValue.objects.filter(data={"b": [True, None], "a": 1}).count()
    assert reordered == (1 if db.vendor == "postgresql" else 0)


@pytest.mark.anyio
async def test_extreme_datetimes_through_asyncpg_become_infinity(db: Any) -> None:
    """Documented: asyncpg writes datetime.min/max (UTC) as -infinity/infinity and reads
    them back naive; every other driver keeps them as they are."""
    lowest = dt.datetime(1, 1, 1, tzinfo=UTC)
    obj = await AuditValue.objects.acreate(moment=lowest)
    loaded = (await AuditValue.objects.aget(pk=obj.pk)).moment
    if db.vendor == "postgresql":
        assert loaded == lowest.replace(tzinfo=None) and loaded.tzinfo is None
    else:
        assert loaded == lowest and loaded.tzinfo is UTC


def test_text_comparison_under_the_database_collation(db: Any) -> None:
    """Documented: MariaDB's default utf8mb4_general_ci ignores case, accents and trailing
    spaces and weighs every emoji the same; PostgreSQL and SQLite compare exactly."""
    Token.objects.create(name="🦩")
    AuditValue.objects.create(short="é ")
    loose = db.vendor == "mysql" and _collation(db).startswith("utf8mb4_general_ci")
    assert AuditValue.objects.filter(short="e").count() == (1 if loose else 0)
    assert Token.objects.filter(name="🐍").count() == (1 if loose else 0)
    if loose:
        with pytest.raises(IntegrityError):
            Token.objects.create(name="🐍")
    else:
        Token.objects.create(name="🐍")


def _collation(db: Any) -> str:
    with db.sqlalchemy_engine().connect() as conn:
        return str(conn.exec_driver_sql("SELECT @@collation_database").scalar())


@pytest.mark.parametrize(
    "value", [D("1.2345678901234567890123E+19"), D("-1.23456789E-2"), D("1E+19")]
)
def test_decimal_in_exponent_notation_is_exact(db: Any, value: D) -> None:
    """Drivers must not send ``1.23E+19`` as a float literal (MariaDB would read a double)."""
    if db.vendor == "sqlite":
        pytest.skip("more than 15 significant digits: refused on SQLite (documented)")
    obj = Everything.objects.create(wide=value)
    assert Everything.objects.get(pk=obj.pk).wide == value
    assert Everything.objects.filter(wide=value).count() == 1


@pytest.mark.anyio
async def test_decimal_in_exponent_notation_is_exact_async(db: Any) -> None:
    value = D("-1.2345678901234567890123E+19")
    if db.vendor == "sqlite":
        value = D("1.23456789012345E+5")
    obj = await Everything.objects.acreate(wide=value)
    assert (await Everything.objects.aget(pk=obj.pk)).wide == value
    assert await Everything.objects.filter(wide=value).acount() == 1
