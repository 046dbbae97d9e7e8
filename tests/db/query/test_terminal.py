"""Terminal methods and their async twins: get, first/last, count/exists, earliest/latest,
in_bulk, iterator, create, get_or_create, update_or_create, update, delete, get_or_404."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from heron.db import F, FieldError, IntegrityError, MultipleObjectsReturned, ObjectDoesNotExist
from heron.db.backends import Database
from heron.http.exceptions import HTTPException
from tests.db.query.qt_models import Author, Book, Code, Review, Tag


def test_get(library: SimpleNamespace, db: Database) -> None:
    with db.capture_queries() as queries:
        dune = Book.objects.get(pk=library.dune.pk)
    assert len(queries) == 1
    assert (dune.title, dune.pages, dune.author_id) == ("Dune", 412, library.ann.pk)
    assert Book.objects.get(id=str(library.emma.pk)).title == "Emma"
    assert Book.objects.get(title="Neuro", pages=271) == library.neuro
    assert Book.objects.filter(author__name="ann").get().title == "Dune"
    assert Book.objects.using("default").get(pk=library.dune.pk).title == "Dune"
    with pytest.raises(Book.DoesNotExist, match="Book matching query does not exist"):
        Book.objects.get(pk=10**9)
    with pytest.raises(ObjectDoesNotExist):
        Book.objects.get(title="nope")
    with pytest.raises(Book.MultipleObjectsReturned, match="it returned 2"):
        Book.objects.get(author__name="bea")
    with pytest.raises(MultipleObjectsReturned):
        Book.objects.get()
    assert not issubclass(Author.DoesNotExist, Book.DoesNotExist)


def test_get_with_a_string_primary_key(db: Database) -> None:
    Code.objects.create(code="a'b", label="quote")
    assert Code.objects.get(pk="a'b").label == "quote"
    assert Code.objects.get(code="a'b").pk == "a'b"


@pytest.mark.anyio
async def test_aget(library: SimpleNamespace) -> None:
    assert (await Book.objects.aget(pk=library.dune.pk)).title == "Dune"
    assert (await Book.objects.filter(pages__gt=700).aget()).title == "Ulysses"
    with pytest.raises(Book.DoesNotExist):
        await Book.objects.aget(pk=10**9)
    with pytest.raises(Book.MultipleObjectsReturned):
        await Book.objects.aget(author__name="bea")


def test_first_last_earliest_latest(library: SimpleNamespace) -> None:
    assert Book.objects.first() == library.dune  # by pk when unordered
    assert Book.objects.last() == library.neuro
    assert Book.objects.order_by("pages").first() == library.neuro
    assert Book.objects.order_by("pages").last() == library.ulysses
    assert Book.objects.filter(pages=0).first() is None
    # NULLs sort differently per database (as Django documents): leave Neuro out.
    assert Book.objects.filter(published__isnull=False).earliest() == library.dune
    assert Book.objects.filter(published__isnull=False).latest() == library.ulysses
    assert Book.objects.earliest("pages") == library.neuro
    assert Book.objects.latest("author__age", "pages") == library.dune
    with pytest.raises(Book.DoesNotExist):
        Book.objects.filter(pages=0).latest()
    with pytest.raises(ValueError, match="get_latest_by"):
        Author.objects.latest()


@pytest.mark.anyio
async def test_afirst_alast_aearliest_alatest(library: SimpleNamespace) -> None:
    assert await Book.objects.afirst() == library.dune
    assert await Book.objects.order_by("pages").alast() == library.ulysses
    assert await Book.objects.aearliest("pages") == library.neuro
    assert await Book.objects.filter(published__isnull=False).alatest() == library.ulysses
    assert await Author.objects.filter(name="zed").afirst() is None


def test_count_and_exists(library: SimpleNamespace) -> None:
    assert Book.objects.count() == 4
    assert Book.objects.filter(pages__gt=300).count() == 2
    assert Book.objects.exists() and not Book.objects.filter(pages=0).exists()


@pytest.mark.anyio
async def test_acount_and_aexists(library: SimpleNamespace) -> None:
    assert await Book.objects.filter(author__name="bea").acount() == 2
    assert await Book.objects.aexists() and not await Tag.objects.filter(name="x").aexists()


def test_in_bulk(library: SimpleNamespace) -> None:
    found = Book.objects.in_bulk([library.dune.pk, library.emma.pk, 10**9])
    assert found == {library.dune.pk: library.dune, library.emma.pk: library.emma}
    assert Book.objects.in_bulk([]) == {}
    assert set(Book.objects.in_bulk()) == {b.pk for b in Book.objects.all()}
    assert Tag.objects.in_bulk(["epic"], field_name="name") == {"epic": library.epic}
    with pytest.raises(ValueError, match="unique"):
        Book.objects.in_bulk(["Dune"], field_name="title")


@pytest.mark.anyio
async def test_ain_bulk(library: SimpleNamespace) -> None:
    assert await Tag.objects.ain_bulk(["epic", "nope"], field_name="name") == {"epic": library.epic}


def test_iterator_streams_in_chunks(library: SimpleNamespace, db: Database) -> None:
    Book.objects.bulk_create(Book(title=f"b{i}", author=library.cid) for i in range(25))
    with db.capture_queries() as queries:
        titles = [b.title for b in Book.objects.order_by("id").iterator(chunk_size=10)]
    assert len(queries) == 1
    assert len(titles) == 29 and titles[:4] == ["Dune", "Emma", "Ulysses", "Neuro"]
    stream = Book.objects.values_list("pages", flat=True).iterator(chunk_size=3)
    assert sum(stream) == 1713


def test_create_and_get_or_create(db: Database) -> None:
    author = Author.objects.create(name="dan", age=50)
    assert author.pk is not None and Author.objects.get(pk=author.pk).age == 50
    same, created = Author.objects.get_or_create(name="dan", defaults={"age": 1})
    assert (same, created) == (author, False)
    new, created = Author.objects.get_or_create(name="eve", defaults={"age": lambda: 22})
    assert created and Author.objects.get(name="eve").age == 22 and new.age == 22
    with pytest.raises(FieldError, match="'nope'"):
        Author.objects.get_or_create(name="fay", defaults={"nope": 1})


def test_get_or_create_reraises_a_conflict_it_cannot_resolve(db: Database) -> None:
    Tag.objects.create(name="race")
    # The lookup misses, the INSERT collides with "race", and the lookup still misses.
    with pytest.raises(IntegrityError):
        Tag.objects.get_or_create(name__startswith="zzz", defaults={"name": "race"})
    assert Tag.objects.count() == 1
    # The failed INSERT was rolled back to its savepoint: the connection is usable.
    assert Tag.objects.get_or_create(name="other")[1]


@pytest.mark.anyio
async def test_acreate_and_aget_or_create(db: Database) -> None:
    author = await Author.objects.acreate(name="gus")
    assert (await Author.objects.aget_or_create(name="gus")) == (author, False)
    hal, created = await Author.objects.aget_or_create(name="hal", defaults={"age": 44})
    assert created and (await Author.objects.aget(pk=hal.pk)).age == 44


def test_update_or_create(library: SimpleNamespace) -> None:
    ann, created = Author.objects.update_or_create(name="ann", defaults={"age": 41})
    assert not created and ann.age == 41 and Author.objects.get(name="ann").age == 41
    ivy, created = Author.objects.update_or_create(
        name="ivy", defaults={"age": 1}, create_defaults={"age": 2}
    )
    assert created and Author.objects.get(name="ivy").age == 2
    Author.objects.update_or_create(name="ivy", defaults={"age": 3})
    assert Author.objects.get(pk=ivy.pk).age == 3


@pytest.mark.anyio
async def test_aupdate_or_create(library: SimpleNamespace) -> None:
    _, created = await Author.objects.aupdate_or_create(name="bea", defaults={"age": 26})
    assert not created and (await Author.objects.aget(name="bea")).age == 26
    _, created = await Author.objects.aupdate_or_create(name="jo", defaults={"age": 9})
    assert created and await Author.objects.filter(name="jo", age=9).aexists()


def test_update(library: SimpleNamespace) -> None:
    assert Book.objects.filter(author__name="bea").update(pages=F("pages") + 1) == 2
    assert sorted(Book.objects.values_list("pages", flat=True)) == [271, 301, 412, 731]
    assert Book.objects.filter(title="Dune").update(editor=None, rating=None) == 1
    assert Book.objects.get(title="Dune").editor_id is None
    assert Book.objects.filter(pk=library.neuro.pk).update(author=library.ann) == 1
    assert Book.objects.get(pk=library.neuro.pk).author_id == library.ann.pk
    assert Book.objects.filter(pages=0).update(pages=1) == 0
    with pytest.raises(TypeError, match="slice"):
        Book.objects.all()[:1].update(pages=1)
    with pytest.raises(FieldError):
        Book.objects.update(nope=1)


@pytest.mark.anyio
async def test_aupdate(library: SimpleNamespace) -> None:
    assert await Book.objects.filter(pages__lt=300).aupdate(rating=1.5) == 1
    assert (await Book.objects.aget(title="Neuro")).rating == 1.5


def test_delete_cascades_and_counts(library: SimpleNamespace) -> None:
    total, counts = Author.objects.filter(name="bea").delete()
    # bea's two books, Emma's review and the two books' tag links; Dune's editor is set NULL.
    assert counts == {"qt.Author": 1, "qt.Book": 2, "qt.Review": 1, "qt.Book_tags": 2}
    assert total == 6
    assert Book.objects.get(title="Dune").editor_id is None
    assert Review.objects.count() == 3
    assert Review.objects.filter(stars=2).delete() == (1, {"qt.Review": 1})
    assert Review.objects.filter(stars=99).delete() == (0, {})
    with pytest.raises(TypeError, match="slice"):
        Review.objects.all()[:1].delete()
    with pytest.raises(TypeError, match="values"):
        Review.objects.values("stars").delete()


@pytest.mark.anyio
async def test_adelete(library: SimpleNamespace) -> None:
    total, counts = await Book.objects.filter(title="Dune").adelete()
    assert counts == {"qt.Book": 1, "qt.Review": 2, "qt.Book_tags": 2} and total == 5
    assert await Book.objects.acount() == 3


def test_get_or_404(library: SimpleNamespace) -> None:
    assert Book.objects.get_or_404(title="Emma") == library.emma
    with pytest.raises(HTTPException) as raised:
        Book.objects.filter(pages__gt=1000).get_or_404()
    assert raised.value.status_code == 404 and "Book" in str(raised.value.detail)


@pytest.mark.anyio
async def test_aget_or_404(library: SimpleNamespace) -> None:
    assert await Book.objects.aget_or_404(pk=library.emma.pk) == library.emma
    with pytest.raises(HTTPException) as raised:
        await Book.objects.aget_or_404(pk=10**9)
    assert raised.value.status_code == 404
