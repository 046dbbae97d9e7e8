"""Audit of the async API surface, several databases and the terminal methods' edge cases.

Each test runs on SQLite, PostgreSQL and MariaDB. Found wrong and fixed: ``reverse()`` and
``last()`` of a sliced QuerySet (wrong rows), ``contains()``/``acontains()`` (missing),
``none().aggregate(Count(...))`` (``None``), an instance saved (or refreshed) on
``default`` after being loaded from another database (kept saving there),
``update_or_create()`` without defaults
(an UPDATE of every field), ``bulk_create(update_conflicts=True)`` on MariaDB (no primary
keys), and the ``AsyncContextError`` of ``refresh_from_db()``, ``delete()`` and
``full_clean()`` (named the QuerySet method they run instead of their own twin).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from heron.db import (
    AsyncContextError,
    Avg,
    Count,
    F,
    Max,
    Model,
    Sum,
    atomic,
    fields,
    hold_connection,
)
from heron.db.backends import Database
from heron.db.query.queryset import QuerySet
from heron.db.validators import MinValueValidator
from tests.db.query.qt_models import Author, Book, Publisher, Tag, table


class Stamped(Model):
    """A unique name, a default, a validator and ``auto_now``/``auto_now_add`` stamps."""

    name = fields.String(max_length=50, unique=True)
    size = fields.Integer(default=7, validators=[MinValueValidator(0)])
    created = fields.DateTime(auto_now_add=True)
    updated = fields.DateTime(auto_now=True)

    class Meta:
        label = "qt"
        table = table("stamped")


def pool_is_idle(db: Database) -> bool:
    """Every sync connection is back in the pool and no transaction is open."""
    return db._pool.open_count == db._pool.idle_count and not db.in_transaction()


def apool_is_idle(db: Database) -> bool:
    """Every async connection of the running loop is back in its pool, no transaction open."""
    pool = db._apools.current()
    return pool.open_count == len(pool.idle) and not db.in_transaction()


def writes(queries: list[tuple[str, Any]]) -> list[str]:
    """The INSERT/UPDATE/DELETE statements among captured queries."""
    verbs = ("INSERT", "UPDATE", "DELETE")
    return [sql for sql, _ in queries if sql.lstrip().upper().startswith(verbs)]


@contextlib.contextmanager
def inserted_meanwhile(name: str) -> Iterator[None]:
    """``get_or_create()`` finds no row, then another connection inserts ``Tag(name)``
    (committed) before the INSERT runs: the race its IntegrityError path recovers from."""
    original = QuerySet._create_params

    def racing(self: QuerySet[Any], kwargs: Any, defaults: Any) -> Any:
        thread = threading.Thread(target=lambda: Tag.objects.create(name=name))
        thread.start()
        thread.join()
        return original(self, kwargs, defaults)

    QuerySet._create_params = racing  # type: ignore[method-assign]
    try:
        yield
    finally:
        QuerySet._create_params = original  # type: ignore[method-assign]


# -- the async twins ------------------------------------------------------------------------


@pytest.mark.anyio
async def test_async_iteration_of_every_row_shape(library: SimpleNamespace) -> None:
    ordered = Book.objects.order_by("pk")
    titles = ["Dune", "Emma", "Ulysses", "Neuro"]
    assert [b.title async for b in ordered] == titles
    assert [r["title"] async for r in ordered.values("title")] == titles
    assert [t async for t in ordered.values_list("title", flat=True)] == titles
    assert (await ordered.values_list("title", "pages"))[0] == ("Dune", 412)
    assert [t async for t in ordered.values_list("title", flat=True).aiterator(2)] == titles
    qs = Book.objects.all()
    rows = await qs
    assert isinstance(rows, list) and len(rows) == 4
    assert len(qs) == 4 and bool(qs)  # cached by the await: no query, no error
    assert (await Book.objects.order_by("pk")[1:2])[0] == library.emma


@pytest.mark.anyio
async def test_sync_calls_in_an_event_loop_leave_no_connection_behind(
    library: SimpleNamespace, db: Database
) -> None:
    qs = Book.objects.all()
    calls: list[Callable[[], Any]] = [
        lambda: bool(qs),
        lambda: qs[0],
        lambda: library.dune in qs,
        lambda: list(qs.values("title")),
        lambda: Book.objects.last(),
        lambda: Book.objects.latest("pages"),
        lambda: Book.objects.contains(library.dune),
        lambda: Book.objects.update_or_create(title="x"),
        lambda: Book.objects.bulk_update([], ["pages"]),
        lambda: Book.objects.delete(),
        lambda: Book.objects.using("default").get(pk=1),
        lambda: library.ann.books.count(),
        lambda: library.ann.books.create(title="x"),
        lambda: library.dune.tags.add(library.classic),
    ]
    for call in calls:
        with pytest.raises(AsyncContextError, match="event loop"):
            call()
    assert apool_is_idle(db) and pool_is_idle(db)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("call", "method", "twin"),
    [
        (lambda lib: lib.dune.refresh_from_db(), "Book.refresh_from_db()", "arefresh_from_db()"),
        (lambda lib: lib.dune.delete(), "Book.delete()", "adelete()"),
        (lambda lib: lib.epic.full_clean(), "Tag.full_clean()", "afull_clean()"),
        (lambda lib: lib.epic.validate_unique(), "Tag.validate_unique()", "avalidate_unique()"),
    ],
)
async def test_instance_methods_in_an_event_loop_name_their_own_twin(
    library: SimpleNamespace, call: Callable[[SimpleNamespace], Any], method: str, twin: str
) -> None:
    with pytest.raises(AsyncContextError) as raised:
        call(library)
    assert raised.value.method.startswith(method) and raised.value.twin == twin


@pytest.mark.anyio
async def test_reading_a_deferred_field_in_an_event_loop_names_arefresh_from_db(
    library: SimpleNamespace,
) -> None:
    book = await Book.objects.only("title").aget(pk=library.dune.pk)
    with pytest.raises(AsyncContextError, match=r"deferred .* arefresh_from_db\(\)"):
        book.pages  # noqa: B018 - loading a deferred field is a blocking query
    library.dune.full_clean()  # no unique field on Book: no query, so no error


# -- contains() -----------------------------------------------------------------------------


def test_contains(library: SimpleNamespace, db: Database) -> None:
    long_books = Book.objects.filter(pages__gt=400)
    assert long_books.contains(library.dune) and not long_books.contains(library.emma)
    assert Book.objects.contains(library.emma)
    assert not Book.objects.none().contains(library.emma)
    assert not Book.objects.contains(library.ann)  # another model's instance
    evaluated = list(long_books)
    with db.capture_queries() as queries:
        assert long_books.contains(evaluated[0])
    assert queries == []
    with pytest.raises(ValueError, match="unsaved"):
        Book.objects.contains(Book(title="new"))
    with pytest.raises(TypeError, match="values"):
        Book.objects.values("title").contains(library.dune)
    with pytest.raises(TypeError, match="model instance"):
        Book.objects.contains(library.dune.pk)  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_acontains(library: SimpleNamespace) -> None:
    assert await Book.objects.filter(author__name="bea").acontains(library.emma)
    assert not await Book.objects.filter(author__name="bea").acontains(library.dune)


# -- edge semantics of the terminal methods -------------------------------------------------


def test_reverse_and_last_of_a_sliced_queryset_are_refused(library: SimpleNamespace) -> None:
    sliced = Book.objects.order_by("pages")[1:3]  # Emma (300), Dune (412)
    with pytest.raises(TypeError, match="reverse"):
        sliced.reverse()
    with pytest.raises(TypeError, match="reverse"):
        sliced.last()
    assert sliced.first() == library.emma
    with pytest.raises(TypeError, match="reorder"):
        Book.objects.all()[1:3].first()  # unordered: would order by pk


@pytest.mark.anyio
async def test_alast_of_a_sliced_queryset_is_refused(library: SimpleNamespace) -> None:
    with pytest.raises(TypeError, match="reverse"):
        await Book.objects.order_by("pages")[1:3].alast()


def test_first_last_and_reverse_without_ordering(library: SimpleNamespace) -> None:
    assert Book.objects.reverse().first() == library.neuro
    assert Book.objects.reverse().last() == library.dune
    assert Book.objects.values_list("title", flat=True).last() == "Neuro"
    assert Book.objects.values("title").get(pk=library.dune.pk) == {"title": "Dune"}


def test_count_and_exists_of_slices_distinct_and_groups(library: SimpleNamespace) -> None:
    ordered = Book.objects.order_by("pk")
    assert ordered[1:3].count() == 2 and ordered[3:].count() == 1
    assert ordered[3:].exists() and not ordered[4:].exists()
    assert Book.objects.values("author").distinct().count() == 3
    assert Book.objects.values("author").annotate(n=Count("id")).count() == 3
    assert Author.objects.filter(books__pages__gt=0).count() == 4
    assert Author.objects.filter(books__pages__gt=0).distinct().count() == 3


def test_update_and_delete_of_a_slice_are_refused(library: SimpleNamespace) -> None:
    with pytest.raises(TypeError, match="slice"):
        Book.objects.order_by("pk")[:2].update(pages=1)
    with pytest.raises(TypeError, match="slice"):
        Book.objects.order_by("pk")[:2].delete()
    assert Book.objects.filter(pages=1).count() == 0


def test_aggregates_over_no_rows(library: SimpleNamespace, db: Database) -> None:
    expected = {"pages__sum": None, "pages__avg": None, "pages__max": None, "n": 0}
    aggregates = (Sum("pages"), Avg("pages"), Max("pages"))
    assert Book.objects.filter(pages__gt=10**6).aggregate(*aggregates, n=Count("id")) == expected
    with db.capture_queries() as queries:
        assert Book.objects.none().aggregate(*aggregates, n=Count("id")) == expected
        assert Book.objects.none().aggregate() == {}
    assert queries == []


@pytest.mark.anyio
async def test_aaggregate_over_no_rows(library: SimpleNamespace) -> None:
    assert await Book.objects.none().aaggregate(n=Count("id"), s=Sum("pages")) == {
        "n": 0,
        "s": None,
    }
    assert await Book.objects.filter(pages=0).aaggregate(n=Count("id")) == {"n": 0}


# -- get_or_create() and update_or_create() -------------------------------------------------


def test_get_or_create_returns_the_row_a_concurrent_insert_made(db: Database) -> None:
    with inserted_meanwhile("race"):
        tag, created = Tag.objects.get_or_create(name="race")
    assert not created and tag.name == "race" and Tag.objects.count() == 1
    assert pool_is_idle(db)


@pytest.mark.parametrize("db_url", ["postgresql", "mysql"], indirect=True)
def test_get_or_create_in_a_transaction_returns_the_row_a_concurrent_insert_made(
    db: Database,
) -> None:
    # Not on SQLite: BEGIN IMMEDIATE makes the other connection wait for the transaction.
    with inserted_meanwhile("race"), atomic():
        tag, created = Tag.objects.get_or_create(name="race")
    assert not created and tag.name == "race"


@pytest.mark.anyio
async def test_concurrent_aget_or_create_creates_one_row(db: Database) -> None:
    results = await asyncio.gather(*(Tag.objects.aget_or_create(name="race") for _ in range(8)))
    assert sum(created for _, created in results) == 1
    assert len({tag.pk for tag, _ in results}) == 1
    assert apool_is_idle(db)


def test_update_or_create_saves_the_defaults_and_auto_now_fields_only(db: Database) -> None:
    tag = Tag.objects.create(name="kept")
    with db.capture_queries() as queries:
        assert Tag.objects.update_or_create(name="kept") == (tag, False)
    assert writes(queries) == []  # nothing to update: no UPDATE, as in Django
    stamped, created = Stamped.objects.update_or_create(name="a", defaults={"size": lambda: 3})
    assert created and stamped.size == 3
    with db.capture_queries() as queries:
        again, created = Stamped.objects.update_or_create(name="a", create_defaults={"size": 99})
    assert not created and again.size == 3 and again.updated > stamped.updated
    (update,) = writes(queries)
    assert "updated" in update and "size" not in update and "created" not in update


@pytest.mark.anyio
async def test_aupdate_or_create_without_defaults_writes_nothing(db: Database) -> None:
    tag = await Tag.objects.acreate(name="kept")
    with db.capture_queries() as queries:
        assert await Tag.objects.aupdate_or_create(name="kept") == (tag, False)
    assert writes(queries) == []


# -- bulk_create() and bulk_update() --------------------------------------------------------


def test_bulk_create_applies_defaults_and_stamps_but_no_validators(db: Database) -> None:
    objs = [Stamped(name=f"s{i}") for i in range(5)] + [Stamped(name="negative", size=-1)]
    assert Stamped.objects.bulk_create(objs, batch_size=2) == objs
    assert all(o.pk is not None and o.created and o.updated for o in objs)
    stored = dict(Stamped.objects.values_list("name", "size"))
    assert stored == {"s0": 7, "s1": 7, "s2": 7, "s3": 7, "s4": 7, "negative": -1}
    assert Stamped.objects.bulk_create([]) == []


@pytest.mark.anyio
async def test_abulk_create_with_and_without_primary_keys(db: Database) -> None:
    tags = [Tag(name="auto"), Tag(pk=1000, name="chosen"), Tag(name="auto 2")]
    assert await Tag.objects.abulk_create(tags) == tags
    assert tags[1].pk == 1000 and tags[0].pk is not None and tags[2].pk is not None
    stored = {t.name: t.pk async for t in Tag.objects.all()}
    assert stored == {t.name: t.pk for t in tags}


def test_bulk_create_update_conflicts_sets_primary_keys(db: Database) -> None:
    first = Stamped.objects.create(name="s0", size=1)
    objs = [Stamped(name="s0", size=100), Stamped(name="s9", size=9)]
    Stamped.objects.bulk_create(
        objs, update_conflicts=True, update_fields=["size"], unique_fields=["name"]
    )
    assert objs[0].pk == first.pk
    assert objs[1].pk == Stamped.objects.get(name="s9").pk
    assert Stamped.objects.get(pk=first.pk).size == 100


@pytest.mark.anyio
async def test_abulk_create_update_conflicts_sets_primary_keys(db: Database) -> None:
    first = await Stamped.objects.acreate(name="s0", size=1)
    objs = [Stamped(name="s9", size=9), Stamped(name="s0", size=100)]
    await Stamped.objects.abulk_create(
        objs, update_conflicts=True, update_fields=["size"], unique_fields=["name"]
    )
    assert objs[1].pk == first.pk
    assert objs[0].pk == (await Stamped.objects.aget(name="s9")).pk


def test_bulk_update_with_expressions_batches_and_unsaved_objects(
    library: SimpleNamespace,
) -> None:
    with pytest.raises(ValueError, match="primary key"):
        Book.objects.bulk_update([Book(title="x", author=library.ann)], ["title"])
    books = list(Book.objects.order_by("pk"))
    for book in books:
        book.pages = F("pages") + 1
    assert Book.objects.bulk_update(books, ["pages"], batch_size=3) == 4
    assert sorted(Book.objects.values_list("pages", flat=True)) == [272, 301, 413, 731]
    assert Book.objects.bulk_update([], ["pages"]) == 0


# -- in_bulk() and iterator() ---------------------------------------------------------------


def test_in_bulk_edges(library: SimpleNamespace) -> None:
    assert Book.objects.in_bulk([]) == {}
    assert Book.objects.in_bulk(iter([library.dune.pk])) == {library.dune.pk: library.dune}
    assert Book.objects.filter(title="Emma").in_bulk() == {library.emma.pk: library.emma}
    with pytest.raises(ValueError, match="unique"):
        Author.objects.in_bulk(["ann"], field_name="name")
    with pytest.raises(TypeError, match="slice"):
        Book.objects.all()[:2].in_bulk()


def test_iterator_left_early_gives_its_connection_back(
    library: SimpleNamespace, db: Database
) -> None:
    for _ in Book.objects.iterator(chunk_size=1):
        break
    assert pool_is_idle(db)
    with atomic():
        for _ in Book.objects.iterator(chunk_size=1):
            break
        assert Book.objects.count() == 4  # the transaction's connection is usable
    assert pool_is_idle(db)
    books = list(Book.objects.order_by("pk").prefetch_related("tags").iterator(chunk_size=3))
    assert [t.name for t in books[0].tags.all()] == ["scifi", "epic"]
    assert list(Book.objects.prefetch_related("tags").iterator())  # no chunk_size needed


@pytest.mark.anyio
async def test_aiterator_left_early_gives_its_connection_back(
    library: SimpleNamespace, db: Database
) -> None:
    async with contextlib.aclosing(Book.objects.aiterator(chunk_size=1)) as rows:
        async for _ in rows:
            break
    assert apool_is_idle(db)
    async for _ in Book.objects.aiterator(chunk_size=1):
        break
    for _ in range(100):  # the loop closes the abandoned iterator soon after
        if apool_is_idle(db):
            break
        await asyncio.sleep(0.01)
    assert apool_is_idle(db)
    async with atomic():
        async for _ in Book.objects.aiterator(chunk_size=1):
            break
        assert await Book.objects.acount() == 4
    books = [b async for b in Book.objects.prefetch_related("tags").aiterator(chunk_size=2)]
    assert len(books) == 4 and all(b.tags.all()._result_cache is not None for b in books)


# -- several databases ----------------------------------------------------------------------


def test_an_instance_saved_to_default_stays_there(other: Database) -> None:
    loaded = Publisher.objects.using("other").create(name="p")
    loaded.save(using="default", force_insert=True)  # a copy on default
    loaded.name = "changed"
    loaded.save()
    assert Publisher.objects.get(pk=loaded.pk).name == "changed"
    assert Publisher.objects.using("other").get(pk=loaded.pk).name == "p"


def test_refresh_from_db_of_another_database_follows_it(other: Database) -> None:
    key = Publisher.objects.create(name="on default").pk
    loaded = Publisher.objects.using("other").create(pk=key, name="on other")
    loaded.refresh_from_db(using="default")
    assert loaded.name == "on default"
    loaded.name = "changed"
    loaded.save()
    assert Publisher.objects.get().name == "changed"
    assert Publisher.objects.using("other").get().name == "on other"


def test_bulk_created_on_default_from_another_database_stays_there(other: Database) -> None:
    tag = Tag.objects.using("other").create(name="t")
    tag.pk = None
    Tag.objects.bulk_create([tag])
    tag.name = "changed"
    tag.save()
    assert Tag.objects.get(pk=tag.pk).name == "changed"
    assert list(Tag.objects.using("other").values_list("name", flat=True)) == ["t"]


def test_writes_through_an_instance_follow_its_database(other: Database) -> None:
    ann = Author.objects.using("other").create(name="ann")
    book = ann.books.create(title="t")
    assert book._db == "other" and Book.objects.count() == 0
    tag = book.tags.create(name="x")
    assert tag._db == "other" and [t.name for t in book.tags.all()] == ["x"]
    second, created = ann.books.get_or_create(title="u")
    assert created and second._db == "other"
    loaded = Book.objects.using("other").select_related("author").get(title="t")
    assert loaded.author._db == "other"
    fetched = Author.objects.using("other").prefetch_related("books").get(name="ann")
    assert {b._db for b in fetched.books.all()} == {"other"}
    assert Tag.objects.using("other").bulk_create([Tag(name="z")])[0]._db == "other"
    made, _ = Tag.objects.using("other").get_or_create(name="w")
    assert made._db == "other" and not Tag.objects.filter(name="w").exists()
    Tag.objects.using("other").update_or_create(name="w", defaults={"name": "w2"})
    assert Tag.objects.using("other").in_bulk(["w2"], field_name="name")["w2"]._db == "other"
    assert {t._db for t in Tag.objects.using("other").iterator()} == {"other"}
    assert Tag.objects.count() == 0 and Author.objects.count() == 0


def test_transactions_and_holds_per_database(other: Database, db: Database) -> None:
    with atomic():
        Publisher.objects.create(name="d")
        assert not other.in_transaction()
    with atomic(using="other"):
        assert not db.in_transaction()
        Publisher.objects.using("other").create(name="o")
    with hold_connection("other"):
        assert Publisher.objects.using("other").count() == 1
    assert pool_is_idle(other) and pool_is_idle(db)


@pytest.mark.anyio
async def test_async_writes_and_transactions_per_database(other: Database, db: Database) -> None:
    ann = await Author.objects.using("other").acreate(name="ann")
    book = await ann.books.acreate(title="t")
    assert book._db == "other" and await Book.objects.acount() == 0
    with pytest.raises(RuntimeError):
        async with atomic(using="other"):
            await Publisher.objects.using("other").acreate(name="rolled back")
            await Publisher.objects.acreate(name="kept: not in the other transaction")
            raise RuntimeError
    assert await Publisher.objects.acount() == 1
    assert await Publisher.objects.using("other").acount() == 0
    async with hold_connection("other"):
        got = await Book.objects.using("other").aget(pk=book.pk)
    assert got._db == "other"
    await got.arefresh_from_db()
    await got.adelete()
    assert await Book.objects.using("other").acount() == 0
    assert apool_is_idle(other) and apool_is_idle(db)


def test_many_to_many_get_or_create_links_what_it_creates(library: SimpleNamespace) -> None:
    tag, created = library.dune.tags.get_or_create(name="new")
    assert created and tag in library.dune.tags.all()
