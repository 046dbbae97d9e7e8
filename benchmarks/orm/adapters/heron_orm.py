"""Heron's ORM (`heron.db`), sync and async, written the way its users write it.

Django's model API: `Book.objects.get(pk=...)` / `await Book.objects.aget(pk=...)`,
`Book.objects.select_related("author")[:1000]` (awaited in async code), `bulk_create`,
`create`, `filter(...).update(...)`, `count()`; configured with
`heron.db.connections.configure(database_url=...)`. The models are defined in `setup`, so a
missing or incomplete `heron.db` makes the run report Heron as unavailable (the worker
catches the error) instead of failing.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from dataset import BookRow, Target

Author: Any = None
Book: Any = None


def _configure(target: Target) -> None:
    global Author, Book
    from heron.db import Model, connections, fields

    url = target.url("sqlite" if target.vendor == "sqlite" else "postgresql")
    connections.configure(database_url=url)

    class _Author(Model):
        name = fields.String(max_length=100)
        email = fields.String(max_length=200)

        class Meta:
            label = "bench"
            table = "bench_author"

    class _Book(Model):
        title = fields.String(max_length=200)
        pages = fields.Integer()
        price = fields.Decimal(max_digits=10, decimal_places=2)
        published = fields.DateTime()
        author = fields.ForeignKey(_Author, on_delete=fields.CASCADE)

        class Meta:
            label = "bench"
            table = "bench_book"

    Author, Book = _Author, _Book


def _book(row: BookRow) -> Any:
    title, pages, price, published, author_id = row
    return Book(title=title, pages=pages, price=price, published=published, author_id=author_id)


# --- sync ---------------------------------------------------------------------------------


def setup(target: Target) -> None:
    """Configure the database and define the models."""
    _configure(target)


def teardown() -> None:
    """Close the pools."""
    from heron.db import connections

    close = getattr(connections, "close_all", None)
    if close is not None:
        close()


def get_by_pk(pk: int) -> Any:
    """`Book.objects.get(pk=pk)`."""
    return Book.objects.get(pk=pk)


def fetch_1000() -> list[Any]:
    """`list(Book.objects.all()[:1000])`."""
    return list(Book.objects.all()[:1000])


def fetch_1000_related() -> list[Any]:
    """`list(Book.objects.select_related("author")[:1000])`."""
    return list(Book.objects.select_related("author")[:1000])


def bulk_create_10000(rows: Sequence[BookRow]) -> None:
    """`Book.objects.bulk_create([...])`."""
    Book.objects.bulk_create([_book(r) for r in rows])


def insert_one(row: BookRow) -> Any:
    """`Book.objects.create(...)`."""
    title, pages, price, published, author_id = row
    return Book.objects.create(
        title=title, pages=pages, price=price, published=published, author_id=author_id
    )


def update_one(pk: int, price: Decimal) -> None:
    """`Book.objects.filter(pk=pk).update(price=price)`."""
    Book.objects.filter(pk=pk).update(price=price)


def count_filter(min_pages: int) -> int:
    """`Book.objects.filter(pages__gt=n).count()`."""
    return int(Book.objects.filter(pages__gt=min_pages).count())


# --- async --------------------------------------------------------------------------------


async def asetup(target: Target) -> None:
    """Configure the database and define the models."""
    _configure(target)


async def ateardown() -> None:
    """Close the pools (the async close when the registry has one)."""
    from heron.db import connections

    aclose = getattr(connections, "aclose_all", None)
    if aclose is not None:
        await aclose()
    else:
        teardown()


async def aget_by_pk(pk: int) -> Any:
    """`await Book.objects.aget(pk=pk)`."""
    return await Book.objects.aget(pk=pk)


async def afetch_1000() -> list[Any]:
    """`await Book.objects.all()[:1000]`."""
    return list(await Book.objects.all()[:1000])


async def afetch_1000_related() -> list[Any]:
    """`await Book.objects.select_related("author")[:1000]`."""
    return list(await Book.objects.select_related("author")[:1000])


async def abulk_create_10000(rows: Sequence[BookRow]) -> None:
    """`await Book.objects.abulk_create([...])`."""
    await Book.objects.abulk_create([_book(r) for r in rows])


async def ainsert_one(row: BookRow) -> Any:
    """`await Book.objects.acreate(...)`."""
    title, pages, price, published, author_id = row
    return await Book.objects.acreate(
        title=title, pages=pages, price=price, published=published, author_id=author_id
    )


async def aupdate_one(pk: int, price: Decimal) -> None:
    """`await Book.objects.filter(pk=pk).aupdate(price=price)`."""
    await Book.objects.filter(pk=pk).aupdate(price=price)


async def acount_filter(min_pages: int) -> int:
    """`await Book.objects.filter(pages__gt=n).acount()`."""
    return int(await Book.objects.filter(pages__gt=min_pages).acount())
