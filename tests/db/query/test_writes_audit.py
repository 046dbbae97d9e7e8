"""Writes the audit found wrong: update()/delete() of QuerySets filtered on aggregates (they
changed every row), expressions written to Decimal fields on SQLite (not rounded to the
field's places), and F() in save(), update_or_create() and bulk_update() (refused)."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

from heron.db import Model, fields
from heron.db.backends import Database
from heron.db.models.exceptions import FieldError
from heron.db.query.expressions import Combined, Count, F, Q, Sum
from heron.db.transaction import atomic
from tests.db.query.qt_models import Author, Book, Review, table


class Priced(Model):
    """A Decimal field with two places (a ``qt`` model: the ``db`` fixture makes its table)."""

    name = fields.String(max_length=20)
    price = fields.Decimal(max_digits=8, decimal_places=2)

    class Meta:
        label = "qt"
        table = table("priced")


@pytest.fixture
def priced(db: Database) -> Database:
    """``db`` with prices 9.99, 10.00, 15.69, 0.25 and -0.25."""
    for name, price in [("a", "9.99"), ("b", "10.00"), ("c", "15.69"), ("d", "0.25")]:
        Priced.objects.create(name=name, price=Decimal(price))
    Priced.objects.create(name="e", price=Decimal("-0.25"))
    return db


def ages() -> dict[str, int]:
    return dict(Author.objects.values_list("name", "age"))


def pages() -> dict[str, int]:
    return dict(Book.objects.values_list("title", "pages"))


# -- 1. update() and delete() keep the aggregate filters (HAVING) -------------------------


def test_update_keeps_aggregate_filters(library: SimpleNamespace) -> None:
    before = ages()
    assert Author.objects.annotate(n=Count("books")).filter(n__gt=5).update(age=1) == 0
    assert ages() == before
    assert Author.objects.annotate(n=Count("books")).filter(n__gte=2).update(age=1) == 1
    assert ages() == {**before, "bea": 1}
    locked = Author.objects.select_for_update().annotate(n=Count("books")).filter(n__gte=2)
    with atomic():
        assert locked.update(age=1) == 1
    # an annotation without an aggregate filter matches every row
    assert Author.objects.annotate(n=Count("books")).update(age=F("age") + 1) == 3
    assert ages() == {"ann": 41, "bea": 2, "cid": 36}


def test_update_of_values_groups_changes_the_rows_of_the_groups_that_pass(
    library: SimpleNamespace,
) -> None:
    before = pages()
    grouped = Book.objects.values("author").annotate(n=Count("id"))
    assert grouped.filter(n__gt=5).update(pages=0) == 0
    assert pages() == before
    assert grouped.filter(n__gt=1).update(pages=0) == 2  # bea's two books
    assert pages() == {**before, "Emma": 0, "Ulysses": 0}
    # the WHERE applies to the rows as well as to the groups: Emma (300 pages) stays
    wide = Book.objects.filter(pages__gt=250).values("author").annotate(n=Count("id"))
    assert wide.filter(n__gte=1).update(pages=F("pages") + 1) == 2
    assert pages() == {**before, "Emma": 0, "Ulysses": 0, "Dune": 413, "Neuro": 272}
    # a NULL group key is a group too (Emma and Neuro have no editor)
    by_editor = Book.objects.values("editor").annotate(n=Count("id")).filter(n__gte=2)
    assert by_editor.update(rating=1.0) == 2
    assert set(Book.objects.filter(rating=1.0).values_list("title", flat=True)) == {
        "Emma",
        "Neuro",
    }
    # values() of every field: one group per row
    assert Book.objects.values().annotate(n=Count("reviews")).filter(n__gte=2).update(pages=9) == 1
    assert Book.objects.get(pages=9).title == "Dune"


def test_update_binds_annotation_values_in_order(library: SimpleNamespace) -> None:
    long_books = Count("books", filter=Q(books__pages__gt=350))
    qs = Author.objects.annotate(n=long_books).filter(name="bea")
    assert qs.update(age=1) == 1
    assert ages() == {"ann": 40, "bea": 1, "cid": 35}
    assert Author.objects.annotate(n=long_books).filter(n=1).update(age=2) == 2
    assert ages() == {"ann": 2, "bea": 2, "cid": 35}


def test_update_filters_on_plain_annotations(library: SimpleNamespace) -> None:
    qs = Book.objects.annotate(double=F("pages") * 2).filter(double__gt=800)
    assert qs.update(pages=1) == 2
    assert pages() == {"Dune": 1, "Emma": 300, "Ulysses": 1, "Neuro": 271}


def test_delete_keeps_aggregate_filters_without_relations(library: SimpleNamespace) -> None:
    assert Review.objects.annotate(n=Count("id")).filter(n__gt=5).delete() == (0, {})
    assert Review.objects.count() == 4
    deleted = Review.objects.annotate(n=Count("book__reviews")).filter(n__gte=2).delete()
    assert deleted == (2, {"qt.Review": 2})
    assert sorted(Review.objects.values_list("stars", flat=True)) == [2, 3]


def test_delete_keeps_aggregate_filters_with_relations(library: SimpleNamespace) -> None:
    assert Author.objects.annotate(n=Count("id")).filter(n__gt=5).delete() == (0, {})
    assert Book.objects.annotate(n=Count("reviews")).filter(n__gt=5).delete() == (0, {})
    assert Author.objects.count() == 3 and Book.objects.count() == 4
    _, counts = Book.objects.annotate(n=Count("reviews")).filter(n__gte=2).delete()
    assert counts["qt.Book"] == 1 and counts["qt.Review"] == 2
    assert sorted(Book.objects.values_list("title", flat=True)) == ["Emma", "Neuro", "Ulysses"]
    _, counts = Author.objects.annotate(n=Count("books")).filter(n=2).delete()
    assert counts["qt.Author"] == 1 and counts["qt.Book"] == 2
    assert sorted(Author.objects.values_list("name", flat=True)) == ["ann", "cid"]


@pytest.mark.anyio
async def test_aupdate_and_adelete_keep_aggregate_filters(library: SimpleNamespace) -> None:
    assert await Author.objects.annotate(n=Count("books")).filter(n__gt=5).aupdate(age=1) == 0
    grouped = Book.objects.values("author").annotate(n=Count("id"))
    assert await grouped.filter(n__gt=5).aupdate(pages=0) == 0
    assert await grouped.filter(n__gt=1).aupdate(pages=0) == 2
    assert await Review.objects.annotate(n=Count("id")).filter(n__gt=5).adelete() == (0, {})
    assert await Author.objects.annotate(n=Count("id")).filter(n__gt=5).adelete() == (0, {})
    assert await Author.objects.filter(age=1).acount() == 0
    assert await Book.objects.filter(pages=0).acount() == 2
    assert await Review.objects.acount() == 4 and await Author.objects.acount() == 3


def test_update_values_can_only_refer_to_own_fields(library: SimpleNamespace) -> None:
    with pytest.raises(FieldError):
        Book.objects.update(title=F("author__name"))
    book = Book.objects.get(title="Dune")
    book.title = F("author__name")  # type: ignore[assignment]
    with pytest.raises(FieldError):
        Book.objects.bulk_update([book], ["title"])


# -- 2. expressions written to a Decimal field keep its places (SQLite) ------------------


def test_update_rounds_decimal_expressions_to_the_field_places(priced: Database) -> None:
    assert Priced.objects.update(price=F("price") * Decimal("1.1")) == 5
    assert Priced.objects.filter(price=Decimal("10.99")).count() == 1  # 9.99 * 1.1 = 10.989
    assert Priced.objects.filter(price=Decimal("11.00")).count() == 1
    assert Priced.objects.filter(price=Decimal("17.26")).count() == 1  # 17.259
    assert Priced.objects.filter(name__in=["a", "b", "c"]).aggregate(s=Sum("price")) == {
        "s": Decimal("39.25")
    }
    # half away from zero, as PostgreSQL and MariaDB round: 0.275 → 0.28, -0.275 → -0.28
    prices = dict(Priced.objects.values_list("name", "price"))
    assert prices["d"] == Decimal("0.28") and prices["e"] == Decimal("-0.28")


def test_saved_and_bulk_updated_decimal_expressions_are_rounded(priced: Database) -> None:
    a = Priced.objects.get(name="a")
    a.price = F("price") * Decimal("1.1")  # type: ignore[assignment]
    a.save()
    a.refresh_from_db()
    assert a.price == Decimal("10.99")
    c = Priced.objects.get(name="c")
    c.price = F("price") * Decimal("1.1")  # type: ignore[assignment]
    assert Priced.objects.bulk_update([c], ["price"]) == 1
    assert Priced.objects.filter(price=Decimal("17.26")).count() == 1


@pytest.mark.anyio
async def test_aupdate_rounds_decimal_expressions(priced: Database) -> None:
    assert await Priced.objects.filter(name="a").aupdate(price=F("price") * Decimal("1.1")) == 1
    assert await Priced.objects.filter(price=Decimal("10.99")).acount() == 1


# -- 3. F() in save(), update_or_create() and bulk_update() --------------------------------


def test_save_writes_expressions(library: SimpleNamespace) -> None:
    dune = Book.objects.get(title="Dune")
    dune.pages = F("pages") + 1  # type: ignore[assignment]
    dune.title = "Dune!"
    dune.save()
    assert isinstance(dune.pages, Combined)  # as in Django: until refresh_from_db()
    dune.refresh_from_db()
    assert (dune.title, dune.pages) == ("Dune!", 413)
    dune.pages = F("pages") * 2  # type: ignore[assignment]
    dune.save(update_fields=["pages"])
    dune.refresh_from_db()
    assert dune.pages == 826
    assert pages() == {"Dune!": 826, "Emma": 300, "Ulysses": 730, "Neuro": 271}


def test_update_or_create_with_expressions(library: SimpleNamespace) -> None:
    book, created = Book.objects.update_or_create(defaults={"pages": F("pages") + 1}, title="Dune")
    assert not created
    book.refresh_from_db()
    assert book.pages == 413
    assert pages() == {"Dune": 413, "Emma": 300, "Ulysses": 730, "Neuro": 271}


@pytest.mark.anyio
async def test_asave_and_aupdate_or_create_with_expressions(library: SimpleNamespace) -> None:
    dune = await Book.objects.aget(title="Dune")
    dune.pages = F("pages") + 1  # type: ignore[assignment]
    await dune.asave()
    book, created = await Book.objects.aupdate_or_create(
        defaults={"pages": F("pages") + 10}, title="Dune"
    )
    assert not created
    await book.arefresh_from_db()
    assert book.pages == 423


def test_bulk_update_writes_expressions(library: SimpleNamespace, db: Database) -> None:
    books = list(Book.objects.order_by("title"))  # Dune, Emma, Neuro, Ulysses
    books[0].pages = F("pages") + 1  # type: ignore[assignment]
    books[1].pages = 5
    books[2].pages = F("pages") * 2 - 2  # type: ignore[assignment]
    books[3].rating = F("rating") + F("pages") / 100  # type: ignore[assignment]
    with db.capture_queries() as queries:
        assert Book.objects.bulk_update(books, ["pages", "rating"]) == 4
    assert len(queries) == 1
    assert pages() == {"Dune": 413, "Emma": 5, "Ulysses": 730, "Neuro": 540}
    assert Book.objects.get(title="Ulysses").rating == pytest.approx(10.3)
    # the plain statement again: expressions leave no trace in its cached shape
    for book in books:
        book.refresh_from_db()
        book.pages += 1
    assert Book.objects.bulk_update(books, ["pages"]) == 4
    assert pages() == {"Dune": 414, "Emma": 6, "Ulysses": 731, "Neuro": 541}


@pytest.mark.anyio
async def test_abulk_update_writes_expressions(library: SimpleNamespace) -> None:
    books = [b async for b in Book.objects.order_by("title")]
    for book in books:
        book.pages = F("pages") + 1  # type: ignore[assignment]
    assert await Book.objects.abulk_update(books, ["pages"], batch_size=3) == 4
    assert (await Book.objects.aget(title="Dune")).pages == 413


def test_update_with_an_instance_of_another_model_is_refused(library: SimpleNamespace) -> None:
    with pytest.raises(ValueError, match='must be a "Author" instance'):
        Book.objects.filter(pk=library.dune.pk).update(author=library.dune)
    assert Book.objects.get(pk=library.dune.pk).author_id == library.dune.author_id
