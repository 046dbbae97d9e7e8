"""``F(...).asc/desc(nulls_first=True | nulls_last=True)``, as in Django, on the three
databases (MariaDB has no NULLS FIRST/LAST: it orders by ``IS NULL`` first)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from heron.db import Coalesce, Count, F, Lower, Value
from heron.db.query.execution import shape_and_values
from tests.db.query.qt_models import Book


def _titles(qs: object) -> list[str]:
    return [b.title for b in qs]  # type: ignore[attr-defined]


def test_nulls_last_and_first(library: SimpleNamespace) -> None:
    rating = Book.objects.order_by
    assert _titles(rating(F("rating").desc(nulls_last=True))) == [
        "Dune",
        "Neuro",
        "Ulysses",
        "Emma",
    ]
    assert _titles(rating(F("rating").desc(nulls_first=True))) == [
        "Emma",
        "Dune",
        "Neuro",
        "Ulysses",
    ]
    assert _titles(rating(F("rating").asc(nulls_last=True))) == ["Ulysses", "Neuro", "Dune", "Emma"]
    assert _titles(rating(F("rating").asc(nulls_first=True))) == [
        "Emma",
        "Ulysses",
        "Neuro",
        "Dune",
    ]
    # Across a relation, then a tie-breaker.
    by_editor = Book.objects.order_by(F("editor__name").asc(nulls_first=True), "title")
    assert _titles(by_editor) == ["Emma", "Neuro", "Ulysses", "Dune"]


def test_reverse_and_last_move_the_nulls_too(library: SimpleNamespace) -> None:
    qs = Book.objects.order_by(F("rating").desc(nulls_last=True))
    assert _titles(qs.reverse()) == ["Emma", "Ulysses", "Neuro", "Dune"]
    assert qs.last().title == "Emma"
    assert qs.first().title == "Dune"


def test_expressions_values_and_grouping(library: SimpleNamespace) -> None:
    first_null = Book.objects.order_by(Lower("editor__name").asc(nulls_first=True), "title")
    assert _titles(first_null) == ["Emma", "Neuro", "Ulysses", "Dune"]
    rows = list(
        Book.objects.values("rating")
        .annotate(n=Count("id"))
        .order_by(F("rating").asc(nulls_last=True))
        .values_list("rating", "n")
    )
    assert rows == [(3.0, 1), (4.0, 1), (4.5, 1), (None, 1)]
    distinct = Book.objects.order_by(F("rating").desc(nulls_first=True)).distinct()
    assert _titles(distinct)[0] == "Emma"
    sliced = Book.objects.order_by(F("rating").asc(nulls_first=True))[:2]
    assert _titles(sliced) == ["Emma", "Ulysses"]
    coalesced = Book.objects.order_by(Coalesce("rating", Value(0.0)).desc(nulls_last=True))
    assert _titles(coalesced)[-1] == "Emma"


def test_statement_shapes_tell_them_apart(library: SimpleNamespace) -> None:
    shapes = {
        shape_and_values(Book.objects.order_by(term), "rows")[0]
        for term in (
            F("rating").desc(),
            F("rating").desc(nulls_last=True),
            F("rating").desc(nulls_first=True),
        )
    }
    assert len(shapes) == 3


def test_both_is_an_error() -> None:
    with pytest.raises(ValueError, match="mutually exclusive"):
        F("rating").asc(nulls_first=True, nulls_last=True)


@pytest.mark.anyio
async def test_async(library: SimpleNamespace) -> None:
    qs = Book.objects.order_by(F("rating").asc(nulls_first=True))
    assert [b.title async for b in qs] == ["Emma", "Ulysses", "Neuro", "Dune"]
    last = await qs.alast()
    assert last is not None and last.title == "Dune"
