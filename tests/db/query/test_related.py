"""select_related (JOINs) and prefetch_related (one IN query per relation), counting queries."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from heron.db.backends import Database
from heron.db.query import Prefetch
from tests.db.query.qt_models import Author, Book, Publisher, Review, Tag


def test_select_related_is_one_query(library: SimpleNamespace, db: Database) -> None:
    with db.capture_queries() as queries:
        books = list(Book.objects.select_related("author__publisher", "editor").order_by("title"))
        seen = [
            (
                b.title,
                b.author.name,
                b.author.publisher and b.author.publisher.name,
                b.editor and b.editor.name,
            )
            for b in books
        ]
    assert len(queries) == 1
    assert seen == [
        ("Dune", "ann", "Acme", "bea"),
        ("Emma", "bea", None, None),
        ("Neuro", "cid", "Acme", None),
        ("Ulysses", "bea", None, "ann"),
    ]
    assert "JOIN" in queries[0][0].upper()


def test_select_related_without_arguments_follows_required_keys(
    library: SimpleNamespace, db: Database
) -> None:
    reviews = list(Review.objects.select_related().order_by("id"))
    with db.capture_queries() as queries:
        assert [r.book.author.name for r in reviews] == ["ann", "ann", "bea", "cid"]
    assert queries == []
    plain = Review.objects.order_by("id").first()
    assert plain is not None
    with db.capture_queries() as queries:
        assert plain.book.title == "Dune"
    assert len(queries) == 1


def test_prefetch_reverse_foreign_key_and_many_to_many(
    library: SimpleNamespace, db: Database
) -> None:
    with db.capture_queries() as queries:
        authors = list(Author.objects.prefetch_related("books__tags", "books__reviews"))
        shape = {
            a.name: {
                b.title: (
                    sorted(t.name for t in b.tags.all()),
                    sorted(r.stars for r in b.reviews.all()),
                )
                for b in a.books.all()
            }
            for a in authors
        }
    assert len(queries) == 4  # authors, books, tags, reviews
    assert shape == {
        "ann": {"Dune": (["epic", "scifi"], [4, 5])},
        "bea": {"Emma": (["classic"], [3]), "Ulysses": (["classic"], [])},
        "cid": {"Neuro": (["scifi"], [2])},
    }
    with db.capture_queries() as queries:
        assert authors[0].books.all()[0].author is authors[0]
    assert queries == []
    tags = list(Tag.objects.prefetch_related("books").order_by("name"))
    with db.capture_queries() as queries:
        assert {t.name: sorted(b.title for b in t.books.all()) for t in tags} == {
            "classic": ["Emma", "Ulysses"],
            "epic": ["Dune"],
            "scifi": ["Dune", "Neuro"],
        }
    assert queries == []


def test_prefetch_forward_foreign_key(library: SimpleNamespace, db: Database) -> None:
    with db.capture_queries() as queries:
        books = list(Book.objects.prefetch_related("author__publisher", "editor").order_by("id"))
        names = [(b.author.name, b.editor and b.editor.name, b.author.publisher) for b in books]
    assert len(queries) == 4
    assert [n[:2] for n in names] == [("ann", "bea"), ("bea", None), ("bea", "ann"), ("cid", None)]
    assert names[0][2] == library.acme and names[1][2] is None


def test_prefetch_objects_with_queryset_and_to_attr(library: SimpleNamespace, db: Database) -> None:
    long_books = Book.objects.filter(pages__gt=350).order_by("-pages")
    with db.capture_queries() as queries:
        authors = list(
            Author.objects.prefetch_related(
                Prefetch("books", queryset=long_books, to_attr="long_books"),
                Prefetch("long_books__tags", queryset=Tag.objects.order_by("-name")),
            )
        )
        found = {
            a.name: [(b.title, [t.name for t in b.tags.all()]) for b in a.long_books]
            for a in authors
        }
    assert len(queries) == 3
    assert found == {
        "ann": [("Dune", ["scifi", "epic"])],
        "bea": [("Ulysses", ["classic"])],
        "cid": [],
    }
    with pytest.raises(AttributeError, match="nope"):
        list(Author.objects.prefetch_related("nope"))


def test_prefetch_with_nothing_to_load(db: Database) -> None:
    Publisher.objects.create(name="Lonely")
    with db.capture_queries() as queries:
        publishers = list(Publisher.objects.prefetch_related("authors__books"))
        assert [list(p.authors.all()) for p in publishers] == [[]]
    assert len(queries) == 2


@pytest.mark.anyio
async def test_async_select_and_prefetch_related(library: SimpleNamespace, db: Database) -> None:
    with db.capture_queries() as queries:
        books = (
            await Book.objects.select_related("author").prefetch_related("tags").order_by("title")
        )
        assert [(b.author.name, len(b.tags.all())) for b in books] == [
            ("ann", 2),
            ("bea", 1),
            ("cid", 1),
            ("bea", 1),
        ]
    assert len(queries) == 2
    chunks = [b.title async for b in Book.objects.prefetch_related("reviews").aiterator(2)]
    assert sorted(chunks) == ["Dune", "Emma", "Neuro", "Ulysses"]
