"""Subquery(), OuterRef() and Exists(): correlated subqueries in annotate, filter, order_by
and values, on every backend, sync and async, and their statement-cache shapes."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from heron.db import Count, Exists, F, OuterRef, Q, Subquery
from heron.db.query.execution import shape_and_values
from tests.db.query.conftest import at
from tests.db.query.qt_models import Author, Book, Publisher, Review


def best_stars() -> Subquery:
    """The best review's stars of the outer book."""
    return Subquery(
        Review.objects.filter(book=OuterRef("pk")).order_by("-stars").values("stars")[:1]
    )


def reviewed() -> Exists:
    return Exists(Review.objects.filter(book=OuterRef("pk")))


def test_annotate_with_a_correlated_subquery(library: SimpleNamespace) -> None:
    rows = {b.title: b.best for b in Book.objects.annotate(best=best_stars())}
    assert rows == {"Dune": 5, "Emma": 3, "Ulysses": None, "Neuro": 2}
    assert all(type(v) is int for v in rows.values() if v is not None)


def test_the_annotation_reads_as_the_selected_field(library: SimpleNamespace) -> None:
    latest = Book.objects.filter(author=OuterRef("pk")).order_by("-published")
    authors = Author.objects.annotate(
        last=Subquery(latest.values("published")[:1]),
        last_title=Subquery(latest.values_list("title")[:1]),
    )
    got = {a.name: (a.last, a.last_title) for a in authors}
    assert got["bea"] == (at(10, 23), "Ulysses")
    assert got["ann"] == (at(1), "Dune")
    assert isinstance(got["ann"][0], dt.datetime) and got["ann"][0].tzinfo is not None
    # Neuro has no date: NULLs come first in DESC on PostgreSQL, last elsewhere.
    assert got["cid"][1] == "Neuro"


def test_subquery_selecting_an_annotation(library: SimpleNamespace) -> None:
    counts = (
        Book.objects.filter(author=OuterRef("pk"))
        .values("author")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = dict(Author.objects.annotate(written=Subquery(counts)).values_list("name", "written"))
    assert rows == {"ann": 1, "bea": 2, "cid": 1}


def test_filter_against_a_subquery(library: SimpleNamespace) -> None:
    dune_author = Book.objects.filter(title="Dune").values("author")[:1]
    assert [a.name for a in Author.objects.filter(pk=Subquery(dune_author))] == ["ann"]
    dune_pages = Book.objects.filter(title="Dune").values("pages")
    longer = Book.objects.filter(pages__gt=Subquery(dune_pages)).values_list("title", flat=True)
    assert list(longer) == ["Ulysses"]


def test_correlated_filter_on_the_same_table(library: SimpleNamespace) -> None:
    shortest = Book.objects.filter(author=OuterRef("author")).order_by("pages").values("pages")
    titles = Book.objects.filter(pages__gt=Subquery(shortest[:1])).values_list("title", flat=True)
    assert list(titles) == ["Ulysses"]


def test_filter_and_order_by_a_subquery_annotation(library: SimpleNamespace) -> None:
    qs = Book.objects.annotate(best=best_stars())
    assert [b.title for b in qs.filter(best__gte=3).order_by("-best")] == ["Dune", "Emma"]
    ordered = Book.objects.filter(reviews__isnull=False).distinct().order_by(best_stars())
    assert [b.title for b in ordered] == ["Neuro", "Emma", "Dune"]
    assert [
        b.title for b in Book.objects.exclude(title="Ulysses").order_by(best_stars().desc())
    ] == [
        "Dune",
        "Emma",
        "Neuro",
    ]


def test_values_with_a_subquery(library: SimpleNamespace) -> None:
    rows = list(Book.objects.order_by("title").values("title", best=best_stars()))
    assert rows[0] == {"title": "Dune", "best": 5}
    assert rows[-1] == {"title": "Ulysses", "best": None}
    flat = Book.objects.annotate(best=best_stars()).order_by("title").values_list("best", flat=True)
    assert list(flat) == [5, 3, 2, None]


def test_uncorrelated_subquery(library: SimpleNamespace) -> None:
    longest = Book.objects.order_by("-pages").values("title")[:1]
    assert {a.name: a.top for a in Author.objects.annotate(top=Subquery(longest))} == {
        "ann": "Ulysses",
        "bea": "Ulysses",
        "cid": "Ulysses",
    }


def test_exists_in_filter_and_with_q(library: SimpleNamespace) -> None:
    def titles(qs: object) -> list[str]:
        return sorted(qs.values_list("title", flat=True))  # type: ignore[attr-defined]

    assert titles(Book.objects.filter(reviewed())) == ["Dune", "Emma", "Neuro"]
    assert titles(Book.objects.filter(~reviewed())) == ["Ulysses"]
    assert titles(Book.objects.exclude(reviewed())) == ["Ulysses"]
    assert titles(Book.objects.filter(reviewed() & Q(pages__gt=300))) == ["Dune"]
    assert titles(Book.objects.filter(Q(pages__gt=300) & reviewed())) == ["Dune"]
    assert titles(Book.objects.filter(~reviewed() | Q(title="Emma"))) == ["Emma", "Ulysses"]
    assert titles(Book.objects.filter(~(reviewed() | Q(pages__lt=280)))) == ["Ulysses"]
    stars = Exists(Review.objects.filter(book=OuterRef("pk"), stars__gte=4))
    assert titles(Book.objects.filter(stars, pages__gt=0)) == ["Dune"]


def test_exists_annotation_is_a_bool(library: SimpleNamespace) -> None:
    rows = dict(Book.objects.annotate(has=reviewed()).values_list("title", "has"))
    assert rows == {"Dune": True, "Emma": True, "Ulysses": False, "Neuro": True}
    assert all(type(v) is bool for v in rows.values())
    books = Book.objects.annotate(has=reviewed())
    assert [b.title for b in books.filter(has=False)] == ["Ulysses"]
    assert type(books.get(title="Dune").has) is bool


def test_nested_outer_refs_and_joins_inside(library: SimpleNamespace) -> None:
    good = Review.objects.filter(book=OuterRef("pk"), book__author=OuterRef(OuterRef("pk")))
    authors = Author.objects.filter(Exists(Book.objects.filter(Exists(good.filter(stars__gte=4)))))
    assert [a.name for a in authors] == ["ann"]
    # OuterRef across the outer query's join, with joins in the subquery as well.
    peers = Author.objects.filter(
        publisher=OuterRef("author__publisher"), books__pages__gt=400
    ).exclude(pk=OuterRef("author"))
    assert [b.title for b in Book.objects.filter(Exists(peers))] == ["Neuro"]


def test_exists_over_publishers(library: SimpleNamespace) -> None:
    staffed = Exists(Author.objects.filter(publisher=OuterRef("pk")))
    assert dict(Publisher.objects.annotate(s=staffed).values_list("name", "s")) == {
        "Acme": True,
        "Empty": False,
    }


def test_outer_ref_outside_a_subquery_is_refused(library: SimpleNamespace) -> None:
    with pytest.raises(ValueError, match="OuterRef"):
        list(Book.objects.filter(pages=OuterRef("pages")))
    with pytest.raises(TypeError, match="QuerySet"):
        Subquery([1, 2])  # type: ignore[arg-type]


def test_subquery_of_none_gives_null(library: SimpleNamespace) -> None:
    none = Subquery(Review.objects.none().values("stars")[:1])
    assert {b.x for b in Book.objects.annotate(x=none)} == {None}
    assert Book.objects.filter(Exists(Review.objects.none())).count() == 0


@pytest.mark.anyio
async def test_async(library: SimpleNamespace) -> None:
    books = await Book.objects.annotate(best=best_stars(), has=reviewed()).order_by("title")
    assert [(b.title, b.best, b.has) for b in books] == [
        ("Dune", 5, True),
        ("Emma", 3, True),
        ("Neuro", 2, True),
        ("Ulysses", None, False),
    ]
    dune = await Book.objects.annotate(best=best_stars()).aget(best=5)
    assert dune.title == "Dune"
    assert await Book.objects.filter(~reviewed()).acount() == 1
    assert await Book.objects.filter(reviewed()).aexists()


# -- statement cache shapes -----------------------------------------------------------------


def by_author(name: str) -> object:
    return Book.objects.annotate(
        best=Subquery(
            Review.objects.filter(book=OuterRef("pk"), book__author__name=name)
            .order_by("-stars")
            .values("stars")[:1]
        )
    ).filter(Exists(Review.objects.filter(book=OuterRef("pk"), stars__gte=1)))


def test_shapes_share_sql_across_values(library: SimpleNamespace) -> None:
    first_key, first_values = shape_and_values(by_author("ann"), "select")  # type: ignore[arg-type]
    second_key, second_values = shape_and_values(by_author("bea"), "select")  # type: ignore[arg-type]
    assert first_key == second_key
    assert "ann" in first_values and "bea" in second_values
    assert by_author("ann").query.sql_and_params()[0] == by_author("bea").query.sql_and_params()[0]  # type: ignore[attr-defined]
    assert {b.title: b.best for b in by_author("ann")} == {"Dune": 5, "Emma": None, "Neuro": None}  # type: ignore[attr-defined]
    assert {b.title: b.best for b in by_author("bea")} == {"Dune": None, "Emma": 3, "Neuro": None}  # type: ignore[attr-defined]


def test_shapes_of_different_structure_differ(library: SimpleNamespace) -> None:
    inner = Review.objects.filter(book=OuterRef("pk"))
    variants = [
        Book.objects.filter(Exists(inner)),
        Book.objects.filter(~Exists(inner)),
        Book.objects.filter(Exists(inner.filter(stars__gt=3))),
        Book.objects.filter(Exists(Review.objects.filter(book=OuterRef("author")))),
        Book.objects.annotate(x=Subquery(inner.values("stars")[:1])),
        Book.objects.annotate(x=Subquery(inner.values("text")[:1])),
        Book.objects.annotate(x=Subquery(inner.values("stars"))),
        Book.objects.annotate(x=Exists(inner)),
        Book.objects.filter(pages=Subquery(inner.values("stars")[:1])),
        Book.objects.order_by(Subquery(inner.values("stars")[:1])),
        Book.objects.order_by(Subquery(inner.values("stars")[:1]).desc()),
    ]
    keys = [shape_and_values(qs, "select")[0] for qs in variants]
    assert len(set(keys)) == len(keys)
    # Run them one after the other: each gets its own statement.
    assert [len(list(qs)) for qs in variants[:3]] == [3, 1, 1]
    assert {b.x for b in variants[5]} == {"great", "", None}
    assert [b.title for b in Book.objects.filter(pages=F("pages"), title="Dune")] == ["Dune"]
