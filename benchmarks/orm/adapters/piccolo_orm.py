"""Piccolo (async only): `await Book.objects().get(Book.id == ...)`, `Book.objects(Book.author)`.

PostgreSQL: `PostgresEngine` with its asyncpg pool started at `pool_size`. SQLite:
`SQLiteEngine`, which opens an aiosqlite connection per query (Piccolo has no SQLite pool).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from dataset import BookRow, Target

Author: Any = None
Book: Any = None
_engine: Any = None
_MAX_PARAMS = 32_767


def _define(engine: Any) -> None:
    global Author, Book
    from piccolo.columns import BigSerial, ForeignKey, Integer, Numeric, Timestamptz, Varchar
    from piccolo.table import Table

    class _Author(Table, tablename="bench_author", db=engine):
        id = BigSerial(primary_key=True)
        name = Varchar(length=100)
        email = Varchar(length=200)

    class _Book(Table, tablename="bench_book", db=engine):
        id = BigSerial(primary_key=True)
        title = Varchar(length=200)
        pages = Integer()
        price = Numeric(digits=(10, 2))
        published = Timestamptz()
        author = ForeignKey(references=_Author, db_column_name="author_id")

    Author, Book = _Author, _Book


def _book(row: BookRow) -> Any:
    title, pages, price, published, author_id = row
    return Book(title=title, pages=pages, price=price, published=published, author=author_id)


async def asetup(target: Target) -> None:
    """Create the engine (and its pool on PostgreSQL), then the tables bound to it."""
    global _engine
    if target.vendor == "sqlite":
        from piccolo.engine.sqlite import SQLiteEngine

        _engine = SQLiteEngine(path=target.database)
    else:
        from piccolo.engine.postgres import PostgresEngine

        _engine = PostgresEngine(
            config={
                "host": target.host,
                "port": target.port,
                "user": target.user,
                "database": target.database,
            }
        )
        await _engine.start_connection_pool(min_size=1, max_size=target.pool_size)
    _define(_engine)


async def ateardown() -> None:
    """Close the pool."""
    if hasattr(_engine, "close_connection_pool"):
        await _engine.close_connection_pool()


async def aget_by_pk(pk: int) -> Any:
    """`await Book.objects().get(Book.id == pk)`."""
    return await Book.objects().get(Book.id == pk)


async def afetch_1000() -> list[Any]:
    """`await Book.objects().limit(1000)`."""
    return await Book.objects().limit(1000)


async def afetch_1000_related() -> list[Any]:
    """`await Book.objects(Book.author).limit(1000)`: the author loaded as an object."""
    return await Book.objects(Book.author).limit(1000)


async def abulk_create_10000(rows: Sequence[BookRow]) -> None:
    """`await Book.insert(*books)`, in chunks of 6,000 rows inside one transaction.

    Piccolo sends one multi-row INSERT and does not split it; PostgreSQL (and SQLite) accept
    at most 32,767 (32,766) parameters per statement, fewer than 10,000 rows x 5 columns.
    """
    books = [_book(r) for r in rows]
    chunk = _MAX_PARAMS // 5 // 1000 * 1000
    if len(books) <= chunk:
        await Book.insert(*books)
        return
    async with _engine.transaction():
        for start in range(0, len(books), chunk):
            await Book.insert(*books[start : start + chunk])


async def ainsert_one(row: BookRow) -> Any:
    """`await Book.objects().create(...)`."""
    title, pages, price, published, author_id = row
    return await Book.objects().create(
        title=title, pages=pages, price=price, published=published, author=author_id
    )


async def aupdate_one(pk: int, price: Decimal) -> None:
    """`await Book.update({Book.price: price}).where(Book.id == pk)`."""
    await Book.update({Book.price: price}).where(Book.id == pk)


async def acount_filter(min_pages: int) -> int:
    """`await Book.count().where(Book.pages > n)`."""
    return int(await Book.count().where(Book.pages > min_pages))
