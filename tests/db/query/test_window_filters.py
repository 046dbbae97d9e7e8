"""Filtering on window annotations (``rank__lte=2``) on every backend, sync and async: the
windows are computed in an inner query and the conditions reading them applied by an outer
one; ordinary conditions still limit the rows a window sees. Results, fetching operations,
what is refused, and the statement-cache shapes (values bound, placement in the shape)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from heron.db import Count, F, Max, Q, Sum, Value
from heron.db.backends import Database
from heron.db.errors import NotSupportedError
from heron.db.query.execution import shape_and_values
from heron.db.query.expressions import Case, Exists, OuterRef, Subquery, When
from heron.db.query.windows import Lag, Rank, RowNumber, Window
from tests.db.query.qt_models import Book
from tests.db.query.window_models import Sale

HOSTILE = "x'); DROP TABLE qt_sale; --\\"

# id order:   n1     n2     n3     s1     s2     s3;  rank in region by -amount: 3 2 1 3 1 1
ROWS = [
    ("n", "a", "10.50", 3),
    ("n", "b", "20.00", 1),
    ("n", "c", "30.25", 2),
    ("s", "d", "5.25", 7),
    ("s", "e", "8.00", 4),
    ("s", "f", "8.00", 6),
]


@pytest.fixture
def sales(db: Database) -> list[Sale]:
    return [
        Sale.objects.create(
            region=r,
            item=i,
            amount=Decimal(a),
            units=u,
            sold=dt.datetime(2024, 3, n + 1, tzinfo=dt.UTC),
        )
        for n, (r, i, a, u) in enumerate(ROWS)
    ]


def ranked() -> Any:
    return Sale.objects.annotate(rk=Window(Rank(), partition_by="region", order_by="-amount"))


def items(qs: Any) -> list[str]:
    return sorted(s.item for s in qs)


def test_lookups(sales: list[Sale]) -> None:
    assert items(ranked().filter(rk__lte=2)) == ["b", "c", "e", "f"]
    assert items(ranked().filter(rk=1)) == ["c", "e", "f"]
    assert items(ranked().filter(rk__in=[1, 3])) == ["a", "c", "d", "e", "f"]
    assert items(ranked().filter(rk__range=(2, 3))) == ["a", "b", "d"]
    assert items(ranked().exclude(rk=1)) == ["a", "b", "d"]
    assert items(ranked().filter(rk__gt=1).filter(rk__lt=3)) == ["b"]
    prev = Sale.objects.annotate(prev=Window(Lag("item"), partition_by="region", order_by="id"))
    assert items(prev.filter(prev__isnull=True)) == ["a", "d"]
    assert items(prev.exclude(prev__isnull=True)) == ["b", "c", "e", "f"]
    assert items(prev.filter(prev__in=["a", "e"])) == ["b", "f"]
    assert items(prev.filter(prev__startswith="d")) == ["e"]


def test_ordinary_conditions_limit_the_window(sales: list[Sale]) -> None:
    # c is left out before ranking: b becomes first in "n".
    assert items(ranked().filter(amount__lt=30, rk=1)) == ["b", "e", "f"]
    assert items(ranked().filter(Q(rk=1) & Q(amount__lt=30))) == ["b", "e", "f"]
    assert items(ranked().filter(rk=1).filter(amount__lt=30)) == ["b", "e", "f"]
    assert items(ranked().filter(Q(rk=3) | Q(item="b"), region="n")) == ["a", "b"]


def test_or_not_and_expressions(sales: list[Sale]) -> None:
    assert items(ranked().filter(Q(rk=1) | Q(units=3))) == ["a", "c", "e", "f"]
    assert items(ranked().exclude(Q(rk=1) | Q(units=1))) == ["a", "d"]
    assert items(ranked().exclude(rk=1, units=6)) == ["a", "b", "c", "d", "e"]
    assert items(ranked().filter(~Q(rk=3), Q(units__gt=1))) == ["a", "c", "e", "f"]
    assert items(ranked().filter(units__gt=F("rk"))) == ["c", "d", "e", "f"]
    assert items(ranked().filter(rk=F("units"))) == ["a"]
    assert items(ranked().filter(rk__lt=F("units") - 1)) == ["d", "e", "f"]
    derived = ranked().annotate(r2=F("rk") + 1)
    assert items(derived.filter(r2=2)) == ["c", "e", "f"]
    labelled = ranked().annotate(top=Case(When(rk=1, then=Value("top")), default=Value("rest")))
    assert items(labelled.filter(top="top")) == ["c", "e", "f"]
    assert {s.item: s.top for s in labelled.filter(top="rest")} == {
        "a": "rest",
        "b": "rest",
        "d": "rest",
    }
    counted = ranked().alias(n=Window(Count("*"), partition_by="region"))
    assert items(counted.filter(n=3, rk=1)) == ["c", "e", "f"]


def test_fetching(sales: list[Sale]) -> None:
    top = ranked().filter(rk__lte=2)
    rows = list(top.order_by("item"))
    assert [(s.item, s.rk) for s in rows] == [("b", 2), ("c", 1), ("e", 1), ("f", 1)]
    b = rows[0]
    assert (b.pk, b.region, b.amount, b.units, b.score) == (
        sales[1].pk,
        "n",
        Decimal("20"),
        1,
        None,
    )
    assert type(b.amount) is Decimal and isinstance(b.sold, dt.datetime)
    assert list(top.order_by("item").values("item", "rk")[:2]) == [
        {"item": "b", "rk": 2},
        {"item": "c", "rk": 1},
    ]
    # Ordered by a column values() doesn't select; the window not selected either.
    assert list(top.order_by("-units").values_list("item", flat=True)) == ["f", "e", "c", "b"]
    assert list(top.order_by("item").values_list("item", "rk")[1:3]) == [("c", 1), ("e", 1)]
    assert [s.item for s in top.order_by("item")[1:3]] == ["c", "e"]
    assert top.count() == 4 and top.order_by("item")[1:].count() == 3
    assert top.exists() and not ranked().filter(rk=9).exists()
    assert ranked().filter(rk=9).count() == 0
    assert top.order_by("-units").first().item == "f"
    assert top.order_by("units").last().item == "f"
    assert ranked().filter(rk=2).get().item == "b"
    assert ranked().get(rk=3, region="s").item == "d"
    with pytest.raises(Sale.DoesNotExist):
        ranked().get(rk=9)
    with pytest.raises(Sale.MultipleObjectsReturned):
        ranked().get(rk=1)
    assert list(top.values("region").distinct().order_by("region")) == [
        {"region": "n"},
        {"region": "s"},
    ]
    best = ranked().filter(rk=1).values("id")
    assert items(Sale.objects.filter(id__in=best)) == ["c", "e", "f"]
    cheapest = top.order_by("amount", "id").values("id")[:2]
    assert items(Sale.objects.filter(id__in=cheapest)) == ["e", "f"]


def test_select_related_and_grouping(library: SimpleNamespace) -> None:
    books = Book.objects.select_related("author").annotate(
        nth=Window(RowNumber(), partition_by="author__name", order_by="pages")
    )
    got = [(b.title, b.author.name, b.nth) for b in books.filter(nth=1).order_by("title")]
    assert got == [("Dune", "ann", 1), ("Emma", "bea", 1), ("Neuro", "cid", 1)]
    either = books.filter(Q(nth=2) | Q(author__name="cid")).order_by("author__name")
    assert [(b.title, b.author.name) for b in either] == [("Ulysses", "bea"), ("Neuro", "cid")]
    by_author = Book.objects.values("author__name").annotate(
        total=Sum("pages"), rk=Window(Rank(), order_by=F("total").desc())
    )
    assert list(by_author.filter(rk__lte=2).order_by("rk")) == [
        {"author__name": "bea", "total": 1030, "rk": 1},
        {"author__name": "ann", "total": 412, "rk": 2},
    ]
    # The HAVING on the aggregate stays inside: bea's group is gone before ranking.
    assert list(by_author.filter(total__lt=1000, rk=1).values_list("author__name", flat=True)) == [
        "ann"
    ]
    assert by_author.filter(rk__lte=2).count() == 2


def test_aggregate_over_the_rows_the_window_filter_keeps(sales: list[Sale]) -> None:
    top = ranked().filter(rk=1)
    got = top.aggregate(Sum("units"), n=Count("id"), most=Max("amount"))
    assert got == {"units__sum": 12, "n": 3, "most": Decimal("30.25")}
    assert ranked().filter(rk__gt=1, region="n").aggregate(Sum("units")) == {"units__sum": 4}


def test_refused(sales: list[Sale]) -> None:
    top = ranked().filter(rk=1)
    message = "can only be fetched"
    with pytest.raises(NotSupportedError, match=message):
        top.update(units=0)
    with pytest.raises(NotSupportedError, match=message):
        top.delete()
    first_book = Book.objects.annotate(n=Window(RowNumber(), order_by="id")).filter(n=1)
    with pytest.raises(NotSupportedError, match=message):  # rows point at books: the same
        first_book.delete()
    with pytest.raises(NotSupportedError, match=message):
        list(Sale.objects.filter(Exists(top.filter(region=OuterRef("region")))))
    with pytest.raises(NotSupportedError, match=message):
        list(Sale.objects.annotate(best=Subquery(top.values("item")[:1])))
    with pytest.raises(NotSupportedError, match="distinct"):
        list(top.distinct("region"))
    assert Sale.objects.count() == 6 and Sale.objects.filter(units=0).count() == 0


def test_refused_for_update(db: Database, sales: list[Sale]) -> None:
    from heron.db import atomic

    with atomic(), pytest.raises(NotSupportedError, match="select_for_update"):
        list(ranked().filter(rk=1).select_for_update())


def key(qs: Any) -> Any:
    return shape_and_values(qs, "select")[0]


def test_shapes_and_binding(sales: list[Sale]) -> None:
    two, three = ranked().filter(rk__lte=2), ranked().filter(rk__lte=3)
    assert key(two) == key(three)
    assert two.query.sql_and_params()[0] == three.query.sql_and_params()[0]
    assert len(three) == 6 and len(two) == 4  # the cached statement, other values
    # Inside or outside follows the shape: an AND splits, an OR goes out whole.
    split = ranked().filter(Q(rk=1), Q(units=3))
    whole = ranked().filter(Q(rk=1) | Q(units=3))
    assert key(split) != key(whole)
    assert split.query.sql_and_params()[0] != whole.query.sql_and_params()[0]
    on_window = ranked().filter(units=F("rk"))
    on_field = ranked().filter(units=F("id"))
    assert key(on_window) != key(on_field)
    assert "AS w" in str(on_window.query) and "AS w" not in str(on_field.query)
    # A hostile string compared with a window's value is a bound parameter.
    Sale.objects.create(
        region="s", item=HOSTILE, amount=1, units=1, sold=dt.datetime(2024, 4, 1, tzinfo=dt.UTC)
    )
    Sale.objects.create(
        region="s", item="h", amount=1, units=1, sold=dt.datetime(2024, 4, 2, tzinfo=dt.UTC)
    )
    prev = Sale.objects.annotate(prev=Window(Lag("item"), order_by="id"))
    for qs in (
        prev.filter(prev=HOSTILE),
        prev.filter(Q(prev=HOSTILE) | Q(prev="nothing")),
        prev.filter(prev__in=[HOSTILE, "nothing"]),
        prev.filter(prev__startswith=HOSTILE[:5]),
        prev.exclude(prev__lt=HOSTILE).filter(prev__isnull=False),
    ):
        assert [s.item for s in qs] == ["h"]
        sql, params = qs.query.sql_and_params()
        assert HOSTILE not in sql and HOSTILE[:5] not in sql
        assert any(isinstance(p, str) and HOSTILE[:5] in p for p in params)
    assert Sale.objects.count() == 8


@pytest.mark.anyio
async def test_async(sales: list[Sale]) -> None:
    top = ranked().filter(rk=1)
    assert sorted(s.item for s in await top) == ["c", "e", "f"]
    assert await top.acount() == 3 and await top.aexists()
    first = await top.order_by("-units").afirst()
    assert first is not None and first.item == "f"
    one = await top.aget(region="n")
    assert (one.item, one.rk) == ("c", 1)
    got = [v async for v in top.order_by("item").values_list("item", "rk")]
    assert got == [("c", 1), ("e", 1), ("f", 1)]
    assert await top.aaggregate(Sum("units")) == {"units__sum": 12}


def test_with_other_queryset_methods(sales: list[Sale]) -> None:
    from heron.db.query.functions import Lower

    top = ranked().filter(rk=1)
    assert items(top.union(ranked().filter(rk=3))) == ["a", "c", "d", "e", "f"]
    assert [s.item for s in top.order_by(Lower("item").desc())] == ["f", "e", "c"]
    assert [s.item for s in top.distinct().order_by("-units")] == ["f", "e", "c"]
    assert [s.item for s in top.order_by("item").iterator()] == ["c", "e", "f"]
    assert sorted(s.item for s in top.in_bulk().values()) == ["c", "e", "f"]
    assert [(s.item, s.rk) for s in top.only("item").order_by("item")] == [
        ("c", 1),
        ("e", 1),
        ("f", 1),
    ]
    assert list(top.values_list("sold__day", flat=True).order_by("sold__day")) == [3, 5, 6]
    assert list(top.none()) == [] and top.order_by("item")[2:5].exists()
    assert not top.order_by("item")[3:5].exists() and top.order_by("item")[1:5].count() == 2
