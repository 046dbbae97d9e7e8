"""Window functions (``Window`` over ranking, value and aggregate functions, with partitions,
orderings and frames) on every backend, sync and async: result types, their use with
ordering, ``values()``, slicing, ``select_related`` and grouping, the errors for what SQL
can't do, and their statement-cache shapes. Filters on windows: test_window_filters.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from heron.db import Count, F, Max, Min, Q, Sum, Value
from heron.db.backends import Database
from heron.db.errors import NotSupportedError
from heron.db.models.exceptions import FieldError
from heron.db.query.execution import shape_and_values
from heron.db.query.expressions import Avg
from heron.db.query.windows import (
    CumeDist,
    DenseRank,
    FirstValue,
    Lag,
    LastValue,
    Lead,
    NthValue,
    NTile,
    PercentRank,
    Rank,
    RowNumber,
    RowRange,
    ValueRange,
    Window,
)
from tests.db.query.qt_models import Book
from tests.db.query.window_models import Sale

HOSTILE = "x'); DROP TABLE qt_sale; --\\"

# id order:   n1     n2     n3     s1     s2     s3
ROWS = [
    ("n", "a", "10.50", 3, 1.5),
    ("n", "b", "20.00", 1, None),
    ("n", "c", "30.25", 2, 2.5),
    ("s", "d", "5.25", 7, 0.5),
    ("s", "e", "8.00", 4, None),
    ("s", "f", "8.00", 6, 3.0),
]


def at(day: int) -> dt.datetime:
    return dt.datetime(2024, 3, day, 9, 15, tzinfo=dt.UTC)


@pytest.fixture
def sales(db: Database) -> list[Sale]:
    return [
        Sale.objects.create(region=r, item=i, amount=Decimal(a), units=u, score=s, sold=at(n + 1))
        for n, (r, i, a, u, s) in enumerate(ROWS)
    ]


def by_item(qs: Any, *names: str) -> dict[str, tuple[Any, ...]]:
    return {s.item: tuple(getattr(s, n) for n in names) for s in qs}


def test_ranking_functions(sales: list[Sale]) -> None:
    qs = Sale.objects.annotate(
        rn=Window(RowNumber(), partition_by="region", order_by=["-amount", "id"]),
        rk=Window(Rank(), partition_by=F("region"), order_by=F("amount").desc()),
        dr=Window(DenseRank(), order_by="-amount"),
        pr=Window(PercentRank(), partition_by=["region"], order_by="amount"),
        cd=Window(CumeDist(), partition_by="region", order_by="amount"),
        nt=Window(NTile(4), order_by="id"),
    )
    got = by_item(qs, "rn", "rk", "dr", "pr", "cd", "nt")
    assert got == {
        "a": (3, 3, 3, 0.0, pytest.approx(1 / 3), 1),
        "b": (2, 2, 2, 0.5, pytest.approx(2 / 3), 1),
        "c": (1, 1, 1, 1.0, 1.0, 2),
        "d": (3, 3, 5, 0.0, pytest.approx(1 / 3), 2),
        "e": (1, 1, 4, 0.5, 1.0, 3),
        "f": (2, 1, 4, 0.5, 1.0, 4),
    }
    for values in got.values():
        assert [type(v) for v in values[:3]] == [int, int, int] and type(values[5]) is int
        assert type(values[3]) is float and type(values[4]) is float


def test_value_functions_keep_the_field_type(sales: list[Sale]) -> None:
    qs = Sale.objects.annotate(
        prev=Window(Lag("amount"), partition_by="region", order_by="id"),
        prev0=Window(Lag("amount", default=Decimal("0")), partition_by="region", order_by="id"),
        next2=Window(Lead("sold", offset=2), order_by="id"),
        nextd=Window(Lead("units", default=-1), partition_by="region", order_by="id"),
        first=Window(FirstValue("item"), partition_by="region", order_by=["-amount", "id"]),
        last=Window(LastValue("score"), order_by="id", frame=RowRange(None, None)),
        second=Window(NthValue("units", 2), partition_by="region", order_by="id"),
    )
    got = by_item(qs, "prev", "prev0", "next2", "nextd", "first", "last", "second")
    assert got == {
        "a": (None, 0, at(3), 1, "c", 3.0, None),
        "b": (Decimal("10.50"), Decimal("10.50"), at(4), 2, "c", 3.0, 1),
        "c": (Decimal("20.00"), Decimal("20.00"), at(5), -1, "c", 3.0, 1),
        "d": (None, 0, at(6), 4, "e", 3.0, None),
        "e": (Decimal("5.25"), Decimal("5.25"), None, 6, "e", 3.0, 4),
        "f": (Decimal("8.00"), Decimal("8.00"), None, -1, "e", 3.0, 4),
    }
    b = got["b"]
    assert type(b[0]) is Decimal and type(b[1]) is Decimal and type(got["a"][1]) is Decimal
    assert isinstance(b[2], dt.datetime) and b[2].tzinfo is not None
    assert type(b[3]) is int and type(b[6]) is int and type(b[5]) is float


def test_lag_default_is_bound(sales: list[Sale]) -> None:
    qs = Sale.objects.annotate(p=Window(Lag("item", default=Value(HOSTILE)), order_by="id"))
    assert [s.p for s in qs.order_by("id")][:2] == [HOSTILE, "a"]
    sql, params = qs.query.sql_and_params()
    assert HOSTILE not in sql and HOSTILE in params
    # As in every function, a string argument names a field: never SQL.
    with pytest.raises(FieldError):
        list(Sale.objects.annotate(p=Window(Lag("item", default=HOSTILE), order_by="id")))
    assert Sale.objects.count() == 6


def test_aggregates_over_windows(sales: list[Sale]) -> None:
    qs = Sale.objects.annotate(
        running=Window(Sum("amount"), order_by="id"),
        total=Window(Sum("units"), partition_by="region"),
        avg_units=Window(Avg("units"), partition_by="region"),
        avg_amount=Window(Avg("amount"), partition_by="region"),
        n=Window(Count("*"), partition_by="region"),
        scored=Window(Count("score"), partition_by="region"),
        big=Window(Count("*", filter=Q(units__gte=3)), partition_by="region"),
        top=Window(Max("amount"), partition_by="region"),
        low=Window(Min("sold"), partition_by="region"),
    ).order_by("id")
    rows = list(qs)
    assert [s.running for s in rows] == [
        Decimal(x) for x in ("10.50", "30.50", "60.75", "66.00", "74.00", "82.00")
    ]
    a, f = rows[0], rows[5]
    assert (a.total, a.avg_units, a.n, a.scored, a.big, a.top) == (
        6,
        2.0,
        3,
        2,
        1,
        Decimal("30.25"),
    )
    assert (f.total, f.avg_units, f.n, f.scored, f.big, f.top) == (
        17,
        17 / 3,
        3,
        2,
        3,
        Decimal("8"),
    )
    assert a.avg_amount == Decimal("20.25") and a.low == at(1) and f.low == at(4)
    assert type(a.running) is Decimal and type(a.total) is int and type(a.avg_units) is float
    assert type(a.avg_amount) is Decimal and type(a.n) is int and type(a.top) is Decimal
    assert isinstance(a.low, dt.datetime)


def test_frames(sales: list[Sale]) -> None:
    qs = Sale.objects.annotate(
        moving=Window(Sum("units"), order_by="id", frame=RowRange(-1, 1)),
        ahead=Window(Sum("units"), order_by="id", frame=RowRange(1, 2)),
        rest=Window(Count("*"), order_by="id", frame=RowRange(0, None)),
        near=Window(Count("*"), order_by="units", frame=ValueRange(-1, 1)),
        peers=Window(Sum("units"), order_by="amount", frame=ValueRange(None, 0)),
    )
    got = by_item(qs, "moving", "ahead", "rest", "near", "peers")
    assert got == {
        "a": (4, 3, 6, 3, 20),
        "b": (6, 9, 5, 2, 21),
        "c": (10, 11, 4, 3, 23),
        "d": (13, 10, 3, 2, 7),
        "e": (17, 6, 2, 2, 17),
        "f": (10, None, 1, 2, 17),
    }
    sql = str(qs.query)
    assert "ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING" in sql
    assert "ROWS BETWEEN 1 FOLLOWING AND 2 FOLLOWING" in sql
    assert "RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW" in sql


def test_nulls_ordering_in_a_window(sales: list[Sale]) -> None:
    qs = Sale.objects.annotate(
        last=Window(RowNumber(), order_by=[F("score").asc(nulls_first=False, nulls_last=True)]),
        first=Window(RowNumber(), order_by=[F("score").desc(nulls_first=True), "id"]),
    )
    got = by_item(qs, "last", "first")
    assert {k for k, v in got.items() if v[0] > 4} == {"b", "e"}
    assert {k for k, v in got.items() if v[1] <= 2} == {"b", "e"}
    assert got["f"][1] == 3


def test_ordering_values_slicing(sales: list[Sale]) -> None:
    ranked = Sale.objects.annotate(rk=Window(Rank(), order_by="-amount"))
    assert [s.item for s in ranked.order_by("rk", "id")] == ["c", "b", "a", "e", "f", "d"]
    assert [s.item for s in ranked.order_by("-rk", "-id")[:2]] == ["d", "f"]
    assert [s.rk for s in ranked.order_by("rk", "id")[1:3]] == [2, 3]  # ranked before LIMIT
    rows = list(ranked.order_by("rk", "id").values("item", "rk")[:2])
    assert rows == [{"item": "c", "rk": 1}, {"item": "b", "rk": 2}]
    assert list(ranked.order_by("id").values_list("rk", flat=True)) == [3, 2, 1, 6, 4, 4]
    named = Sale.objects.values("item", running=Window(Sum("units"), order_by="id"))
    assert list(named.order_by("id"))[-1] == {"item": "f", "running": 23}
    assert ranked.count() == 6 and ranked.exists()
    assert ranked.order_by("rk").first().item == "c"  # type: ignore[union-attr]
    both = ranked.alias(n=Window(Count("*"), partition_by="region")).order_by("-n", "rk")
    assert both[0].n == 3


def test_select_related_and_grouping(library: SimpleNamespace) -> None:
    books = Book.objects.select_related("author").annotate(
        nth=Window(RowNumber(), partition_by="author__name", order_by="pages")
    )
    got = {b.title: (b.author.name, b.nth) for b in books.order_by("title")}
    assert got == {
        "Dune": ("ann", 1),
        "Emma": ("bea", 1),
        "Neuro": ("cid", 1),
        "Ulysses": ("bea", 2),
    }
    # A window beside an aggregate: grouped by the instance, the window isn't in GROUP BY.
    grouped = Book.objects.annotate(
        stars=Count("reviews"), rn=Window(RowNumber(), order_by="pages")
    ).order_by("rn")
    assert [(b.title, b.stars, b.rn) for b in grouped] == [
        ("Neuro", 1, 1),
        ("Emma", 1, 2),
        ("Dune", 2, 3),
        ("Ulysses", 0, 4),
    ]
    # values() grouping: one row per author, ranked by an aggregate.
    by_author = (
        Book.objects.values("author__name")
        .annotate(total=Sum("pages"), rk=Window(Rank(), order_by=F("total").desc()))
        .order_by("rk")
    )
    assert list(by_author) == [
        {"author__name": "bea", "total": 1030, "rk": 1},
        {"author__name": "ann", "total": 412, "rk": 2},
        {"author__name": "cid", "total": 271, "rk": 3},
    ]
    direct = Book.objects.values("author__name").annotate(
        rk=Window(DenseRank(), order_by=Sum("pages").desc())
    )
    assert {r["author__name"]: r["rk"] for r in direct} == {"bea": 1, "ann": 2, "cid": 3}
    # A window annotation before values() + aggregate isn't grouped by either.
    plain = Book.objects.values("author__name").annotate(rn=Window(RowNumber(), order_by="id"))
    assert len(list(plain)) == 4


def test_misuse_is_a_clear_error(sales: list[Sale]) -> None:
    ranked = Sale.objects.annotate(rk=Window(Rank(), order_by="amount"))
    # Filtering on a window is applied outside (test_window_filters.py), except where no
    # outer query is built.
    assert ranked.filter(rk__lte=3).count() == 3
    assert ranked.filter(rk__lte=3).aggregate(n=Count("id")) == {"n": 3}
    for bad in (
        lambda: ranked.exclude(rk=1).update(units=1),
        lambda: ranked.annotate(r2=F("rk") + 1).filter(r2=2).delete(),
    ):
        with pytest.raises(NotSupportedError, match="Filter the fetched rows in Python"):
            bad()
    with pytest.raises(TypeError, match="can't aggregate a window"):
        Sum(Window(Rank(), order_by="id"))
    with pytest.raises(TypeError, match="can't aggregate a window"):
        Max(F("units") + Window(Rank()))
    with pytest.raises(FieldError, match="aggregates a window"):
        list(ranked.annotate(total=Sum("rk")))
    with pytest.raises(FieldError, match="use it inside Window"):
        list(Sale.objects.annotate(rn=RowNumber()))
    with pytest.raises(TypeError, match="window function"):
        Window(F("units"))
    with pytest.raises(TypeError, match="window function"):
        Window(Value(1))
    with pytest.raises(TypeError, match="another Window"):
        Window(Window(Rank()))  # type: ignore[arg-type]
    with pytest.raises(FieldError, match="another window"):
        Window(Rank(), order_by=Window(RowNumber()))
    with pytest.raises(NotSupportedError, match="DISTINCT"):
        Window(Count("units", distinct=True))
    with pytest.raises(TypeError, match="RowRange"):
        Window(Rank(), frame=(1, 2))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="field names or expressions"):
        Window(Rank(), partition_by=3)


@pytest.mark.parametrize(
    "make",
    [
        lambda: RowRange(start="1"),
        lambda: RowRange(end=1.5),
        lambda: ValueRange(start=True),
        lambda: RowRange(start=2, end=1),
        lambda: NTile(0),
        lambda: NTile("3"),
        lambda: Lag("units", offset=0),
        lambda: Lead("units", offset=-1),
        lambda: NthValue("units", nth=0),
        lambda: Window(Rank(), order_by="?"),
    ],
)
def test_constants_are_validated(make: Any) -> None:
    with pytest.raises((TypeError, ValueError)):
        make()


def key(qs: Any) -> Any:
    return shape_and_values(qs, "select")[0]


def test_shapes(sales: list[Sale]) -> None:
    one = Sale.objects.annotate(p=Window(Lag("units", default=Value(1)), order_by="id"))
    two = Sale.objects.annotate(p=Window(Lag("units", default=Value(2)), order_by="id"))
    assert key(one) == key(two)
    assert shape_and_values(two, "select")[1] == [2]
    assert one.query.sql_and_params()[0] == two.query.sql_and_params()[0]
    assert [s.p for s in two.order_by("id")][:2] == [2, 3]
    variants = [
        Window(RowNumber(), order_by="id"),
        Window(Rank(), order_by="id"),
        Window(DenseRank(), order_by="id"),
        Window(RowNumber(), order_by="-id"),
        Window(RowNumber(), order_by=F("id").desc(nulls_last=True)),
        Window(RowNumber(), order_by=["id", "units"]),
        Window(RowNumber(), order_by="units"),
        Window(RowNumber(), partition_by="region", order_by="id"),
        Window(RowNumber(), partition_by="region"),
        Window(RowNumber(), partition_by=["region", "item"]),
        Window(NTile(2), order_by="id"),
        Window(NTile(3), order_by="id"),
        Window(Lag("units"), order_by="id"),
        Window(Lag("units", offset=2), order_by="id"),
        Window(Lag("units", default=Value(1)), order_by="id"),
        Window(Lead("units"), order_by="id"),
        Window(NthValue("units", 2), order_by="id"),
        Window(NthValue("units", 3), order_by="id"),
        Window(Sum("units"), order_by="id"),
        Window(Sum("units"), order_by="id", frame=RowRange(-1, 0)),
        Window(Sum("units"), order_by="id", frame=RowRange(-2, 0)),
        Window(Sum("units"), order_by="id", frame=RowRange(-2, None)),
        Window(Sum("units"), order_by="id", frame=ValueRange(-2, 0)),
        Window(Sum("units", filter=Q(units__gt=1)), order_by="id"),
        Window(Max("units"), order_by="id"),
        Window(Count("*"), order_by="id"),
        Window(Count("units"), order_by="id"),
    ]
    keys = [key(Sale.objects.annotate(w=w)) for w in variants]
    assert len(set(keys)) == len(keys)
    sqls = {str(Sale.objects.annotate(w=w).query) for w in variants}
    assert len(sqls) == len(variants)
    # The frame, offsets and bucket counts are part of the SQL, not parameters.
    framed = Sale.objects.annotate(
        w=Window(NthValue("units", 3), order_by="id", frame=RowRange(-4, 5))
    )
    sql, params = framed.query.sql_and_params()
    assert "4 PRECEDING AND 5 FOLLOWING" in sql and params == ()
    assert list(framed.order_by("id").values_list("w", flat=True)) == [2, 2, 2, 2, 2, 7]


@pytest.mark.anyio
async def test_async(sales: list[Sale]) -> None:
    ranked = Sale.objects.annotate(
        rk=Window(Rank(), partition_by="region", order_by="-amount"),
        running=Window(Sum("amount"), order_by="id"),
        prev=Window(Lag("sold", default=Value(at(28))), order_by="id"),
    )
    rows = await ranked.order_by("id")
    assert [s.rk for s in rows] == [3, 2, 1, 3, 1, 1]
    assert rows[-1].running == Decimal("82.00") and type(rows[-1].running) is Decimal
    assert rows[0].prev == at(28) and rows[1].prev == at(1)
    top = await ranked.order_by("-running").afirst()
    assert top is not None and top.item == "f"
    # A filter applies before the windows: over the one row left.
    one = await ranked.aget(item="c")
    assert (one.rk, one.running) == (1, Decimal("30.25"))
    values = [v async for v in ranked.order_by("id").values_list("item", "rk")]
    assert values[:2] == [("a", 3), ("b", 2)]
    assert [s.item for s in await ranked.filter(rk=1).order_by("item")] == ["c", "e", "f"]
