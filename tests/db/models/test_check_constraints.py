"""CheckConstraint(condition=Q(...)): enforced by each database, and what it refuses."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from heron.db import CheckConstraint, IntegrityError, Model, ValidationError, fields
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


# -- full_clean() judges the instance as the database judges its row ------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"price": 0, "active": False},
        {"low": 10, "high": 10},
        {"code": "G_xyz"},
        {"released": datetime.date(2000, 1, 1)},
        {"note": "its", "price": 1000},
        {"note": None},  # NULL: unknown, which a CHECK lets through
    ],
)
def test_full_clean_accepts_what_the_database_accepts(changes: dict[str, Any]) -> None:
    Guarded(**{**VALID, **changes}).full_clean(validate_unique=False)


@pytest.mark.parametrize(
    ("changes", "broken"),
    [
        ({"price": -1}, ["mt_guarded_price_positive", "mt_guarded_name_price"]),
        ({"low": 11, "high": 10}, ["mt_guarded_low_high"]),
        ({"active": False, "price": 3}, ["mt_guarded_inactive_free"]),
        ({"code": "G-1"}, ["mt_guarded_code_prefix"]),
        ({"code": "g_1"}, ["mt_guarded_code_prefix"]),
        ({"released": datetime.date(1999, 12, 31)}, ["mt_guarded_released"]),
        ({"name": "bad"}, ["mt_guarded_name_price"]),
        ({"price": 1001}, ["mt_guarded_name_price"]),
        ({"note": "it's"}, ["mt_guarded_note"]),
        ({"shelf_id": 999}, ["mt_guarded_shelf"]),
    ],
)
def test_full_clean_names_each_broken_constraint(
    changes: dict[str, Any], broken: list[str]
) -> None:
    guarded = Guarded(**{**VALID, **changes})
    with pytest.raises(ValidationError) as info:
        guarded.full_clean(validate_unique=False)
    assert info.value.errors == {
        "__all__": [f"The values break the check constraint {name!r}." for name in broken]
    }
    with pytest.raises(ValidationError):
        guarded.validate_constraints()
    guarded.full_clean(validate_unique=False, validate_constraints=False)


def test_constraints_reading_excluded_or_invalid_fields_are_skipped() -> None:
    Guarded(**{**VALID, "low": 11, "high": 10}).full_clean(exclude=["high"], validate_unique=False)
    Guarded(**{**VALID, "price": -1}).validate_constraints(exclude=["price"])
    with pytest.raises(ValidationError) as info:  # price is no integer: its own error only
        Guarded(**{**VALID, "price": "many"}).full_clean(validate_unique=False)
    assert set(info.value.errors) == {"price"}


class Priced(Model):
    amount = fields.Integer()
    cap = fields.Integer(null=True)

    class Meta:
        label = "mt"
        constraints = [
            CheckConstraint(
                condition=Q(amount__lte=F("cap")) | Q(cap__isnull=True),
                name="mt_priced_cap",
                violation_error_message="Amount %(name)s: over the cap.",
            ),
            CheckConstraint(condition="amount < 1000000", name="mt_priced_text"),
        ]


def test_custom_message_and_sql_text_conditions_left_to_the_database(db: Database) -> None:
    with pytest.raises(ValidationError, match=r"Amount mt_priced_cap: over the cap\."):
        Priced(amount=5, cap=4).full_clean()
    Priced(amount=5).full_clean()
    huge = Priced(amount=2_000_000)
    huge.full_clean()  # SQL text: not judged in Python
    with pytest.raises(IntegrityError):
        huge.save()


@pytest.mark.anyio
async def test_afull_clean_checks_constraints_too() -> None:
    with pytest.raises(ValidationError, match="mt_guarded_low_high"):
        await Guarded(**{**VALID, "low": 11, "high": 10}).afull_clean()
