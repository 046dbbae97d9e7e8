"""Heron's C row builder (``_rowbuild.c``) gives the instances the Python loaders give.

The unit tests feed the builder values of every kind it converts itself, usual and
unusual, and compare with the fields' converters; the ORM tests load the same rows with
the builder and with the generated Python loaders, on each backend.
"""

from __future__ import annotations

import datetime as dt
import decimal
import gc
import os
import sys
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest

from heron.db import F, Model, Value, connections, fields
from heron.db.backends import Database
from heron.db.query import compiler, execution, loading
from heron.db.query.select import build_select
from heron.db.signals import post_init
from tests.db.query.conftest import at
from tests.db.query.fn_models import Order
from tests.db.query.json_models import Doc
from tests.db.query.qt_models import Author, Book

rowbuild = loading._rowbuild
needs_builder = pytest.mark.skipif(
    rowbuild is None and os.environ.get("CI") != "true", reason="the C row builder is not built"
)


def test_ci_builds_the_c_row_builder() -> None:
    """CI installs with a C compiler: losing the builder there is a failure, not a skip."""
    if os.environ.get("CI") != "true":
        pytest.skip("only CI must have the builder")
    assert rowbuild is not None


class Plain:
    """A class built without ``__init__``, as models are."""

    def __init__(self) -> None:
        raise AssertionError("builders never call __init__")


def _builder(kind: str, field: fields.Field, places: int = 0) -> Any:
    assert rowbuild is not None
    column = ("v", 0, getattr(rowbuild, kind), field.db_converter("sqlite"), places)
    return rowbuild.Builder(Plain, (column,), (), [], lambda instance: None)


def _same(got: Any, expected: Any) -> None:
    assert type(got) is type(expected)
    assert str(got) == str(expected)  # decimal places, offsets, the sign of zero
    if isinstance(expected, dt.datetime):
        assert got.tzinfo is expected.tzinfo


PRICE = fields.Decimal(max_digits=12, decimal_places=2)
RATE = fields.Decimal(max_digits=20, decimal_places=4)
WHOLE = fields.Decimal(max_digits=10, decimal_places=0)
WIDE = fields.Decimal(max_digits=30, decimal_places=12)

DECIMALS = [
    (PRICE, v)
    for v in (
        94.25,
        11.33,
        0.1,
        0.05,
        -0.05,
        -0.0,
        0.0,
        1.005,  # stored below 1.005: "%.2f" gives 1.00
        2.675,
        0.125,  # an exact tie: rounds half to even, as "%.2f" does
        0.375,
        5,
        -7,
        0,
        1234567890.12,
        10995116277.75,  # just below 2**40 once scaled
        10995116277.76,  # just above: formatted the slow way
        9007199254740993,  # an int no float holds exactly
        2**70,
        1e300,
        float("inf"),
        float("-inf"),
        float("nan"),
        "12.50",  # text: the converter's way
        Decimal("3.14159"),
        True,  # not an exact int: the converter's way
    )
] + [
    (RATE, 0.0001),
    (RATE, 12345.6789),
    (RATE, -0.00005),
    (WHOLE, 7.5),
    (WHOLE, 8.5),
    (WHOLE, 42),
    (WIDE, 0.1),  # 12 places: more than the builder prints itself
    (WIDE, 3),
]


@needs_builder
@pytest.mark.parametrize(("field", "value"), DECIMALS)
def test_decimals_as_the_converter_makes_them(field: fields.Decimal, value: Any) -> None:
    converter = field.db_converter("sqlite")
    assert converter is not None
    build = _builder("DECIMAL", field, field.decimal_places)
    try:
        expected = converter(value)
    except Exception as error:  # the builder must raise the same
        with pytest.raises(type(error)):
            build.one((value,))
        return
    _same(build.one((value,)).v, expected)


@needs_builder
def test_scaled_floats_near_the_limit_match_the_format() -> None:
    """Every cent around the fast path's bounds and a spread of magnitudes."""
    build = _builder("DECIMAL", PRICE, 2)
    values = [10995116277.0 + i / 100 for i in range(-300, 300)]
    values += [(i * 7919) / 100 for i in range(-5000, 5000)]
    values += [i / 1000 for i in range(-2000, 2000)]  # thousandths: half of them ties
    got = build.many([(v,) for v in values])
    assert [str(g.v) for g in got] == [str(Decimal("%.2f" % v)) for v in values]  # noqa: UP031


DATE_TIMES = [
    "2024-03-01 12:30:00.000000",
    "2024-03-01 12:30:00",
    "2024-03-01T12:30:00",
    "2024-03-01T12:30:00.250000",
    "0001-01-01 00:00:00.000000",
    "9999-12-31 23:59:59.999999",
    "2024-03-01 14:30:00+02:00",  # an offset: the converter's way
    "2024-03-01 14:30:00.5",  # a short fraction
    "2024-03-01",
    "2024-02-30 12:00:00",  # no such day: both raise
    "2024-03-01 24:00:00",
    "2024-03-01 12:30:0x",
    "\uff12\uff10\uff12\uff14-03-01 12:30:00",  # full-width digits
    "not a date at all!!",
    1709296200,  # a number: the converter leaves it
    b"2024-03-01 12:30:00",
]


@needs_builder
@pytest.mark.parametrize("value", DATE_TIMES)
def test_date_times_as_the_converter_makes_them(value: Any) -> None:
    field = fields.DateTime()
    converter = field.db_converter("sqlite")
    assert converter is not None
    build = _builder("UTC_TEXT", field)
    try:
        expected = converter(value)
    except Exception as error:
        with pytest.raises(type(error)):
            build.one((value,))
        return
    _same(build.one((value,)).v, expected)


@needs_builder
@pytest.mark.parametrize("value", [0, 1, 2, -1, 2**80, True, False, 0.0, "x", ""])
def test_booleans_as_the_converter_makes_them(value: Any) -> None:
    field = fields.Boolean()
    converter = field.db_converter("sqlite")
    assert converter is not None
    _same(_builder("BOOL", field).one((value,)).v, converter(value))


@needs_builder
def test_none_is_never_converted_and_plain_columns_are_kept() -> None:
    assert rowbuild is not None
    calls: list[Any] = []

    def converter(value: Any) -> Any:
        calls.append(value)
        return ("converted", value)

    columns = (
        ("a", 2, rowbuild.PLAIN, None, 0),
        ("b", 0, rowbuild.CALL, converter, 0),
        ("c", 1, rowbuild.DECIMAL, converter, 2),
    )
    build = rowbuild.Builder(Plain, columns, (("_persisted", True),), [], lambda i: None)
    first, second = build.many([("x", None, [1]), (None, 1.5, None)])
    assert first.__dict__ == {"a": [1], "b": ("converted", "x"), "c": None, "_persisted": True}
    assert second.__dict__ == {"a": None, "b": None, "c": Decimal("1.50"), "_persisted": True}
    assert calls == ["x"]
    assert type(first) is Plain


class RecordLike(Sequence[Any]):
    """A row that is a sequence but not a tuple, as asyncpg's ``Record`` is."""

    def __init__(self, *values: Any) -> None:
        self._values = values

    def __getitem__(self, index: Any) -> Any:
        return self._values[index]

    def __len__(self) -> int:
        return len(self._values)


@needs_builder
def test_rows_may_be_any_sequence() -> None:
    assert rowbuild is not None
    columns = (("a", 0, rowbuild.PLAIN, None, 0), ("b", 1, rowbuild.PLAIN, None, 0))
    build = rowbuild.Builder(Plain, columns, (), [], lambda i: None)
    assert [o.__dict__ for o in build.many([RecordLike(1, 2), [3, 4], (5, 6)])] == [
        {"a": 1, "b": 2},
        {"a": 3, "b": 4},
        {"a": 5, "b": 6},
    ]
    with pytest.raises(IndexError):
        build.one((1,))
    with pytest.raises(IndexError):
        build.one(RecordLike(1))
    with pytest.raises(TypeError):
        build.many(42)  # type: ignore[arg-type]


@needs_builder
def test_a_converter_error_propagates_and_leaks_nothing() -> None:
    assert rowbuild is not None
    marker = object()

    def converter(value: Any) -> Any:
        if value == 3:
            raise ValueError("bad value 3")
        return marker

    build = rowbuild.Builder(Plain, (("a", 0, rowbuild.CALL, converter, 0),), (), [], print)
    before = sys.getrefcount(marker)
    for _ in range(200):
        with pytest.raises(ValueError, match="bad value 3"):
            build.many([(1,), (2,), (3,), (4,)])
    gc.collect()
    assert sys.getrefcount(marker) == before


@needs_builder
def test_repeated_loads_keep_reference_counts_level() -> None:
    assert rowbuild is not None
    text = "2024-03-01 12:30:00.000000"
    rows = [(1.25, text, 1, "t")] * 50
    columns = (
        ("p", 0, rowbuild.DECIMAL, PRICE.db_converter("sqlite"), 2),
        ("d", 1, rowbuild.UTC_TEXT, fields.DateTime().db_converter("sqlite"), 0),
        ("b", 2, rowbuild.BOOL, fields.Boolean().db_converter("sqlite"), 0),
        ("s", 3, rowbuild.PLAIN, None, 0),
    )
    tail_value = object()
    build = rowbuild.Builder(Plain, columns, (("x", tail_value),), [], print)
    counts = (sys.getrefcount(text), sys.getrefcount(tail_value), sys.getrefcount(Decimal))
    for _ in range(100):
        build.many(rows)
        build.one(rows[0])
    assert (sys.getrefcount(text), sys.getrefcount(tail_value), sys.getrefcount(Decimal)) == counts


@needs_builder
def test_builder_arguments_are_checked() -> None:
    assert rowbuild is not None
    with pytest.raises(TypeError):
        rowbuild.Builder.__new__(rowbuild.Builder).one(())
    with pytest.raises(ValueError, match="kind"):
        rowbuild.Builder(Plain, (("a", 0, 99, None, 0),), (), [], print)
    with pytest.raises(ValueError, match="converter"):
        rowbuild.Builder(Plain, (("a", 0, rowbuild.CALL, None, 0),), (), [], print)
    with pytest.raises(ValueError, match="index"):
        rowbuild.Builder(Plain, (("a", -1, rowbuild.PLAIN, None, 0),), (), [], print)
    with pytest.raises(TypeError):
        rowbuild.Builder(Plain, (("a", 0, rowbuild.PLAIN, None, 0),), (("x",),), [], print)
    build = rowbuild.Builder(Plain, (), (), [], print)
    with pytest.raises(TypeError, match="once"):
        build.__init__(Plain, (), (), [], print)  # type: ignore[misc]


@needs_builder
def test_a_builder_in_a_reference_cycle_is_collected() -> None:
    assert rowbuild is not None

    class Cyclic:
        builder: Any = None

    Cyclic.builder = rowbuild.Builder(Cyclic, (), (), [], print)
    gone = weakref.ref(Cyclic)
    del Cyclic
    gc.collect()
    assert gone() is None


# -- through the ORM, on each backend ------------------------------------------------------


@contextmanager
def _python_loaders_on() -> Iterator[None]:
    """Queries compiled inside load through the generated Python loaders."""
    previous = loading.native_loaders(False)
    _forget_statements()
    try:
        yield
    finally:
        loading.native_loaders(previous)
        _forget_statements()


@pytest.fixture
def python_loaders() -> Iterator[None]:
    """Queries made in the test load through the generated Python loaders."""
    with _python_loaders_on():
        yield


def _forget_statements() -> None:
    compiler.CACHE.clear()
    execution._PK.clear()
    execution._APK.clear()


def _loaded(queries: Sequence[Any]) -> list[list[dict[str, Any]]]:
    return [[dict(vars(o)) for o in query] for query in queries]


def _both_ways(make_queries: Any) -> tuple[Any, Any]:
    _forget_statements()
    native = _loaded(make_queries())
    with _python_loaders_on():
        python = _loaded(make_queries())
    return native, python


def test_orders_load_alike_both_ways(db: Database) -> None:
    moments = [at(1), at(2, 13), at(3, 23)]
    for i, moment in enumerate(moments):
        Order.objects.create(
            created=moment,
            due=moment.date() if i else None,
            amount=Decimal(f"{i * 7}.{i}5"),
            weight=None if i == 1 else i / 3,
            code=f"c{i}",
        )

    def queries() -> list[Any]:
        orders = Order.objects.order_by("pk")
        return [
            orders,
            orders.only("amount"),
            orders.defer("created"),
            orders.annotate(twice=F("amount") * 2, label=Value("x")),
            [Order.objects.get(pk=o.pk) for o in orders],
        ]

    native, python = _both_ways(queries)
    assert native == python
    assert [o["amount"] for o in native[0]] == [Decimal("0.05"), Decimal("7.15"), Decimal("14.25")]
    assert [o["created"] for o in native[0]] == moments


def test_json_and_foreign_keys_load_alike_both_ways(db: Database) -> None:
    Doc.objects.create(name="a", data={"k": [1, 2, {"x": None}]})
    Doc.objects.create(name="b", data=None)
    ann = Author.objects.create(name="ann")
    Book.objects.create(title="Dune", pages=1, rating=None, published=at(4), author=ann)

    def queries() -> list[Any]:
        return [Doc.objects.order_by("pk"), Book.objects.all(), Author.objects.all()]

    native, python = _both_ways(queries)
    assert native == python
    assert native[0][0]["data"] == {"k": [1, 2, {"x": None}]}


def test_other_databases_are_remembered(db: Database, other: Database) -> None:
    Author.objects.using("other").create(name="zed")
    native, python = _both_ways(lambda: [Author.objects.using("other").all()])
    assert native == python
    assert native[0][0]["_db"] == "other"


def test_init_signals_are_sent_for_loaded_rows(db: Database) -> None:
    ann = Author.objects.create(name="ann")
    seen: list[Any] = []

    def receiver(sender: type[Model], instance: Model, **kwargs: Any) -> None:
        seen.append(instance)

    post_init.connect(receiver, sender=Author)
    try:
        _forget_statements()
        loaded = list(Author.objects.all())
        got = Author.objects.get(pk=ann.pk)
    finally:
        post_init.disconnect(receiver, sender=Author)
    assert seen == [loaded[0], got]
    assert list(Author.objects.all()) == loaded  # no receiver: nothing sent, still loads
    assert len(seen) == 2


@pytest.mark.anyio
async def test_async_loads_use_the_same_builder(db: Database) -> None:
    ann = await Author.objects.acreate(name="ann")
    await Book.objects.acreate(title="Emma", pages=3, published=at(5), author=ann)
    books = [b async for b in Book.objects.all()]
    got = await Book.objects.aget(pk=books[0].pk)
    assert got.published == at(5) and got.author_id == ann.pk and got._persisted


def test_the_python_loaders_still_load(db: Database, python_loaders: None) -> None:
    ann = Author.objects.create(name="ann")
    Book.objects.create(title="Dune", pages=1, published=at(1), author=ann)
    assert _loader_kind(Book.objects.all()) == "python"
    assert [b.published for b in Book.objects.all()] == [at(1)]
    assert Book.objects.get(title="Dune").author_id == ann.pk


def _loader_kind(qs: Any) -> str:
    """Which loader the statement of ``qs`` carries: ``"c"`` or ``"python"``."""
    database = connections["default"]
    stmt = build_select(qs, database.sync_dialect, database.vendor, database.alias)
    return "python" if stmt.extra._builder is None else "c"


@needs_builder
def test_only_rows_without_related_objects_go_to_the_builder(db: Database) -> None:
    assert _loader_kind(Book.objects.all()) == "c"
    assert _loader_kind(Book.objects.annotate(n=F("pages") + 1)) == "c"
    assert _loader_kind(Book.objects.select_related("author")) == "python"


def test_decimal_context_is_left_as_it_was(db: Database) -> None:
    Order.objects.create(created=at(1), amount=Decimal("1.25"))
    with decimal.localcontext() as context:
        context.prec = 3
        (order,) = Order.objects.all()
    assert order.amount == Decimal("1.25")
