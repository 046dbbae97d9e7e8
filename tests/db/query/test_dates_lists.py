"""dates() and datetimes() on every backend, sync and async: distinct values truncated in
UTC, of the right Python type (SQLite stores text), ordered, chainable, cached by shape."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from heron.db.backends import Database
from heron.db.models.exceptions import FieldError
from heron.db.query.execution import shape_and_values
from tests.db.query.qt_models import Book, Event

D = dt.date
UTC = dt.UTC
HOSTILE = "x'); DROP TABLE qt_book; --\\"


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)


@pytest.fixture
def events(db: Database) -> SimpleNamespace:
    """Events across a year end, a leap day and a week boundary (Sunday → Monday), one
    written in UTC-5 whose UTC date is the next day, one without dates."""
    new_year_eve = Event.objects.create(
        day=D(2023, 12, 31), hour=1, starts=dt.datetime(2023, 12, 31, 23, 59, 59, 500000, UTC)
    )
    Event.objects.create(day=D(2024, 1, 1), hour=2, starts=utc(2024, 1, 1), parent=new_year_eve)
    Event.objects.create(
        day=D(2024, 2, 29), hour=1, starts=dt.datetime(2024, 2, 29, 13, 45, 30, 250000, UTC)
    )
    Event.objects.create(day=D(2024, 2, 29), hour=2, starts=utc(2024, 2, 29, 13, 45, 59))
    Event.objects.create()
    Event.objects.create(day=D(2024, 3, 3), starts=utc(2024, 3, 3, 13, 5, 30))
    minus_five = dt.timezone(dt.timedelta(hours=-5))
    Event.objects.create(starts=dt.datetime(2024, 3, 3, 23, 30, tzinfo=minus_five))
    return SimpleNamespace(new_year_eve=new_year_eve)


def assert_dates(values: list[object], expected: list[dt.date]) -> None:
    assert values == expected
    assert all(type(v) is dt.date for v in values)


def assert_datetimes(values: list[object], expected: list[dt.datetime]) -> None:
    assert values == expected
    assert all(
        type(v) is dt.datetime and v.utcoffset() == dt.timedelta(0)
        for v in values  # type: ignore[union-attr]
    )


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("year", [D(2023, 1, 1), D(2024, 1, 1)]),
        ("month", [D(2023, 12, 1), D(2024, 1, 1), D(2024, 2, 1), D(2024, 3, 1)]),
        ("week", [D(2023, 12, 25), D(2024, 1, 1), D(2024, 2, 26)]),
        ("day", [D(2023, 12, 31), D(2024, 1, 1), D(2024, 2, 29), D(2024, 3, 3)]),
    ],
)
def test_dates_of_a_date_field(events: SimpleNamespace, kind: str, expected: list[D]) -> None:
    assert_dates(list(Event.objects.all().dates("day", kind)), expected)
    assert_dates(list(Event.objects.all().dates("day", kind, order="DESC")), expected[::-1])


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("year", [D(2023, 1, 1), D(2024, 1, 1)]),
        ("month", [D(2023, 12, 1), D(2024, 1, 1), D(2024, 2, 1), D(2024, 3, 1)]),
        ("week", [D(2023, 12, 25), D(2024, 1, 1), D(2024, 2, 26), D(2024, 3, 4)]),
        ("day", [D(2023, 12, 31), D(2024, 1, 1), D(2024, 2, 29), D(2024, 3, 3), D(2024, 3, 4)]),
    ],
)
def test_dates_of_a_datetime_field_in_utc(
    events: SimpleNamespace, kind: str, expected: list[D]
) -> None:
    assert_dates(list(Event.objects.all().dates("starts", kind)), expected)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("year", [utc(2023, 1, 1), utc(2024, 1, 1)]),
        ("month", [utc(2023, 12, 1), utc(2024, 1, 1), utc(2024, 2, 1), utc(2024, 3, 1)]),
        ("week", [utc(2023, 12, 25), utc(2024, 1, 1), utc(2024, 2, 26), utc(2024, 3, 4)]),
        (
            "day",
            [
                utc(2023, 12, 31),
                utc(2024, 1, 1),
                utc(2024, 2, 29),
                utc(2024, 3, 3),
                utc(2024, 3, 4),
            ],
        ),
        (
            "hour",
            [
                utc(2023, 12, 31, 23),
                utc(2024, 1, 1, 0),
                utc(2024, 2, 29, 13),
                utc(2024, 3, 3, 13),
                utc(2024, 3, 4, 4),
            ],
        ),
        (
            "minute",
            [
                utc(2023, 12, 31, 23, 59),
                utc(2024, 1, 1, 0, 0),
                utc(2024, 2, 29, 13, 45),
                utc(2024, 3, 3, 13, 5),
                utc(2024, 3, 4, 4, 30),
            ],
        ),
        (
            "second",
            [
                utc(2023, 12, 31, 23, 59, 59),
                utc(2024, 1, 1, 0, 0, 0),
                utc(2024, 2, 29, 13, 45, 30),
                utc(2024, 2, 29, 13, 45, 59),
                utc(2024, 3, 3, 13, 5, 30),
                utc(2024, 3, 4, 4, 30, 0),
            ],
        ),
    ],
)
def test_datetimes(events: SimpleNamespace, kind: str, expected: list[dt.datetime]) -> None:
    assert_datetimes(list(Event.objects.all().datetimes("starts", kind)), expected)
    descending = Event.objects.all().datetimes("starts", kind, "DESC")
    assert_datetimes(list(descending), expected[::-1])


def test_chained_before_and_after(events: SimpleNamespace) -> None:
    firsts = Event.objects.filter(hour=1)
    assert_dates(list(firsts.dates("day", "month")), [D(2023, 12, 1), D(2024, 2, 1)])
    months = Event.objects.all().dates("starts", "month")
    assert months.count() == 4 and months.exists()
    assert_dates(list(months[1:3]), [D(2024, 1, 1), D(2024, 2, 1)])
    assert months.first() == D(2023, 12, 1) and months.last() == D(2024, 3, 1)
    assert_dates(list(months.filter(hour=2)), [D(2024, 1, 1), D(2024, 2, 1)])
    parents = Event.objects.all().datetimes("parent__starts", "second")
    assert_datetimes(list(parents), [utc(2023, 12, 31, 23, 59, 59)])
    assert list(Event.objects.none().dates("day", "year")) == []


def test_published_books(library: SimpleNamespace) -> None:
    assert_dates(list(Book.objects.all().dates("published", "month")), [D(2024, 3, 1)])
    days = Book.objects.all().datetimes("published", "day", order="DESC")
    assert_datetimes(list(days), [utc(2024, 3, 10), utc(2024, 3, 5), utc(2024, 3, 1)])


def test_wrong_arguments(db: Database) -> None:
    events = Event.objects.all()
    with pytest.raises(ValueError, match="'kind' must be one of 'year', 'month', 'week', or"):
        events.dates("day", "hour")
    with pytest.raises(ValueError, match="'second'"):
        events.datetimes("starts", "fortnight")
    with pytest.raises(ValueError, match="'order' must be either 'ASC' or 'DESC'"):
        events.dates("day", "year", order="up")
    with pytest.raises(TypeError, match="'hour' isn't a Date or DateTime field"):
        events.dates("hour", "year")
    with pytest.raises(ValueError, match="Cannot truncate Date field 'day'"):
        events.datetimes("day", "year")
    with pytest.raises(FieldError):
        events.dates("nothing", "year")


def test_statement_shapes(events: SimpleNamespace) -> None:
    def sql(qs: object) -> str:
        return str(qs.query)  # type: ignore[attr-defined]

    a = Event.objects.filter(hour=1).dates("day", "month")
    b = Event.objects.filter(hour=2).dates("day", "month")
    assert sql(a) == sql(b)
    assert shape_and_values(a, "values")[0] == shape_and_values(b, "values")[0]
    variants = [Event.objects.all().dates("day", kind) for kind in ("year", "month", "week", "day")]
    variants += [Event.objects.all().datetimes("starts", "day")]
    variants += [Event.objects.all().dates("starts", "day")]
    variants += [Event.objects.all().dates("day", "day", "DESC")]
    assert len({sql(v) for v in variants}) == len(variants)
    assert len({shape_and_values(v, "values")[0] for v in variants}) == len(variants)
    hostile = Book.objects.filter(title=HOSTILE).dates("published", "day")
    assert list(hostile) == [] and HOSTILE not in sql(hostile)
    assert Book.objects.count() == 0


@pytest.mark.anyio
async def test_async(events: SimpleNamespace) -> None:
    weeks = Event.objects.all().dates("starts", "week", "DESC")
    assert_dates(await weeks, [D(2024, 3, 4), D(2024, 2, 26), D(2024, 1, 1), D(2023, 12, 25)])
    assert await weeks.acount() == 4
    assert await weeks.afirst() == D(2024, 3, 4)
    hours = Event.objects.filter(hour=2).datetimes("starts", "hour")
    assert_datetimes([h async for h in hours], [utc(2024, 1, 1, 0), utc(2024, 2, 29, 13)])
    assert await hours.alast() == utc(2024, 2, 29, 13)
