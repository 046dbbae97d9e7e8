"""How fast can any Python code turn sqlite3's 1,000 rows into typed objects? Heron beside it.

`benchmarks/.venv/bin/python benchmarks/orm/sqlite_floor.py` seeds the ORM benchmark's
SQLite data in a temporary file, then times (in this one process, collector paused as
Heron pauses it for large loads) the steps between the driver and a list of instances:

- `sqlite3 fetchall`: the raw driver's fetch, the ceiling `run.py` divides by;
- `+ plain objects`: the same rows as objects built with `object.__new__` and one dict
  display each (the cheapest instance Python has), values left as the driver's `str` and
  `float`;
- `+ Decimal and datetime`: that loop, also converting the price and the date-time by hand
  with the cheapest calls the standard library offers;
- `Heron`: `list(Book.objects.all()[:1000])`.

Each line prints µs per fetch and its ratio to the driver's fetch, so the floor for a
1,000-row fetch of typed instances reads directly (see docs/benchmarks.md).
"""

from __future__ import annotations

import datetime as dt
import gc
import sys
import tempfile
import timeit
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import dataset
from dataset import Target

SQL = "SELECT id, title, pages, price, published, author_id FROM bench_book LIMIT 1000"


class PlainBook:
    """The cheapest instance: a class and a dict."""


def plain_objects(rows: list[Any]) -> list[Any]:
    """Objects with the driver's values."""
    new, out = object.__new__, []
    for i, title, pages, price, published, author_id in rows:
        book = new(PlainBook)
        book.__dict__ = {
            "id": i,
            "title": title,
            "pages": pages,
            "price": price,
            "published": published,
            "author_id": author_id,
        }
        out.append(book)
    return out


def typed_objects(rows: list[Any]) -> list[Any]:
    """Objects with `Decimal` prices and aware `datetime`s, converted inline."""
    new, out, fromiso = object.__new__, [], dt.datetime.fromisoformat
    for i, title, pages, price, published, author_id in rows:
        book = new(PlainBook)
        book.__dict__ = {
            "id": i,
            "title": title,
            "pages": pages,
            "price": Decimal("%.2f" % price),  # noqa: UP031 - the fastest of the formats
            "published": fromiso(published + "+00:00"),
            "author_id": author_id,
        }
        out.append(book)
    return out


def best_us(fn: Callable[[], Any], number: int = 200, repeat: int = 7) -> float:
    """The best of `repeat` averages over `number` calls, in µs, the collector paused."""
    gc.disable()
    try:
        return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6
    finally:
        gc.enable()


def heron_fetch(path: str) -> Callable[[], Any]:
    """`list(Book.objects.all()[:1000])` on the same file."""
    from heron.db import Model, connections, fields

    connections.configure(database_url=f"sqlite:///{path}")

    class Book(Model):
        title = fields.String(max_length=200)
        pages = fields.Integer()
        price = fields.Decimal(max_digits=10, decimal_places=2)
        published = fields.DateTime()
        author_id = fields.BigInteger()

        class Meta:
            label = "bench"
            table = "bench_book"

    return lambda: list(Book.objects.all()[:1000])


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="heron-floor-") as folder:
        target = Target("sqlite", str(Path(folder) / "floor.sqlite3"))
        dataset.create_and_seed(target)
        conn = dataset.connect(target)
        rows = conn.execute(SQL).fetchall()
        fetch = best_us(lambda: conn.execute(SQL).fetchall())
        lines = [
            ("sqlite3 fetchall", fetch),
            ("+ plain objects", fetch + best_us(lambda: plain_objects(rows))),
            ("+ Decimal and datetime", fetch + best_us(lambda: typed_objects(rows))),
            ("Heron", best_us(heron_fetch(target.database))),
        ]
        conn.close()
    print("| 1,000 rows from SQLite | µs per fetch | × sqlite3 fetchall |")  # noqa: RUF001
    print("| --- | ---: | ---: |")
    for name, micros in lines:
        print(f"| {name} | {micros:,.0f} | {fetch / micros:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
