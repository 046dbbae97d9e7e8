"""CheckConstraint(condition=Q(...)): enforced by each database, and what it refuses."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from heron.db import CheckConstraint, IntegrityError, Model, fields
from heron.db.backends import Database
from heron.db.models.exceptions import FieldError
from heron.db.query.expressions import Count, F, Q

from .mt_models import Guarded, Shelf

VALID: dict[str, Any] = {"name": "ok", "price": 5}


@pytest.mark.parametrize(
    "changes",
    [
        {"price": 0, "active": False},
        {"low": 10, "high": 10},
        {"code": "G_xyz"},
        {"released": datetime.date(2000, 1, 1)},
        {"note": "its", "price": 1000},
    ],
)
def test_valid_rows_are_accepted(db: Database, changes: dict[str, Any]) -> None:
    Guarded.objects.create(**{**VALID, **changes})
    assert Guarded.objects.count() == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"price": -1},  # price >= 0
        {"low": 11, "high": 10},  # low <= F("high")
        {"active": False, "price": 3},  # active | price == 0
        {"code": "G-1"},  # startswith "G_": "_" is no wildcard
        {"code": "g_1"},  # startswith is case-sensitive
        {"released": datetime.date(1999, 12, 31)},
        {"name": "bad"},  # ~Q(name__in=...)
        {"price": 1001},  # range
        {"note": "it's"},
    ],
)
def test_violating_rows_are_refused(db: Database, changes: dict[str, Any]) -> None:
    with pytest.raises(IntegrityError):
        Guarded.objects.create(**{**VALID, **changes})


def test_foreign_key_column(db: Database) -> None:
    shelf = Shelf.objects.create(name="s")
    Guarded.objects.create(**VALID, shelf=shelf)
    assert Guarded.objects.filter(shelf=shelf).count() == 1


def test_check_is_an_alias_and_not_both() -> None:
    assert CheckConstraint(check=Q(a=1), name="x").condition == Q(a=1)
    assert CheckConstraint(check="a > 1", name="x").check == "a > 1"
    with pytest.raises(ValueError, match="not both"):
        CheckConstraint(condition=Q(a=1), check=Q(a=1), name="x")
    with pytest.raises(ValueError):
        CheckConstraint(condition=Q(), name="x")


def _model(condition: Any) -> None:
    class Broken(Model):
        price = fields.Integer()
        shelf = fields.ForeignKey(Shelf, on_delete=fields.CASCADE)
        tags = fields.ManyToManyField(Shelf, related_name="+")

        class Meta:
            label = "mt_broken"
            constraints = [CheckConstraint(condition=condition, name="broken")]

    from heron.db import registry

    registry.tables_for("mt_broken")


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        (Q(shelf__name="x"), "cannot follow relations"),
        (Q(price=F("shelf__id")), "cannot follow relations"),
        (Q(tags=1), "own columns"),
        (Q(nothing=1), "no field"),
        (Q(price__gt=Count("tags")), "not Count"),
        (Q(price__gt=F("price") + 1), "not Combined"),
        (Q(price__in=Shelf.objects.all()), "not QuerySet"),
        (Q(price__regex="1"), "not supported"),
    ],
)
def test_refusals(condition: Q, message: str) -> None:
    with pytest.raises(FieldError, match=message):
        _model(condition)
