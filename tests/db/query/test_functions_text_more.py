"""Reverse, Repeat, LPad/RPad, MD5/SHA*, Chr and Ord on every backend: hostile text bound,
non-ASCII text by characters, in annotate, filter, order_by, values and update, sync and
async, with shapes shared by queries that differ in values only."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from types import SimpleNamespace

import pytest

from heron.db import F, Left, Value
from heron.db.backends import Database
from heron.db.query.execution import shape_and_values
from heron.db.query.textfunctions import (
    MD5,
    SHA1,
    SHA224,
    SHA256,
    SHA384,
    SHA512,
    Chr,
    LPad,
    Ord,
    Repeat,
    Reverse,
    RPad,
)
from tests.db.query.fn_models import Order

HOSTILE = "x'); DROP TABLE qt_order; --\\ é😀"
AT = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def orders(db: Database) -> SimpleNamespace:
    made = [
        Order.objects.create(created=AT, amount=Decimal(1), code=code, note=note)
        for code, note in [("abc", "héllo"), ("zz", None), ("é😀", "")]
    ]
    return SimpleNamespace(all=made)


def _values(qs: object, name: str) -> list[object]:
    return list(qs.order_by("id").values_list(name, flat=True))  # type: ignore[attr-defined]


def test_reverse_repeat_and_pads(orders: SimpleNamespace) -> None:
    qs = Order.objects.annotate(
        r=Reverse("code"),
        n=Reverse("note"),
        x=Repeat("code", 2),
        lp=LPad("code", 4, Value("*")),
        rp=RPad("code", 5, Value("ab")),
        cut=LPad("code", 1),
        sp=LPad("code", 4),
    )
    got = list(qs.order_by("id").values_list("r", "n", "x", "lp", "rp", "cut", "sp"))
    assert got == [
        ("cba", "olléh", "abcabc", "*abc", "abcab", "a", " abc"),
        ("zz", None, "zzzz", "**zz", "zzaba", "z", "  zz"),
        ("😀é", "", "é😀é😀", "**é😀", "é😀aba", "é", "  é😀"),
    ]
    assert _values(Order.objects.annotate(x=Repeat("code", -1)), "x") == ["", "", ""]


def test_hashes(orders: SimpleNamespace, db: Database) -> None:
    if db.vendor == "postgresql":
        db.execute("CREATE EXTENSION IF NOT EXISTS pgcrypto")  # SHA1's digest()
    functions = {
        "md5": MD5,
        "sha1": SHA1,
        "sha224": SHA224,
        "sha256": SHA256,
        "sha384": SHA384,
        "sha512": SHA512,
    }
    qs = Order.objects.annotate(**{name: fn("note") for name, fn in functions.items()})
    rows = list(qs.order_by("id").values(*functions))
    for row, note in zip(rows, ["héllo", None, ""], strict=True):
        for name in functions:
            want = None if note is None else hashlib.new(name, note.encode()).hexdigest()
            assert row[name] == want, (name, note)


def test_chr_and_ord(orders: SimpleNamespace) -> None:
    got = _values(Order.objects.annotate(o=Ord("note")), "o")
    assert got == [ord("h"), None, 0] and type(got[0]) is int
    assert _values(Order.objects.annotate(o=Ord("code")), "o") == [97, 122, 233]
    assert _values(Order.objects.annotate(o=Ord(Value(""))), "o") == [0, 0, 0]
    chars = Order.objects.annotate(a=Chr(Value(65)), e=Chr(233), s=Chr(Value(0x1F600)))
    assert chars.values_list("a", "e", "s")[0] == ("A", "é", "😀")
    firsts = Order.objects.annotate(first=Left("code", 1)).filter(first=Chr(Value(233)))
    assert [o.code for o in firsts] == ["é😀"]
    roundtrip = Order.objects.annotate(c=Chr(Ord("code"))).filter(c="a")
    assert [o.code for o in roundtrip] == ["abc"]


def test_hostile_text_is_bound(orders: SimpleNamespace, db: Database) -> None:
    qs = Order.objects.annotate(
        r=Reverse(Value(HOSTILE)),
        x=Repeat(Value(HOSTILE), 2),
        lp=LPad(Value("a"), 40, Value(HOSTILE)),
        rp=RPad(Value(HOSTILE), 3, Value(HOSTILE)),
        h=SHA256(Value(HOSTILE)),
        m=MD5(Value(HOSTILE)),
        o=Ord(Value(HOSTILE)),
    ).filter(code="abc")
    row = qs.values("r", "x", "lp", "rp", "h", "m", "o").get()
    fill = (HOSTILE * 2)[:39]
    assert row == {
        "r": HOSTILE[::-1],
        "x": HOSTILE * 2,
        "lp": fill + "a",
        "rp": HOSTILE[:3],
        "h": hashlib.sha256(HOSTILE.encode()).hexdigest(),
        "m": hashlib.md5(HOSTILE.encode()).hexdigest(),
        "o": ord("x"),
    }
    assert HOSTILE not in qs.query.sql_and_params()[0]  # type: ignore[attr-defined]
    assert Order.objects.count() == 3


def test_filter_order_by_values_and_update(orders: SimpleNamespace) -> None:
    assert [o.code for o in Order.objects.filter(code=Reverse(Value("cba")))] == ["abc"]
    ordered = Order.objects.filter(code__in=["abc", "zz"]).order_by(Reverse("code").desc())
    assert [o.code for o in ordered] == ["zz", "abc"]
    rows = list(Order.objects.order_by("id").values("code", p=RPad("code", 3, Value("."))))
    assert rows[1] == {"code": "zz", "p": "zz."}
    Order.objects.filter(code="abc").update(note=LPad(F("code"), 6, Value("-")))
    assert Order.objects.get(code="abc").note == "---abc"
    Order.objects.filter(code="zz").update(note=MD5("code"))
    assert Order.objects.get(code="zz").note == hashlib.md5(b"zz").hexdigest()


@pytest.mark.anyio
async def test_async(orders: SimpleNamespace) -> None:
    qs = Order.objects.annotate(r=Reverse("code"), h=SHA512("code")).order_by("id")
    rows = [(o.r, o.h) async for o in qs]
    assert rows[0] == ("cba", hashlib.sha512(b"abc").hexdigest())


def test_shapes(orders: SimpleNamespace) -> None:
    def key(qs: object) -> object:
        return shape_and_values(qs, "select")[0]  # type: ignore[arg-type]

    def sql(qs: object) -> str:
        return qs.query.sql_and_params()[0]  # type: ignore[attr-defined, no-any-return]

    one = Order.objects.annotate(p=LPad("code", 5, Value("*")), x=Repeat(Value("a"), 2))
    two = Order.objects.annotate(p=LPad("code", 9, Value("#")), x=Repeat(Value("b"), 3))
    assert key(one) == key(two) and sql(one) == sql(two)
    variants = [MD5, SHA1, SHA224, SHA256, SHA384, SHA512, Reverse, Ord, Chr]
    keys = {key(Order.objects.annotate(x=fn("code"))) for fn in variants}
    assert len(keys) == len(variants)
