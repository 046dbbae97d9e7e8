"""Trunc*/Extract* and Now: UTC, Python types on every backend, in annotate, values,
filter, order_by and update, sync and async, and their statement-cache shapes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from heron.db import (
    Count,
    Extract,
    ExtractDay,
    ExtractHour,
    ExtractMinute,
    ExtractMonth,
    ExtractQuarter,
    ExtractWeekDay,
    ExtractYear,
    F,
    Now,
    Sum,
    Trunc,
    TruncDate,
    TruncDay,
    TruncHour,
    TruncMinute,
    TruncMonth,
    TruncWeek,
    TruncYear,
    fields,
)
from heron.db.backends import Database
from heron.db.query.execution import shape_and_values
from tests.db.query.fn_models import Order

UTC = dt.UTC


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.fixture
def orders(db: Database) -> SimpleNamespace:
    """Five orders over January to April 2024; one late on a Saturday evening (UTC)."""
    rows = [
        (utc(2024, 1, 15, 9, 5, 7, 250), dt.date(2024, 1, 31), "10.50"),
        (utc(2024, 1, 20, 23, 45), dt.date(2024, 2, 1), "4.25"),  # a Saturday
        (utc(2024, 3, 1, 0, 0), None, "7.00"),
        (utc(2024, 3, 31, 14, 59, 59), dt.date(2024, 4, 30), "1.25"),
        (utc(2024, 4, 2, 8, 30), dt.date(2024, 12, 25), "2.00"),
    ]
    made = [
        Order.objects.create(created=c, due=d, amount=Decimal(a), code=f"o{i}")
        for i, (c, d, a) in enumerate(rows)
    ]
    return SimpleNamespace(all=made)


def test_monthly_totals(orders: SimpleNamespace) -> None:
    rows = list(
        Order.objects.annotate(month=TruncMonth("created"))
        .values("month")
        .annotate(total=Sum("amount"))
        .order_by("month")
    )
    assert rows == [
        {"month": utc(2024, 1, 1), "total": Decimal("14.75")},
        {"month": utc(2024, 3, 1), "total": Decimal("8.25")},
        {"month": utc(2024, 4, 1), "total": Decimal("2.00")},
    ]
    assert all(
        type(r["month"]) is dt.datetime and r["month"].utcoffset() == dt.timedelta(0) for r in rows
    )
    assert all(type(r["total"]) is Decimal for r in rows)


@pytest.mark.anyio
async def test_monthly_totals_async(orders: SimpleNamespace) -> None:
    qs = (
        Order.objects.annotate(month=TruncMonth("created"))
        .values("month")
        .annotate(n=Count("id"))
        .order_by("-month")
        .values_list("month", "n")
    )
    rows = [row async for row in qs]
    assert rows == [(utc(2024, 4, 1), 1), (utc(2024, 3, 1), 2), (utc(2024, 1, 1), 2)]
    assert type(rows[0][0]) is dt.datetime and rows[0][0].tzinfo is not None
    first = await Order.objects.annotate(d=TruncDate("created")).order_by("d").afirst()
    assert first is not None and first.d == dt.date(2024, 1, 15) and type(first.d) is dt.date


def test_truncations_of_date_times(orders: SimpleNamespace) -> None:
    late = Order.objects.annotate(
        y=TruncYear("created"),
        d=TruncDay("created"),
        h=TruncHour("created"),
        m=TruncMinute("created"),
        date=TruncDate("created"),
        t=Trunc("created", "second"),
    ).get(code="o0")
    assert late.y == utc(2024, 1, 1)
    assert late.d == utc(2024, 1, 15)
    assert late.h == utc(2024, 1, 15, 9)
    assert late.m == utc(2024, 1, 15, 9, 5)
    assert late.t == utc(2024, 1, 15, 9, 5, 7)
    assert late.date == dt.date(2024, 1, 15)
    for value in (late.y, late.d, late.h, late.m, late.t):
        assert type(value) is dt.datetime and value.utcoffset() == dt.timedelta(0)
    assert type(late.date) is dt.date


def test_truncations_of_dates(orders: SimpleNamespace) -> None:
    rows = list(
        Order.objects.filter(due__isnull=False)
        .annotate(m=TruncMonth("due"), y=TruncYear("due"), d=TruncDay("due"))
        .order_by("due")
        .values_list("m", "y", "d")
    )
    assert rows[0] == (dt.date(2024, 1, 1), dt.date(2024, 1, 1), dt.date(2024, 1, 31))
    assert rows[-1] == (dt.date(2024, 12, 1), dt.date(2024, 1, 1), dt.date(2024, 12, 25))
    assert all(type(v) is dt.date for row in rows for v in row)
    as_date = Order.objects.annotate(m=TruncMonth("created", output_field=fields.Date()))
    assert as_date.get(code="o1").m == dt.date(2024, 1, 1)
    with pytest.raises(ValueError, match="date-time"):
        list(Order.objects.annotate(h=TruncHour("due")))


def test_truncation_to_the_week(orders: SimpleNamespace) -> None:
    """Weeks start on Monday, for date-times (UTC) and dates alike."""
    rows = dict(Order.objects.annotate(w=TruncWeek("created")).values_list("code", "w"))
    assert rows["o1"] == utc(2024, 1, 15)  # Saturday 20 January, 23:45 UTC
    assert rows["o2"] == utc(2024, 2, 26)  # Friday 1 March
    assert rows["o3"] == utc(2024, 3, 25)  # Sunday 31 March: the Monday before
    assert all(type(v) is dt.datetime and v.utcoffset() == dt.timedelta(0) for v in rows.values())
    due = dict(Order.objects.annotate(dw=TruncWeek("due")).values_list("code", "dw"))
    assert due["o0"] == dt.date(2024, 1, 29) and due["o2"] is None  # Wednesday 31 January
    assert type(due["o4"]) is dt.date


def test_filter_and_order_by_truncations(orders: SimpleNamespace) -> None:
    march = Order.objects.annotate(m=TruncMonth("created")).filter(m=utc(2024, 3, 1))
    assert sorted(o.code for o in march) == ["o2", "o3"]
    days = Order.objects.annotate(d=TruncDate("created")).filter(d__gte=dt.date(2024, 3, 1))
    assert sorted(o.code for o in days) == ["o2", "o3", "o4"]
    in_months = Order.objects.annotate(m=TruncMonth("created")).filter(
        m__in=[utc(2024, 1, 1), utc(2024, 4, 1)]
    )
    assert sorted(o.code for o in in_months) == ["o0", "o1", "o4"]
    same_day = Order.objects.filter(
        created__gte=TruncDay(F("created")), created__lt=TruncDay("created") + dt.timedelta(days=1)
    )
    assert same_day.count() == 5
    ordered = Order.objects.order_by(TruncMonth("created").desc(), "code")
    assert [o.code for o in ordered] == ["o4", "o2", "o3", "o0", "o1"]


def test_extracts(orders: SimpleNamespace) -> None:
    got = Order.objects.annotate(
        y=ExtractYear("created"),
        q=ExtractQuarter("created"),
        mo=ExtractMonth("created"),
        d=ExtractDay("created"),
        wd=ExtractWeekDay("created"),
        h=ExtractHour("created"),
        mi=ExtractMinute("created"),
        s=Extract("created", "second"),
    ).get(code="o1")
    assert (got.y, got.q, got.mo, got.d, got.wd, got.h, got.mi, got.s) == (
        2024,
        1,
        1,
        20,
        7,
        23,
        45,
        0,
    )
    assert all(type(v) is int for v in (got.y, got.q, got.mo, got.d, got.wd, got.h, got.mi, got.s))
    quarters = dict(Order.objects.annotate(q=ExtractQuarter("created")).values_list("code", "q"))
    assert quarters == {"o0": 1, "o1": 1, "o2": 1, "o3": 1, "o4": 2}
    due = dict(
        Order.objects.annotate(q=ExtractQuarter("due"), w=ExtractWeekDay("due")).values_list(
            "code", "q"
        )
    )
    assert due == {"o0": 1, "o1": 1, "o2": None, "o3": 2, "o4": 4}
    sundays = Order.objects.annotate(w=ExtractWeekDay("due")).filter(w=1)  # 2024-03-31 isn't a due
    assert [o.code for o in sundays] == []
    wed = Order.objects.annotate(w=ExtractWeekDay("due")).filter(w=4)  # 2024-01-31, 2024-12-25
    assert sorted(o.code for o in wed) == ["o0", "o4"]
    with pytest.raises(ValueError, match="no hour"):
        list(Order.objects.annotate(h=ExtractHour("due")))
    with pytest.raises(ValueError, match="takes one of"):
        Extract("created", "fortnight")


def test_extract_in_filter_group_and_update(orders: SimpleNamespace) -> None:
    assert Order.objects.filter(amount__gt=ExtractHour("created")).count() == 2  # 10.50 > 9, 7 > 0
    per_quarter = list(
        Order.objects.annotate(q=ExtractQuarter("created"))
        .values("q")
        .annotate(n=Count("id"))
        .order_by("q")
    )
    assert per_quarter == [{"q": 1, "n": 4}, {"q": 2, "n": 1}]
    assert Order.objects.filter(code="o1").update(created=TruncMonth("created")) == 1
    moved = Order.objects.get(code="o1")
    assert moved.created == utc(2024, 1, 1)
    assert Order.objects.filter(created=utc(2024, 1, 1)).count() == 1  # stored as any date-time
    assert Order.objects.filter(code="o1").update(due=TruncDate("created")) == 1
    assert Order.objects.get(code="o1").due == dt.date(2024, 1, 1)


def test_now(orders: SimpleNamespace) -> None:
    before = dt.datetime.now(UTC) - dt.timedelta(seconds=5)
    row = Order.objects.annotate(now=Now()).values("now")[0]
    assert type(row["now"]) is dt.datetime and row["now"].utcoffset() == dt.timedelta(0)
    assert before < row["now"] < before + dt.timedelta(minutes=1)
    assert Order.objects.filter(created__lt=Now()).count() == 5
    assert Order.objects.filter(created__gt=Now() - dt.timedelta(days=3650)).count() == 5
    week = Order.objects.filter(created__gte=TruncDay(Now()) - dt.timedelta(days=7))
    assert week.count() == 0
    assert Order.objects.annotate(d=TruncDay(Now())).values_list("d", flat=True)[0] == utc(
        *dt.datetime.now(UTC).timetuple()[:3]
    )
    assert Order.objects.filter(code="o0").update(created=Now()) == 1
    assert Order.objects.get(code="o0").created > before


@pytest.mark.anyio
async def test_async_extract_and_filter(orders: SimpleNamespace) -> None:
    years = [
        y
        async for y in Order.objects.annotate(y=ExtractYear("created")).values_list("y", flat=True)
    ]
    assert years == [2024] * 5 and all(type(y) is int for y in years)
    n = await Order.objects.annotate(m=TruncMonth("created")).filter(m=utc(2024, 1, 1)).acount()
    assert n == 2


def test_shapes(orders: SimpleNamespace) -> None:
    def key(qs: object) -> object:
        return shape_and_values(qs, "select")[0]  # type: ignore[arg-type]

    def sql(qs: object) -> str:
        return qs.query.sql_and_params()[0]  # type: ignore[attr-defined, no-any-return]

    one = Order.objects.annotate(m=TruncMonth("created")).filter(m=utc(2024, 1, 1))
    two = Order.objects.annotate(m=TruncMonth("created")).filter(m=utc(2024, 3, 1))
    assert key(one) == key(two) and sql(one) == sql(two)
    variants = [
        Order.objects.annotate(m=TruncMonth("created")),
        Order.objects.annotate(m=TruncYear("created")),
        Order.objects.annotate(m=Trunc("created", "month")),
        Order.objects.annotate(m=Trunc("created", "day")),
        Order.objects.annotate(m=TruncMonth("due")),
        Order.objects.annotate(m=TruncMonth("created", output_field=fields.Date())),
        Order.objects.annotate(m=TruncDate("created")),
        Order.objects.annotate(m=ExtractYear("created")),
        Order.objects.annotate(m=Extract("created", "month")),
        Order.objects.annotate(m=Extract("created", "quarter")),
        Order.objects.annotate(m=Now()),
    ]
    keys = [key(qs) for qs in variants]
    assert len(set(keys)) == len(keys)
    assert len({sql(qs) for qs in variants[1:]}) == len(variants) - 1
