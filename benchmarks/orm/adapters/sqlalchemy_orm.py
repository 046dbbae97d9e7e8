"""SQLAlchemy 2 ORM: a fresh `Session` (or `AsyncSession`) per operation, as in a request.

Reads are `session.get(Book, pk)` and `session.scalars(select(Book)...)` (with
`joinedload(Book.author)` for the related fetch), statements built per call as application
code does; writes commit. The bulk insert is the documented fast path, an ORM bulk
`session.execute(insert(Book), [dicts])`. Engines: psycopg 3 / asyncpg on PostgreSQL,
pysqlite / aiosqlite on SQLite, pool of `pool_size`, `expire_on_commit=False`.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from dataset import BookRow, Target
from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    func,
    insert,
    select,
    update,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import DeclarativeBase, Mapped, joinedload, mapped_column, relationship

# SQLite stores numeric(10, 2) as REAL; SQLAlchemy warns once about the float conversion.
warnings.filterwarnings("ignore", category=sa_exc.SAWarning)

_Id = BigInteger().with_variant(Integer, "sqlite")


class Base(DeclarativeBase):
    """The declarative base of the two models."""


class Author(Base):
    """bench_author."""

    __tablename__ = "bench_author"
    id: Mapped[int] = mapped_column(_Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(200))


class Book(Base):
    """bench_book."""

    __tablename__ = "bench_book"
    id: Mapped[int] = mapped_column(_Id, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    pages: Mapped[int] = mapped_column(Integer)
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    published: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    author_id: Mapped[int] = mapped_column(ForeignKey("bench_author.id"))
    author: Mapped[Author] = relationship()


_engine: Any = None
_session: Any = None


def _dicts(rows: Sequence[BookRow]) -> list[dict[str, Any]]:
    return [
        {"title": t, "pages": pg, "price": pr, "published": pub, "author_id": a}
        for t, pg, pr, pub, a in rows
    ]


def _book(row: BookRow) -> Book:
    title, pages, price, published, author_id = row
    return Book(title=title, pages=pages, price=price, published=published, author_id=author_id)


# --- sync: Session ------------------------------------------------------------------------


def setup(target: Target) -> None:
    """Create the engine (psycopg 3 or pysqlite) and the session factory."""
    global _engine, _session
    from sqlalchemy import create_engine
    from sqlalchemy.orm import sessionmaker

    scheme = "sqlite+pysqlite" if target.vendor == "sqlite" else "postgresql+psycopg"
    _engine = create_engine(target.url(scheme), pool_size=target.pool_size)
    _session = sessionmaker(_engine, expire_on_commit=False)


def teardown() -> None:
    """Dispose of the engine's pool."""
    _engine.dispose()


def get_by_pk(pk: int) -> Book | None:
    """`session.get(Book, pk)`."""
    with _session() as session:
        return session.get(Book, pk)


def fetch_1000() -> Sequence[Book]:
    """`session.scalars(select(Book).limit(1000)).all()`."""
    with _session() as session:
        return session.scalars(select(Book).limit(1000)).all()


def fetch_1000_related() -> Sequence[Book]:
    """`select(Book).options(joinedload(Book.author)).limit(1000)`."""
    with _session() as session:
        stmt = select(Book).options(joinedload(Book.author)).limit(1000)
        return session.scalars(stmt).all()


def bulk_create_10000(rows: Sequence[BookRow]) -> None:
    """`session.execute(insert(Book), [dicts])`, then commit."""
    with _session() as session:
        session.execute(insert(Book), _dicts(rows))
        session.commit()


def insert_one(row: BookRow) -> Book:
    """`session.add(Book(...))`, then commit."""
    book = _book(row)
    with _session() as session:
        session.add(book)
        session.commit()
    return book


def update_one(pk: int, price: Decimal) -> None:
    """`update(Book).where(Book.id == pk).values(price=price)`, then commit."""
    with _session() as session:
        session.execute(update(Book).where(Book.id == pk).values(price=price))
        session.commit()


def count_filter(min_pages: int) -> int:
    """`select(func.count()).select_from(Book).where(Book.pages > n)`."""
    with _session() as session:
        stmt = select(func.count()).select_from(Book).where(Book.pages > min_pages)
        return int(session.scalar(stmt))


# --- async: AsyncSession ------------------------------------------------------------------


async def asetup(target: Target) -> None:
    """Create the async engine (asyncpg or aiosqlite) and the session factory."""
    global _engine, _session
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    scheme = "sqlite+aiosqlite" if target.vendor == "sqlite" else "postgresql+asyncpg"
    _engine = create_async_engine(target.url(scheme), pool_size=target.pool_size)
    _session = async_sessionmaker(_engine, expire_on_commit=False)


async def ateardown() -> None:
    """Dispose of the engine's pool."""
    await _engine.dispose()


async def aget_by_pk(pk: int) -> Book | None:
    """`await session.get(Book, pk)`."""
    async with _session() as session:
        return await session.get(Book, pk)


async def afetch_1000() -> Sequence[Book]:
    """`(await session.scalars(select(Book).limit(1000))).all()`."""
    async with _session() as session:
        return (await session.scalars(select(Book).limit(1000))).all()


async def afetch_1000_related() -> Sequence[Book]:
    """`select(Book).options(joinedload(Book.author)).limit(1000)`."""
    async with _session() as session:
        stmt = select(Book).options(joinedload(Book.author)).limit(1000)
        return (await session.scalars(stmt)).all()


async def abulk_create_10000(rows: Sequence[BookRow]) -> None:
    """`await session.execute(insert(Book), [dicts])`, then commit."""
    async with _session() as session:
        await session.execute(insert(Book), _dicts(rows))
        await session.commit()


async def ainsert_one(row: BookRow) -> Book:
    """`session.add(Book(...))`, then commit."""
    book = _book(row)
    async with _session() as session:
        session.add(book)
        await session.commit()
    return book


async def aupdate_one(pk: int, price: Decimal) -> None:
    """`update(Book).where(Book.id == pk).values(price=price)`, then commit."""
    async with _session() as session:
        await session.execute(update(Book).where(Book.id == pk).values(price=price))
        await session.commit()


async def acount_filter(min_pages: int) -> int:
    """`select(func.count()).select_from(Book).where(Book.pages > n)`."""
    async with _session() as session:
        stmt = select(func.count()).select_from(Book).where(Book.pages > min_pages)
        return int(await session.scalar(stmt))
