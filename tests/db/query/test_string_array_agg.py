"""StringAgg and ArrayAgg on every backend: ordering, distinct, filter, defaults for empty
groups, across relations, in values().annotate(), async, typed ArrayAgg values, a hostile
delimiter and the refused forms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from heron.db import ArrayAgg, F, Q, StringAgg, Value
from heron.db.backends import Database
from heron.db.errors import NotSupportedError
from heron.db.models.exceptions import FieldError
from heron.db.query.execution import shape_and_values
from tests.db.query.fn_models import Order
from tests.db.query.qt_models import Author, Book, Note, Publisher, Review


def test_aggregate_ordered(library: SimpleNamespace) -> None:
    got = Book.objects.aggregate(
        titles=StringAgg("title", ", ", order_by="title"),
        back=StringAgg("title", "|", order_by="-title"),
        pages=ArrayAgg("pages", order_by="pages"),
        by_f=ArrayAgg("title", order_by=[F("author__name").desc(), "title"]),
    )
    assert got == {
        "titles": "Dune, Emma, Neuro, Ulysses",
        "back": "Ulysses|Neuro|Emma|Dune",
        "pages": [271, 300, 412, 730],
        "by_f": ["Neuro", "Emma", "Ulysses", "Dune"],
    }


def test_unordered_values_and_integers_cast_to_text(library: SimpleNamespace) -> None:
    got = Book.objects.aggregate(s=StringAgg("pages", Value("-")), a=ArrayAgg("title"))
    assert sorted(got["s"].split("-")) == ["271", "300", "412", "730"]
    assert sorted(got["a"]) == ["Dune", "Emma", "Neuro", "Ulysses"]


def test_distinct(library: SimpleNamespace) -> None:
    got = Book.objects.aggregate(
        s=StringAgg("author__name", ",", distinct=True, order_by="author__name"),
        d=StringAgg("author__name", ",", distinct=True, order_by="-author__name"),
        a=ArrayAgg("author__age", distinct=True, order_by="-author__age"),
        u=ArrayAgg("author__name", distinct=True),
        n=StringAgg("author__name", ";", distinct=True),
    )
    assert got["s"] == "ann,bea,cid" and got["d"] == "cid,bea,ann"
    assert got["a"] == [40, 35, 25]
    assert sorted(got["u"]) == ["ann", "bea", "cid"]
    assert sorted(got["n"].split(";")) == ["ann", "bea", "cid"]
    with pytest.raises(ValueError, match="aggregated field"):
        StringAgg("title", ",", distinct=True, order_by="pages")


def test_filter_and_nulls(library: SimpleNamespace) -> None:
    got = Book.objects.aggregate(
        long=StringAgg("title", ",", filter=Q(pages__gt=300), order_by="pages"),
        rated=ArrayAgg("rating", order_by="rating"),  # Emma's NULL is skipped
        ordered_filter=ArrayAgg("pages", filter=Q(author__name="bea"), order_by="-pages"),
    )
    assert got["long"] == "Dune,Ulysses"
    assert got["rated"] == [3.0, 4.0, 4.5]
    assert got["ordered_filter"] == [730, 300]
    scifi = Book.objects.aggregate(
        t=ArrayAgg("title", filter=Q(tags__name="scifi"), order_by="title")
    )
    assert scifi == {"t": ["Dune", "Neuro"]}


def test_defaults_for_no_values(library: SimpleNamespace) -> None:
    none = Q(title="nope")
    got = Book.objects.aggregate(
        s=StringAgg("title", ","),
        sd=StringAgg("title", ",", filter=none, default="(none)"),
        so=StringAgg("title", ",", filter=none, order_by="title", default=Value("-")),
        a=ArrayAgg("title", filter=none),
        ad=ArrayAgg("title", filter=none, default=[]),
        ao=ArrayAgg("title", filter=none, order_by="title", default=["x"]),
    )
    assert got["s"] == "Dune,Emma,Ulysses,Neuro" or sorted(got["s"].split(",")) == [
        "Dune",
        "Emma",
        "Neuro",
        "Ulysses",
    ]
    assert got["sd"] == "(none)" and got["so"] == "-"
    assert got["a"] is None and got["ad"] == [] and got["ao"] == ["x"]
    empty = Book.objects.filter(pages=0).aggregate(
        s=StringAgg("title", ","), a=ArrayAgg("pages", default=[])
    )
    assert empty == {"s": None, "a": []}


def test_annotate_across_relations(library: SimpleNamespace) -> None:
    authors = Author.objects.annotate(
        titles=StringAgg("books__title", ", ", order_by="books__title", default=""),
        pages=ArrayAgg("books__pages", order_by="-books__pages", default=[]),
        none=ArrayAgg("books__pages", filter=Q(books__pages__gt=1000)),
    ).order_by("name")
    rows = [(a.name, a.titles, a.pages, a.none) for a in authors]
    assert rows == [
        ("ann", "Dune", [412], None),
        ("bea", "Emma, Ulysses", [730, 300], None),
        ("cid", "Neuro", [271], None),
    ]
    publishers = Publisher.objects.annotate(
        names=StringAgg("authors__name", "+", order_by="-authors__name"),
        ages=ArrayAgg("authors__age", order_by="authors__age"),
    ).order_by("name")
    got = [(p.name, p.names, p.ages) for p in publishers]
    assert got == [("Acme", "cid+ann", [35, 40]), ("Empty", None, None)]


def test_two_level_relation_and_many_to_many(library: SimpleNamespace) -> None:
    stars = Author.objects.annotate(
        stars=ArrayAgg("books__reviews__stars", order_by="-books__reviews__stars")
    ).order_by("name")
    assert [(a.name, a.stars) for a in stars] == [("ann", [5, 4]), ("bea", [3]), ("cid", [2])]
    tags = Author.objects.annotate(
        tags=StringAgg("books__tags__name", " ", distinct=True, order_by="books__tags__name")
    ).order_by("name")
    assert [(a.name, a.tags) for a in tags] == [
        ("ann", "epic scifi"),
        ("bea", "classic"),
        ("cid", "scifi"),
    ]


def test_values_annotate(library: SimpleNamespace) -> None:
    rows = list(
        Book.objects.values("author__name")
        .annotate(titles=StringAgg("title", "/", order_by="-pages"), n=ArrayAgg("pages"))
        .order_by("author__name")
    )
    assert [(r["author__name"], r["titles"], sorted(r["n"])) for r in rows] == [
        ("ann", "Dune", [412]),
        ("bea", "Ulysses/Emma", [300, 730]),
        ("cid", "Neuro", [271]),
    ]
    flat = list(
        Review.objects.values("book__title")
        .annotate(all_stars=ArrayAgg("stars", order_by="stars"))
        .order_by("book__title")
        .values_list("book__title", "all_stars")
    )
    assert flat == [("Dune", [4, 5]), ("Emma", [3]), ("Neuro", [2])]


def test_nulls_placement_in_order(library: SimpleNamespace) -> None:
    got = Book.objects.aggregate(
        first=ArrayAgg("title", order_by=F("rating").asc(nulls_first=True)),
        last=ArrayAgg("title", order_by=[F("rating").desc(nulls_last=True), "title"]),
    )
    assert got["first"] == ["Emma", "Ulysses", "Neuro", "Dune"]
    assert got["last"] == ["Dune", "Neuro", "Ulysses", "Emma"]


def test_array_values_typed_as_their_field(db: Database) -> None:
    created = dt.datetime(2024, 1, 2, 3, 4, 5, 600000, tzinfo=dt.UTC)
    for amount, due in (("1.50", dt.date(2024, 5, 2)), ("12.25", dt.date(2024, 5, 1))):
        Order.objects.create(created=created, amount=Decimal(amount), due=due, weight=2.5)
    Order.objects.create(created=created, amount=Decimal("0.10"))
    got = Order.objects.aggregate(
        amounts=ArrayAgg("amount", order_by="amount"),
        dues=ArrayAgg("due", order_by="due"),
        created=ArrayAgg("created", distinct=True),
        weights=ArrayAgg("weight"),
        ids=ArrayAgg("pk", order_by="-pk"),
    )
    assert got["amounts"] == [Decimal("0.10"), Decimal("1.50"), Decimal("12.25")]
    assert all(type(a) is Decimal for a in got["amounts"])
    assert [str(a) for a in got["amounts"]] == ["0.10", "1.50", "12.25"]
    assert got["dues"] == [dt.date(2024, 5, 1), dt.date(2024, 5, 2)]
    assert all(type(d) is dt.date for d in got["dues"])
    assert got["created"] == [created]
    assert got["weights"] == [2.5, 2.5] and all(type(w) is float for w in got["weights"])
    assert got["ids"] == sorted(got["ids"], reverse=True) and len(got["ids"]) == 3
    text = Order.objects.aggregate(
        s=StringAgg("amount", ";", order_by="amount"),
        d=StringAgg("due", ";", order_by="due"),
    )
    assert text["s"].split(";")[1] in ("1.5", "1.50")
    assert text["d"] == "2024-05-01;2024-05-02"


def test_hostile_delimiter_and_values(db: Database) -> None:
    hostile = "'; DROP TABLE x; --"
    for body in ('a"b', "c'd", "\\e", "ünï"):
        Note.objects.create(body=body)
    got = Note.objects.aggregate(
        s=StringAgg("body", hostile, order_by="body"),
        d=StringAgg("body", Value('"\\'), distinct=True, order_by="-body", default=hostile),
        a=ArrayAgg("body", order_by="body"),
    )
    values = sorted(['a"b', "c'd", "\\e", "ünï"])  # in the database's collation order
    assert sorted(got["s"].split(hostile)) == values
    assert got["d"].split('"\\') == list(reversed(got["a"]))
    assert sorted(got["a"]) == values
    assert got["s"] == hostile.join(got["a"])
    assert Note.objects.count() == 4
    empty = Note.objects.filter(body="zz").aggregate(s=StringAgg("body", ",", default=hostile))
    assert empty == {"s": hostile}


def test_delimiter_and_default_are_bound(library: SimpleNamespace) -> None:
    def shape(expr: object) -> tuple[object, list[object]]:
        return shape_and_values(Author.objects.annotate(x=expr), "select")

    first = StringAgg("books__title", ", ", default="none", order_by="books__title")
    second = StringAgg("books__title", " | ", default="-", order_by="books__title")
    assert shape(first)[0] == shape(second)[0]
    assert shape(first)[1] == [", ", "none"] and shape(second)[1] == [" | ", "-"]
    assert shape(StringAgg("books__title", ", ", order_by="-books__title"))[0] != shape(first)[0]
    defaults = [ArrayAgg("books__pages", default=d) for d in (None, [], [1], [True])]
    assert len({shape(a)[0] for a in defaults}) == 4
    got = Author.objects.annotate(t=second).order_by("name").values_list("t", flat=True)
    assert list(got) == ["Dune", "Emma | Ulysses", "Neuro"]


def test_default_alias_and_repr() -> None:
    assert StringAgg("title", ",").default_alias() == "title__stringagg"
    assert ArrayAgg("pages").default_alias() == "pages__arrayagg"
    assert repr(ArrayAgg("pages", distinct=True)) == "ArrayAgg('pages', distinct=True)"
    with pytest.raises(TypeError, match="needs a name"):
        ArrayAgg(F("pages") * 2).default_alias()


def test_positional_and_expression(library: SimpleNamespace) -> None:
    got = Book.objects.aggregate(
        ArrayAgg("pages", order_by="pages"),
        doubled=ArrayAgg(F("pages") * 2, order_by="pages"),
    )
    assert got == {"pages__arrayagg": [271, 300, 412, 730], "doubled": [542, 600, 824, 1460]}


def test_refused_arguments() -> None:
    with pytest.raises(TypeError, match="delimiter"):
        StringAgg("title", 1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="default"):
        StringAgg("title", ",", default=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="order_by"):
        StringAgg("title", ",", order_by="?")
    with pytest.raises(TypeError, match="order_by"):
        ArrayAgg("title", order_by=[3])
    with pytest.raises(TypeError, match="list"):
        ArrayAgg("title", default="x")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ArrayAgg("title", default=[[1]])
    with pytest.raises(TypeError, match="Q object"):
        ArrayAgg("title", filter="x")  # type: ignore[arg-type]


def test_over_a_combined_queryset_is_refused(library: SimpleNamespace) -> None:
    combined = Book.objects.filter(pages__gt=400).union(Book.objects.filter(pages__lt=280))
    with pytest.raises((NotSupportedError, FieldError)):
        combined.aggregate(t=StringAgg("title", ","))


def test_plain_aggregates_compile_as_before(library: SimpleNamespace) -> None:
    from heron.db import Count

    assert Author.objects.aggregate(n=Count("books"))["n"] == 4


@pytest.mark.anyio
async def test_async(library: SimpleNamespace) -> None:
    got = await Book.objects.aaggregate(
        t=StringAgg("title", ", ", order_by="title"),
        p=ArrayAgg("pages", filter=Q(pages__gt=300), order_by="-pages", default=[]),
    )
    assert got == {"t": "Dune, Emma, Neuro, Ulysses", "p": [730, 412]}
    authors = await Author.objects.annotate(
        titles=StringAgg("books__title", ",", order_by="books__title")
    ).order_by("name")
    assert [(a.name, a.titles) for a in authors] == [
        ("ann", "Dune"),
        ("bea", "Emma,Ulysses"),
        ("cid", "Neuro"),
    ]


def test_over_annotations_filtered_and_ordered_by(library: SimpleNamespace) -> None:
    from heron.db import Lower

    got = Book.objects.annotate(low=Lower("title")).aggregate(
        s=StringAgg("low", ",", order_by="low"), a=ArrayAgg(Lower("title"), order_by="-title")
    )
    assert got == {"s": "dune,emma,neuro,ulysses", "a": ["ulysses", "neuro", "emma", "dune"]}
    authors = (
        Author.objects.annotate(titles=StringAgg("books__title", ",", order_by="books__title"))
        .filter(titles__contains="Emma")
        .order_by("-titles")
    )
    assert [(a.name, a.titles) for a in authors] == [("bea", "Emma,Ulysses")]
    ordered = Author.objects.annotate(
        titles=StringAgg("books__title", ",", order_by="-books__title")
    ).order_by("-titles")
    assert [a.titles for a in ordered] == ["Ulysses,Emma", "Neuro", "Dune"]


def test_window_and_sliced_querysets_are_refused(library: SimpleNamespace) -> None:
    from heron.db import Window

    with pytest.raises(NotSupportedError, match="window"):
        list(Book.objects.annotate(w=Window(StringAgg("title", ","))))
    with pytest.raises(FieldError):
        Book.objects.all()[:2].aggregate(s=StringAgg("title", ","))
