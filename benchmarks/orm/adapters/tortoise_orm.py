"""Tortoise ORM (async only): `await Book.get(id=...)`, `Book.all().select_related(...)`.

Initialised with `Tortoise.init(db_url=..., modules=...)`: an asyncpg pool of `pool_size`
on PostgreSQL (`?maxsize=`), one aiosqlite connection on SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from dataset import BookRow, Target
from tortoise import Tortoise, fields
from tortoise.models import Model


class Author(Model):
    """bench_author."""

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=100)
    email = fields.CharField(max_length=200)

    class Meta:
        table = "bench_author"


class Book(Model):
    """bench_book."""

    id = fields.BigIntField(primary_key=True)
    title = fields.CharField(max_length=200)
    pages = fields.IntField()
    price = fields.DecimalField(max_digits=10, decimal_places=2)
    published = fields.DatetimeField()
    author: fields.ForeignKeyRelation[Author] = fields.ForeignKeyField(
        "models.Author", related_name="books", on_delete=fields.CASCADE
    )

    class Meta:
        table = "bench_book"


def _book(row: BookRow) -> Book:
    title, pages, price, published, author_id = row
    return Book(title=title, pages=pages, price=price, published=published, author_id=author_id)


async def asetup(target: Target) -> None:
    """`Tortoise.init(db_url=..., modules={"models": [this module]})`."""
    if target.vendor == "sqlite":
        url = target.url("sqlite")
    else:
        url = target.url("asyncpg") + f"?minsize=1&maxsize={target.pool_size}"
    await Tortoise.init(db_url=url, modules={"models": [__name__]})


async def ateardown() -> None:
    """Close the connections."""
    await Tortoise.close_connections()


async def aget_by_pk(pk: int) -> Book:
    """`await Book.get(id=pk)`."""
    return await Book.get(id=pk)


async def afetch_1000() -> list[Book]:
    """`await Book.all().limit(1000)`."""
    return await Book.all().limit(1000)


async def afetch_1000_related() -> list[Book]:
    """`await Book.all().select_related("author").limit(1000)`."""
    return await Book.all().select_related("author").limit(1000)


async def abulk_create_10000(rows: Sequence[BookRow]) -> None:
    """`await Book.bulk_create([...])`."""
    await Book.bulk_create([_book(r) for r in rows])


async def ainsert_one(row: BookRow) -> Book:
    """`await Book.create(...)`."""
    title, pages, price, published, author_id = row
    return await Book.create(
        title=title, pages=pages, price=price, published=published, author_id=author_id
    )


async def aupdate_one(pk: int, price: Decimal) -> None:
    """`await Book.filter(id=pk).update(price=price)`."""
    await Book.filter(id=pk).update(price=price)


async def acount_filter(min_pages: int) -> int:
    """`await Book.filter(pages__gt=n).count()`."""
    return await Book.filter(pages__gt=min_pages).count()
