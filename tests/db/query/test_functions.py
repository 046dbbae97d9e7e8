"""Coalesce, Lower, Upper and Length in annotate, filter, order_by and values, on every
backend, sync and async, with their values bound and their statement-cache shapes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from heron.db import Coalesce, F, Length, Lower, Sum, Upper, Value
from heron.db.query.execution import shape_and_values
from tests.db.query.qt_models import Author, Book, Note

HOSTILE = "x'); DROP TABLE qt_note; --\\"


def test_coalesce_of_fields_and_values(library: SimpleNamespace) -> None:
    rows = dict(Author.objects.annotate(e=Coalesce("email", Value("-"))).values_list("name", "e"))
    assert rows == {"ann": "-", "bea": "bea@example.com", "cid": "-"}
    names = Book.objects.annotate(who=Coalesce("editor__name", "author__name"))
    assert {b.title: b.who for b in names} == {
        "Dune": "bea",
        "Emma": "bea",
        "Ulysses": "ann",
        "Neuro": "cid",
    }


def test_coalesce_of_an_aggregate_keeps_its_type(library: SimpleNamespace) -> None:
    stars = Book.objects.annotate(s=Coalesce(Sum("reviews__stars"), 0)).order_by("title")
    got = [(b.title, b.s) for b in stars]
    assert got == [("Dune", 9), ("Emma", 3), ("Neuro", 2), ("Ulysses", 0)]
    assert all(type(s) is int for _, s in got)
    rating = dict(Book.objects.annotate(r=Coalesce("rating", 0.5)).values_list("title", "r"))
    assert rating["Emma"] == 0.5 and type(rating["Emma"]) is float and rating["Dune"] == 4.5


def test_coalesce_in_filter_and_order_by(library: SimpleNamespace) -> None:
    low = Book.objects.annotate(r=Coalesce("rating", 0.0)).filter(r__lt=1)
    assert [b.title for b in low] == ["Emma"]
    assert [b.title for b in Book.objects.filter(rating__lt=Coalesce("rating", 0.0) + 1)] == [
        "Dune",
        "Ulysses",
        "Neuro",
    ]
    ordered = Book.objects.order_by(Coalesce("rating", 10.0))
    assert [b.title for b in ordered] == ["Ulysses", "Neuro", "Dune", "Emma"]
    assert [b.title for b in ordered.reverse()] == ["Emma", "Dune", "Neuro", "Ulysses"]
    assert not hasattr(ordered[0], "__order_0")


def test_hostile_text_is_bound(library: SimpleNamespace) -> None:
    Note.objects.create(body="kept")
    got = Note.objects.annotate(h=Coalesce(Value(None), Value(HOSTILE)), u=Upper(Value(HOSTILE)))
    note = got.get()
    assert (note.h, note.u) == (HOSTILE, HOSTILE.upper())
    assert Note.objects.annotate(h=Value(HOSTILE)).filter(h=HOSTILE).count() == 1
    assert Note.objects.filter(body=Coalesce(Value(None), Value(HOSTILE))).count() == 0
    assert Note.objects.count() == 1


def test_text_functions(library: SimpleNamespace) -> None:
    rows = list(
        Book.objects.order_by("title").values("title", low=Lower("title"), up=Upper("title"))
    )
    assert rows[0] == {"title": "Dune", "low": "dune", "up": "DUNE"}
    four = Book.objects.annotate(n=Length("title")).filter(n=4).order_by("title")
    assert [(b.title, b.n) for b in four] == [("Dune", 4), ("Emma", 4)]
    assert type(four[0].n) is int
    by_length = Book.objects.order_by(Length("title").desc(), "title")
    assert [b.title for b in by_length] == ["Ulysses", "Neuro", "Dune", "Emma"]
    assert [a.name for a in Author.objects.filter(name=Lower(Upper("name")))] == [
        "ann",
        "bea",
        "cid",
    ]
    # Characters, not bytes (LENGTH is bytes on MariaDB).
    assert Author.objects.annotate(n=Length(Value("héllo"))).values_list("n", flat=True)[0] == 5
    assert Book.objects.annotate(x=Length("title") + F("pages")).get(title="Dune").x == 416


def test_functions_over_aggregates_group(library: SimpleNamespace) -> None:
    rows = Author.objects.values("name").annotate(total=Coalesce(Sum("books__pages"), 0))
    assert {r["name"]: r["total"] for r in rows} == {"ann": 412, "bea": 1030, "cid": 271}


def test_argument_checks() -> None:
    with pytest.raises(ValueError, match="at least two"):
        Coalesce("email")
    with pytest.raises(TypeError, match="1 argument"):
        Lower("a", "b")


def test_update_with_functions(library: SimpleNamespace) -> None:
    assert Author.objects.update(email=Coalesce("email", Lower(Upper("name")))) == 3
    assert dict(Author.objects.values_list("name", "email"))["ann"] == "ann"


@pytest.mark.anyio
async def test_async(library: SimpleNamespace) -> None:
    authors = await Author.objects.annotate(e=Coalesce("email", Value("?")), n=Length("name"))
    assert [(a.name, a.e, a.n) for a in authors] == [
        ("ann", "?", 3),
        ("bea", "bea@example.com", 3),
        ("cid", "?", 3),
    ]
    bea = await Author.objects.annotate(up=Upper("name")).aget(up="BEA")
    assert bea.name == "bea"


def test_shapes(library: SimpleNamespace) -> None:
    def key(qs: object) -> object:
        return shape_and_values(qs, "select")[0]  # type: ignore[arg-type]

    one = Author.objects.annotate(e=Coalesce("email", Value("a")))
    two = Author.objects.annotate(e=Coalesce("email", Value("b")))
    assert key(one) == key(two)
    assert shape_and_values(two, "select")[1] == ["b"]  # type: ignore[arg-type]
    assert one.query.sql_and_params()[0] == two.query.sql_and_params()[0]
    variants = [
        Author.objects.annotate(e=Lower("name")),
        Author.objects.annotate(e=Upper("name")),
        Author.objects.annotate(e=Lower("email")),
        Author.objects.annotate(e=Length("name")),
        Author.objects.annotate(e=Coalesce("email", "name")),
        Author.objects.annotate(e=Coalesce("email", "name", Value("x"))),
        Author.objects.annotate(e=Coalesce("email", Value(1.5))),
        Author.objects.order_by(Lower("name")),
        Author.objects.order_by(Lower("name").desc()),
        Author.objects.filter(name=Lower("name")),
        Author.objects.filter(name=Upper("name")),
    ]
    keys = [key(qs) for qs in variants]
    assert len(set(keys)) == len(keys)
    assert [a.e for a in variants[1]] == ["ANN", "BEA", "CID"]
    assert [a.e for a in variants[3]] == [3, 3, 3]
