"""values(), values_list(), only()/defer(), annotate(), aggregate(), GROUP BY and HAVING."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from heron.db import Avg, Count, F, Max, Min, Q, Sum
from heron.db.backends import Database
from tests.db.query.fn_models import Order
from tests.db.query.qt_models import Author, Book


def test_values_and_values_list(library: SimpleNamespace) -> None:
    rows = list(Book.objects.filter(title="Dune").values("title", "author__name", "published"))
    assert rows == [
        {
            "title": "Dune",
            "author__name": "ann",
            "published": dt.datetime(2024, 3, 1, 12, 30, tzinfo=dt.UTC),
        }
    ]
    everything = Book.objects.filter(title="Emma").values()[0]
    assert everything["author_id"] == library.bea.pk and everything["rating"] is None
    assert set(everything) == {
        "id",
        "title",
        "pages",
        "rating",
        "published",
        "author_id",
        "editor_id",
    }
    pairs = list(Book.objects.order_by("pages").values_list("title", "pages")[:2])
    assert pairs == [("Neuro", 271), ("Emma", 300)]
    flat = list(Book.objects.order_by("title").values_list("title", flat=True))
    assert flat == ["Dune", "Emma", "Neuro", "Ulysses"]
    named = Book.objects.order_by("title").values_list("title", "author__age", named=True)[0]
    assert (named.title, named.author__age) == ("Dune", 40)
    assert list(Book.objects.filter(pages=1).values_list("pk", flat=True)) == []
    with pytest.raises(TypeError):
        Book.objects.values_list("title", "pages", flat=True)


def test_values_with_expressions(library: SimpleNamespace) -> None:
    row = Book.objects.filter(title="Dune").values("title", double=F("pages") * 2)[0]
    assert row == {"title": "Dune", "double": 824}


def test_values_list_takes_expressions_in_place(library: SimpleNamespace) -> None:
    from heron.db import Lower

    dune = Book.objects.filter(title="Dune")
    assert list(dune.values_list("id", Lower("title"), F("pages") * 2)) == [
        (library.dune.pk, "dune", 824)
    ]
    row = dune.values_list(Lower("title"), "pages", named=True)[0]
    assert row._fields == ("lower1", "pages") and row.lower1 == "dune"
    titles = Book.objects.order_by("title").values_list(Lower("title"), flat=True)
    assert list(titles) == ["dune", "emma", "neuro", "ulysses"]
    # An aggregate given here groups by the book (as in Django); group by the author with
    # values("author__name").annotate(...) instead.
    counts = Book.objects.order_by("title").values_list("title", Count("tags"), named=True)
    assert [(r.title, r.tags__count) for r in counts] == [
        ("Dune", 2),
        ("Emma", 1),
        ("Neuro", 1),
        ("Ulysses", 1),
    ]


def test_only_and_defer_load_the_rest_on_access(library: SimpleNamespace, db: Database) -> None:
    with db.capture_queries() as queries:
        book = Book.objects.only("title").get(title="Dune")
        assert "pages" not in book.__dict__ and book.title == "Dune"
    assert len(queries) == 1
    with db.capture_queries() as queries:
        assert book.pages == 412
    assert len(queries) == 1
    deferred = Book.objects.defer("pages", "rating").get(title="Emma")
    assert "pages" not in deferred.__dict__ and deferred.title == "Emma"
    assert deferred.pages == 300
    related = Book.objects.select_related("author").only("title", "author__name").get(title="Dune")
    assert related.author.name == "ann" and "age" not in related.author.__dict__


def test_aggregate(library: SimpleNamespace) -> None:
    result = Book.objects.aggregate(
        Count("id"), Sum("pages"), Avg("rating"), Min("published"), top=Max("pages")
    )
    assert result == {
        "id__count": 4,
        "pages__sum": 1713,
        "rating__avg": pytest.approx((4.5 + 3.0 + 4.0) / 3),
        "published__min": dt.datetime(2024, 3, 1, 12, 30, tzinfo=dt.UTC),
        "top": 730,
    }
    assert isinstance(result["pages__sum"], int) and isinstance(result["rating__avg"], float)
    assert Book.objects.filter(pages=0).aggregate(Sum("pages"), n=Count("id")) == {
        "pages__sum": None,
        "n": 0,
    }
    assert Book.objects.aggregate(n=Count("author", distinct=True)) == {"n": 3}
    assert Book.objects.aggregate(long=Count("id", filter=Q(pages__gt=400))) == {"long": 2}
    assert Author.objects.aggregate(stars=Sum("books__reviews__stars")) == {"stars": 14}
    assert Book.objects.aggregate(area=Sum(F("pages") * 2)) == {"area": 3426}


def test_annotate_groups_by_instance(library: SimpleNamespace) -> None:
    authors = Author.objects.annotate(n=Count("books"), longest=Max("books__pages"))
    assert [(a.name, a.n, a.longest) for a in authors] == [
        ("ann", 1, 412),
        ("bea", 2, 730),
        ("cid", 1, 271),
    ]
    assert [a.name for a in authors.filter(n__gt=1)] == ["bea"]
    assert [a.name for a in authors.order_by("-longest")] == ["bea", "ann", "cid"]
    assert [a.name for a in authors.filter(n=1, age__gt=36)] == ["ann"]
    assert authors.filter(n__gte=1).count() == 3
    reviewed = Author.objects.annotate(
        good=Count("books__reviews", filter=Q(books__reviews__stars__gte=4))
    )
    assert {a.name: a.good for a in reviewed} == {"ann": 2, "bea": 0, "cid": 0}
    with_publisher = Book.objects.select_related("author").annotate(n=Count("tags"))
    assert {b.title: (b.n, b.author.name) for b in with_publisher}["Dune"] == (2, "ann")


def test_values_annotate_is_group_by(library: SimpleNamespace) -> None:
    per_author = Book.objects.values("author__name").annotate(total=Sum("pages"), n=Count("id"))
    assert list(per_author.order_by("author__name")) == [
        {"author__name": "ann", "total": 412, "n": 1},
        {"author__name": "bea", "total": 1030, "n": 2},
        {"author__name": "cid", "total": 271, "n": 1},
    ]
    assert list(
        per_author.filter(total__gt=400).order_by("-total").values_list("author__name", flat=True)
    ) == [
        "bea",
        "ann",
    ]
    by_year = (
        Book.objects.filter(published__isnull=False)
        .values("published__year")
        .annotate(n=Count("id"))
    )
    assert list(by_year) == [{"published__year": 2024, "n": 3}]
    assert per_author.count() == 3


def test_aggregate_over_annotations_and_slices(library: SimpleNamespace) -> None:
    counted = Author.objects.annotate(n=Count("books"))
    assert counted.aggregate(Avg("n")) == {"n__avg": pytest.approx(4 / 3)}
    assert Book.objects.order_by("pages")[:2].aggregate(Sum("pages")) == {"pages__sum": 571}


@pytest.mark.anyio
async def test_aaggregate(library: SimpleNamespace) -> None:
    assert await Book.objects.aaggregate(Max("pages"), n=Count("id")) == {
        "pages__max": 730,
        "n": 4,
    }
    rows = await Book.objects.values("author__name").annotate(n=Count("id")).order_by("-n")[:1]
    assert rows == [{"author__name": "bea", "n": 2}]


def test_sum_min_max_of_a_decimal_field_keep_its_places(db: Database) -> None:
    at = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    for amount in ("1.50", "2.50", "3.00"):
        Order.objects.create(created=at, amount=Decimal(amount))
    got = Order.objects.aggregate(Sum("amount"), Min("amount"), Max("amount"))
    # The same text on every database (SQLite sums in floats: 7.0 without this).
    assert {k: str(v) for k, v in got.items()} == {
        "amount__sum": "7.00",
        "amount__min": "1.50",
        "amount__max": "3.00",
    }
    grouped = Order.objects.values("created").annotate(total=Sum("amount"))
    assert [str(r["total"]) for r in grouped] == ["7.00"]
