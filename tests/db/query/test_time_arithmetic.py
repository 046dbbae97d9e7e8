"""A time of day ± a duration (wrapping around midnight) and the duration between two
times, in annotations, filters and updates on every backend, sync and async."""

from __future__ import annotations

import datetime as dt

import pytest

from heron.db import F, Model, fields
from heron.db.backends import Database
from tests.db.query.qt_models import table


class Shift(Model):
    """A shift: when it starts (a time of day, maybe with microseconds) and how long."""

    starts = fields.Time()
    length = fields.Duration(null=True)

    class Meta:
        label = "qt"
        table = table("shift")


H, M = dt.timedelta(hours=1), dt.timedelta(minutes=1)


@pytest.fixture
def shifts(db: Database) -> dict[str, Shift]:
    return {
        "morning": Shift.objects.create(starts=dt.time(10, 30), length=8 * H),
        "night": Shift.objects.create(starts=dt.time(22, 0, 0, 250), length=9 * H),
    }


def starts_plus(delta: object) -> dict[str, dt.time]:
    rows = Shift.objects.annotate(at=F("starts") + delta).order_by("starts")
    return {str(s.starts): s.at for s in rows}


def test_time_plus_and_minus_a_duration_wraps_around_midnight(shifts: dict[str, Shift]) -> None:
    assert starts_plus(H) == {
        "10:30:00": dt.time(11, 30),
        "22:00:00.000250": dt.time(23, 0, 0, 250),
    }
    assert starts_plus(3 * H) == {
        "10:30:00": dt.time(13, 30),
        "22:00:00.000250": dt.time(1, 0, 0, 250),
    }
    micro = dt.timedelta(microseconds=7)
    assert starts_plus(-11 * H + micro) == {
        "10:30:00": dt.time(23, 30, 0, 7),
        "22:00:00.000250": dt.time(11, 0, 0, 257),
    }
    late = Shift.objects.annotate(at=F("starts") - 30 * M).get(pk=shifts["morning"].pk)
    assert late.at == dt.time(10, 0)
    ends = Shift.objects.annotate(ends=F("starts") + F("length")).order_by("starts")
    assert [s.ends for s in ends] == [dt.time(18, 30), dt.time(7, 0, 0, 250)]
    flipped = Shift.objects.annotate(ends=F("length") + F("starts")).order_by("starts")
    assert [s.ends for s in flipped] == [dt.time(18, 30), dt.time(7, 0, 0, 250)]


def test_the_duration_between_two_times(shifts: dict[str, Shift]) -> None:
    rows = Shift.objects.annotate(since=F("starts") - dt.time(9, 15, 30, 5)).order_by("starts")
    assert [s.since for s in rows] == [
        dt.timedelta(hours=1, minutes=14, seconds=29, microseconds=999995),
        dt.timedelta(hours=12, minutes=44, seconds=30, microseconds=245),
    ]


def test_filters_and_updates(shifts: dict[str, Shift]) -> None:
    assert Shift.objects.filter(starts=F("starts") + dt.timedelta(0)).count() == 2
    assert Shift.objects.filter(starts__lt=F("starts") + M).count() == 2
    assert Shift.objects.filter(starts__gt=F("starts") + 3 * H).count() == 1  # wrapped
    assert Shift.objects.filter(starts__lt=F("starts") - 11 * H).count() == 1
    Shift.objects.filter(pk=shifts["morning"].pk).update(starts=F("starts") + 90 * M)
    Shift.objects.filter(pk=shifts["night"].pk).update(starts=F("starts") + F("length"))
    assert sorted(str(t) for t in Shift.objects.values_list("starts", flat=True)) == [
        "07:00:00.000250",
        "12:00:00",
    ]


@pytest.mark.anyio
async def test_async(shifts: dict[str, Shift]) -> None:
    later = await Shift.objects.annotate(at=F("starts") + 2 * H).order_by("starts").afirst()
    assert later is not None and later.at == dt.time(12, 30)
    assert await Shift.objects.filter(starts__gte=F("starts") - 11 * H).acount() == 1
