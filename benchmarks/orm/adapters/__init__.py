"""One module per ORM, all with the same functions; `VARIANTS` lists what a run can measure.

An adapter module defines, for each mode it supports:

- sync: `setup(target)`, `teardown()`, `get_by_pk(pk)`, `fetch_1000()`,
  `fetch_1000_related()`, `bulk_create_10000(rows)`, `insert_one(row)`,
  `update_one(pk, price)`, `count_filter(min_pages)`;
- async: the same names prefixed with `a` (`asetup`, `aget_by_pk`, ...), coroutines, plus
  optionally `aget_by_pk_concurrent(pk)` when the 64-task case must not use `aget_by_pk`.

The fetches return what the ORM returns (model instances, rows for the raw drivers);
`title_of(obj)` and `author_name_of(obj)` are optional and default to attribute access
(`obj.title`, `obj.author.name`). `rows` are `dataset.BookRow` tuples.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Variant:
    """One measured column of the table: an ORM used in one mode."""

    name: str
    orm: str
    module: str
    mode: str
    label: str

    @property
    def is_async(self) -> bool:
        """Whether the variant runs on an event loop."""
        return self.mode == "async"


VARIANTS = [
    Variant("raw-sync", "raw", "adapters.raw_driver", "sync", "raw driver"),
    Variant("heron-sync", "heron", "adapters.heron_orm", "sync", "Heron"),
    Variant("django-sync", "django", "adapters.django_orm", "sync", "Django"),
    Variant("sqlalchemy-sync", "sqlalchemy", "adapters.sqlalchemy_orm", "sync", "SQLAlchemy"),
    Variant("raw-async", "raw", "adapters.raw_driver", "async", "raw driver"),
    Variant("heron-async", "heron", "adapters.heron_orm", "async", "Heron"),
    Variant("django-async", "django", "adapters.django_orm", "async", "Django a-methods"),
    Variant(
        "sqlalchemy-async",
        "sqlalchemy",
        "adapters.sqlalchemy_orm",
        "async",
        "SQLAlchemy AsyncSession",
    ),
    Variant("tortoise", "tortoise", "adapters.tortoise_orm", "async", "Tortoise"),
    Variant("piccolo", "piccolo", "adapters.piccolo_orm", "async", "Piccolo"),
]

RAW_DRIVERS = {
    ("postgresql", "sync"): "psycopg",
    ("postgresql", "async"): "asyncpg",
    ("sqlite", "sync"): "sqlite3",
    ("sqlite", "async"): "aiosqlite",
}
"""The raw driver each raw variant uses, per database: the ceiling of its mode."""


def select(names: str) -> list[Variant]:
    """Variants named by a comma list of ORM names (`django`) or variant names (`django-async`).

    The raw drivers are always included: every other figure is reported relative to them.
    """
    wanted = {n.strip() for n in names.split(",") if n.strip()}
    if "all" in wanted:
        return list(VARIANTS)
    known = {v.name for v in VARIANTS} | {v.orm for v in VARIANTS}
    unknown = sorted(wanted - known)
    if unknown:
        raise ValueError(f"unknown ORM(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    wanted.add("raw")
    return [v for v in VARIANTS if v.name in wanted or v.orm in wanted]
