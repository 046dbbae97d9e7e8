"""Conditions across multi-valued relations (many-to-many, reverse foreign keys) follow
Django: one ``filter()`` call's conditions must hold for the same related row, while each
later call matches related rows of its own; single-valued joins are always shared."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from heron.db.backends import Database
from heron.db.query import Count, Q
from tests.db.query.qt_models import Author, Book


def titles(qs: object) -> list[str]:
    return sorted({b.title for b in qs})  # type: ignore[attr-defined]


def test_one_call_needs_one_related_row_matching_both(library: SimpleNamespace) -> None:
    assert titles(Book.objects.filter(tags__name="scifi", tags__name__startswith="e")) == []
    both = Book.objects.filter(tags__name="scifi").filter(tags__name__startswith="e")
    assert titles(both) == ["Dune"]


def test_each_call_gets_its_own_join_of_a_many_to_many(library: SimpleNamespace) -> None:
    qs = Book.objects.filter(tags=library.scifi).filter(tags=library.epic)
    assert titles(qs) == ["Dune"]
    assert qs.count() == 1
    three = qs.filter(tags__name="classic")
    assert titles(three) == []


def test_reverse_foreign_keys_and_deeper_paths(library: SimpleNamespace) -> None:
    # Authors with a book of more than 400 pages and (maybe another) book tagged classic.
    one = Author.objects.filter(books__pages__gt=400, books__tags__name="classic")
    assert sorted(a.name for a in one.distinct()) == ["bea"]  # Ulysses: 730 pages, classic
    two = Author.objects.filter(books__pages__gt=400).filter(books__tags__name="scifi")
    assert sorted(a.name for a in two.distinct()) == ["ann"]
    none = Author.objects.filter(books__pages__gt=700).filter(books__tags__name="scifi")
    assert list(none) == []
    # Reviews two levels down: Dune has a 5 and a 4.
    reviewed = Author.objects.filter(books__reviews__stars=5).filter(books__reviews__stars=4)
    assert [a.name for a in reviewed.distinct()] == ["ann"]


def test_single_valued_joins_stay_shared(library: SimpleNamespace, db: Database) -> None:
    qs = Book.objects.filter(author__name="bea").filter(author__age__lt=30)
    with db.capture_queries() as queries:
        assert titles(qs) == ["Emma", "Ulysses"]
    assert queries[0][0].upper().count("JOIN") == 1


def test_q_objects_and_get(library: SimpleNamespace) -> None:
    qs = Book.objects.filter(Q(tags__name="scifi") | Q(tags__name="classic"))
    assert titles(qs.filter(tags__name="epic")) == ["Dune"]
    assert Book.objects.filter(tags__name="scifi").get(tags__name="epic").title == "Dune"


def test_exclude_after_filter(library: SimpleNamespace) -> None:
    qs = Book.objects.filter(tags__name="scifi").exclude(tags__name="epic")
    assert titles(qs) == ["Neuro"]


def test_same_shape_different_calls_are_different_statements(library: SimpleNamespace) -> None:
    """The two forms have the same conditions: cached SQL must not be shared between them."""
    together = Book.objects.filter(tags__name="scifi", tags__name__startswith="e")
    apart = Book.objects.filter(tags__name="scifi").filter(tags__name__startswith="e")
    for _ in range(2):
        assert titles(together) == [] and titles(apart) == ["Dune"]


def test_annotations_count_the_first_calls_rows(library: SimpleNamespace) -> None:
    qs = Book.objects.filter(tags__name__in=["scifi", "epic"]).annotate(n=Count("tags"))
    assert dict(qs.values_list("title", "n")) == {"Dune": 2, "Neuro": 1}


@pytest.mark.anyio
async def test_async(library: SimpleNamespace) -> None:
    qs = Book.objects.filter(tags__name="scifi").filter(tags__name="epic")
    assert [b.title async for b in qs] == ["Dune"]
    assert await qs.acount() == 1
