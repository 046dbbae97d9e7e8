"""Audit of paths, F expressions, exclude() and aggregates, on every backend.

Covers: fields named like transforms across relations, date arithmetic with timedeltas,
exclude() against a nullable F(), one-shot iterators in ``__in``, DISTINCT aggregates on
MariaDB, and the types and errors of lookups and expression results.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from heron.db import Avg, Count, F, FieldError, Max, Min, Q, Sum, Value
from heron.db.backends import Database
from tests.db.query.conftest import at
from tests.db.query.qt_models import Author, Book, Event

# -- fields named like transforms ------------------------------------------------------------


@pytest.fixture
def events(db: Database) -> SimpleNamespace:
    """Two parents (1 March and 28 February 2024) with a child each pointing at them."""
    first = Event.objects.create(
        day=dt.date(2024, 3, 1),
        hour=7,
        starts=dt.datetime(2024, 3, 1, 23, 59, 59, 999_999, tzinfo=dt.UTC),
        length=dt.timedelta(hours=2, microseconds=1),
    )
    second = Event.objects.create(
        day=dt.date(2024, 2, 28),
        hour=9,
        starts=dt.datetime(2024, 2, 28, 8, 0, tzinfo=dt.UTC),
        length=dt.timedelta(days=-1),
    )
    a = Event.objects.create(
        day=dt.date(2024, 5, 5), starts=dt.datetime(2024, 3, 3, tzinfo=dt.UTC), parent=first
    )
    b = Event.objects.create(day=dt.date(2024, 6, 6), parent=second)
    return SimpleNamespace(first=first, second=second, a=a, b=b)


def test_a_related_field_named_like_a_transform_is_the_field(events: SimpleNamespace) -> None:
    children = Event.objects.filter(parent__isnull=False).order_by("parent__day")
    assert list(children.values_list("parent__day", flat=True)) == [
        dt.date(2024, 2, 28),
        dt.date(2024, 3, 1),
    ]
    assert list(children.values_list("pk", flat=True)) == [events.b.pk, events.a.pk]
    assert list(children.values_list("parent__hour", flat=True)) == [9, 7]
    assert list(Event.objects.filter(parent__day=dt.date(2024, 3, 1))) == [events.a]
    assert list(Event.objects.filter(parent__hour=9)) == [events.b]
    assert list(Event.objects.filter(parent__day__gt=dt.date(2024, 2, 29))) == [events.a]


def test_a_transform_still_applies_after_such_a_field(events: SimpleNamespace) -> None:
    assert list(Event.objects.filter(parent__day__month=2)) == [events.b]
    assert list(Event.objects.filter(parent__day__day=1)) == [events.a]
    assert list(
        Event.objects.values_list("parent__day__year", flat=True).filter(pk=events.a.pk)
    ) == [2024]


def test_a_reverse_relation_reaches_fields_named_like_transforms(
    events: SimpleNamespace,
) -> None:
    assert list(Event.objects.filter(children__day=dt.date(2024, 6, 6))) == [events.second]
    assert list(Event.objects.filter(children__day__month=5)) == [events.first]


def test_a_transform_on_a_relation_is_an_error(library: SimpleNamespace) -> None:
    with pytest.raises(FieldError, match="Unsupported lookup 'year'"):
        list(Book.objects.filter(author__year=2024))


# -- date arithmetic ---------------------------------------------------------------------------


DELTA = dt.timedelta(days=1, hours=1, microseconds=1)


def test_annotate_a_datetime_plus_and_minus_a_timedelta(library: SimpleNamespace) -> None:
    later = Book.objects.filter(pk=library.ulysses.pk).annotate(
        plus=F("published") + DELTA, minus=F("published") - DELTA, back=DELTA + F("published")
    )
    row = later.values("plus", "minus", "back").get()
    assert row == {
        "plus": at(10, 23) + DELTA,
        "minus": at(10, 23) - DELTA,
        "back": at(10, 23) + DELTA,
    }
    assert row["plus"].tzinfo is not None
    book = later.get()
    assert book.plus == at(10, 23) + DELTA  # type: ignore[attr-defined]


def test_datetime_arithmetic_carries_microseconds_and_months(events: SimpleNamespace) -> None:
    qs = Event.objects.filter(pk=events.first.pk)
    shifted = qs.annotate(
        up=F("starts") + dt.timedelta(microseconds=1),
        down=F("starts") - dt.timedelta(days=1, microseconds=999_999),
        far=F("starts") - dt.timedelta(days=400),
    ).values_list("up", "down", "far")
    starts = events.first.starts
    assert list(shifted) == [
        (
            starts + dt.timedelta(microseconds=1),
            starts - dt.timedelta(days=1, microseconds=999_999),
            starts - dt.timedelta(days=400),
        )
    ]


def test_filter_on_a_datetime_plus_a_timedelta(library: SimpleNamespace) -> None:
    assert not Book.objects.filter(published__gte=F("published") + dt.timedelta(microseconds=1))
    assert (
        Book.objects.filter(published__lt=F("published") + dt.timedelta(microseconds=1)).count()
        == 3
    )
    assert Book.objects.filter(published__gt=F("published") - dt.timedelta(days=1)).count() == 3
    later = Book.objects.annotate(later=F("published") + dt.timedelta(days=2))
    assert sorted(b.title for b in later.filter(later__gt=at(6))) == ["Emma", "Ulysses"]


def test_update_a_datetime_with_a_timedelta(library: SimpleNamespace) -> None:
    delta = dt.timedelta(days=30, microseconds=7)
    assert (
        Book.objects.filter(published__isnull=False).update(published=F("published") + delta) == 3
    )
    assert Book.objects.get(pk=library.dune.pk).published == at(1) + delta
    # The stored value is in Heron's own format: equal values still match exactly.
    assert list(Book.objects.filter(published=at(10, 23) + delta)) == [library.ulysses]
    Book.objects.update(published=F("published") - delta)
    assert sorted(Book.objects.values_list("published", flat=True), key=str) == sorted(
        [at(1), at(5), at(10, 23), None], key=str
    )


def test_date_plus_a_timedelta_is_a_date(events: SimpleNamespace) -> None:
    qs = Event.objects.filter(pk=events.first.pk)
    row = (
        qs.annotate(
            next=F("day") + dt.timedelta(days=1),
            before=F("day") - dt.timedelta(hours=1),
        )
        .values_list("next", "before")
        .get()
    )
    assert row == (dt.date(2024, 3, 2), dt.date(2024, 2, 29))
    qs.update(day=F("day") - dt.timedelta(days=2))
    assert qs.get().day == dt.date(2024, 2, 28)
    assert list(Event.objects.filter(day=dt.date(2024, 2, 28)).order_by("pk")) == [
        events.first,
        events.second,
    ]


def test_datetime_plus_a_duration_field(events: SimpleNamespace) -> None:
    ends = (
        Event.objects.filter(parent__isnull=True)
        .order_by("pk")
        .annotate(ends=F("starts") + F("length"))
    )
    assert list(ends.values_list("ends", flat=True)) == [
        events.first.starts + events.first.length,
        events.second.starts + events.second.length,
    ]
    assert list(Event.objects.filter(starts__lt=F("starts") + F("length"))) == [events.first]


def test_datetime_minus_datetime_is_a_timedelta(events: SimpleNamespace) -> None:
    since = dt.datetime(2024, 2, 28, tzinfo=dt.UTC)
    parents = Event.objects.filter(parent__isnull=True).order_by("pk")
    rows = parents.annotate(
        since=F("starts") - Value(since), days=F("day") - Value(dt.date(2024, 2, 1))
    ).values_list("since", "days")
    assert list(rows) == [
        (events.first.starts - since, dt.timedelta(days=29)),
        (dt.timedelta(hours=8), dt.timedelta(days=27)),
    ]
    children = Event.objects.filter(parent__isnull=False).order_by("pk")
    gaps = children.annotate(
        gap=F("starts") - F("parent__starts"), days=F("day") - F("parent__day")
    )
    assert list(gaps.values_list("gap", "days")) == [
        (dt.timedelta(days=1, microseconds=1), dt.timedelta(days=65)),
        (None, dt.timedelta(days=99)),
    ]
    assert list(children.filter(starts__gt=F("parent__starts") + dt.timedelta(days=1))) == [
        events.a
    ]
    # A difference compared with a timedelta, in a filter on the annotation.
    assert list(gaps.filter(gap__gt=dt.timedelta(days=1))) == [events.a]
    assert list(gaps.filter(gap=dt.timedelta(days=1, microseconds=1))) == [events.a]
    assert list(gaps.filter(days__lt=dt.timedelta(days=90))) == [events.a]


def test_date_arithmetic_before_1970_with_nulls_and_literals(db: Database) -> None:
    utc = dt.UTC
    old = Event.objects.create(
        starts=dt.datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=utc),
        day=dt.date(1969, 12, 31),
        length=dt.timedelta(microseconds=1),
    )
    Event.objects.create()
    rows = Event.objects.order_by("pk").annotate(
        up=F("starts") + F("length"),
        down=F("starts") - dt.timedelta(days=1, microseconds=1),
        next=F("day") + dt.timedelta(days=1),
        fixed=Value(dt.datetime(2024, 1, 1, tzinfo=utc)) + F("length"),
        since=F("starts") - Value(dt.datetime(1970, 1, 1, tzinfo=utc)),
    )
    assert list(rows.values_list("up", "down", "next", "fixed", "since")) == [
        (
            dt.datetime(1970, 1, 1, tzinfo=utc),
            dt.datetime(1969, 12, 30, 23, 59, 59, 999_998, tzinfo=utc),
            dt.date(1970, 1, 1),
            dt.datetime(2024, 1, 1, 0, 0, 0, 1, tzinfo=utc),
            dt.timedelta(microseconds=-1),
        ),
        (None, None, None, None, None),
    ]
    # One query shape, a timedelta then a datetime: two statements, two result types.
    same = Event.objects.filter(pk=old.pk)
    assert list(same.annotate(x=F("starts") - dt.timedelta(0)).values_list("x", flat=True)) == [
        old.starts
    ]
    assert list(same.annotate(x=F("starts") - old.starts).values_list("x", flat=True)) == [
        dt.timedelta(0)
    ]


def test_the_spread_of_aggregated_datetimes(events: SimpleNamespace) -> None:
    spread = (
        Event.objects.filter(parent__isnull=True)
        .values("parent")
        .annotate(spread=Max("starts") - Min("starts"))
    )
    assert list(spread) == [{"parent": None, "spread": events.first.starts - events.second.starts}]


def test_date_arithmetic_needs_a_timedelta(library: SimpleNamespace) -> None:
    with pytest.raises(FieldError, match="Unsupported date arithmetic"):
        list(Book.objects.annotate(x=F("published") + 1))


# -- exclude() with F() ------------------------------------------------------------------------


def test_exclude_against_a_nullable_f_keeps_the_null_rows(library: SimpleNamespace) -> None:
    everything = ["Dune", "Emma", "Neuro", "Ulysses"]
    assert sorted(b.title for b in Book.objects.exclude(pages__lt=F("rating"))) == everything
    assert sorted(b.title for b in Book.objects.exclude(pages__lt=F("rating") * 2)) == everything
    assert sorted(b.title for b in Book.objects.exclude(pages__gt=F("rating"))) == ["Emma"]
    assert sorted(b.title for b in Book.objects.filter(~Q(pages=F("editor__age")))) == everything


# -- one-shot iterators ------------------------------------------------------------------------


def test_in_with_a_generator_through_q_and_exclude(library: SimpleNamespace) -> None:
    wanted = (pk for pk in (library.dune.pk, library.emma.pk))
    qs = Book.objects.filter(Q(pk__in=wanted))
    assert sorted(b.title for b in qs) == ["Dune", "Emma"]
    assert qs.count() == 2  # evaluated again: the values were kept
    dropped = Book.objects.exclude(pk__in=iter([library.dune.pk]))
    assert sorted(b.title for b in dropped) == ["Emma", "Neuro", "Ulysses"]
    assert dropped.count() == 3
    ranged = Book.objects.filter(Q(pages__range=iter((300, 420))))
    assert ranged.count() == 2
    assert ranged.count() == 2


def test_in_with_a_generator_in_filter(library: SimpleNamespace) -> None:
    qs = Book.objects.filter(pk__in=(pk for pk in (library.dune.pk, library.emma.pk)))
    assert sorted(b.title for b in qs) == ["Dune", "Emma"]
    assert qs.count() == 2


# -- DISTINCT aggregates -------------------------------------------------------------------------


def test_distinct_aggregates(library: SimpleNamespace) -> None:
    result = Book.objects.aggregate(
        avg=Avg("author__age", distinct=True),
        sum=Sum("author__age", distinct=True),
        n=Count("author__age", distinct=True),
        low=Min("author__age", distinct=True),
        high=Max("author__age", distinct=True),
    )
    assert result == {"avg": pytest.approx(100 / 3), "sum": 100, "n": 3, "low": 25, "high": 40}
    assert type(result["avg"]) is float
    sliced = Book.objects.order_by("pk")[:3].aggregate(avg=Avg("pages", distinct=True))
    assert sliced == {"avg": pytest.approx((412 + 300 + 730) / 3)}
    per_author = Author.objects.annotate(avg=Avg("books__pages", distinct=True)).order_by("name")
    assert [a.avg for a in per_author] == [412.0, 515.0, 271.0]  # type: ignore[attr-defined]


# -- errors and result types ---------------------------------------------------------------------


def test_a_related_filter_with_an_instance_of_another_model(library: SimpleNamespace) -> None:
    with pytest.raises(ValueError, match=r'Cannot query "Tag object \(\d+\)": Must be "Author" '):
        list(Book.objects.filter(author=library.scifi))
    with pytest.raises(ValueError, match='Must be "Author" instance'):
        list(Book.objects.filter(editor__in=[library.ann, library.dune]))
    with pytest.raises(ValueError, match='Must be "Book" instance'):
        list(Author.objects.filter(books=library.ann))
    assert list(Book.objects.filter(author=library.cid)) == [library.neuro]


@pytest.mark.parametrize(
    "lookup",
    ["title__year", "pages__month", "title__date", "author__day", "published__date__hour"],
)
def test_a_transform_on_a_field_without_it_is_an_error(
    library: SimpleNamespace, lookup: str
) -> None:
    with pytest.raises(FieldError, match="Unsupported lookup"):
        list(Book.objects.filter(**{lookup: 1}))


def test_time_transforms_on_dates_are_errors(events: SimpleNamespace) -> None:
    with pytest.raises(FieldError, match="Unsupported lookup 'hour'"):
        list(Event.objects.filter(day__hour=1))
    assert list(Event.objects.filter(starts__hour=8)) == [events.second]
    assert list(Event.objects.filter(day__week_day=6)) == [events.first]  # a Friday


def test_division_is_true_division_and_a_float(library: SimpleNamespace) -> None:
    qs = Book.objects.filter(pk=library.dune.pk)
    row = (
        qs.annotate(share=F("pages") / 100, tenth=F("pages") / F("author__age"))
        .values_list("share", "tenth")
        .get()
    )
    assert row == (pytest.approx(4.12), pytest.approx(10.3))
    assert [type(v) for v in row] == [float, float]
    total = Book.objects.aggregate(s=Sum(F("pages") / 100))
    assert total == {"s": pytest.approx(17.13)}
    assert type(total["s"]) is float


def test_integer_sums_are_ints(library: SimpleNamespace) -> None:
    doubled = Book.objects.annotate(double=F("pages") * 2)
    assert doubled.aggregate(s=Sum("double")) == {"s": 2 * (412 + 300 + 730 + 271)}
    assert type(doubled.aggregate(s=Sum("double"))["s"]) is int
    assert type(doubled.aggregate(s=Sum(F("double")))["s"]) is int
    plus = doubled.annotate(plus=F("double") + 1).values_list("plus", flat=True)
    assert type(plus.filter(pk=library.dune.pk).get()) is int
    counted = Author.objects.annotate(n=Count("books"))
    assert counted.aggregate(s=Sum("n")) == {"s": 4}
    assert type(counted.aggregate(s=Sum("n"))["s"]) is int
    assert type(Book.objects.aggregate(s=Sum("pages"))["s"]) is int
    rated = Book.objects.aggregate(s=Sum("rating"))["s"]
    assert type(rated) is float
    assert isinstance(Book.objects.aggregate(s=Sum(F("rating") * 2))["s"], float)
    assert not isinstance(rated, Decimal)


def test_an_integer_times_a_float_or_decimal_is_not_truncated(library: SimpleNamespace) -> None:
    pages = Book.objects.get(pk=library.dune.pk).pages
    row = Book.objects.filter(pk=library.dune.pk)
    assert row.annotate(x=F("pages") * 2.5).get().x == pytest.approx(pages * 2.5)
    assert row.annotate(x=F("pages") * 2).get().x == pages * 2  # an int, same shape otherwise
    half = row.annotate(x=F("pages") * Decimal("0.5")).get().x
    assert half == Decimal(pages) * Decimal("0.5") and isinstance(half, Decimal)
