"""Several databases: ``using()``, instances remembering their database, sync and async."""

from __future__ import annotations

import pytest

from heron.db import ImproperlyConfigured, atomic
from heron.db.backends import Database
from tests.db.query.qt_models import Author, Book, Publisher


def test_rows_go_to_the_database_asked_for(other: Database) -> None:
    Publisher.objects.create(name="on default")
    Publisher.objects.using("other").create(name="on other")
    assert list(Publisher.objects.values_list("name", flat=True)) == ["on default"]
    assert list(Publisher.objects.using("other").values_list("name", flat=True)) == ["on other"]
    assert Publisher.objects.using("other").count() == 1


def test_an_instance_saves_and_deletes_where_it_was_loaded(other: Database) -> None:
    Publisher.objects.using("other").create(name="p")
    loaded = Publisher.objects.using("other").get(name="p")
    loaded.name = "renamed"
    loaded.save()
    assert Publisher.objects.using("other").get(pk=loaded.pk).name == "renamed"
    assert not Publisher.objects.filter(name="renamed").exists()
    loaded.delete()
    assert Publisher.objects.using("other").count() == 0


def test_relations_follow_the_instance_database(other: Database) -> None:
    author = Author.objects.using("other").create(name="Ada")
    Book.objects.using("other").create(title="Notes", author=author)
    assert [b.title for b in author.books.all()] == ["Notes"]
    book = Book.objects.using("other").get(title="Notes")
    assert book.author.name == "Ada"
    assert Book.objects.count() == 0


def test_transactions_are_per_database(other: Database) -> None:
    with pytest.raises(RuntimeError), atomic(using="other"):
        Publisher.objects.using("other").create(name="rolled back")
        Publisher.objects.create(name="kept: not in the other transaction")
        raise RuntimeError
    assert Publisher.objects.using("other").count() == 0
    assert Publisher.objects.count() == 1


@pytest.mark.anyio
async def test_async_using(other: Database) -> None:
    await Publisher.objects.using("other").acreate(name="async")
    assert await Publisher.objects.using("other").acount() == 1
    assert await Publisher.objects.acount() == 0
    found = await Publisher.objects.using("other").aget(name="async")
    found.name = "async 2"
    await found.asave()
    assert (await Publisher.objects.using("other").aget(pk=found.pk)).name == "async 2"


def test_unknown_alias_is_a_clear_error(other: Database) -> None:
    with pytest.raises(ImproperlyConfigured, match="'nowhere' is not configured"):
        Publisher.objects.using("nowhere").count()


def test_db_manager_runs_the_managers_own_methods_on_that_database(other: Database) -> None:
    from heron.db import Manager

    class NamedManager(Manager[Publisher]):
        def named(self, name: str) -> Publisher:
            return self.get(name=name)

    manager = NamedManager().bind(Publisher, "named")
    Publisher.objects.using("other").create(name="only on other")
    Publisher.objects.create(name="only on default")
    on_other = manager.db_manager("other")
    assert on_other.named("only on other")._db == "other"
    with pytest.raises(Publisher.DoesNotExist):
        on_other.named("only on default")
    assert manager.named("only on default").name == "only on default"
    assert on_other.count() == 1 and on_other.get(pk=1).name == "only on other"  # no fast path
    assert Publisher.objects.db_manager("other").filter(name__startswith="only").count() == 1
    assert manager.db_manager(None).count() == 1  # None: the default database
