"""UniqueConstraint / Index with condition=Q(...): partial indexes on PostgreSQL and SQLite,
none on MariaDB, and validate_unique() honouring the condition on every backend."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from heron.db import (
    CheckConstraint,
    Index,
    IntegrityError,
    Model,
    UniqueConstraint,
    ValidationError,
    fields,
    registry,
)
from heron.db.backends import Database
from heron.db.models.constraints import matches
from heron.db.models.exceptions import FieldError
from heron.db.query.expressions import F, Q

from .mt_models import Shelf

LABEL = "pu"


class Membership(Model):
    """One active membership per user and club; ``code`` unique among live rows."""

    user = fields.Integer()
    club = fields.String(max_length=20)
    active = fields.Boolean(default=True)
    code = fields.String(max_length=20, null=True)
    ends = fields.Date(null=True)
    rank = fields.Integer(default=0)

    class Meta:
        label = LABEL
        constraints = [
            UniqueConstraint(
                fields=["user", "club"], name="pu_one_active", condition=Q(active=True)
            ),
            UniqueConstraint(
                fields=["code"],
                name="pu_live_code",
                condition=Q(ends__isnull=True) | Q(ends__gt=datetime.date(2030, 1, 1)),
                violation_error_message="Code in use (%(name)s).",
            ),
        ]
        indexes = [Index(fields=["-rank", "club"], name="pu_ranked", condition=Q(rank__gt=0))]


@pytest.fixture
def pu(db: Database) -> Iterator[Database]:
    """The ``pu`` tables, created for the test and dropped after it."""
    engine = db.sqlalchemy_engine()
    tables = registry.tables_for(LABEL)
    registry.metadata.create_all(engine, tables=tables)
    try:
        yield db
    finally:
        registry.metadata.drop_all(engine, tables=tables)


def _indexes(db: Database) -> dict[str, Any]:
    found = sa.inspect(db.sqlalchemy_engine()).get_indexes(Membership._meta.table_name)
    return {i["name"]: i for i in found}


def test_indexes_are_partial_or_absent(pu: Database) -> None:
    indexes = _indexes(pu)
    if pu.vendor == "mysql":  # no partial indexes: not created at all
        assert not {"pu_one_active", "pu_live_code", "pu_ranked"} & set(indexes)
        return
    assert indexes["pu_one_active"]["unique"] and indexes["pu_live_code"]["unique"]
    assert not indexes["pu_ranked"]["unique"]
    where = indexes["pu_one_active"]["dialect_options"][f"{pu.vendor}_where"]
    assert "active" in str(where)


def test_database_enforces_only_matching_rows(pu: Database) -> None:
    Membership.objects.create(user=1, club="chess", active=True)
    Membership.objects.create(user=1, club="chess", active=False)
    Membership.objects.create(user=1, club="chess", active=False)  # inactive: no limit
    Membership.objects.create(user=1, club="go", active=True)
    Membership.objects.create(user=2, club="chess", active=True)
    if pu.vendor == "mysql":  # not enforced by MariaDB
        Membership.objects.create(user=1, club="chess", active=True)
        assert Membership.objects.filter(user=1, club="chess", active=True).count() == 2
        return
    with pytest.raises(IntegrityError):
        Membership.objects.create(user=1, club="chess", active=True)


def test_database_condition_with_or_and_dates(pu: Database) -> None:
    Membership.objects.create(user=1, club="a", code="X", ends=datetime.date(2020, 1, 1))
    Membership.objects.create(user=2, club="a", code="X", ends=datetime.date(2021, 1, 1))
    Membership.objects.create(user=3, club="a", code="X")  # live
    if pu.vendor != "mysql":
        with pytest.raises(IntegrityError):
            Membership.objects.create(user=4, club="a", code="X", ends=datetime.date(2031, 1, 1))


def test_validate_unique_honours_the_condition(pu: Database) -> None:
    Membership.objects.create(user=1, club="chess", active=True)
    Membership.objects.create(user=3, club="chess", active=False)
    with pytest.raises(ValidationError) as info:
        Membership(user=1, club="chess", active=True).full_clean()
    message = "Membership with this user and club already exists."
    assert info.value.errors == {"__all__": [message]}
    Membership(user=1, club="chess", active=False).full_clean()  # the instance does not match
    Membership(user=3, club="chess", active=True).full_clean()  # the other row does not match
    Membership(user=1, club="go", active=True).validate_unique()
    Membership(user=1, club="chess", active=True).validate_unique(exclude=["active"])


def test_validate_unique_custom_message_and_saved_rows(pu: Database) -> None:
    first = Membership.objects.create(user=1, club="a", code="K")
    first.validate_unique()  # the row itself is no clash
    second = Membership.objects.create(user=2, club="a", code="K", ends=datetime.date(2020, 1, 1))
    second.validate_unique()
    second.ends = None
    with pytest.raises(ValidationError) as info:
        second.validate_unique()
    assert info.value.errors == {"code": ["Code in use (pu_live_code)."]}


@pytest.mark.anyio
async def test_avalidate_unique(pu: Database) -> None:
    await Membership.objects.acreate(user=1, club="chess", active=True)
    with pytest.raises(ValidationError):
        await Membership(user=1, club="chess", active=True).avalidate_unique()
    await Membership(user=1, club="chess", active=False).avalidate_unique()
    with pytest.raises(ValidationError):
        await Membership(user=1, club="chess", active=True).afull_clean()


@pytest.mark.parametrize(
    ("condition", "values", "expected"),
    [
        (Q(active=True), {"active": True}, True),
        (Q(active=True), {"active": False}, False),
        (~Q(active=True), {"active": False}, True),
        (Q(code="A"), {"code": None}, None),
        (~Q(code="A"), {"code": None}, None),  # NOT of unknown stays unknown, as in SQL
        (Q(code="A") | Q(active=True), {"code": None, "active": True}, True),
        (Q(code__isnull=True), {"code": None}, True),
        (Q(code=None), {"code": None}, True),
        (Q(code__istartswith="ab"), {"code": "ABc"}, True),
        (Q(code__contains="b"), {"code": "ABc"}, False),
        (Q(rank__in=[1, 2]), {"rank": 2}, True),
        (Q(rank__range=(1, 5)), {"rank": 6}, False),
        (Q(rank__lt=F("user")), {"rank": 1, "user": 2}, True),
        (Q(ends__gte=datetime.date(2020, 1, 1)), {"ends": datetime.date(2019, 5, 5)}, False),
    ],
)
def test_matches(condition: Q, values: dict[str, Any], expected: bool | None) -> None:
    row = Membership(**{"user": 1, "club": "x", **values})
    assert matches(condition, row) is expected


def test_arguments() -> None:
    with pytest.raises(ValueError, match="needs a name"):
        UniqueConstraint(fields=["a"], condition=Q(a=1))
    with pytest.raises(ValueError, match="needs a name"):
        Index(fields=["a"], condition=Q(a=1))
    with pytest.raises(ValueError, match="non-empty Q"):
        UniqueConstraint(fields=["a"], name="x", condition=Q())
    with pytest.raises(ValueError, match="non-empty Q"):
        Index(fields=["a"], name="x", condition="a > 1")  # type: ignore[arg-type]
    check = CheckConstraint(condition=Q(a=1), name="x", violation_error_message="no")
    assert check.violation_error_message == "no"


def _model(condition: Any) -> None:
    class Broken(Model):
        price = fields.Integer()
        shelf = fields.ForeignKey(Shelf, on_delete=fields.CASCADE)
        tags = fields.ManyToManyField(Shelf, related_name="+")

        class Meta:
            label = "pu_broken"
            constraints = [UniqueConstraint(fields=["price"], name="broken", condition=condition)]

    registry.tables_for("pu_broken")


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        (Q(shelf__name="x"), "cannot follow relations"),
        (Q(price=F("shelf__id")), "cannot follow relations"),
        (Q(tags=1), "own columns"),
        (Q(nothing=1), "no field"),
        (Q(price__gt=F("price") + 1), "not Combined"),
    ],
)
def test_refusals(condition: Q, message: str) -> None:
    with pytest.raises(FieldError, match=message) as info:
        _model(condition)
    assert "unique constraint broken" in str(info.value)
