"""union(), intersection() and difference() on every backend, sync and async: the rows,
their types and order, ordering and slicing inside and after combining, values(), empty
parts, what is refused, and the statement cache (one SQL per shape, values bound)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from heron.db import Avg, Count, Exists, F, Lower, Max, Min, Q, Sum
from heron.db.backends import Database
from heron.db.errors import NotSupportedError
from heron.db.models.exceptions import FieldError
from heron.db.query.combine import CombinedQuerySet, shape
from tests.db.query.qt_models import Author, Book, Note, Tag

HOSTILE = "x'); DROP TABLE qt_note; --\\"

books = Book.objects


def titles(rows: object) -> list[str]:
    return [b.title for b in rows]  # type: ignore[attr-defined]


# -- rows -------------------------------------------------------------------------------------


def test_union_gives_model_instances_in_the_order_asked(library: SimpleNamespace) -> None:
    short_or_long = books.filter(pages__lt=310).union(books.filter(pages__gt=700))
    assert isinstance(short_or_long, CombinedQuerySet)
    got = list(short_or_long.order_by("title"))
    assert titles(got) == ["Emma", "Neuro", "Ulysses"]
    assert all(type(b) is Book for b in got)
    ulysses = got[2]
    assert (ulysses.pk, ulysses.pages, ulysses.rating) == (library.ulysses.pk, 730, 3.0)
    assert ulysses.published == dt.datetime(2024, 3, 10, 23, 30, tzinfo=dt.UTC)
    assert ulysses.author_id == library.bea.pk
    assert titles(short_or_long.order_by("-pages")) == ["Ulysses", "Emma", "Neuro"]


def test_union_removes_duplicates_unless_all(library: SimpleNamespace) -> None:
    low, high = books.filter(pages__lt=420), books.filter(pages__gt=400)
    assert titles(low.union(high).order_by("title")) == ["Dune", "Emma", "Neuro", "Ulysses"]
    both = low.union(high, all=True).order_by("title")
    assert titles(both) == ["Dune", "Dune", "Emma", "Neuro", "Ulysses"]
    assert both.count() == 5 and low.union(high).count() == 4


def test_intersection_and_difference(library: SimpleNamespace) -> None:
    by_bea = books.filter(author=library.bea)
    long = books.filter(pages__gt=350)
    assert titles(by_bea.intersection(long)) == ["Ulysses"]
    assert titles(by_bea.difference(long)) == ["Emma"]
    assert titles(long.difference(by_bea, books.filter(title="Nothing"))) == ["Dune"]
    three = books.all().intersection(long, by_bea.union(books.filter(title="Dune")))
    assert titles(three.order_by("title")) == ["Dune", "Ulysses"]


def test_values_on_both_sides_across_models(library: SimpleNamespace) -> None:
    names = Author.objects.values_list("name", flat=True).union(
        Tag.objects.values_list("name", flat=True)
    )
    assert list(names.order_by("name")) == ["ann", "bea", "cid", "classic", "epic", "scifi"]
    assert list(names.order_by("-name")[:2]) == ["scifi", "epic"]
    pairs = books.filter(pages__gt=400).values_list("title", "pages")
    pairs = pairs.union(Author.objects.values_list("name", "age"))
    assert list(pairs.order_by("-pages")) == [
        ("Ulysses", 730),
        ("Dune", 412),
        ("ann", 40),
        ("cid", 35),
        ("bea", 25),
    ]
    dicts = books.filter(pages__lt=300).values("title", "published")
    dicts = dicts.union(books.filter(pages__gt=700).values("title", "published"))
    assert list(dicts.order_by("title")) == [
        {"title": "Neuro", "published": None},
        {"title": "Ulysses", "published": dt.datetime(2024, 3, 10, 23, 30, tzinfo=dt.UTC)},
    ]


def test_values_after_combining_apply_to_every_part(library: SimpleNamespace) -> None:
    combined = books.filter(pages__lt=300).union(books.filter(pages__gt=700))
    assert list(combined.values_list("title", flat=True).order_by("title")) == [
        "Neuro",
        "Ulysses",
    ]
    named = combined.order_by("rating").values_list("title", "rating", named=True)
    assert [(r.title, r.rating) for r in named] == [("Ulysses", 3.0), ("Neuro", 4.0)]
    assert list(combined.values("pages").order_by("pages")) == [{"pages": 271}, {"pages": 730}]


def test_order_by_pk_field_and_attname(library: SimpleNamespace) -> None:
    combined = books.filter(pages__lt=310).union(books.filter(pages__gt=700))
    by_pk = sorted([library.emma, library.neuro, library.ulysses], key=lambda b: b.pk)
    assert titles(combined.order_by("pk")) == titles(by_pk)
    assert titles(combined.order_by("-id")) == titles(reversed(by_pk))
    by_author = combined.order_by("author", "-title")
    assert [b.author_id for b in by_author] == sorted(b.author_id for b in by_pk)
    assert titles(combined.order_by(F("title").desc())) == ["Ulysses", "Neuro", "Emma"]
    assert titles(combined.order_by("title").reverse()) == ["Ulysses", "Neuro", "Emma"]


def test_first_last_get_and_slices(library: SimpleNamespace) -> None:
    combined = books.filter(pages__lt=310).union(books.filter(pages__gt=700))
    by_pk = sorted([library.emma, library.neuro, library.ulysses], key=lambda b: b.pk)
    assert combined.first() == by_pk[0] and combined.last() == by_pk[-1]
    ordered = combined.order_by("pages")
    assert ordered.first() == library.neuro and ordered.last() == library.ulysses
    assert titles(ordered[1:]) == ["Emma", "Ulysses"]
    assert titles(ordered[1:2]) == ["Emma"] and ordered[2] == library.ulysses
    assert ordered[1:].count() == 2 and ordered[5:].exists() is False
    assert combined.exists() and combined.count() == 3
    assert books.filter(pages__gt=700).union(books.filter(title="Ulysses")).get() == library.ulysses
    with pytest.raises(Book.MultipleObjectsReturned):
        combined.get()
    assert list(ordered.iterator(chunk_size=2)) == [library.neuro, library.emma, library.ulysses]
    with pytest.raises(TypeError, match="reorder"):
        ordered[:1].order_by("title")


def test_ordered_and_sliced_parts(library: SimpleNamespace) -> None:
    """Each part's ORDER BY/LIMIT picks its rows (a derived table on every backend,
    SQLite included); an unsliced part's ordering is dropped."""
    longest_two = books.order_by("-pages")[:2]
    shortest = books.order_by("pages")[:1]
    combined = longest_two.union(shortest)
    assert titles(combined.order_by("title")) == ["Dune", "Neuro", "Ulysses"]
    assert titles(combined.order_by("-pages")[1:]) == ["Dune", "Neuro"]
    assert combined.count() == 3
    second = books.order_by("pages")[1:2].union(books.order_by("title").filter(pages__gt=700))
    assert titles(second.order_by("pages")) == ["Emma", "Ulysses"]
    # Meta.ordering of a part does not survive combining (Author is ordered by name).
    authors = Author.objects.filter(age__gt=30).union(Author.objects.filter(name="bea"))
    assert [a.name for a in authors.order_by("-age")] == ["ann", "cid", "bea"]


def test_nested_combinations(library: SimpleNamespace) -> None:
    scifi = books.filter(tags=library.scifi)
    by_bea = books.filter(author=library.bea)
    long = books.filter(pages__gt=400)
    nested = scifi.union(by_bea).intersection(long)
    assert titles(nested.order_by("title")) == ["Dune", "Ulysses"]
    assert titles(books.all().difference(scifi.union(by_bea))) == []
    top = scifi.union(by_bea).order_by("-pages")[:2]
    assert titles(top.union(books.filter(title="Neuro")).order_by("pages")) == [
        "Neuro",
        "Dune",
        "Ulysses",
    ]
    assert titles(top.difference(long).order_by("title")) == []


def test_select_related_and_annotations_in_parts(library: SimpleNamespace) -> None:
    related = books.select_related("author")
    combined = related.filter(pages__lt=300).union(related.filter(pages__gt=700))
    got = list(combined.order_by("title"))
    assert [(b.title, b.__dict__["_cache_author"].name) for b in got] == [
        ("Neuro", "cid"),
        ("Ulysses", "bea"),
    ]
    assert combined.count() == 2
    plus = books.annotate(more=F("pages") + 1, low=Lower("title"))
    annotated = plus.filter(pages__lt=300).union(plus.filter(pages__gt=700))
    assert [(b.title, b.more, b.low) for b in annotated.order_by("-more")] == [
        ("Ulysses", 731, "ulysses"),
        ("Neuro", 272, "neuro"),
    ]


def test_prefetch_and_one_statement(library: SimpleNamespace, db: Database) -> None:
    combined = books.filter(pages__lt=300).union(books.filter(pages__gt=700))
    with db.capture_queries() as queries:
        got = list(combined.prefetch_related("tags").order_by("title"))
        assert [[t.name for t in b.tags.all()] for b in got] == [["scifi"], ["classic"]]
    assert len(queries) == 2  # the compound SELECT, then the tags
    assert " UNION " in queries[0][0] and " ORDER BY 2 " in queries[0][0] + " "
    assert combined.explain() and str(combined.query) in combined.query.sql_and_params()[0]


def test_in_a_filter(library: SimpleNamespace) -> None:
    ids = Author.objects.filter(name="ann").values_list("pk", flat=True)
    ids = ids.union(Author.objects.filter(name="cid").values_list("pk", flat=True))
    assert titles(books.filter(author__in=ids).order_by("title")) == ["Dune", "Neuro"]
    sliced = Author.objects.values_list("pk", flat=True).union(ids).order_by("pk")[:1]
    assert titles(books.filter(editor__in=sliced)) == ["Ulysses"]
    with pytest.raises(NotSupportedError, match="Exists"):
        list(books.filter(Exists(ids)))


# -- empty parts ------------------------------------------------------------------------------


def test_empty_querysets(library: SimpleNamespace) -> None:
    long = books.filter(pages__gt=400)
    assert books.none().union(long) is long
    assert books.none().union(books.none()).count() == 0
    both = books.none().union(long, books.filter(title="Emma"))
    assert titles(both.order_by("title")) == ["Dune", "Emma", "Ulysses"]
    assert titles(long.union(books.none()).order_by("title")) == ["Dune", "Ulysses"]
    assert titles(long.union(books.none(), all=True).order_by("title")) == ["Dune", "Ulysses"]
    assert long.intersection(books.none()).count() == 0
    assert list(books.none().difference(long)) == []
    assert titles(long.difference(books.none()).order_by("title")) == ["Dune", "Ulysses"]
    gone = long.union(books.filter(title="Emma")).none()
    assert list(gone) == [] and gone.count() == 0 and not gone.exists()
    assert titles(gone.union(books.filter(title="Emma"))) == ["Emma"]


# -- refused ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda qs: qs.filter(pages=1), "filter"),
        (lambda qs: qs.exclude(pages=1), "exclude"),
        (lambda qs: qs.annotate(n=F("pages")), "annotate"),
        (lambda qs: qs.distinct(), "distinct"),
        (lambda qs: qs.select_related("author"), "select_related"),
        (lambda qs: qs.only("title"), "only"),
        (lambda qs: qs.delete(), "delete"),
        (lambda qs: qs.update(pages=1), "update"),
        (lambda qs: qs.contains(Book(pk=1)), "contains"),
        (lambda qs: qs.in_bulk(), "in_bulk"),
        (lambda qs: qs.dates("published", "year"), "dates"),
        (lambda qs: qs.values(n=F("pages")), "values"),
    ],
)
def test_refused_after_combining(library: SimpleNamespace, call: object, name: str) -> None:
    combined = books.filter(pages__lt=300).intersection(books.all())
    with pytest.raises(
        NotSupportedError, match=rf"Calling QuerySet\.{name}\(\) after intersection\(\)"
    ):
        call(combined)  # type: ignore[operator]
    assert books.count() == 4 and Book.objects.filter(pages=1).count() == 0


def test_aggregate_over_the_combined_rows(library: SimpleNamespace) -> None:
    short_or_long = books.filter(pages__lt=310).union(books.filter(pages__gt=700))
    got = short_or_long.aggregate(
        Sum("pages"), n=Count("*"), top=Max("rating"), mean=Avg("pages"), last=Max("published")
    )
    assert got == {
        "pages__sum": 1301,
        "n": 3,
        "top": 4.0,
        "mean": pytest.approx(1301 / 3),
        "last": dt.datetime(2024, 3, 10, 23, 30, tzinfo=dt.UTC),
    }
    assert type(got["pages__sum"]) is int and type(got["top"]) is float
    short, shortish = books.filter(pages__lt=310), books.filter(pages__lt=420)
    assert short.union(shortish, all=True).aggregate(n=Count("id")) == {"n": 5}
    assert short.union(shortish).aggregate(n=Count("id"), d=Count("id", distinct=True)) == {
        "n": 3,
        "d": 3,
    }
    longest = books.all().union(books.all()).order_by("-pages")[:2]
    assert longest.aggregate(Sum("pages")) == {"pages__sum": 1142}
    mixed = books.values_list("pages").union(Author.objects.values_list("age"))
    assert mixed.aggregate(Max("pages"), Min("pages")) == {"pages__max": 730, "pages__min": 25}
    assert books.none().union(books.none()).aggregate(n=Count("id")) == {"n": 0}
    with pytest.raises(FieldError, match="'nope'"):
        short_or_long.aggregate(Sum("nope"))
    with pytest.raises(FieldError, match="without filter="):
        short_or_long.aggregate(Sum("pages", filter=Q(pages__gt=1)))


def test_refused_orderings_filters_and_shapes(library: SimpleNamespace) -> None:
    combined = books.filter(pages__lt=300).union(books.filter(pages__gt=700))
    with pytest.raises(NotSupportedError, match="get\\(\\.\\.\\.\\) with filters after union"):
        combined.get(pk=1)
    with pytest.raises(NotSupportedError, match="names of the selected columns"):
        combined.order_by(Lower("title"))
    with pytest.raises(FieldError, match="'nope'"):
        list(combined.order_by("nope"))
    with pytest.raises(FieldError, match="'pk'"):
        combined.values_list("title", flat=True).first()
    mismatch = books.values_list("title").union(books.values_list("title", "pages"))
    with pytest.raises(FieldError, match="same number of columns"):
        list(mismatch)
    with pytest.raises(TypeError, match="Only QuerySets"):
        books.all().union([library.dune])  # type: ignore[list-item]


# -- the statement cache and bound values ----------------------------------------------------


def test_values_are_bound_and_shapes_are_shared(library: SimpleNamespace) -> None:
    def q(low: int, high: int, title: str) -> CombinedQuerySet[Book]:
        return (
            books.filter(pages__lt=low)
            .union(books.filter(pages__gt=high), books.filter(title=title))
            .order_by("-pages")[1:3]
        )

    a, b = q(300, 700, "Dune"), q(420, 100, "Emma")
    assert str(a.query) == str(b.query)
    assert a.query.sql_and_params()[1] != b.query.sql_and_params()[1]
    assert shape(a, "select", []) == shape(b, "select", [])
    assert titles(a) == ["Dune", "Neuro"] and titles(b) == ["Dune", "Emma"]
    values: list[object] = []
    shape(a, "select", values)
    assert values == [300, 700, "Dune", 2, 1]


def test_structurally_different_queries_do_not_collide(library: SimpleNamespace) -> None:
    low, high = books.filter(pages__lt=300), books.filter(pages__gt=700)
    variants = [
        low.union(high),
        low.union(high, all=True),
        low.intersection(high),
        low.difference(high),
        high.union(books.filter(title__startswith="E")),
        low.union(high).order_by("title"),
        low.union(high).order_by("-title"),
        low.union(high)[:1],
        low.union(high)[1:],
        low.union(high[:1]),
        low.union(high.union(low)),
        low.union(high, low),
        low.values_list("title").union(high.values_list("title")),
    ]
    shapes = {shape(v, "select", []) for v in variants}
    assert len(shapes) == len(variants)
    # The SQL differs too, but for [:1] and [1:] on SQLite: "LIMIT ? OFFSET ?" both.
    sqls = {str(v.query) for v in variants if v is not variants[8]}
    assert len(sqls) == len(variants) - 1
    assert titles(low.union(high).order_by("title")[1:]) == ["Ulysses"]
    assert titles(low.union(high).order_by("title")[:1]) == ["Neuro"]
    assert titles(low.difference(high)) == ["Neuro"]
    assert titles(low.intersection(high)) == []
    assert [len(list(v)) for v in variants[:4]] == [2, 2, 0, 1]


def test_hostile_text_in_a_part_is_bound(db: object) -> None:
    Note.objects.create(body=HOSTILE)
    Note.objects.create(body="kept")
    Note.objects.create(body="other")
    combined = Note.objects.filter(body=HOSTILE).union(Note.objects.filter(body__contains="ep"))
    assert HOSTILE not in str(combined.query)
    assert sorted(n.body for n in combined) == sorted([HOSTILE, "kept"])
    assert Note.objects.count() == 3
    values = combined.values_list("body", flat=True).order_by("body")
    assert list(values) == sorted([HOSTILE, "kept"])


# -- async ------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_async(library: SimpleNamespace) -> None:
    combined = books.filter(pages__lt=300).union(books.filter(pages__gt=700))
    ordered = combined.order_by("pages")
    assert titles(await ordered) == ["Neuro", "Ulysses"]
    assert [b.title async for b in ordered] == ["Neuro", "Ulysses"]
    assert await combined.acount() == 2 and await combined.aexists()
    assert (await ordered.afirst()) == library.neuro
    assert (await ordered.alast()) == library.ulysses
    assert (await combined.afirst()) == min([library.neuro, library.ulysses], key=lambda b: b.pk)
    assert (await books.filter(pk=library.dune.pk).union(books.none()).aget()) == library.dune
    assert [b.title async for b in ordered.aiterator(chunk_size=1)] == ["Neuro", "Ulysses"]
    assert await combined.values_list("title", flat=True).order_by("-title")[1:] == ["Neuro"]
    assert await books.none().union(books.none()).acount() == 0
    assert await combined.aaggregate(Sum("pages")) == {"pages__sum": 1001}
    with pytest.raises(NotSupportedError):
        await combined.adelete()
    with pytest.raises(NotSupportedError):
        await combined.aget(title="Neuro")
    assert await books.acount() == 4
