"""Case() and When() in annotate, filter, order_by and values, on every backend, sync and
async, with their values bound and their statement-cache shapes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from heron.db import Case, Count, Exists, F, OuterRef, Q, Value, When, fields
from heron.db.query.execution import shape_and_values
from tests.db.query.qt_models import Author, Book, Note, Review

HOSTILE = "'; DELETE FROM qt_book; --"


def size(long: str = "long") -> Case:
    return Case(
        When(pages__gt=500, then=Value(long)),
        When(Q(pages__gt=300) | Q(title="Neuro"), then=Value("mid")),
        default=Value("short"),
    )


def test_case_in_annotate_and_values(library: SimpleNamespace) -> None:
    rows = dict(Book.objects.annotate(s=size()).values_list("title", "s"))
    assert rows == {"Dune": "mid", "Emma": "short", "Ulysses": "long", "Neuro": "mid"}
    assert Book.objects.annotate(s=size()).get(title="Emma").s == "short"


def test_case_without_default_is_null(library: SimpleNamespace) -> None:
    rows = dict(
        Book.objects.annotate(s=Case(When(pages__gt=500, then=Value(1)))).values_list("title", "s")
    )
    assert rows == {"Dune": None, "Emma": None, "Ulysses": 1, "Neuro": None}


def test_case_types(library: SimpleNamespace) -> None:
    flag = Case(When(rating__isnull=True, then=Value(True)), default=Value(False))
    rows = dict(Book.objects.annotate(x=flag).values_list("title", "x"))
    assert rows == {"Dune": False, "Emma": True, "Ulysses": False, "Neuro": False}
    assert all(type(v) is bool for v in rows.values())
    declared = Case(When(pages__gt=500, then=1), default=0, output_field=fields.Boolean())
    assert dict(Book.objects.annotate(x=declared).values_list("title", "x"))["Ulysses"] is True
    # then= a field name reads as that field (here a date-time through a join).
    latest = Case(When(editor__isnull=False, then="editor__name"), default="author__name")
    assert dict(Book.objects.annotate(x=latest).values_list("title", "x")) == {
        "Dune": "bea",
        "Emma": "bea",
        "Ulysses": "ann",
        "Neuro": "cid",
    }
    when = Case(When(rating__isnull=False, then="published"))
    assert (
        dict(Book.objects.annotate(x=when).values_list("title", "x"))["Dune"]
        == library.dune.published
    )


def test_case_in_filter_and_order_by(library: SimpleNamespace) -> None:
    mid = Book.objects.annotate(s=size()).filter(s="mid").order_by("title")
    assert [b.title for b in mid] == ["Dune", "Neuro"]
    rank = Case(When(title="Neuro", then=Value(0)), When(title="Emma", then=Value(1)), default=2)
    assert [b.title for b in Book.objects.order_by(rank, "title")] == [
        "Neuro",
        "Emma",
        "Dune",
        "Ulysses",
    ]
    assert [b.title for b in Book.objects.order_by(rank.desc(), "-title")][:2] == [
        "Ulysses",
        "Dune",
    ]
    assert [b.title for b in Book.objects.filter(pages=Case(When(title="Dune", then=412)))] == [
        "Dune"
    ]


def test_case_with_exists_and_aggregates(library: SimpleNamespace) -> None:
    reviewed = Exists(Review.objects.filter(book=OuterRef("pk"), stars__gte=4))
    liked = Case(When(reviewed, then=Value("liked")), default=Value("-"))
    assert dict(Book.objects.annotate(x=liked).values_list("title", "x"))["Dune"] == "liked"
    counted = Book.objects.annotate(n=Count("reviews")).annotate(
        many=Case(When(n__gte=2, then=Value("many")), default=Value("few"))
    )
    assert {b.title: b.many for b in counted} == {
        "Dune": "many",
        "Emma": "few",
        "Ulysses": "few",
        "Neuro": "few",
    }
    authors = Author.objects.annotate(
        longest=Case(When(books__pages__gt=500, then=F("books__pages")), default=0)
    )
    assert {a.name for a in authors.filter(longest__gt=0)} == {"bea"}


def test_hostile_values_are_bound(library: SimpleNamespace) -> None:
    Note.objects.create(body=HOSTILE)
    rows = dict(Book.objects.annotate(s=size(long=HOSTILE)).values_list("title", "s"))
    assert rows["Ulysses"] == HOSTILE
    assert Book.objects.annotate(s=size(long=HOSTILE)).filter(s=HOSTILE).count() == 1
    match = Case(When(body=HOSTILE, then=Value(HOSTILE)), default=Value("no"))
    assert Note.objects.annotate(m=match).values_list("m", flat=True)[0] == HOSTILE
    assert Book.objects.count() == 4


def test_when_checks() -> None:
    with pytest.raises(TypeError):
        When(then=1)
    with pytest.raises(ValueError):
        When(Q(), then=1)
    with pytest.raises(TypeError):
        Case(1)  # type: ignore[arg-type]


def test_update_with_case(library: SimpleNamespace) -> None:
    changed = Book.objects.update(
        pages=Case(When(title="Dune", then=Value(1)), default=F("pages") + 1)
    )
    assert changed == 4
    assert dict(Book.objects.values_list("title", "pages")) == {
        "Dune": 1,
        "Emma": 301,
        "Ulysses": 731,
        "Neuro": 272,
    }


@pytest.mark.anyio
async def test_async(library: SimpleNamespace) -> None:
    books = await Book.objects.annotate(s=size()).order_by("title")
    assert [(b.title, b.s) for b in books] == [
        ("Dune", "mid"),
        ("Emma", "short"),
        ("Neuro", "mid"),
        ("Ulysses", "long"),
    ]
    assert (await Book.objects.annotate(s=size()).aget(s="long")).title == "Ulysses"


def test_shapes(library: SimpleNamespace) -> None:
    def key(qs: object) -> object:
        return shape_and_values(qs, "select")[0]  # type: ignore[arg-type]

    assert key(Book.objects.annotate(s=size("a"))) == key(Book.objects.annotate(s=size("b")))
    variants = [
        Book.objects.annotate(s=size()),
        Book.objects.annotate(s=Case(When(pages__gt=500, then=Value("x")))),
        Book.objects.annotate(s=Case(When(pages__gte=500, then=Value("x")))),
        Book.objects.annotate(s=Case(When(pages__gt=500, then="title"))),
        Book.objects.annotate(s=Case(When(pages__gt=500, then=Value("x")), default="title")),
        Book.objects.annotate(
            s=Case(When(pages__gt=500, then=Value(1)), output_field=fields.Boolean())
        ),
        Book.objects.annotate(s=Case(When(pages__gt=500, then=Value(1)))),
        Book.objects.order_by(size()),
        Book.objects.filter(title=size()),
    ]
    keys = [key(qs) for qs in variants]
    assert len(set(keys)) == len(keys)
    assert dict(variants[5].values_list("title", "s"))["Ulysses"] is True
    assert dict(variants[6].values_list("title", "s"))["Ulysses"] == 1
