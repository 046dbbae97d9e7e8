"""Field lookups, transforms, Q objects and F expressions in filters, on every backend."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from heron.db import F, FieldError, Q
from tests.db.query.qt_models import Author, Book, Tag


def titles(qs: object) -> list[str]:
    return sorted(b.title for b in qs)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("lookup", "value", "expected"),
    [
        ("title", "Dune", ["Dune"]),
        ("title__exact", "Emma", ["Emma"]),
        ("title__iexact", "dUNE", ["Dune"]),
        ("title__contains", "u", ["Dune", "Neuro"]),
        ("title__icontains", "U", ["Dune", "Neuro", "Ulysses"]),
        ("title__startswith", "U", ["Ulysses"]),
        ("title__istartswith", "u", ["Ulysses"]),
        ("title__endswith", "a", ["Emma"]),
        ("title__iendswith", "SES", ["Ulysses"]),
        ("title__regex", "^[DE]", ["Dune", "Emma"]),
        ("title__iregex", "^[de]", ["Dune", "Emma"]),
        ("pages__gt", 412, ["Ulysses"]),
        ("pages__gte", 412, ["Dune", "Ulysses"]),
        ("pages__lt", 300, ["Neuro"]),
        ("pages__lte", 300, ["Emma", "Neuro"]),
        ("pages__in", [300, 730, 1], ["Emma", "Ulysses"]),
        ("pages__in", [], []),
        ("pages__range", (290, 420), ["Dune", "Emma"]),
        ("rating__isnull", True, ["Emma"]),
        ("rating__isnull", False, ["Dune", "Neuro", "Ulysses"]),
        ("rating", None, ["Emma"]),
    ],
)
def test_lookup(library: SimpleNamespace, lookup: str, value: object, expected: list[str]) -> None:
    assert titles(Book.objects.filter(**{lookup: value})) == expected


def test_case_sensitive_lookups_are_case_sensitive(library: SimpleNamespace) -> None:
    assert titles(Book.objects.filter(title__contains="U")) == ["Ulysses"]
    assert titles(Book.objects.filter(title__startswith="d")) == []
    assert titles(Book.objects.filter(title__endswith="E")) == []
    assert titles(Book.objects.filter(title__regex="^d")) == []


def test_in_with_a_long_list_and_a_queryset(library: SimpleNamespace) -> None:
    pks = [library.dune.pk, library.emma.pk, *range(10_000, 10_050)]
    assert titles(Book.objects.filter(pk__in=pks)) == ["Dune", "Emma"]
    many = [*range(10_000, 15_000), library.neuro.pk]
    assert titles(Book.objects.filter(pk__in=many)) == ["Neuro"]
    bea_books = Book.objects.filter(author__name="bea").values_list("pk", flat=True)
    assert titles(Book.objects.filter(pk__in=bea_books)) == ["Emma", "Ulysses"]
    assert titles(Book.objects.filter(author__in=Author.objects.filter(age__gt=30))) == [
        "Dune",
        "Neuro",
    ]
    sliced = Book.objects.order_by("pages").values_list("pk", flat=True)[:2]
    assert titles(Book.objects.filter(pk__in=sliced)) == ["Emma", "Neuro"]


def test_datetime_transforms(library: SimpleNamespace) -> None:
    assert titles(Book.objects.filter(published__year=2024)) == ["Dune", "Emma", "Ulysses"]
    assert titles(Book.objects.filter(published__month=3, published__day__gte=5)) == [
        "Emma",
        "Ulysses",
    ]
    assert titles(Book.objects.filter(published__date=dt.date(2024, 3, 10))) == ["Ulysses"]
    assert titles(Book.objects.filter(published__date__lt=dt.date(2024, 3, 5))) == ["Dune"]
    assert titles(Book.objects.filter(published__hour=23)) == ["Ulysses"]
    # 2024-03-01 was a Friday: Django's week_day counts from Sunday = 1.
    assert titles(Book.objects.filter(published__week_day=6)) == ["Dune"]
    assert titles(Book.objects.filter(published__year__in=[2023, 2024])) == [
        "Dune",
        "Emma",
        "Ulysses",
    ]


def test_datetime_comparisons_are_timezone_aware(library: SimpleNamespace) -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    # 2024-03-05 13:30 in Paris is 12:30 UTC: Emma's publication instant.
    assert titles(Book.objects.filter(published=dt.datetime(2024, 3, 5, 13, 30, tzinfo=paris))) == [
        "Emma"
    ]
    assert titles(Book.objects.filter(published__gt=dt.datetime(2024, 3, 5, tzinfo=dt.UTC))) == [
        "Emma",
        "Ulysses",
    ]


def test_lookups_across_relations(library: SimpleNamespace) -> None:
    assert titles(Book.objects.filter(author__name="bea")) == ["Emma", "Ulysses"]
    assert titles(Book.objects.filter(author__publisher__name="Acme")) == ["Dune", "Neuro"]
    assert titles(Book.objects.filter(author=library.cid)) == ["Neuro"]
    assert titles(Book.objects.filter(author__id=library.cid.pk)) == ["Neuro"]
    assert titles(Book.objects.filter(editor__isnull=True)) == ["Emma", "Neuro"]
    assert titles(Book.objects.filter(tags__name="classic")) == ["Emma", "Ulysses"]
    authors = Author.objects.filter(books__reviews__stars__gte=4).distinct()
    assert [a.name for a in authors] == ["ann"]
    assert [a.name for a in Author.objects.filter(books__isnull=True)] == []
    assert sorted(t.name for t in Tag.objects.filter(books__author__name="ann")) == [
        "epic",
        "scifi",
    ]


def test_q_objects(library: SimpleNamespace) -> None:
    either = Book.objects.filter(Q(pages__lt=280) | Q(title="Emma"))
    assert titles(either) == ["Emma", "Neuro"]
    assert titles(Book.objects.filter(~Q(author__name="bea"))) == ["Dune", "Neuro"]
    both = Book.objects.filter(Q(author__name="bea") & ~Q(pages=300))
    assert titles(both) == ["Ulysses"]
    nested = Q(Q(title="Dune") | Q(title="Neuro"), rating__gte=4.2)
    assert titles(Book.objects.filter(nested)) == ["Dune"]
    assert titles(Book.objects.filter(Q(), title="Emma")) == ["Emma"]


def test_f_expressions(library: SimpleNamespace) -> None:
    Book.objects.filter(pk=library.dune.pk).update(rating=F("pages") / 100)
    assert Book.objects.get(pk=library.dune.pk).rating == pytest.approx(4.12)
    assert titles(Book.objects.filter(pages__gt=F("author__age") * 10)) == [
        "Dune",
        "Emma",
        "Ulysses",
    ]
    assert titles(Book.objects.filter(author=F("editor"))) == []
    assert titles(Book.objects.filter(rating__lt=F("pages") - 410)) == ["Ulysses"]


def test_exclude_keeps_rows_where_the_compared_value_is_null(library: SimpleNamespace) -> None:
    # Emma and Neuro have no editor: "editor is not ann" holds for them, as in Django.
    assert titles(Book.objects.exclude(editor__name="ann")) == ["Dune", "Emma", "Neuro"]
    assert titles(Book.objects.exclude(rating__gt=3.5)) == ["Emma", "Ulysses"]
    assert sorted(a.name for a in Author.objects.exclude(email="x")) == ["ann", "bea", "cid"]


def test_exclude_across_a_multi_valued_relation(library: SimpleNamespace) -> None:
    # Authors having no book titled Dune — bea has two other books and stays once.
    assert [a.name for a in Author.objects.exclude(books__title="Dune")] == ["bea", "cid"]
    assert [a.name for a in Author.objects.exclude(books__reviews__stars=5)] == ["bea", "cid"]
    assert titles(Book.objects.exclude(tags__name="scifi")) == ["Emma", "Ulysses"]
    Book.objects.exclude(tags__name="scifi").update(pages=1)
    assert titles(Book.objects.filter(pages=1)) == ["Emma", "Ulysses"]


def test_unknown_fields_and_lookups_are_field_errors(db: object) -> None:
    with pytest.raises(FieldError, match="Cannot resolve 'nope'"):
        list(Book.objects.filter(nope=1))
    with pytest.raises(FieldError, match="Unsupported lookup 'nope'"):
        list(Book.objects.filter(title__nope=1))
    with pytest.raises(FieldError, match="None is only allowed"):
        list(Book.objects.filter(pages__gt=None))
    with pytest.raises(TypeError):
        Book.objects.filter("title")  # type: ignore[arg-type]


def test_same_shape_reuses_the_compiled_statement(library: SimpleNamespace) -> None:
    from heron.db.query.compiler import CACHE

    list(Book.objects.filter(title="Dune", pages__gt=1))
    size = len(CACHE)
    assert titles(Book.objects.filter(title="Emma", pages__gt=2)) == ["Emma"]
    assert titles(Book.objects.filter(pages__gt=2, title="Ulysses")) == ["Ulysses"]
    assert len(CACHE) == size
