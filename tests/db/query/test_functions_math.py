"""Math functions on every backend: the types Python gets (int/Decimal/float as the input
for Ceil, Floor, Sign, Mod; floats otherwise), in annotate, filter, order_by, values and
update, sync and async, values bound and shapes shared."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from types import SimpleNamespace

import pytest

from heron.db import F, Value
from heron.db.backends import Database
from heron.db.query.execution import shape_and_values
from heron.db.query.mathfunctions import (
    ACos,
    ASin,
    ATan,
    ATan2,
    Ceil,
    Cos,
    Cot,
    Degrees,
    Exp,
    Floor,
    Ln,
    Log,
    Mod,
    Pi,
    Power,
    Radians,
    Random,
    Sign,
    Sin,
    Sqrt,
    Tan,
)
from tests.db.query.fn_models import Order

AT = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def orders(db: Database) -> SimpleNamespace:
    rows = [("a", "10.25", 2.5), ("b", "-3.75", -0.5), ("c", "0.00", None)]
    made = [
        Order.objects.create(created=AT, code=c, amount=Decimal(a), weight=w) for c, a, w in rows
    ]
    return SimpleNamespace(all=made)


def _values(qs: object, name: str) -> list[object]:
    return list(qs.order_by("code").values_list(name, flat=True))  # type: ignore[attr-defined]


def test_rounding_functions_keep_the_input_type(orders: SimpleNamespace) -> None:
    qs = Order.objects.annotate(c=Ceil("amount"), f=Floor("amount"), s=Sign("amount"))
    got = list(qs.order_by("code").values_list("c", "f", "s"))
    assert got == [
        (Decimal(11), Decimal(10), Decimal(1)),
        (Decimal(-3), Decimal(-4), Decimal(-1)),
        (Decimal(0), Decimal(0), Decimal(0)),
    ]
    assert all(type(v) is Decimal for row in got for v in row)
    floats = Order.objects.annotate(c=Ceil("weight"), f=Floor("weight"), s=Sign("weight"))
    got = list(floats.order_by("code").values_list("c", "f", "s"))
    assert got == [(3.0, 2.0, 1.0), (-0.0, -1.0, -1.0), (None, None, None)]
    assert all(type(v) is float for row in got[:2] for v in row)
    ints = Order.objects.annotate(c=Ceil(F("id") * 0 + 7), m=Mod(F("id") * 0 + 7, 3))
    assert {(o.c, o.m) for o in ints} == {(7, 1)}
    assert all(type(o.c) is int and type(o.m) is int for o in ints)


def test_mod(orders: SimpleNamespace) -> None:
    got = _values(Order.objects.annotate(m=Mod("amount", Value(Decimal("3")))), "m")
    assert got == [Decimal("1.25"), Decimal("-0.75"), Decimal(0)]
    assert all(type(v) is Decimal for v in got)
    floats = _values(Order.objects.annotate(m=Mod("weight", 2.0)), "m")
    assert floats == [0.5, -0.5, None] and type(floats[0]) is float
    assert Order.objects.annotate(m=Mod(Value(-7), Value(3))).values_list("m", flat=True)[0] == -1


def test_float_functions(orders: SimpleNamespace) -> None:
    a = Order.objects.annotate(
        sqrt=Sqrt(Value(2)),
        exp=Exp(1),
        ln=Ln(Value(math.e)),
        log=Log(2, 1024),
        pw=Power("weight", 2),
        pi=Pi(),
        deg=Degrees(Value(math.pi)),
        rad=Radians(180),
        sin=Sin(Value(math.pi / 2)),
        cos=Cos(0),
        tan=Tan(Value(math.pi / 4)),
        cot=Cot(Value(math.pi / 4)),
        asin=ASin(1),
        acos=ACos(Value(1.0)),
        atan=ATan(1),
        atan2=ATan2(1, -1),
    ).get(code="a")
    expected = {
        "sqrt": math.sqrt(2),
        "exp": math.e,
        "ln": 1.0,
        "log": 10.0,
        "pw": 6.25,
        "pi": math.pi,
        "deg": 180.0,
        "rad": math.pi,
        "sin": 1.0,
        "cos": 1.0,
        "tan": 1.0,
        "cot": 1.0,
        "asin": math.pi / 2,
        "acos": 0.0,
        "atan": math.pi / 4,
        "atan2": 3 * math.pi / 4,
    }
    for name, value in expected.items():
        got = getattr(a, name)
        assert type(got) is float, name
        assert math.isclose(got, value, rel_tol=1e-12, abs_tol=1e-12), (name, got)
    decimals = Order.objects.annotate(s=Sqrt(F("amount") * F("amount"))).get(code="a")
    assert type(decimals.s) is float and math.isclose(decimals.s, 10.25)


def test_in_filter_order_by_values_and_update(orders: SimpleNamespace) -> None:
    assert [o.code for o in Order.objects.filter(amount__gt=Ceil(Value(Decimal("-3.5"))))] == [
        "a",
        "c",
    ]
    big = Order.objects.annotate(p=Power("amount", 2)).filter(p__gt=15).order_by("code")
    assert [o.code for o in big] == ["a"]
    by_abs_sin = Order.objects.order_by(Sign("amount").desc(), "code")
    assert [o.code for o in by_abs_sin] == ["a", "c", "b"]
    rows = list(Order.objects.order_by("code").values("code", f=Floor("amount")))
    assert rows[1] == {"code": "b", "f": Decimal(-4)}
    Order.objects.filter(weight__isnull=False).update(weight=Sqrt(F("weight") * F("weight")))
    assert _values(Order.objects.all(), "weight") == [2.5, 0.5, None]
    Order.objects.update(amount=Floor("amount"))
    assert _values(Order.objects.all(), "amount") == [Decimal(10), Decimal(-4), Decimal(0)]


def test_random(orders: SimpleNamespace) -> None:
    values = _values(Order.objects.annotate(r=Random()), "r")
    assert all(type(v) is float and 0 <= v < 1 for v in values)
    assert len(list(Order.objects.order_by(Random()))) == 3


def test_out_of_domain(orders: SimpleNamespace, db: Database) -> None:
    qs = Order.objects.annotate(r=Sqrt(Value(-1.0))).values_list("r", flat=True)
    if db.vendor == "postgresql":
        from heron.db.errors import DatabaseError

        with pytest.raises(DatabaseError):
            list(qs)
    else:
        assert list(qs) == [None, None, None]


@pytest.mark.anyio
async def test_async(orders: SimpleNamespace) -> None:
    rows = [r async for r in Order.objects.annotate(c=Ceil("amount"), s=Sqrt(4)).values("c", "s")]
    assert sorted(r["c"] for r in rows) == [Decimal(-3), Decimal(0), Decimal(11)]
    assert {r["s"] for r in rows} == {2.0}
    assert await Order.objects.filter(weight__lt=Power(Value(2.0), 2)).acount() == 2


def test_values_are_bound_and_shapes_shared(orders: SimpleNamespace) -> None:
    def key(qs: object) -> object:
        return shape_and_values(qs, "select")[0]  # type: ignore[arg-type]

    def sql(qs: object) -> str:
        return qs.query.sql_and_params()[0]  # type: ignore[attr-defined, no-any-return]

    one = Order.objects.annotate(p=Power("weight", 2), m=Mod("amount", Value(Decimal(3))))
    two = Order.objects.annotate(p=Power("weight", 3), m=Mod("amount", Value(Decimal(7))))
    assert key(one) == key(two) and sql(one) == sql(two)
    params = two.query.sql_and_params()[1]  # type: ignore[attr-defined]
    assert list(params)[-2:] in ([3, Decimal(7)], [3, "7"])  # sqlite3 takes a Decimal as text
    variants = [Sin, Cos, Tan, Cot, ASin, ACos, ATan, Sqrt, Exp, Ln, Degrees, Radians]
    keys = {key(Order.objects.annotate(x=fn("weight"))) for fn in variants}
    assert len(keys) == len(variants)


def test_sqlite_fallbacks_match_its_own_math_functions() -> None:
    """The Python versions (registered where SQLite's build lacks them) agree with SQLite's."""
    import sqlite3

    from heron.db.backends.sqlite_functions import _MATH, _nullsafe

    conn = sqlite3.connect(":memory:")
    samples = [-2.5, -1, 0, 0.5, 1, 2, 7.25, None]
    for name, (arity, func) in _MATH.items():
        py = _nullsafe(func)
        conn.create_function(f"py_{name}", arity, py, deterministic=True)
        argsets = [()] if arity == 0 else [(x,) * arity for x in samples]
        argsets += [(7, 3), (-7, 3), (2, 0.5), (5, 0)] if arity == 2 else []
        for args in argsets:
            marks = ", ".join("?" * arity)
            try:
                native = conn.execute(f"SELECT {name}({marks})", args).fetchone()[0]
            except sqlite3.OperationalError:
                continue  # not in this build: nothing to compare with
            ours = conn.execute(f"SELECT py_{name}({marks})", args).fetchone()[0]
            assert ours == native or math.isclose(ours, native), (name, args, ours, native)
            assert type(ours) is type(native), (name, args)
    conn.close()
