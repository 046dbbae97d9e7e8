"""Large loads run with the cyclic garbage collector paused, and leave its switch as found."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from heron.db.backends import Database
from heron.db.query.gcpause import MIN_ROWS, build_many
from tests.db.query.qt_models import Author, Book


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def _seen_state(rows: Sequence[Any]) -> bool:
    return gc.isenabled()


def test_build_many_pauses_only_large_builds(collector_on: None) -> None:
    assert build_many(_seen_state, [0] * (MIN_ROWS - 1)) is True
    assert build_many(_seen_state, [0] * MIN_ROWS) is False
    assert gc.isenabled()


def test_build_many_turns_the_collector_back_on_after_an_error(collector_on: None) -> None:
    def fail(rows: Sequence[Any]) -> None:
        raise ValueError("bad row")

    with pytest.raises(ValueError, match="bad row"):
        build_many(fail, [0] * MIN_ROWS)
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_application_stays_off(collector_on: None) -> None:
    gc.disable()
    assert build_many(_seen_state, [0] * MIN_ROWS) is False
    assert not gc.isenabled()


def _seed(count: int) -> None:
    author = Author.objects.create(name="ann")
    Book.objects.bulk_create([Book(title=f"t{i}", pages=i, author=author) for i in range(count)])


def test_large_fetches_load_everything_and_leave_the_collector_on(
    db: Database, collector_on: None
) -> None:
    _seed(MIN_ROWS + 50)
    books = list(Book.objects.select_related("author").order_by("pages"))
    assert [b.pages for b in books] == list(range(MIN_ROWS + 50))
    assert all(b.author.name == "ann" for b in books)
    titles = list(Book.objects.order_by("pages").values_list("title", flat=True))
    assert titles[-1] == f"t{MIN_ROWS + 49}"
    assert gc.isenabled()


@pytest.mark.anyio
async def test_large_async_fetches_leave_the_collector_on(db: Database, collector_on: None) -> None:
    await Author.objects.acreate(name="bo")
    author = await Author.objects.aget(name="bo")
    await Book.objects.abulk_create(
        [Book(title=f"a{i}", pages=i, author=author) for i in range(300)]
    )
    books = await Book.objects.order_by("pages")
    rows = await Book.objects.values("title")
    assert len(books) == len(rows) == 300 and books[299].title == "a299"
    assert gc.isenabled()
