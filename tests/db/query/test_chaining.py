"""Laziness, immutability, ordering, slicing, distinct, none() and reverse()."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from heron.db import F
from heron.db.backends import Database
from tests.db.query.qt_models import Author, Book


def test_querysets_are_lazy_and_immutable(library: SimpleNamespace, db: Database) -> None:
    with db.capture_queries() as queries:
        base = Book.objects.all()
        narrowed = base.filter(pages__gt=300).exclude(title="Dune").order_by("title")
    assert queries == []
    assert [b.title for b in narrowed] == ["Ulysses"]
    assert len(base) == 4
    with db.capture_queries() as queries:
        assert len(narrowed) == 1  # the cached results
        assert narrowed.count() == 1
        assert narrowed.exists()
    assert queries == []


def test_ordering(library: SimpleNamespace) -> None:
    assert [a.name for a in Author.objects.all()] == ["ann", "bea", "cid"]  # Meta.ordering
    assert [a.name for a in Author.objects.order_by("-name")] == ["cid", "bea", "ann"]
    assert [b.title for b in Book.objects.order_by("author__name", "-pages")] == [
        "Dune",
        "Ulysses",
        "Emma",
        "Neuro",
    ]
    assert [b.title for b in Book.objects.order_by(F("pages").desc())][:1] == ["Ulysses"]
    # NULLs sort first on SQLite and MariaDB, last on PostgreSQL (as in Django): skip them.
    with_publisher = Book.objects.filter(author__publisher__isnull=False)
    assert [b.title for b in with_publisher.order_by("author__publisher__name", "-title")] == [
        "Neuro",
        "Dune",
    ]
    assert sorted(b.title for b in Book.objects.order_by("?")) == [
        "Dune",
        "Emma",
        "Neuro",
        "Ulysses",
    ]
    assert [a.name for a in Author.objects.order_by("name").reverse()] == ["cid", "bea", "ann"]
    assert [a.name for a in Author.objects.reverse()] == ["cid", "bea", "ann"]
    assert Author.objects.all().ordered and not Book.objects.all().ordered


def test_slicing_is_limit_and_offset(library: SimpleNamespace, db: Database) -> None:
    ordered = Book.objects.order_by("pages")
    with db.capture_queries() as queries:
        assert [b.title for b in ordered[1:3]] == ["Emma", "Dune"]
    assert len(queries) == 1 and "LIMIT" in queries[0][0].upper()
    assert [b.title for b in ordered[2:]] == ["Dune", "Ulysses"]
    assert [b.title for b in ordered[:2][1:]] == ["Emma"]
    assert ordered[3].title == "Ulysses"
    assert [b.title for b in ordered[10:]] == []
    with pytest.raises(IndexError):
        ordered[10]
    with pytest.raises(ValueError, match="Negative"):
        ordered[-1]
    with pytest.raises(TypeError, match="slice has been taken"):
        ordered[:2].filter(pages=1)
    assert ordered[1:3].count() == 2
    assert ordered[10:].count() == 0
    assert ordered[:1].exists() and not ordered[5:].exists()


def test_distinct_none_and_all(library: SimpleNamespace, db: Database) -> None:
    assert Author.objects.filter(books__pages__gt=200).count() == 4
    assert Author.objects.filter(books__pages__gt=200).distinct().count() == 3
    with db.capture_queries() as queries:
        assert list(Book.objects.none()) == []
        assert Book.objects.filter(pages=1).none().count() == 0
        assert not Book.objects.none().exists()
    assert queries == []
    assert len(Book.objects.all().all()) == 4


@pytest.mark.anyio
async def test_await_and_async_for(library: SimpleNamespace) -> None:
    books = await Book.objects.filter(pages__gt=300).order_by("title")
    assert [b.title for b in books] == ["Dune", "Ulysses"]
    assert [b.title async for b in Book.objects.order_by("-pages")[:2]] == ["Ulysses", "Dune"]
    streamed = [b.title async for b in Book.objects.order_by("pages").aiterator(chunk_size=3)]
    assert streamed == ["Neuro", "Emma", "Dune", "Ulysses"]
