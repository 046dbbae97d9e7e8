"""Django's ORM: `Book.objects.get(pk=...)` and friends, and their `a`-methods (`aget`...).

Configured with `settings.configure()` (USE_TZ, persistent connection: CONN_MAX_AGE=None);
the PostgreSQL backend is psycopg 3. The a-methods run the sync ORM in asgiref's
single thread-sensitive executor, as Django does.
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
    import django
    from django.conf import settings

    if target.vendor == "sqlite":
        db = {"ENGINE": "django.db.backends.sqlite3", "NAME": target.database}
    else:
        db = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": target.database,
            "USER": target.user,
            "HOST": target.host,
            "PORT": str(target.port),
        }
    settings.configure(
        DATABASES={"default": {**db, "CONN_MAX_AGE": None}},
        INSTALLED_APPS=[],
        USE_TZ=True,
        TIME_ZONE="UTC",
        DEBUG=False,
    )
    django.setup()
    from django.db import models

    class _Author(models.Model):
        id = models.BigAutoField(primary_key=True)
        name = models.CharField(max_length=100)
        email = models.CharField(max_length=200)

        class Meta:
            app_label = "bench"
            db_table = "bench_author"

    class _Book(models.Model):
        id = models.BigAutoField(primary_key=True)
        title = models.CharField(max_length=200)
        pages = models.IntegerField()
        price = models.DecimalField(max_digits=10, decimal_places=2)
        published = models.DateTimeField()
        author = models.ForeignKey(_Author, on_delete=models.CASCADE)

        class Meta:
            app_label = "bench"
            db_table = "bench_book"

    Author, Book = _Author, _Book


def _book(row: BookRow) -> Any:
    title, pages, price, published, author_id = row
    return Book(title=title, pages=pages, price=price, published=published, author_id=author_id)


# --- sync ---------------------------------------------------------------------------------


def setup(target: Target) -> None:
    """Configure Django and define the models."""
    _configure(target)


def teardown() -> None:
    """Close the connection."""
    from django.db import connections

    connections.close_all()


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


# --- async (a-methods) --------------------------------------------------------------------


async def asetup(target: Target) -> None:
    """Configure Django and define the models."""
    _configure(target)


async def ateardown() -> None:
    """Close the connection (in the thread that opened it)."""
    from asgiref.sync import sync_to_async

    await sync_to_async(teardown)()


async def aget_by_pk(pk: int) -> Any:
    """`await Book.objects.aget(pk=pk)`."""
    return await Book.objects.aget(pk=pk)


async def afetch_1000() -> list[Any]:
    """`[b async for b in Book.objects.all()[:1000]]`."""
    return [b async for b in Book.objects.all()[:1000]]


async def afetch_1000_related() -> list[Any]:
    """`[b async for b in Book.objects.select_related("author")[:1000]]`."""
    return [b async for b in Book.objects.select_related("author")[:1000]]


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
