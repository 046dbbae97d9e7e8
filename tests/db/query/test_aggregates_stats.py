"""StdDev and Variance (population and sample) on every backend: floats, Decimals over
decimal fields, with distinct=/filter=, in aggregate() and annotate(), sync and async."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from decimal import Decimal
from types import SimpleNamespace

import pytest

from heron.db import Q
from heron.db.backends import Database
from heron.db.errors import NotSupportedError
from heron.db.query.execution import shape_and_values
from heron.db.query.statistics import StdDev, Variance
from tests.db.query.fn_models import Order
from tests.db.query.qt_models import Author, Book

PAGES = [412, 300, 730, 271]


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12)


def test_population_and_sample(library: SimpleNamespace) -> None:
    got = Book.objects.aggregate(
        sd=StdDev("pages"),
        sds=StdDev("pages", sample=True),
        var=Variance("pages"),
        vars=Variance("pages", sample=True),
    )
    assert all(type(v) is float for v in got.values())
    assert close(got["sd"], statistics.pstdev(PAGES))
    assert close(got["sds"], statistics.stdev(PAGES))
    assert close(got["var"], statistics.pvariance(PAGES))
    assert close(got["vars"], statistics.variance(PAGES))


def test_default_alias_repr_and_type() -> None:
    assert StdDev("pages").default_alias() == "pages__stddev"
    assert Variance("pages", sample=True).default_alias() == "pages__variance"
    assert repr(StdDev("pages", sample=True)) == "StdDev('pages', sample=True)"
    assert isinstance(StdDev("x", sample=True), StdDev) and StdDev("x", sample=True).sample
    assert not Variance("x").sample


def test_nulls_filter_and_single_rows(library: SimpleNamespace) -> None:
    ratings = [4.5, 3.0, 4.0]  # Emma's is NULL
    got = Book.objects.aggregate(
        r=StdDev("rating"),
        f=Variance("pages", filter=Q(pages__gt=300)),
        one=StdDev("pages", sample=True, filter=Q(title="Dune")),
        none=Variance("pages", filter=Q(title="nope")),
    )
    assert close(got["r"], statistics.pstdev(ratings))
    assert close(got["f"], statistics.pvariance([412, 730]))
    assert got["one"] is None and got["none"] is None  # a sample of one; no rows


def test_distinct(library: SimpleNamespace, db: Database) -> None:
    Book.objects.filter(title="Emma").update(rating=4.5)  # now 4.5 twice
    distinct = StdDev("rating", distinct=True)
    if db.vendor == "mysql":
        with pytest.raises(NotSupportedError):
            Book.objects.aggregate(d=distinct)
        return
    got = Book.objects.aggregate(d=distinct, all=StdDev("rating"))
    assert close(got["d"], statistics.pstdev([4.5, 3.0, 4.0]))
    assert close(got["all"], statistics.pstdev([4.5, 4.5, 3.0, 4.0]))


def test_decimal_input_gives_decimal(db: object) -> None:
    at = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    for amount in ("1.00", "2.00", "4.00"):
        Order.objects.create(created=at, amount=Decimal(amount))
    got = Order.objects.aggregate(v=Variance("amount"), s=StdDev("amount", sample=True))
    assert type(got["v"]) is Decimal and type(got["s"]) is Decimal
    assert close(float(got["v"]), statistics.pvariance([1, 2, 4]))
    assert close(float(got["s"]), statistics.stdev([1, 2, 4]))


def test_annotate_per_group_and_filter_on_it(library: SimpleNamespace) -> None:
    rows = dict(
        Author.objects.annotate(sd=StdDev("books__pages"))
        .order_by("name")
        .values_list("name", "sd")
    )
    assert rows["ann"] == 0.0 and rows["cid"] == 0.0
    assert close(rows["bea"], statistics.pstdev([300, 730]))
    spread = Author.objects.annotate(v=Variance("books__pages", sample=True)).filter(v__gt=1)
    assert [a.name for a in spread] == ["bea"]
    ordered = Author.objects.annotate(v=Variance("books__pages")).order_by("-v", "name")
    assert [a.name for a in ordered] == ["bea", "ann", "cid"]


def test_over_a_grouped_queryset(library: SimpleNamespace) -> None:
    per_author = Book.objects.values("author").annotate(n=StdDev("pages"))
    got = per_author.aggregate(v=Variance("n"))
    assert type(got["v"]) is float


@pytest.mark.anyio
async def test_async(library: SimpleNamespace) -> None:
    got = await Book.objects.aaggregate(sd=StdDev("pages", sample=True))
    assert close(got["sd"], statistics.stdev(PAGES))


def test_shapes_differ_by_sample_and_statistic(library: SimpleNamespace) -> None:
    def key(expr: object) -> object:
        return shape_and_values(Author.objects.annotate(x=expr), "select")[0]

    keys = [
        key(StdDev("books__pages")),
        key(StdDev("books__pages", sample=True)),
        key(Variance("books__pages")),
        key(Variance("books__pages", sample=True)),
        key(Variance("books__pages", distinct=True)),
    ]
    assert len(set(keys)) == len(keys)
