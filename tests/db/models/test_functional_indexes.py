"""Index / UniqueConstraint on expressions (``Index(Lower("title"), name=...)``): built on
SQLite and PostgreSQL, refused by name on MariaDB, and checked by ``validate_unique()``."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from heron.db import (
    Index,
    IntegrityError,
    Model,
    NotSupportedError,
    UniqueConstraint,
    ValidationError,
    fields,
    registry,
)
from heron.db.backends import Database
from heron.db.query.datefunctions import ExtractYear
from heron.db.query.expressions import F, Q, Value
from heron.db.query.functions import Coalesce, Func, Lower, Upper

LABEL = "fx"
HOSTILE = "50% x'); DROP TABLE fx_account; --"


class Account(Model):
    """Emails unique whatever their case; a year index; a partial expression index."""

    email = fields.String(max_length=80)
    nick = fields.String(max_length=40, null=True)
    pages = fields.Integer(default=0)
    joined = fields.Date(null=True)
    active = fields.Boolean(default=True)

    class Meta:
        label = LABEL
        # Unmanaged: the whole-registry set-up of other tests (``migrate_all``) would stop
        # on MariaDB at these indexes; the fixture creates the table itself.
        managed = False
        constraints = [
            UniqueConstraint(Lower("email"), name="fx_email_ci"),
            UniqueConstraint(
                Coalesce("nick", Value(HOSTILE)),
                ExtractYear("joined"),
                name="fx_nick_year",
                violation_error_message="Nick taken that year (%(name)s).",
            ),
            UniqueConstraint(Upper("nick"), name="fx_active_nick", condition=Q(active=True)),
        ]
        indexes = [
            Index(Lower("email"), F("pages").desc(), name="fx_lower_pages"),
            Index(fields=["-pages", "email"], name="fx_sorted"),
            Index(F("joined") + datetime.timedelta(days=1), "nick", name="fx_mixed"),
        ]


def _expression_free(table: sa.Table) -> sa.Table:
    """A copy of ``table`` without its expression indexes (what MariaDB can build)."""
    from heron.db.models.indexes import has_expressions

    copy = table.to_metadata(sa.MetaData())
    for index in [i for i in copy.indexes if has_expressions(i)]:
        copy.indexes.discard(index)
    return copy


@pytest.fixture
def fx(db: Database) -> Iterator[Database]:
    """The ``fx`` table (on MariaDB without the indexes it cannot build)."""
    engine = db.sqlalchemy_engine()
    table = Account._meta.table
    created = _expression_free(table) if db.vendor == "mysql" else table
    created.create(engine)
    try:
        yield db
    finally:
        created.drop(engine)


def _indexes(db: Database) -> dict[str, str]:
    """Index name → its definition, as the database keeps it (SQLite, PostgreSQL)."""
    query = {
        "sqlite": "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t",
        "postgresql": "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = :t",
    }[db.vendor]
    with db.sqlalchemy_engine().connect() as conn:
        rows = conn.execute(sa.text(query), {"t": Account._meta.table_name})
        return {name: str(sql) for name, sql in rows}


def test_indexes_built_or_refused_by_name(db: Database) -> None:
    engine = db.sqlalchemy_engine()
    if db.vendor == "mysql":
        refused = r"cannot index an expression: the index 'fx_\w+' on 'fx_account'"
        with pytest.raises(NotSupportedError, match=refused):
            registry.metadata.create_all(engine, tables=[Account._meta.table])
        assert not sa.inspect(engine).has_table(Account._meta.table_name)
        return
    registry.metadata.create_all(engine, tables=[Account._meta.table])
    try:
        indexes = _indexes(db)
        assert {"fx_email_ci", "fx_nick_year", "fx_lower_pages", "fx_sorted"} <= set(indexes)
        assert "UNIQUE" in indexes["fx_email_ci"] and "UNIQUE" not in indexes["fx_lower_pages"]
        assert "lower(" in indexes["fx_email_ci"].lower()
        assert "DESC" in indexes["fx_lower_pages"]
        assert "WHERE" in indexes["fx_active_nick"].upper()
        assert "nick" in indexes["fx_mixed"]
    finally:
        Account._meta.table.drop(engine)


def test_database_enforces_expressions(fx: Database) -> None:
    Account.objects.create(email="Ann@example.com")
    if fx.vendor == "mysql":
        return  # no index there: validate_unique() is the only check
    with pytest.raises(IntegrityError):
        Account.objects.create(email="ANN@EXAMPLE.COM")
    year = {"nick": "b", "active": False}
    Account.objects.create(email="bob@example.com", joined=datetime.date(2020, 1, 1), **year)
    Account.objects.create(email="c@example.com", joined=datetime.date(2021, 1, 1), **year)
    with pytest.raises(IntegrityError):
        Account.objects.create(email="d@example.com", joined=datetime.date(2020, 5, 1), **year)


def test_partial_expression_constraint(fx: Database) -> None:
    Account.objects.create(email="a@x", nick="Zed", active=False)
    Account.objects.create(email="b@x", nick="zed", active=True)
    Account(email="c@x", nick="ZED", active=False).full_clean()  # not in the condition
    with pytest.raises(ValidationError) as info:
        Account(email="d@x", nick="ZeD", active=True).full_clean()
    assert info.value.errors == {"__all__": ["Constraint 'fx_active_nick' is violated."]}
    if fx.vendor != "mysql":
        with pytest.raises(IntegrityError):
            Account.objects.create(email="e@x", nick="ZED", active=True)


def test_validate_unique_reports_expression_clashes(fx: Database) -> None:
    saved = Account.objects.create(email="Ann@Example.com")
    saved.full_clean()  # the row itself is no clash
    with pytest.raises(ValidationError) as info:
        Account(email="ann@example.COM").full_clean()
    assert info.value.errors == {"__all__": ["Constraint 'fx_email_ci' is violated."]}
    Account(email="other@example.com").validate_unique()
    Account(email="ann@example.com").validate_unique(exclude=["email"])


def test_validate_unique_with_values_and_custom_message(fx: Database) -> None:
    Account.objects.create(email="a@x", joined=datetime.date(2020, 3, 1))  # nick NULL
    clash = Account(email="b@x", joined=datetime.date(2020, 9, 9))
    with pytest.raises(ValidationError) as info:  # Coalesce: NULL nicks are HOSTILE
        clash.full_clean()
    assert info.value.errors == {"__all__": ["Nick taken that year (fx_nick_year)."]}
    Account(email="c@x", joined=datetime.date(2021, 1, 1)).full_clean()
    Account(email="d@x").full_clean()  # no year: NULL clashes with nothing
    assert Account.objects.count() == 1  # and the hostile text stayed a value


@pytest.mark.anyio
async def test_avalidate_unique(fx: Database) -> None:
    await Account.objects.acreate(email="Ann@x")
    with pytest.raises(ValidationError):
        await Account(email="ANN@X").afull_clean()
    await Account(email="bob@x").afull_clean()


def test_hostile_literal_is_quoted(fx: Database) -> None:
    from heron.db.models.indexes import expression_sql

    text = expression_sql(Coalesce("nick", Value(HOSTILE)), Account, fx.vendor)
    assert "'50% x''); DROP TABLE fx_account; --'" in text
    if fx.vendor != "mysql":
        Account.objects.create(email="a@x")
        assert sa.inspect(fx.sqlalchemy_engine()).has_table(Account._meta.table_name)
        assert "fx_nick_year" in _indexes(fx)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Index(Lower("a"), fields=["a"], name="x"), "not both"),
        (lambda: Index(name="x"), "at least one field or expression"),
        (lambda: Index(Lower("a")), "needs a name"),
        (lambda: UniqueConstraint(Lower("a")), "needs a name"),
        (lambda: UniqueConstraint(Lower("a"), fields=["a"], name="x"), "not both"),
        (lambda: Index(Lower("a__b"), name="x"), "cannot follow relations"),
        (lambda: Index(F("a").desc(nulls_last=True), name="x"), "NULLs first or last"),
        (lambda: Index(Q(a=1), name="x"), "not Q"),
    ],
)
def test_arguments(build: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_strings_are_fields_and_repr() -> None:
    index = Index(Lower("email"), "pages", name="x")
    assert repr(index) == "<Index x on [Lower(F(email)), F(pages)]>"
    assert Index(fields=["-pages"]).fields == ["-pages"]


def test_func_with_function_names_its_own_statement(fx: Database) -> None:
    Account.objects.create(email="MiXed@x")
    lower = Account.objects.annotate(v=Func(F("email"), function="LOWER"))
    upper = Account.objects.annotate(v=Func(F("email"), function="UPPER"))
    assert [a.v for a in lower] == ["mixed@x"]
    assert [a.v for a in upper] == ["MIXED@X"]  # same shape but the name: not the cached SQL
    assert Account.objects.filter(email=Func(Value(" MiXed@x "), function="trim")).count() == 1
    assert Account.objects.filter(email=Func(Value("other"), function="lower")).count() == 0
    assert Account.objects.annotate(v=Func("email", function="lower")).filter(v="mixed@x")


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: Func(F("a")), TypeError, "needs function="),
        (lambda: Func(F("a"), function="lower(a)); DROP TABLE x; --"), ValueError, "Not a SQL"),
        (lambda: Lower(F("a"), function="upper"), TypeError, "takes no function="),
    ],
)
def test_func_function_argument(build: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        build()


def test_func_in_an_index() -> None:
    from heron.db.models.indexes import expression_sql

    text = expression_sql(Func(F("email"), function="upper"), Account, "postgresql")
    assert text == "upper(email)"
    assert repr(Func(F("email"), function="upper")) == "Func(F(email), function='upper')"
