"""Regression tests for the SELECT audit: ``__in=qs.none()``, ``only()`` with
``select_related()``, transformed values, grouped ordering, small terminal-method fixes and
the messages of blocking calls in an event loop."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from heron.db import AsyncContextError, Count, NotSupportedError, atomic
from heron.db.backends import Database
from heron.db.models.exceptions import FieldError
from tests.db.query.qt_models import Author, Book, table


def titles(rows: object) -> list[str]:
    return sorted(b.title for b in rows)  # type: ignore[attr-defined]


ALL = ["Dune", "Emma", "Neuro", "Ulysses"]

# -- 1. field__in=<QuerySet.none()> ---------------------------------------------------------


def test_in_a_none_queryset_matches_nothing(library: SimpleNamespace) -> None:
    assert list(Book.objects.filter(author__in=Author.objects.none())) == []
    assert titles(Book.objects.exclude(author__in=Author.objects.none())) == ALL
    assert list(Book.objects.filter(pk__in=Book.objects.none())) == []
    assert titles(Book.objects.exclude(editor__in=Author.objects.none())) == ALL
    names = Author.objects.values_list("name", flat=True)
    assert list(Author.objects.filter(name__in=names.none())) == []
    assert Book.objects.filter(author__in=Author.objects.none()).count() == 0
    assert not Book.objects.filter(author__in=Author.objects.none()).exists()
    assert Book.objects.filter(author__in=Author.objects.none()).update(pages=1) == 0
    assert Book.objects.filter(pages=1).count() == 0


def test_none_subquery_has_its_own_cached_shape(library: SimpleNamespace) -> None:
    ann = Author.objects.filter(name="ann")
    # The same subquery shape with and without none(), in both orders: neither may reuse
    # the other's statement.
    assert titles(Book.objects.filter(author__in=ann)) == ["Dune"]
    assert list(Book.objects.filter(author__in=ann.none())) == []
    bea = Author.objects.filter(name="bea")
    assert list(Book.objects.filter(author__in=bea.none()[:1])) == []
    assert titles(Book.objects.filter(author__in=bea[:1])) == ["Emma", "Ulysses"]
    nested = Author.objects.filter(publisher__in=Author.objects.none().values("publisher"))
    assert list(Book.objects.filter(author__in=nested)) == []


@pytest.mark.anyio
async def test_in_a_none_queryset_matches_nothing_async(library: SimpleNamespace) -> None:
    assert await Book.objects.filter(author__in=Author.objects.none()) == []
    excluded = await Book.objects.exclude(author__in=Author.objects.none())
    assert titles(excluded) == ALL
    assert await Book.objects.filter(pk__in=Book.objects.none()).acount() == 0


# -- 2. only() with select_related() ---------------------------------------------------------


def test_select_related_of_a_deferred_foreign_key_raises(library: SimpleNamespace) -> None:
    message = r"Field Book\.author cannot be both deferred and traversed using select_related"
    with pytest.raises(FieldError, match=message):
        list(Book.objects.only("title").select_related("author"))
    with pytest.raises(FieldError, match=message):
        list(Book.objects.defer("author").select_related("author"))
    deep = Book.objects.only("title", "author__name").select_related("author__publisher")
    with pytest.raises(FieldError, match=r"Field Author\.publisher cannot be both deferred"):
        list(deep)


def test_only_naming_the_foreign_key_loads_it(library: SimpleNamespace, db: Database) -> None:
    with db.capture_queries() as queries:
        book = Book.objects.only("title", "author__name").select_related("author").get(title="Dune")
        assert book.author.name == "ann"
    assert len(queries) == 1
    assert "pages" not in book.__dict__ and "age" not in book.author.__dict__
    book = Book.objects.only("title", "author").select_related("author").get(title="Emma")
    assert book.author.name == "bea"


def test_get_deferred_fields_names_what_only_and_defer_left_out(
    library: SimpleNamespace, db: Database
) -> None:
    book = Book.objects.only("title").get(title="Dune")
    assert book.get_deferred_fields() == {"pages", "rating", "published", "author_id", "editor_id"}
    with db.capture_queries() as queries:
        assert book.pages >= 0  # loads the field, with a query
    assert len(queries) == 1
    assert "pages" not in book.get_deferred_fields()
    assert Book.objects.defer("rating", "author").get(title="Dune").get_deferred_fields() == {
        "rating",
        "author_id",
    }
    assert Book.objects.get(title="Dune").get_deferred_fields() == set()
    assert Book(title="new").get_deferred_fields() == set()


@pytest.mark.anyio
async def test_select_related_of_a_deferred_foreign_key_raises_async(
    library: SimpleNamespace,
) -> None:
    with pytest.raises(FieldError, match=r"Book\.author cannot be both deferred"):
        await Book.objects.only("title").select_related("author")


# -- 3. values() of transforms ----------------------------------------------------------------

DATES = [dt.date(2024, 3, 1), dt.date(2024, 3, 5), dt.date(2024, 3, 10), None]
PARTS = {
    "year": [2024, 2024, 2024],
    "month": [3, 3, 3],
    "day": [1, 5, 10],
    "hour": [12, 12, 23],
    "minute": [30, 30, 30],
    "second": [0, 0, 0],
    "week_day": [6, 3, 1],  # Friday, Tuesday, Sunday (Sunday = 1)
    "date__year": [2024, 2024, 2024],
    "date__day": [1, 5, 10],
}


def _check_types(values: list[object], expected: list[object], kind: type) -> None:
    assert values == expected
    assert all(type(v) is kind for v in values if v is not None)


def test_values_of_transforms_have_python_types(library: SimpleNamespace) -> None:
    books = Book.objects.order_by("pk")
    dates = list(books.values_list("published__date", flat=True))
    _check_types(dates, DATES, dt.date)
    dicts = list(books.values("title", "published__date"))
    _check_types([d["published__date"] for d in dicts], DATES, dt.date)
    named = list(books.values_list("published__date", "published__year", named=True))
    _check_types([r.published__date for r in named], DATES, dt.date)
    dated = books.filter(published__isnull=False)
    for part, expected in PARTS.items():
        values = list(dated.values_list(f"published__{part}", flat=True))
        _check_types(values, expected, int)


def test_grouped_values_of_a_date_transform(library: SimpleNamespace) -> None:
    rows = list(
        Book.objects.filter(published__isnull=False)
        .values("published__date")
        .annotate(n=Count("id"))
        .order_by("published__date")
    )
    assert rows == [{"published__date": d, "n": 1} for d in DATES[:3]]
    assert all(type(r["published__date"]) is dt.date for r in rows)


@pytest.mark.anyio
async def test_values_of_transforms_have_python_types_async(library: SimpleNamespace) -> None:
    books = Book.objects.order_by("pk")
    _check_types(await books.values_list("published__date", flat=True), DATES, dt.date)
    years = await books.filter(published__isnull=False).values_list("published__year", flat=True)
    _check_types(years, PARTS["year"], int)


# -- 4. grouped values() with first()/last()/order_by() -----------------------------------------

UNORDERED = r"Cannot use QuerySet\.{}\(\) on an unordered queryset performing aggregation\. Add"


def test_first_last_of_an_unordered_grouped_query_raise(library: SimpleNamespace) -> None:
    grouped = Book.objects.values("author").annotate(n=Count("id"))
    with pytest.raises(TypeError, match=UNORDERED.format("first")):
        grouped.first()
    with pytest.raises(TypeError, match=UNORDERED.format("last")):
        grouped.last()
    assert grouped.order_by("author").first() == {"author": library.ann.pk, "n": 1}
    assert grouped.order_by("-n", "author").first() == {"author": library.bea.pk, "n": 2}
    assert grouped.order_by("-n", "author").last() == {"author": library.cid.pk, "n": 1}
    # The pk among the grouped fields: first() orders by it, as Django does.
    by_pk = Book.objects.values("pk").annotate(n=Count("tags"))
    assert by_pk.first() == {"pk": library.dune.pk, "n": 2}
    assert by_pk.last() == {"pk": library.neuro.pk, "n": 1}
    # Grouped by instance: the pk is grouped, first() works.
    assert Book.objects.annotate(n=Count("tags")).first() == library.dune


@pytest.mark.anyio
async def test_afirst_alast_of_an_unordered_grouped_query_raise(library: SimpleNamespace) -> None:
    grouped = Book.objects.values("author").annotate(n=Count("id"))
    with pytest.raises(TypeError, match=UNORDERED.format("first")):
        await grouped.afirst()
    with pytest.raises(TypeError, match=UNORDERED.format("last")):
        await grouped.alast()
    assert await grouped.order_by("-n").afirst() == {"author": library.bea.pk, "n": 2}


def test_order_by_a_field_outside_values_groups_by_it(library: SimpleNamespace) -> None:
    grouped = Book.objects.values("author").annotate(n=Count("id"))
    by_pages = grouped.order_by("pages")
    ann, bea, cid = library.ann.pk, library.bea.pk, library.cid.pk
    expected = [{"author": a, "n": 1} for a in (cid, bea, ann, bea)]
    assert list(by_pages) == expected
    assert by_pages.count() == 4
    assert by_pages.first() == expected[0] and by_pages.last() == expected[-1]  # fetched
    by_age = list(grouped.order_by("-author__age"))
    assert by_age == [{"author": ann, "n": 1}, {"author": cid, "n": 1}, {"author": bea, "n": 2}]
    by_day = list(grouped.filter(published__isnull=False).order_by("-published__day"))
    assert by_day == [{"author": bea, "n": 1}, {"author": bea, "n": 1}, {"author": ann, "n": 1}]
    per_book = Book.objects.annotate(n=Count("tags")).order_by("author__name", "title")
    assert [b.title for b in per_book] == ["Dune", "Emma", "Ulysses", "Neuro"]


# -- 5. in_bulk() after values(), reverse().first(), aggregate() --------------------------------


def test_in_bulk_after_values_raises(library: SimpleNamespace) -> None:
    message = r"in_bulk\(\) cannot be used with values\(\) or values_list\(\)\."
    for qs in (Book.objects.values(), Book.objects.values("title"), Book.objects.values_list()):
        with pytest.raises(TypeError, match=message):
            qs.in_bulk()
    with pytest.raises(TypeError, match=message):
        Book.objects.values_list("title", flat=True).in_bulk([library.dune.pk])


@pytest.mark.anyio
async def test_ain_bulk_after_values_raises(library: SimpleNamespace) -> None:
    with pytest.raises(TypeError, match=r"in_bulk\(\) cannot be used with values\(\)"):
        await Book.objects.values("title").ain_bulk()


def test_reverse_of_an_unordered_queryset_reverses_first_and_last(
    library: SimpleNamespace,
) -> None:
    assert Book.objects.reverse().first() == library.neuro
    assert Book.objects.reverse().last() == library.dune
    assert Book.objects.reverse().reverse().first() == library.dune
    assert Book.objects.order_by("pages").reverse().first() == library.ulysses
    assert Author.objects.reverse().first() == library.cid  # Meta.ordering = ["name"]


def test_first_last_of_a_fetched_queryset(library: SimpleNamespace) -> None:
    books = Book.objects.order_by("pages")
    assert len(books) == 4
    assert books.first() == library.neuro and books.last() == library.ulysses


@pytest.mark.anyio
async def test_afirst_alast_of_a_fetched_queryset(library: SimpleNamespace) -> None:
    books = Book.objects.order_by("pages")
    assert len(await books) == 4
    assert await books.afirst() == library.neuro and await books.alast() == library.ulysses


@pytest.mark.anyio
async def test_reverse_of_an_unordered_queryset_async(library: SimpleNamespace) -> None:
    assert await Book.objects.reverse().afirst() == library.neuro
    assert await Book.objects.reverse().alast() == library.dune


def test_aggregate_without_arguments_is_empty(library: SimpleNamespace, db: Database) -> None:
    with db.capture_queries() as queries:
        assert Book.objects.aggregate() == {}
        assert Book.objects.filter(pages__gt=1).aggregate() == {}
        assert Book.objects.values("author").annotate(n=Count("id")).aggregate() == {}
    assert queries == []


@pytest.mark.anyio
async def test_aaggregate_without_arguments_is_empty(library: SimpleNamespace) -> None:
    assert await Book.objects.aaggregate() == {}
    assert await Book.objects.none().aaggregate() == {}


# -- 6. messages of blocking calls in an event loop ---------------------------------------------


@pytest.mark.anyio
async def test_indexing_in_an_event_loop_names_the_async_way(library: SimpleNamespace) -> None:
    for index in (0, 3):
        with pytest.raises(AsyncContextError) as raised:
            Book.objects.order_by("pk")[index]
        message = str(raised.value)
        assert f"(await qs[{index}:{index + 1}])[0]" in message
        assert "afetchall" not in message
    assert (await Book.objects.order_by("pk")[0:1])[0] == library.dune


@pytest.mark.anyio
async def test_raw_in_an_event_loop_names_the_async_way(library: SimpleNamespace) -> None:
    raw = Book.objects.raw(f"SELECT * FROM {table('book')}")
    with pytest.raises(AsyncContextError) as raised:
        list(raw)
    message = str(raised.value)
    assert "araw" not in message
    assert "await Model.objects.raw(...)" in message and "async for" in message
    assert len(await raw) == 4


def test_select_for_update_locks_the_rows_asked_for(db: Database, library: SimpleNamespace) -> None:
    locked = Book.objects.select_for_update(of=("self",)).select_related("editor")
    if db.vendor == "mysql":  # MariaDB has no FOR UPDATE OF
        with pytest.raises(NotSupportedError, match="only supported on PostgreSQL"), atomic():
            list(locked)
        return
    with atomic():
        # PostgreSQL cannot lock the outer join of the nullable editor: of= leaves it out.
        assert len(list(locked)) == Book.objects.count()
    if db.vendor == "postgresql":
        assert str(locked.query).rstrip().endswith(f"FOR UPDATE OF {table('book')}")
        with pytest.raises(FieldError, match="'author' is not 'self' or a relation followed"):
            str(Book.objects.select_for_update(of=("author",)).query)


def test_only_and_defer_after_values_are_refused(db: Database) -> None:
    for rows in (Book.objects.values(), Book.objects.values_list(), Book.objects.values("title")):
        with pytest.raises(TypeError, match="Cannot call only"):
            rows.only("title")
        with pytest.raises(TypeError, match="Cannot call defer"):
            rows.defer("title")
