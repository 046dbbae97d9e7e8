"""Sync QuerySet methods refuse to run inside an event loop, naming the async twin."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from heron.db import AsyncContextError
from tests.db.query.qt_models import Author, Book, table


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("call", "twin"),
    [
        (lambda: Book.objects.get(pk=1), "aget()"),
        (lambda: Book.objects.filter(pages=1).get(), "aget()"),
        (lambda: Book.objects.count(), "acount()"),
        (lambda: Book.objects.exists(), "aexists()"),
        (lambda: Book.objects.first(), "afirst()"),
        (lambda: Book.objects.create(title="x"), "acreate()"),
        (lambda: Book.objects.update(pages=1), "aupdate()"),
        (lambda: Book.objects.all().delete(), "adelete()"),
        (lambda: Book.objects.aggregate(), "aaggregate()"),
        (lambda: Book.objects.in_bulk([1]), "ain_bulk()"),
        (lambda: Book.objects.get_or_create(title="x"), "aget_or_create()"),
        (lambda: Book.objects.bulk_create([]), "abulk_create()"),
        (lambda: Book.objects.iterator(), "aiterator()"),
        (lambda: Book.objects.explain(), "aexplain()"),
        (lambda: Book.objects.get_or_404(pk=1), "aget_or_404()"),
        (lambda: Author(name="x").save(), "asave()"),
        (lambda: list(Book.objects.all()), "`await queryset` or `async for"),
        (lambda: len(Book.objects.all()), "`await queryset` or `async for"),
        (
            lambda: list(Book.objects.raw(f"SELECT * FROM {table('book')}")),
            "`await Model.objects.raw(...)`",
        ),
    ],
)
async def test_sync_method_in_event_loop_names_its_twin(
    library: SimpleNamespace, call: object, twin: str
) -> None:
    with pytest.raises(AsyncContextError) as raised:
        call()  # type: ignore[operator]
    assert twin in str(raised.value)
    assert "event loop" in str(raised.value)


@pytest.mark.anyio
async def test_repr_in_event_loop_does_not_query(library: SimpleNamespace) -> None:
    assert repr(Book.objects.all()) == "<QuerySet of Book (not evaluated)>"
    evaluated = Book.objects.filter(title="Dune")
    await evaluated
    assert "Book object" in repr(evaluated)


@pytest.mark.anyio
async def test_lazy_relations_in_async_code(library: SimpleNamespace) -> None:
    book = await Book.objects.aget(pk=library.dune.pk)
    with pytest.raises(AsyncContextError, match=r"select_related\('author'\) or .*aget\(pk="):
        book.author  # noqa: B018 - a lazy load is a blocking query
    loaded = await Book.objects.select_related("author").aget(pk=library.dune.pk)
    assert loaded.author.name == "ann"
    author = await Author.objects.aget(name="bea")
    assert sorted(b.title for b in await author.books.all()) == ["Emma", "Ulysses"]
    assert await author.books.filter(pages__gt=500).acount() == 1


@pytest.mark.anyio
async def test_prefetch_related_objects_in_event_loop_names_its_twin(
    library: SimpleNamespace,
) -> None:
    from heron.db.query.prefetch import prefetch_related_objects

    books = await Book.objects.all()
    with pytest.raises(AsyncContextError, match="aprefetch_related_objects"):
        prefetch_related_objects(books, "author")
