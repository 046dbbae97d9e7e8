"""UniqueConstraint(deferrable=, nulls_distinct=, include=), Index(include=) and
violation_error_code through the public API on every backend: PostgreSQL honours the
options; SQLite and MariaDB create the constraint without deferral (with a warning),
refuse NULLS NOT DISTINCT and leave the included columns out."""

from __future__ import annotations

import copy
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from heron.db import (
    CheckConstraint,
    Index,
    IntegrityError,
    Model,
    NotSupportedError,
    UniqueConstraint,
    ValidationError,
    atomic,
    fields,
    registry,
)
from heron.db.backends import Database
from heron.db.models.constraints import ConstraintOptionWarning, Deferrable
from heron.db.query.expressions import F, Q

LABEL = "cop"


@dataclass(frozen=True)
class Models:
    """This module's models: defined for its tests only, as SQLite and MariaDB cannot
    create ``Ticket``'s table (other tests create every registered model's table)."""

    Seat: type[Model]
    FixedSeat: type[Model]
    Badge: type[Model]
    Ticket: type[Model]

    def all(self) -> list[type[Model]]:
        return [self.Seat, self.FixedSeat, self.Badge, self.Ticket]


def _define() -> Models:
    class Seat(Model):
        """Seats whose numbers may be swapped inside a transaction."""

        row = fields.Integer()
        number = fields.Integer()

        class Meta:
            label = LABEL
            constraints = [
                UniqueConstraint(
                    fields=["row", "number"], name="cop_seat_spot", deferrable=Deferrable.DEFERRED
                )
            ]

    class FixedSeat(Model):
        """The same rule, checked after each statement."""

        row = fields.Integer()
        number = fields.Integer()

        class Meta:
            label = LABEL
            constraints = [UniqueConstraint(fields=["row", "number"], name="cop_fixed_spot")]

    class Badge(Model):
        """A covering unique constraint and index, and coded violation messages."""

        code = fields.String(max_length=10)
        kind = fields.Integer()
        note = fields.String(max_length=20, default="")

        class Meta:
            label = LABEL
            constraints = [
                UniqueConstraint(
                    fields=["code"],
                    name="cop_badge_code",
                    include=["note"],
                    violation_error_message="Code %(name)s is taken.",
                    violation_error_code="code_taken",
                ),
                UniqueConstraint(
                    fields=["kind", "note"], name="cop_badge_kind_note", violation_error_code="pair"
                ),
                CheckConstraint(
                    condition=Q(kind__gte=0), name="cop_badge_kind", violation_error_code="negative"
                ),
            ]
            indexes = [Index(fields=["kind"], name="cop_badge_by_kind", include=["note", "code"])]

    class Ticket(Model):
        """At most one ticket without a serial: NULLs clash like values."""

        serial = fields.Integer(null=True)

        class Meta:
            label = LABEL
            constraints = [
                UniqueConstraint(fields=["serial"], name="cop_ticket_serial", nulls_distinct=False)
            ]

    return Models(Seat, FixedSeat, Badge, Ticket)


@pytest.fixture(scope="module")
def models() -> Iterator[Models]:
    """The models, left out of the registry once the module's tests are done."""
    found = _define()
    try:
        yield found
    finally:
        for model in found.all():
            registry.unregister(model)


def _create(engine: sa.Engine, model: type[Model]) -> None:
    registry.metadata.create_all(engine, tables=[model._meta.table])


@pytest.fixture
def cop(db: Database, models: Models) -> Iterator[Database]:
    """The tables of this module (``Ticket``'s on PostgreSQL only), dropped after the test."""
    engine = db.sqlalchemy_engine()
    made = [models.FixedSeat, models.Badge]
    if db.vendor == "postgresql":
        made.append(models.Ticket)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConstraintOptionWarning)  # models.Seat, elsewhere
        _create(engine, models.Seat)
    for model in made:
        _create(engine, model)
    try:
        yield db
    finally:
        tables = [m._meta.table for m in [models.Seat, *made]]
        registry.metadata.drop_all(engine, tables=tables)


def _swap(model: type[Model]) -> dict[Any, int]:
    """Swap the numbers of seats 1 and 2 of row 1, one UPDATE at a time: pk → old number."""
    first = model.objects.get(row=1, number=1)
    second = model.objects.get(row=1, number=2)
    with atomic():
        model.objects.filter(pk=first.pk).update(number=2)
        model.objects.filter(pk=second.pk).update(number=1)
    return {first.pk: 1, second.pk: 2}


def _seats(model: type[Model]) -> None:
    model.objects.create(row=1, number=1)
    model.objects.create(row=1, number=2)


def test_deferred_constraint_allows_a_swap_on_postgresql(models: Models, cop: Database) -> None:
    _seats(models.FixedSeat)
    with pytest.raises(IntegrityError):
        _swap(models.FixedSeat)
    _seats(models.Seat)
    if cop.vendor != "postgresql":  # an ordinary constraint there: refused at once
        with pytest.raises(IntegrityError):
            _swap(models.Seat)
        return
    before = _swap(models.Seat)
    assert {seat.pk: 3 - seat.number for seat in models.Seat.objects.all()} == before


def test_deferred_violation_fails_the_commit(models: Models, cop: Database) -> None:
    _seats(models.Seat)
    if cop.vendor != "postgresql":
        return
    with pytest.raises(IntegrityError), atomic():
        models.Seat.objects.filter(number=2).update(number=1)
        assert models.Seat.objects.filter(number=1).count() == 2  # not checked yet
    assert sorted(models.Seat.objects.values_list("number", flat=True)) == [1, 2]


def test_deferrable_warns_where_it_is_ignored(models: Models, db: Database) -> None:
    engine = db.sqlalchemy_engine()
    try:
        if db.vendor == "postgresql":
            with warnings.catch_warnings():
                warnings.simplefilter("error", ConstraintOptionWarning)
                _create(engine, models.Seat)
            return
        with pytest.warns(ConstraintOptionWarning, match="'cop_seat_spot' on 'cop_seat'"):
            _create(engine, models.Seat)
    finally:
        registry.metadata.drop_all(engine, tables=[models.Seat._meta.table])


def test_nulls_not_distinct(models: Models, db: Database) -> None:
    engine = db.sqlalchemy_engine()
    if db.vendor != "postgresql":
        with pytest.raises(NotSupportedError, match="cannot treat NULLs as equal"):
            _create(engine, models.Ticket)
        assert not sa.inspect(engine).has_table(models.Ticket._meta.table_name)
        return
    _create(engine, models.Ticket)
    try:
        models.Ticket.objects.create(serial=None)
        models.Ticket.objects.create(serial=1)
        second = models.Ticket(serial=None)
        with pytest.raises(ValidationError) as caught:
            second.validate_unique()  # full_clean() sees the clash before the database
        assert caught.value.errors == {"serial": ["Ticket with this serial already exists."]}
        models.Ticket(serial=2).validate_unique()
        with pytest.raises(IntegrityError):
            second.save()
    finally:
        registry.metadata.drop_all(engine, tables=[models.Ticket._meta.table])


def _index_sql(db: Database, name: str) -> str:
    query = sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = :name")
    with db.sqlalchemy_engine().connect() as connection:
        return str(connection.execute(query, {"name": name}).scalar_one())


def test_include_on_postgresql_only(models: Models, cop: Database) -> None:
    engine = cop.sqlalchemy_engine()
    if cop.vendor == "postgresql":
        assert _index_sql(cop, "cop_badge_code").endswith("(code) INCLUDE (note)")
        assert _index_sql(cop, "cop_badge_by_kind").endswith("(kind) INCLUDE (note, code)")
    else:
        indexes = {i["name"]: i for i in sa.inspect(engine).get_indexes("cop_badge")}
        assert indexes["cop_badge_by_kind"]["column_names"] == ["kind"]
    models.Badge.objects.create(code="a", kind=1, note="x")
    with pytest.raises(IntegrityError):  # uniqueness is on the key only
        models.Badge.objects.create(code="a", kind=2, note="y")


def test_violation_error_code(models: Models, cop: Database) -> None:
    models.Badge.objects.create(code="a", kind=1, note="x")
    with pytest.raises(ValidationError) as info:
        models.Badge(code="a", kind=-1, note="x").full_clean()
    assert info.value.errors == {
        "code": ["Code cop_badge_code is taken."],
        "__all__": [
            "The values break the check constraint 'cop_badge_kind'.",
        ],
    }
    assert [m.code for m in info.value.errors["code"]] == ["code_taken"]  # type: ignore[attr-defined]
    assert info.value.errors["__all__"][0].code == "negative"  # type: ignore[attr-defined]
    with pytest.raises(ValidationError) as info:
        models.Badge(code="b", kind=1, note="x").validate_unique()
    [message] = info.value.errors["__all__"]
    assert message == "Badge with this kind and note already exists."
    assert message.code == "pair"  # type: ignore[attr-defined]
    assert copy.deepcopy(message).code == "pair"  # copies keep it
    with pytest.raises(ValidationError) as info:
        models.Badge(code="b", kind=-2).validate_constraints()
    assert info.value.errors["__all__"][0].code == "negative"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"fields": ["a"], "deferrable": "deferred"}, "is a Deferrable"),
        (
            {"fields": ["a"], "name": "x", "deferrable": Deferrable.DEFERRED, "condition": Q(a=1)},
            "cannot have a condition",
        ),
        (
            {"fields": ["a"], "deferrable": Deferrable.IMMEDIATE, "include": ["b"]},
            "cannot have include",
        ),
        ({"fields": ["a"], "include": "b"}, "list of field names"),
        ({"fields": ["a"], "name": "x", "include": ["b"], "condition": Q(a=1)}, "not combine"),
        ({"fields": ["a"], "nulls_distinct": "no"}, "True, False or None"),
        ({"fields": ["a"], "name": "x", "nulls_distinct": False, "condition": Q(a=1)}, "not"),
    ],
)
def test_refused_combinations(arguments: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        UniqueConstraint(**arguments)


def test_refused_with_expressions() -> None:
    with pytest.raises(ValueError, match="cannot have expressions"):
        UniqueConstraint(F("a"), name="x", deferrable=Deferrable.DEFERRED)
    with pytest.raises(ValueError, match="not combine"):
        Index(F("a"), name="x", include=["b"])
    with pytest.raises(ValueError, match="not combine"):
        UniqueConstraint(F("a"), name="x", nulls_distinct=False)
