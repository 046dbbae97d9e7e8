"""bulk_create() and bulk_update(), sync and async, batched."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from heron.db import IntegrityError
from heron.db.backends import Database
from heron.db.backends.base import NativeSQL
from tests.db.query.qt_models import Author, Book, Code, Tag


def test_bulk_create_sets_primary_keys_in_batches(db: Database) -> None:
    author = Author.objects.create(name="ann")
    books = [Book(title=f"b{i:03}", pages=i, author=author) for i in range(250)]
    with db.capture_queries() as queries:
        result = Book.objects.bulk_create(books, batch_size=100)
    inserts = [sql for sql, _ in queries if sql.lstrip().upper().startswith("INSERT")]
    assert len(inserts) == 3
    assert all(a is b for a, b in zip(result, books, strict=True))
    assert all(b.pk is not None for b in books)
    assert len({b.pk for b in books}) == 250
    assert Book.objects.get(pk=books[137].pk).title == "b137"
    assert Book.objects.count() == 250
    again = Book.objects.get(pk=books[0].pk)
    again.pages = 999
    again.save()  # a created instance is persisted: save() updates
    assert Book.objects.count() == 250 and Book.objects.get(pk=books[0].pk).pages == 999


def test_bulk_create_with_given_keys_and_empty_input(db: Database) -> None:
    assert Code.objects.bulk_create([]) == []
    Code.objects.bulk_create([Code(code="a", label="A"), Code(code="b", label="B")])
    assert dict(Code.objects.values_list("code", "label")) == {"a": "A", "b": "B"}
    with pytest.raises(IntegrityError):
        Code.objects.bulk_create([Code(code="a")])
    with pytest.raises(TypeError):
        Code.objects.bulk_create([Tag(name="x")])  # type: ignore[list-item]


def test_bulk_create_conflicts(db: Database) -> None:
    Tag.objects.create(name="old")
    Tag.objects.bulk_create([Tag(name="old"), Tag(name="new")], ignore_conflicts=True)
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["new", "old"]
    Code.objects.create(code="k", label="before")
    Code.objects.bulk_create(
        [Code(code="k", label="after"), Code(code="m", label="fresh")],
        update_conflicts=True,
        update_fields=["label"],
        unique_fields=["code"],
    )
    assert dict(Code.objects.values_list("code", "label")) == {"k": "after", "m": "fresh"}


def test_bulk_create_is_atomic_across_batches(db: Database) -> None:
    Code.objects.create(code="dup")
    codes = [Code(code=f"c{i}") for i in range(5)] + [Code(code="dup")]
    with pytest.raises(IntegrityError):
        Code.objects.bulk_create(codes, batch_size=2)
    assert list(Code.objects.values_list("code", flat=True)) == ["dup"]


@pytest.mark.anyio
async def test_abulk_create(db: Database) -> None:
    author = await Author.objects.acreate(name="bea")
    books = await Book.objects.abulk_create(
        [Book(title=f"t{i}", author=author) for i in range(30)], batch_size=7
    )
    assert all(b.pk for b in books)
    assert await Book.objects.filter(author=author).acount() == 30


def test_bulk_update(library: SimpleNamespace, db: Database) -> None:
    books = list(Book.objects.order_by("id"))
    for i, book in enumerate(books):
        book.pages = 1000 + i
        book.rating = None if i % 2 else float(i)
        book.title = f"{book.title}'s"
    with db.capture_queries() as queries:
        assert Book.objects.bulk_update(books, ["pages", "rating", "title"]) == 4
    assert len(queries) == 1
    fresh = list(Book.objects.order_by("id").values_list("title", "pages", "rating"))
    assert fresh == [
        ("Dune's", 1000, 0.0),
        ("Emma's", 1001, None),
        ("Ulysses's", 1002, 2.0),
        ("Neuro's", 1003, None),
    ]
    assert Book.objects.bulk_update([], ["pages"]) == 0
    with pytest.raises(ValueError):
        Book.objects.bulk_update(books, ["id"])


def test_bulk_update_in_batches_with_foreign_keys(library: SimpleNamespace, db: Database) -> None:
    Book.objects.bulk_create(Book(title=f"x{i}", author=library.ann) for i in range(40))
    many = list(Book.objects.filter(title__startswith="x"))
    for book in many:
        book.author = library.cid
    with db.capture_queries() as queries:
        Book.objects.bulk_update(many, ["author"], batch_size=16)
    assert len([q for q, _ in queries if q.upper().startswith("UPDATE")]) == 3
    assert Book.objects.filter(author=library.cid).count() == 41


@pytest.mark.anyio
async def test_abulk_update(library: SimpleNamespace) -> None:
    tags = [t async for t in Tag.objects.all()]
    for tag in tags:
        tag.name = tag.name.upper()
    assert await Tag.objects.abulk_update(tags, ["name"]) == 3
    assert sorted(await Tag.objects.values_list("name", flat=True)) == ["CLASSIC", "EPIC", "SCIFI"]


def test_bulk_create_values_that_look_like_placeholders_stay_values(db: Database) -> None:
    author = Author.objects.create(name="ann")
    titles = ["%s", "$1", "%%", "%(x)s", "$2 %s $1", "100 %"] * 20
    Book.objects.bulk_create([Book(title=t, pages=i, author=author) for i, t in enumerate(titles)])
    stored = list(Book.objects.order_by("pages").values_list("title", flat=True))
    assert stored == titles


def test_postgresql_bulk_inserts_are_sent_with_native_placeholders(db: Database) -> None:
    author = Author.objects.create(name="ann")
    with db.capture_queries() as queries:
        Book.objects.bulk_create([Book(title=f"b{i}", pages=i, author=author) for i in range(60)])
    (sql,) = [sql for sql, _ in queries if sql.lstrip().upper().startswith("INSERT")]
    if db.vendor == "postgresql":
        assert type(sql) is NativeSQL and "%s" not in sql and "$180" in sql
    else:
        assert type(sql) is str
    assert Book.objects.filter(pages__gte=0).count() == 60
