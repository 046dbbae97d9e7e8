"""Concat, Cast, Greatest/Least, NullIf, Abs, Round, Substr, Left/Right, Trim, Replace,
StrIndex and ExpressionWrapper on every backend, sync and async: values and their Python
types, values bound (hostile text), and their statement-cache shapes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from heron.db import (
    Abs,
    Cast,
    Concat,
    Count,
    ExpressionWrapper,
    F,
    Greatest,
    Least,
    Left,
    Length,
    LTrim,
    NotSupportedError,
    NullIf,
    Replace,
    Right,
    Round,
    RTrim,
    StrIndex,
    Substr,
    Trim,
    Upper,
    Value,
    fields,
)
from heron.db.backends import Database
from heron.db.query import functions
from heron.db.query.execution import shape_and_values
from tests.db.query.fn_models import Order
from tests.db.query.qt_models import Author, Book, Note

HOSTILE = "x'); DROP TABLE qt_note; --\\%_"


def test_concat_is_null_safe(library: SimpleNamespace) -> None:
    rows = dict(
        Author.objects.annotate(c=Concat("name", Value(" <"), "email", Value(">"))).values_list(
            "name", "c"
        )
    )
    assert rows == {"ann": "ann <>", "bea": "bea <bea@example.com>", "cid": "cid <>"}
    mixed = Book.objects.annotate(c=Concat("title", Value(":"), "pages")).get(title="Dune")
    assert mixed.c == "Dune:412" and type(mixed.c) is str
    empty = Author.objects.annotate(c=Concat("email", Value(None))).get(name="ann")
    assert empty.c == ""


def test_concat_in_filter_order_by_group_and_update(library: SimpleNamespace) -> None:
    key = Concat("author__name", Value("/"), "title")
    assert [b.title for b in Book.objects.filter(title__startswith="D").order_by(key)] == ["Dune"]
    assert Book.objects.annotate(k=key).filter(k="bea/Emma").count() == 1
    ordered = Book.objects.order_by(Concat("author__name", "title").desc())
    assert [b.title for b in ordered] == ["Neuro", "Ulysses", "Emma", "Dune"]
    per_key = list(
        Book.objects.annotate(a=Concat("author__name", "author__name"))
        .values("a")
        .annotate(n=Count("id"))
        .order_by("a")
    )
    assert per_key == [{"a": "annann", "n": 1}, {"a": "beabea", "n": 2}, {"a": "cidcid", "n": 1}]
    # Grouped by a function with a bound value inside (the SELECT's own, by position).
    per_label = list(
        Book.objects.annotate(a=Concat("author__name", Value("-")))
        .values("a")
        .annotate(n=Count("id"))
        .order_by("-n", "a")
    )
    assert per_label == [{"a": "bea-", "n": 2}, {"a": "ann-", "n": 1}, {"a": "cid-", "n": 1}]
    assert Author.objects.filter(name="cid").update(email=Concat("name", Value("@x.org"))) == 1
    assert Author.objects.get(name="cid").email == "cid@x.org"


def test_hostile_text_is_bound(db: Database) -> None:
    Note.objects.create(body="a-b-a")
    got = Note.objects.annotate(
        c=Concat(Value(HOSTILE), "body", Value(HOSTILE)),
        r=Replace("body", Value("a"), Value(HOSTILE)),
        i=StrIndex(Value(HOSTILE), Value("DROP")),
    ).get()
    assert got.c == f"{HOSTILE}a-b-a{HOSTILE}"
    assert got.r == f"{HOSTILE}-b-{HOSTILE}"
    assert got.i == HOSTILE.index("DROP") + 1 and type(got.i) is int
    assert (
        Note.objects.filter(body=Replace(Value(HOSTILE), Value(HOSTILE), Value("a-b-a"))).count()
        == 1
    )
    assert Note.objects.update(body=Replace("body", Value("-"), Value(HOSTILE))) == 1
    assert Note.objects.get().body == f"a{HOSTILE}b{HOSTILE}a"


def test_text_functions(library: SimpleNamespace) -> None:
    dune = Book.objects.annotate(
        s=Substr("title", 2, 2),
        rest=Substr("title", 2),
        left=Left("title", 3),
        right=Right("title", 2),
        none=Right("title", 0),
        all=Left("title", 10),
        pos=StrIndex("title", Value("ne")),
        missing=StrIndex("title", Value("zz")),
        r=Replace("title", Value("u")),
    ).get(title="Dune")
    assert (dune.s, dune.rest, dune.left, dune.right, dune.none, dune.all) == (
        "un",
        "une",
        "Dun",
        "ne",
        "",
        "Dune",
    )
    assert (dune.pos, dune.missing, dune.r) == (3, 0, "Dne")
    assert type(dune.pos) is int
    Note.objects.create(body="  padded  ")
    note = Note.objects.annotate(t=Trim("body"), lt=LTrim("body"), rt=RTrim("body")).get()
    assert (note.t, note.lt, note.rt) == ("padded", "padded  ", "  padded")
    assert Book.objects.filter(title=Upper(Left("title", 1))).count() == 0
    assert Book.objects.annotate(n=Length(Substr("title", 2))).get(title="Ulysses").n == 6
    with pytest.raises(ValueError, match="start at 1"):
        Substr("title", 0)


def test_cast(library: SimpleNamespace) -> None:
    dune = Book.objects.annotate(
        s=Cast("pages", fields.String(max_length=20)),
        f=Cast("pages", fields.Float()),
        d=Cast("pages", fields.Decimal(max_digits=8, decimal_places=2)),
        i=Cast(Value("17"), fields.Integer()),
        day=Cast("published", fields.Date()),
        at=Cast("published", fields.DateTime()),
    ).get(title="Dune")
    assert dune.s == "412" and type(dune.s) is str
    assert dune.f == 412.0 and type(dune.f) is float
    assert dune.d == Decimal("412.00") and type(dune.d) is Decimal
    assert dune.i == 17 and type(dune.i) is int
    assert dune.day == dt.date(2024, 3, 1) and type(dune.day) is dt.date
    assert dune.at == dt.datetime(2024, 3, 1, 12, 30, tzinfo=dt.UTC)
    assert Book.objects.filter(title=Cast("pages", fields.String(max_length=20))).count() == 0
    assert (
        Book.objects.annotate(s=Cast("pages", fields.String(max_length=5)))
        .filter(s="300")
        .get()
        .title
        == "Emma"
    )
    ulysses = Book.objects.annotate(day=Cast("published", fields.Date())).get(
        day=dt.date(2024, 3, 10)
    )
    assert ulysses.title == "Ulysses"  # 23:30 UTC stays on the 10th
    half = Book.objects.annotate(h=Cast("pages", fields.Float()) / 8).get(title="Emma")
    assert half.h == 37.5


def test_cast_of_text_to_dates(db: Database) -> None:
    Note.objects.create(body="2024-05-06")
    note = Note.objects.annotate(
        d=Cast("body", fields.Date()), t=Cast(Value("2024-05-06 07:08:09"), fields.DateTime())
    ).get()
    assert note.d == dt.date(2024, 5, 6) and type(note.d) is dt.date
    assert note.t == dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC)


def test_greatest_least_nullif(library: SimpleNamespace) -> None:
    rows = {
        b.title: (b.g, b.l)
        for b in Book.objects.annotate(g=Greatest("pages", Value(400)), l=Least("pages", 400))
    }
    assert rows == {
        "Dune": (412, 400),
        "Emma": (400, 300),
        "Ulysses": (730, 400),
        "Neuro": (400, 271),
    }
    assert all(type(v) is int for pair in rows.values() for v in pair)
    assert [b.title for b in Book.objects.filter(pages=Greatest("pages", 500))] == ["Ulysses"]
    nulls = dict(Author.objects.annotate(n=NullIf("age", 40)).values_list("name", "n"))
    assert nulls == {"ann": None, "bea": 25, "cid": 35}
    rating = Book.objects.annotate(r=Greatest("rating", Value(4.2))).get(title="Ulysses").r
    assert rating == 4.2 and type(rating) is float


def test_math(library: SimpleNamespace, db: Database) -> None:
    dune = Book.objects.annotate(
        a=Abs(Value(0) - F("pages")),
        r=Round(F("pages") / 7),
        r2=Round(F("pages") / 7, 2),
        rd=Round(Value(Decimal("2.346")), 2),
    ).get(title="Dune")
    assert dune.a == 412 and type(dune.a) is int
    assert dune.r == 59.0 and type(dune.r) is float
    assert dune.r2 == 58.86
    assert dune.rd == Decimal("2.35") and type(dune.rd) is Decimal
    hundreds = Book.objects.annotate(r=Round("pages", -2)).filter(title="Dune")
    if db.vendor == "sqlite":
        with pytest.raises(NotSupportedError, match="negative precision"):
            hundreds.get()
    else:
        assert hundreds.get().r == 400 and type(hundreds.get().r) is int
    assert sorted(b.title for b in Book.objects.filter(pages__lt=Round(F("rating") * 100))) == [
        "Dune",
        "Neuro",
    ]
    ordered = Book.objects.order_by(Abs(F("pages") - 400), "title")
    assert [b.title for b in ordered] == ["Dune", "Emma", "Neuro", "Ulysses"]
    assert Book.objects.filter(title="Emma").update(pages=Round(F("pages") / 7)) == 1
    assert Book.objects.get(title="Emma").pages == 43


def test_expression_wrapper(library: SimpleNamespace) -> None:
    wrapped = ExpressionWrapper(
        F("pages") * Value(Decimal("0.5")), fields.Decimal(max_digits=8, decimal_places=1)
    )
    emma = Book.objects.annotate(half=wrapped).get(title="Emma")
    assert emma.half == Decimal("150.0") and type(emma.half) is Decimal
    later = ExpressionWrapper(F("published") + dt.timedelta(days=1), fields.DateTime())
    assert Book.objects.annotate(t=later).get(title="Dune").t == dt.datetime(
        2024, 3, 2, 12, 30, tzinfo=dt.UTC
    )
    assert Book.objects.annotate(h=wrapped).filter(h__gt=300).count() == 1


@pytest.mark.anyio
async def test_async(library: SimpleNamespace) -> None:
    rows = [
        row
        async for row in Author.objects.annotate(
            c=Concat("name", Value("#"), Cast("age", fields.String(max_length=5)))
        ).values_list("c", flat=True)
    ]
    assert rows == ["ann#40", "bea#25", "cid#35"]
    dune = await Book.objects.annotate(g=Greatest("pages", 0), s=Substr("title", 1, 2)).aget(
        title="Dune"
    )
    assert (dune.g, dune.s) == (412, "Du")
    n = await Book.objects.filter(title=Concat(Value("Du"), Value("ne"))).acount()
    assert n == 1


def test_argument_checks() -> None:
    with pytest.raises(ValueError, match="at least two"):
        Concat("a")
    with pytest.raises(ValueError, match="at least two"):
        Greatest("a")
    with pytest.raises(TypeError, match="int precision"):
        Round("a", 1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="field instance"):
        Cast("a", None)
    assert "Concat" in functions.__all__


def test_shapes(library: SimpleNamespace) -> None:
    def key(qs: object) -> object:
        return shape_and_values(qs, "select")[0]  # type: ignore[arg-type]

    def sql(qs: object) -> str:
        return qs.query.sql_and_params()[0]  # type: ignore[attr-defined, no-any-return]

    one = Book.objects.annotate(c=Concat("title", Value("a")), r=Replace("title", Value("x")))
    two = Book.objects.annotate(c=Concat("title", Value("b")), r=Replace("title", Value("y")))
    assert key(one) == key(two) and sql(one) == sql(two)
    assert shape_and_values(two, "select")[1] == ["b", "y", ""]  # type: ignore[arg-type]
    assert key(Book.objects.annotate(s=Substr("title", 1, 2))) == key(
        Book.objects.annotate(s=Substr("title", 3, 4))
    )
    variants = [
        Book.objects.annotate(c=Concat("title", Value("a"))),
        Book.objects.annotate(c=Concat("title", Value("a"), Value("b"))),
        Book.objects.annotate(c=Cast("pages", fields.String(max_length=20))),
        Book.objects.annotate(c=Cast("pages", fields.String(max_length=30))),
        Book.objects.annotate(c=Cast("pages", fields.Float())),
        Book.objects.annotate(c=Cast("pages", fields.Decimal(max_digits=8, decimal_places=2))),
        Book.objects.annotate(c=Cast("pages", fields.Decimal(max_digits=8, decimal_places=3))),
        Book.objects.annotate(c=Round("rating")),
        Book.objects.annotate(c=Round("rating", 1)),
        Book.objects.annotate(c=Substr("title", 1)),
        Book.objects.annotate(c=Substr("title", 1, 2)),
        Book.objects.annotate(c=Greatest("pages", 1)),
        Book.objects.annotate(c=Least("pages", 1)),
        Book.objects.annotate(c=Left("title", 1)),
        Book.objects.annotate(c=Right("title", 1)),
        Book.objects.annotate(c=Trim("title")),
        Book.objects.annotate(c=LTrim("title")),
        Book.objects.annotate(c=ExpressionWrapper(F("pages"), fields.Float())),
        Book.objects.annotate(c=ExpressionWrapper(F("pages"), fields.Integer())),
    ]
    keys = [key(qs) for qs in variants]
    assert len(set(keys)) == len(keys)
    texts = [sql(qs) for qs in variants[:-2]]
    assert len(set(texts)) == len(texts)


def test_orders_decimal_functions(db: Database) -> None:
    Order.objects.create(created=dt.datetime(2024, 1, 1, tzinfo=dt.UTC), amount=Decimal("-2.45"))
    got = Order.objects.annotate(
        a=Abs("amount"), r=Round("amount", 1), s=Cast("amount", fields.Integer())
    ).get()
    assert got.a == Decimal("2.45") and type(got.a) is Decimal
    assert got.r == Decimal("-2.50") and type(got.r) is Decimal
    assert got.s in (-2, -3) and type(got.s) is int  # truncated on SQLite, rounded elsewhere
