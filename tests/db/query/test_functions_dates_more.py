"""TruncQuarter, TruncTime and the ISO 8601 extracts (ExtractWeek, ExtractIsoYear,
ExtractIsoWeekDay) on every backend, in UTC, sync and async, with their shapes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from heron.db import Count, F
from heron.db.backends import Database
from heron.db.query.datefunctions import (
    Extract,
    ExtractIsoWeekDay,
    ExtractIsoYear,
    ExtractQuarter,
    ExtractWeek,
    Trunc,
    TruncQuarter,
    TruncTime,
)
from heron.db.query.execution import shape_and_values
from tests.db.query.fn_models import Order


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


# Dates around ISO year boundaries: (created, due, ISO year, ISO week, ISO weekday).
ROWS = [
    (utc(2024, 12, 30, 23, 59, 58, 123456), dt.date(2021, 1, 3), 2025, 1, 1),  # a Monday
    (utc(2021, 1, 3, 7, 5), dt.date(2024, 12, 30), 2020, 53, 7),  # a Sunday
    (utc(2024, 5, 16, 0, 0), dt.date(2024, 8, 31), 2024, 20, 4),  # a Thursday
    (utc(2023, 1, 1, 12, 0), None, 2022, 52, 7),
]


@pytest.fixture
def orders(db: Database) -> SimpleNamespace:
    made = [
        Order.objects.create(created=c, due=d, amount=Decimal("1.00"), code=f"o{i}")
        for i, (c, d, *_) in enumerate(ROWS)
    ]
    return SimpleNamespace(all=made)


def _by_code(qs: object, *names: str) -> list[tuple[object, ...]]:
    return list(qs.order_by("code").values_list(*names))  # type: ignore[attr-defined]


def test_iso_extracts_of_date_times_and_dates(orders: SimpleNamespace) -> None:
    qs = Order.objects.annotate(
        w=ExtractWeek("created"),
        y=ExtractIsoYear("created"),
        d=ExtractIsoWeekDay("created"),
        q=ExtractQuarter("created"),
    )
    got = _by_code(qs, "y", "w", "d", "q")
    assert got == [(y, w, d, (c.month + 2) // 3) for c, _, y, w, d in ROWS]
    assert all(type(v) is int for row in got for v in row)
    due = Order.objects.filter(due__isnull=False).annotate(
        w=ExtractWeek("due"), y=Extract("due", "iso_year"), d=Extract("due", "iso_week_day")
    )
    expected = [r[1].isocalendar() for r in ROWS if r[1] is not None]
    assert _by_code(due, "y", "w", "d") == [tuple(e) for e in expected]


def test_iso_parts_as_lookups(orders: SimpleNamespace) -> None:
    def codes(**lookup: object) -> list[str]:
        return list(Order.objects.filter(**lookup).order_by("code").values_list("code", flat=True))

    assert codes(created__week=1) == ["o0"]
    assert codes(created__iso_year=2025) == ["o0"]
    assert codes(created__iso_week_day=7) == ["o1", "o3"]
    assert codes(created__quarter=2) == ["o2"]
    assert codes(created__week__gte=52) == ["o1", "o3"]
    assert codes(due__iso_year=2025) == ["o1"]  # 2024-12-30 is in ISO week 1 of 2025
    assert codes(due__quarter__in=[1, 3]) == ["o0", "o2"]
    weeks = Order.objects.order_by("code").values_list("created__week", "created__quarter")
    assert list(weeks) == [(1, 4), (53, 1), (20, 2), (52, 1)]


def test_iso_extracts_in_filter_order_by_group_and_update(orders: SimpleNamespace) -> None:
    mondays = Order.objects.annotate(d=ExtractIsoWeekDay("created")).filter(d=1)
    assert [o.code for o in mondays] == ["o0"]
    assert [o.code for o in Order.objects.order_by(ExtractWeek("created"), "code")] == [
        "o0",
        "o2",
        "o3",
        "o1",
    ]
    years = (
        Order.objects.annotate(y=ExtractIsoYear("created"))
        .values("y")
        .annotate(n=Count("id"))
        .order_by("y")
    )
    assert [(r["y"], r["n"]) for r in years] == [(2020, 1), (2022, 1), (2024, 1), (2025, 1)]
    Order.objects.update(weight=ExtractWeek("created") + F("amount"))
    assert sorted(Order.objects.values_list("weight", flat=True)) == [2.0, 21.0, 53.0, 54.0]


def test_trunc_quarter(orders: SimpleNamespace) -> None:
    qs = Order.objects.annotate(t=TruncQuarter("created"), d=TruncQuarter("due"))
    got = _by_code(qs, "t", "d")
    assert got == [
        (utc(2024, 10, 1), dt.date(2021, 1, 1)),
        (utc(2021, 1, 1), dt.date(2024, 10, 1)),
        (utc(2024, 4, 1), dt.date(2024, 7, 1)),
        (utc(2023, 1, 1), None),
    ]
    assert type(got[0][0]) is dt.datetime and type(got[0][1]) is dt.date
    same = Trunc("created", "quarter")
    assert Order.objects.annotate(t=same).filter(t=utc(2024, 4, 1)).count() == 1
    grouped = (
        Order.objects.annotate(q=TruncQuarter("created"))
        .values("q")
        .annotate(n=Count("id"))
        .order_by("-q")
    )
    assert [(r["q"], r["n"]) for r in grouped] == [
        (utc(2024, 10, 1), 1),
        (utc(2024, 4, 1), 1),
        (utc(2023, 1, 1), 1),
        (utc(2021, 1, 1), 1),
    ]


def test_trunc_time(orders: SimpleNamespace, db: Database) -> None:
    got = _by_code(Order.objects.annotate(t=TruncTime("created")), "t")
    assert [t for (t,) in got] == [
        dt.time(23, 59, 58, 123456),
        dt.time(7, 5),
        dt.time(0, 0),
        dt.time(12, 0),
    ]
    assert all(type(t) is dt.time for (t,) in got)
    ordered = Order.objects.order_by(TruncTime("created").desc())
    assert [o.code for o in ordered] == ["o0", "o3", "o1", "o2"]
    if db.vendor != "sqlite":  # SQLite: the compiler binds a time as no text for it yet
        noon = Order.objects.annotate(t=TruncTime("created")).filter(t__gte=dt.time(12, 0))
        assert sorted(o.code for o in noon) == ["o0", "o3"]
    with pytest.raises(ValueError, match="date-time"):
        list(Order.objects.annotate(t=TruncTime("due")))


@pytest.mark.anyio
async def test_async(orders: SimpleNamespace) -> None:
    qs = Order.objects.annotate(w=ExtractWeek("created"), t=TruncTime("created"))
    rows = [r async for r in qs.order_by("code").values_list("w", "t")]
    assert rows[1] == (53, dt.time(7, 5))


def test_shapes(orders: SimpleNamespace) -> None:
    def key(qs: object) -> object:
        return shape_and_values(qs, "select")[0]  # type: ignore[arg-type]

    variants = [
        Order.objects.annotate(m=ExtractWeek("created")),
        Order.objects.annotate(m=ExtractIsoYear("created")),
        Order.objects.annotate(m=ExtractIsoWeekDay("created")),
        Order.objects.annotate(m=ExtractQuarter("created")),
        Order.objects.annotate(m=TruncQuarter("created")),
        Order.objects.annotate(m=TruncTime("created")),
    ]
    keys = [key(qs) for qs in variants]
    assert len(set(keys)) == len(keys)
    one = Order.objects.annotate(w=ExtractWeek("created")).filter(w=1)
    two = Order.objects.annotate(w=ExtractWeek("created")).filter(w=53)
    assert key(one) == key(two)
