"""The ORM benchmark's database: where it is, its two tables, the seeded rows and clean-up.

Used by the runner (creates and seeds once per run) and by each worker (verifies results and
removes the rows a write operation added, outside the timing), through the raw sync drivers.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import sqlite3
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

AUTHORS = 100
BOOKS = 10_000
FETCH_ROWS = 1_000
BULK_ROWS = 10_000
MIN_PAGES = 500
"""The count operation counts books with more pages than this."""

_EPOCH = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)

BookRow = tuple[str, int, Decimal, dt.datetime, int]
"""A new book as the write operations receive it: title, pages, price, published, author_id."""


@dataclass(frozen=True)
class Target:
    """One benchmarked database; `database` is the PostgreSQL database or the SQLite file."""

    vendor: str
    database: str
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"
    pool_size: int = 10

    def url(self, scheme: str) -> str:
        """A database URL with the given scheme (`postgresql+psycopg`, `sqlite+aiosqlite`...)."""
        if self.vendor == "sqlite":
            return f"{scheme}:///{self.database}"
        return f"{scheme}://{self.user}@{self.host}:{self.port}/{self.database}"

    def to_json(self) -> str:
        """Serialised for a worker's command line."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Target:
        """The inverse of `to_json`."""
        return cls(**json.loads(text))


def price_for(book_id: int) -> Decimal:
    """A seeded book's price; the update operation writes it back, so the data never drifts."""
    return Decimal((book_id * 37) % 9_000 + 100) / 100


def seed_books() -> list[tuple[int, str, int, Decimal, dt.datetime, int]]:
    """The 10,000 seeded books (id, title, pages, price, published, author_id), always the same."""
    rng = random.Random(2024)
    rows = []
    for book_id in range(1, BOOKS + 1):
        published = _EPOCH + dt.timedelta(seconds=rng.randrange(5 * 365 * 86_400))
        author_id = rng.randrange(1, AUTHORS + 1)
        rows.append(
            (
                book_id,
                f"Book {book_id}",
                rng.randrange(50, 1_000),
                price_for(book_id),
                published,
                author_id,
            )
        )
    return rows


def author_name(author_id: int) -> str:
    """A seeded author's name."""
    return f"Author {author_id}"


def expected_authors() -> dict[str, str]:
    """Book title -> its author's name, to check fetched rows."""
    return {title: author_name(aid) for _, title, _, _, _, aid in seed_books()}


def expected_count() -> int:
    """How many seeded books have more than MIN_PAGES pages."""
    return sum(1 for row in seed_books() if row[2] > MIN_PAGES)


def new_books(count: int, tag: str) -> list[BookRow]:
    """Rows for the write operations (not in the seeded set; ids come from the database)."""
    rng = random.Random(tag)
    return [
        (
            f"{tag} {i}",
            rng.randrange(50, 1_000),
            Decimal(rng.randrange(100, 9_999)) / 100,
            _EPOCH + dt.timedelta(seconds=rng.randrange(86_400 * 365)),
            rng.randrange(1, AUTHORS + 1),
        )
        for i in range(count)
    ]


def random_ids(count: int, seed: int) -> list[int]:
    """Seeded book ids in a random order, for get-by-pk and update."""
    rng = random.Random(seed)
    return [rng.randrange(1, BOOKS + 1) for _ in range(count)]


def sqlite_datetime(value: dt.datetime) -> str:
    """How datetimes are stored in SQLite: naive UTC text, the form the peers write too."""
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")


_PG_SCHEMA = [
    "DROP TABLE IF EXISTS bench_book",
    "DROP TABLE IF EXISTS bench_author",
    "CREATE TABLE bench_author (id bigserial PRIMARY KEY, name varchar(100) NOT NULL,"
    " email varchar(200) NOT NULL)",
    "CREATE TABLE bench_book (id bigserial PRIMARY KEY, title varchar(200) NOT NULL,"
    " pages integer NOT NULL, price numeric(10, 2) NOT NULL, published timestamptz NOT NULL,"
    " author_id bigint NOT NULL REFERENCES bench_author (id) ON DELETE CASCADE)",
    "CREATE INDEX bench_book_author_id ON bench_book (author_id)",
]

# SQLite has no bigserial: an INTEGER PRIMARY KEY is the rowid. The declared types are the
# ones SQLite ORMs map their fields to (sqlite3 converters are looked up by them).
_SQLITE_SCHEMA = [
    "DROP TABLE IF EXISTS bench_book",
    "DROP TABLE IF EXISTS bench_author",
    "CREATE TABLE bench_author (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " name VARCHAR(100) NOT NULL, email VARCHAR(200) NOT NULL)",
    "CREATE TABLE bench_book (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " title VARCHAR(200) NOT NULL, pages INTEGER NOT NULL, price NUMERIC(10, 2) NOT NULL,"
    " published TIMESTAMPTZ NOT NULL,"
    " author_id INTEGER NOT NULL REFERENCES bench_author (id) ON DELETE CASCADE)",
    "CREATE INDEX bench_book_author_id ON bench_book (author_id)",
]


def connect(target: Target) -> Any:
    """An autocommit DB-API connection with the raw sync driver (psycopg 3 or sqlite3)."""
    if target.vendor == "sqlite":
        return sqlite3.connect(target.database, isolation_level=None, timeout=30)
    import psycopg

    return psycopg.connect(
        host=target.host,
        port=target.port,
        user=target.user,
        dbname=target.database,
        autocommit=True,
    )


def _placeholder(target: Target) -> str:
    return "?" if target.vendor == "sqlite" else "%s"


def ensure_database(target: Target) -> None:
    """Create the PostgreSQL database if missing; commits there need not wait for the disk."""
    if target.vendor != "postgresql":
        return
    import psycopg

    with psycopg.connect(
        host=target.host, port=target.port, user=target.user, dbname="postgres", autocommit=True
    ) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (target.database,)
        ).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{target.database}"')
        conn.execute(f'ALTER DATABASE "{target.database}" SET synchronous_commit = off')


def create_and_seed(target: Target) -> None:
    """(Re)create both tables and insert the 100 authors and 10,000 books."""
    ensure_database(target)
    p = _placeholder(target)
    books = seed_books()
    authors = [(i, author_name(i), f"author{i}@example.com") for i in range(1, AUTHORS + 1)]
    conn = connect(target)
    try:
        if target.vendor == "sqlite":
            conn.execute("PRAGMA journal_mode = WAL")
            for sql in _SQLITE_SCHEMA:
                conn.execute(sql)
            book_params: list[tuple[Any, ...]] = [
                (i, t, pg, str(pr), sqlite_datetime(pub), a) for i, t, pg, pr, pub, a in books
            ]
        else:
            for sql in _PG_SCHEMA:
                conn.execute(sql)
            book_params = list(books)
        cur = conn.cursor()
        cur.execute("BEGIN")
        cur.executemany(
            f"INSERT INTO bench_author (id, name, email) VALUES ({p}, {p}, {p})", authors
        )
        cur.executemany(
            "INSERT INTO bench_book (id, title, pages, price, published, author_id)"
            f" VALUES ({p}, {p}, {p}, {p}, {p}, {p})",
            book_params,
        )
        cur.execute("COMMIT")
        if target.vendor == "postgresql":
            conn.execute("SELECT setval('bench_author_id_seq', %s)", (AUTHORS,))
            conn.execute("SELECT setval('bench_book_id_seq', %s)", (BOOKS,))
        settle(conn, target)
    finally:
        conn.close()


def settle(conn: Any, target: Target) -> None:
    """Remove every book a write added and (PostgreSQL) vacuum, so each run starts alike."""
    conn.execute(f"DELETE FROM bench_book WHERE id > {BOOKS}")
    if target.vendor == "postgresql":
        conn.execute("VACUUM ANALYZE bench_author, bench_book")


def pin_backends(conn: Any, target: Target, cpus: set[int]) -> int:
    """Pin the server processes serving the benchmark database to `cpus`; how many were pinned.

    Only a local PostgreSQL run by this machine's root can be pinned; otherwise nothing is.
    """
    if target.vendor != "postgresql" or not hasattr(os, "sched_setaffinity"):
        return 0
    rows = conn.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = %s", (target.database,)
    ).fetchall()
    pinned = 0
    for (pid,) in rows:
        try:
            os.sched_setaffinity(pid, cpus)
            pinned += 1
        except OSError:
            pass
    return pinned


def added_titles(conn: Any) -> list[str]:
    """Titles of the books added after seeding, in id order."""
    cur = conn.execute(f"SELECT title FROM bench_book WHERE id > {BOOKS} ORDER BY id")
    return [row[0] for row in cur.fetchall()]


def price_of(conn: Any, target: Target, book_id: int) -> Decimal:
    """A book's current price, read with the raw driver."""
    p = _placeholder(target)
    row = conn.execute(f"SELECT price FROM bench_book WHERE id = {p}", (book_id,)).fetchone()
    return Decimal(str(row[0])).quantize(Decimal("0.01"))


def drop(target: Target) -> None:
    """Drop both tables (the PostgreSQL database itself is kept for the next run)."""
    conn = connect(target)
    try:
        conn.execute("DROP TABLE IF EXISTS bench_book")
        conn.execute("DROP TABLE IF EXISTS bench_author")
    finally:
        conn.close()


def server_version(target: Target) -> str:
    """`PostgreSQL 15.4` or `SQLite 3.40.1`."""
    if target.vendor == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    conn = connect(target)
    try:
        return "PostgreSQL " + conn.execute("SHOW server_version").fetchone()[0].split()[0]
    finally:
        conn.close()
