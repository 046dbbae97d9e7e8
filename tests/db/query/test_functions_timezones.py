"""``tzinfo=`` on the date functions: a UTC date-time read as a zone's wall time, across
midnight and daylight-saving changes, on each backend (MariaDB with its time-zone tables)."""

from __future__ import annotations

import datetime as dt
import subprocess
import zoneinfo
from types import SimpleNamespace

import pytest

from heron.db.backends import Database
from heron.db.query import (
    Count,
    ExtractDay,
    ExtractHour,
    ExtractWeekDay,
    Trunc,
    TruncDate,
    TruncDay,
    TruncHour,
    TruncMonth,
    TruncTime,
)
from tests.db.query.qt_models import Author, Book

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
UTC = dt.UTC
MINUS_FIVE = dt.timezone(dt.timedelta(hours=-5))


@pytest.fixture
def zones(db: Database) -> Database:
    """The database, with MariaDB's time-zone tables loaded (what named zones need there)."""
    if db.vendor == "mysql" and not db.fetchone("SELECT COUNT(*) FROM mysql.time_zone_name")[0]:
        sql = subprocess.run(
            ["mariadb-tzinfo-to-sql", "/usr/share/zoneinfo"],
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(
            ["mariadb", "-uroot", "-h127.0.0.1", "-P3306", "mysql"],
            input=sql,
            capture_output=True,
            check=True,
        )
    return db


def test_a_late_evening_in_utc_is_the_next_day_in_paris(
    library: SimpleNamespace, zones: Database
) -> None:
    # Ulysses: 2024-03-10 23:30 UTC, 00:30 on the 11th in Paris (UTC+1 in March).
    row = Book.objects.filter(pk=library.ulysses.pk).annotate(
        day=TruncDay("published", tzinfo=PARIS),
        utc_day=TruncDay("published"),
        date=TruncDate("published", tzinfo=PARIS),
        time=TruncTime("published", tzinfo=PARIS),
        dom=ExtractDay("published", tzinfo=PARIS),
        hour=ExtractHour("published", tzinfo=PARIS),
        weekday=ExtractWeekDay("published", tzinfo=PARIS),
    )
    got = row.values("day", "utc_day", "date", "time", "dom", "hour", "weekday").get()
    assert got == {
        "day": dt.datetime(2024, 3, 10, 23, 0, tzinfo=UTC),  # midnight in Paris
        "utc_day": dt.datetime(2024, 3, 10, 0, 0, tzinfo=UTC),
        "date": dt.date(2024, 3, 11),
        "time": dt.time(0, 30),
        "dom": 11,
        "hour": 0,
        "weekday": 2,  # Monday 11 March (1 = Sunday)
    }


def test_fixed_offsets(library: SimpleNamespace, db: Database) -> None:
    got = (
        Book.objects.filter(pk=library.ulysses.pk)
        .annotate(hour=ExtractHour("published", tzinfo=MINUS_FIVE))
        .annotate(day=TruncDay("published", tzinfo=MINUS_FIVE))
        .values_list("hour", "day")
        .get()
    )
    assert got == (18, dt.datetime(2024, 3, 10, 5, 0, tzinfo=UTC))


def test_daylight_saving_changes(db: Database, zones: Database) -> None:
    author = Author.objects.create(name="dst", age=1)
    # Paris moved from UTC+1 to UTC+2 at 01:00 UTC on 2024-03-31.
    before = Book.objects.create(
        title="before",
        pages=1,
        author=author,
        published=dt.datetime(2024, 3, 31, 0, 30, tzinfo=UTC),
    )
    after = Book.objects.create(
        title="after", pages=1, author=author, published=dt.datetime(2024, 3, 31, 2, 0, tzinfo=UTC)
    )
    qs = Book.objects.filter(pk__in=[before.pk, after.pk]).annotate(
        day=TruncDay("published", tzinfo=PARIS),
        hour=TruncHour("published", tzinfo=PARIS),
        local_hour=ExtractHour("published", tzinfo=PARIS),
    )
    got = {
        title: (d, h, lh)
        for title, d, h, lh in qs.values_list("title", "day", "hour", "local_hour")
    }
    midnight = dt.datetime(2024, 3, 30, 23, 0, tzinfo=UTC)
    assert got == {
        "before": (midnight, dt.datetime(2024, 3, 31, 0, 0, tzinfo=UTC), 1),
        "after": (midnight, dt.datetime(2024, 3, 31, 2, 0, tzinfo=UTC), 4),
    }


def test_grouping_by_a_local_day(library: SimpleNamespace, zones: Database) -> None:
    per_day = (
        Book.objects.exclude(published=None)
        .annotate(day=TruncDate("published", tzinfo=PARIS))
        .values("day")
        .annotate(n=Count("id"))
        .order_by("day")
    )
    assert [(r["day"].day, r["n"]) for r in per_day] == [(1, 1), (5, 1), (11, 1)]
    per_month = Book.objects.annotate(m=TruncMonth("published", tzinfo=PARIS)).filter(
        m=dt.datetime(2024, 2, 29, 23, 0, tzinfo=UTC)
    )
    assert per_month.count() == 3


def test_utc_and_no_zone_give_the_same_sql() -> None:
    assert TruncDay("published", tzinfo=zoneinfo.ZoneInfo("UTC")).zone is None
    assert Trunc("published", "day", tzinfo=dt.timezone(dt.timedelta(0))).zone is None
    assert (
        TruncDay("published", tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))).zone
        == "+05:30"
    )


def test_other_tzinfo_objects_are_refused() -> None:
    class Odd(dt.tzinfo):
        def utcoffset(self, when: object) -> dt.timedelta:
            return dt.timedelta(hours=1)

    with pytest.raises(TypeError, match=r"tzinfo= takes a zoneinfo\.ZoneInfo"):
        TruncDay("published", tzinfo=Odd())


@pytest.mark.anyio
async def test_async(library: SimpleNamespace, zones: Database) -> None:
    qs = Book.objects.filter(pk=library.ulysses.pk).annotate(
        d=ExtractDay("published", tzinfo=PARIS)
    )
    assert [b.d async for b in qs] == [11]
