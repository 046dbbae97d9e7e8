"""Converters written inline into the row loaders: the same values as the plain converters,
and a fall back to them for values another program stored in an unusual form (SQLite)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from heron.db import F, connections, fields, registry
from heron.db.backends import Database
from heron.db.fields.base import INLINE_ERRORS, Field
from tests.db.query.conftest import at, qt_tables
from tests.db.query.qt_models import Author, Book, Review

UTC = dt.UTC


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    """``connections["default"]`` on a fresh SQLite file with the ``qt`` tables."""
    connections.configure(database_url=f"sqlite:///{tmp_path / 'inline.sqlite3'}")
    database = connections["default"]
    registry.metadata.create_all(database.sqlalchemy_engine(), tables=qt_tables())
    try:
        yield database
    finally:
        connections.close_all()


def _inline_result(field: Field, vendor: str, value: Any) -> Any:
    """What the field's inline expression gives for ``value``."""
    inline = field.db_inline(vendor)
    assert inline is not None
    source = inline.source.format(value="value", **{name: name for name in inline.names})
    return eval(source, dict(inline.names), {"value": value})


PRICE = fields.Decimal(max_digits=12, decimal_places=2)
RATE = fields.Decimal(max_digits=9, decimal_places=4)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        (PRICE, 94.25),
        (PRICE, 11.33),
        (PRICE, 0.1),
        (PRICE, -0.0),
        (PRICE, 5),  # SQLite's NUMERIC affinity stores a whole number as an integer
        (PRICE, 1234567890.12),
        (RATE, 0.0001),
        (RATE, 12345.6789),
        (fields.DateTime(), "2024-03-01 12:30:00.000000"),
        (fields.DateTime(), "2024-03-01T12:30:00"),
        (fields.Boolean(), 1),
        (fields.Boolean(), 0),
    ],
)
def test_inline_expressions_give_what_the_converters_give(field: Field, value: Any) -> None:
    expected = field.db_converter("sqlite")(value)  # type: ignore[misc]
    got = _inline_result(field, "sqlite", value)
    assert got == expected and type(got) is type(expected)
    assert str(got) == str(expected)  # the same decimal places, the same offset


@pytest.mark.parametrize(
    ("field", "value"),
    [
        (fields.DateTime(), "2024-03-01 14:30:00+02:00"),  # an offset already
        (fields.DateTime(), 1709296200),  # a number, not text
        (PRICE, "12.5 EUR"),  # text the NUMERIC affinity could not turn into a number
    ],
)
def test_unusual_values_make_the_inline_expression_raise(field: Field, value: Any) -> None:
    with pytest.raises(INLINE_ERRORS):
        _inline_result(field, "sqlite", value)


def test_postgresql_needs_no_inline_conversions() -> None:
    assert PRICE.db_inline("postgresql") is None
    assert fields.DateTime().db_inline("postgresql") is None
    assert fields.Boolean().db_inline("postgresql") is None


def _insert_books(db: Database, author_id: int, published: list[Any]) -> None:
    table = Book.__table__.name
    db.executemany(
        f'INSERT INTO "{table}" (title, pages, published, author_id) VALUES (?, ?, ?, ?)',
        [(f"t{i}", i, text, author_id) for i, text in enumerate(published)],
    )


def test_date_times_stored_elsewhere_load_through_the_plain_converters(
    sqlite_db: Database,
) -> None:
    author = Author.objects.create(name="ann")
    # Heron's own form, another program's offset and 'T', and NULL in one result.
    _insert_books(
        sqlite_db,
        author.pk,
        ["2024-03-01 12:30:00.000000", "2024-03-01 14:30:00+02:00", "2024-03-01T12:30:00", None],
    )
    books = list(Book.objects.order_by("pages"))
    assert [b.published for b in books] == [at(1), at(1), at(1), None]
    assert all(b.published.tzinfo is UTC for b in books[:3])
    # get(pk=...) loads its one row through the same fallback
    assert [Book.objects.get(pk=b.pk).published for b in books] == [at(1), at(1), at(1), None]
    for book in books:
        Review.objects.create(book=book, stars=book.pages)
    reviews = list(Review.objects.select_related("book").order_by("stars"))
    assert [r.book.published for r in reviews] == [at(1), at(1), at(1), None]
    ordered = Book.objects.order_by("pages")
    assert list(ordered.values_list("published", flat=True)) == [at(1), at(1), at(1), None]
    assert [d["published"] for d in ordered.values("title", "published")] == [
        at(1),
        at(1),
        at(1),
        None,
    ]
    assert [r.published for r in ordered.values_list("published", "pages", named=True)] == [
        at(1),
        at(1),
        at(1),
        None,
    ]


@pytest.mark.anyio
async def test_usual_rows_load_async_in_one_list_and_in_chunks(sqlite_db: Database) -> None:
    author = await Author.objects.acreate(name="bo")
    moments = [at(1 + i % 20, i % 24) for i in range(300)]
    await Book.objects.abulk_create(
        [Book(title=f"b{i}", pages=i, published=m, author=author) for i, m in enumerate(moments)]
    )
    assert [b.published for b in await Book.objects.order_by("pages")] == moments
    rows = await Book.objects.order_by("pages").values("pages", "published", "author__name")
    assert rows[7] == {"pages": 7, "published": moments[7], "author__name": "bo"}
    pairs = await Book.objects.order_by("pages").values_list("published", "pages")
    assert pairs == [(m, i) for i, m in enumerate(moments)]
    assert [b.published async for b in Book.objects.order_by("pages").aiterator()] == moments
    first = await Book.objects.order_by("pages").afirst()
    assert first is not None
    assert (await Book.objects.aget(pk=first.pk)).published == moments[0]


def test_date_arithmetic_reads_text_stored_elsewhere(sqlite_db: Database) -> None:
    author = Author.objects.create(name="cy")
    _insert_books(
        sqlite_db,
        author.pk,
        [
            "2024-03-01 12:30:00.000000",  # Heron's own form
            "2024-03-01 14:30:00+02:00",  # an offset, no fraction
            "2024-03-01 14:30:00.5+02:00",  # a short fraction before the offset
            "2024-03-01T10:30:00.25-02:00",  # 'T' and a negative offset
        ],
    )
    hour = dt.timedelta(hours=1)
    shifted = Book.objects.order_by("pages").annotate(later=F("published") + hour)
    expected = [
        at(1, 13),
        at(1, 13),
        at(1, 13) + dt.timedelta(milliseconds=500),
        at(1, 13) + dt.timedelta(milliseconds=250),
    ]
    assert [b.later for b in shifted] == expected
    Book.objects.update(published=F("published") + hour)
    assert [b.published for b in Book.objects.order_by("pages")] == expected
