"""The TechEmpower database of the database test types: set up idempotently, then observed.

`ensure_database()` creates `hello_world` on the local PostgreSQL with the tables TechEmpower's
`create-postgres.sql` creates: `World` and `Fortune` unquoted (stored as `world` / `fortune`)
and quoted (`"World"`, `"Fortune"`, column `"randomNumber"`), 10,000 World rows and the 12
fortunes. `QueryCounter` reads how many queries, rows read and rows updated the apps caused,
from `pg_stat_statements` when the server has it loaded, else from the tables' statistics.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

TFB_DIR = Path(__file__).resolve().parent / "tfb"
SERVER_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432")
DATABASE_NAME = "hello_world"
DATABASE_URL = f"{SERVER_URL}/{DATABASE_NAME}"
WORLD_ROWS = 10_000
# (table as written in SQL, its randomNumber column): the unquoted and the quoted table.
WORLD_TABLES = (("world", "randomnumber"), ('"World"', '"randomNumber"'))
FORTUNE_TABLES = ("fortune", '"Fortune"')


class DatabaseError(RuntimeError):
    """PostgreSQL is unreachable or the database could not be set up."""


def fortune_rows() -> list[tuple[int, str]]:
    """The 12 seed rows of the Fortune table."""
    data = json.loads((TFB_DIR / "fortune_rows.json").read_text(encoding="utf-8"))
    return [(int(row["id"]), str(row["message"])) for row in data]


def connect(url: str = DATABASE_URL) -> psycopg.Connection[Any]:
    """An autocommit connection, or DatabaseError saying why there is none."""
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=5)
    except psycopg.Error as exc:
        raise DatabaseError(f"cannot connect to {url}: {exc}".strip()) from exc


def ensure_database() -> list[str]:
    """Create or repair `hello_world`; return what was done (empty when it was ready)."""
    done: list[str] = []
    with connect(f"{SERVER_URL}/postgres") as admin:
        found = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)
        ).fetchone()
        if found is None:
            admin.execute(f"CREATE DATABASE {DATABASE_NAME} ENCODING 'UTF8' TEMPLATE template0")
            done.append(f"created database {DATABASE_NAME}")
    with connect() as conn:
        try:
            for table, column in WORLD_TABLES:
                done += _ensure_world(conn, table, column)
            for table in FORTUNE_TABLES:
                done += _ensure_fortune(conn, table)
            if done:
                conn.execute("ANALYZE")
        except psycopg.Error as exc:
            raise DatabaseError(f"setting up {DATABASE_NAME} failed: {exc}") from exc
        # Harmless without shared_preload_libraries; QueryCounter checks that it works.
        with contextlib.suppress(psycopg.Error):
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    return done


def _ensure_world(conn: psycopg.Connection[Any], table: str, column: str) -> list[str]:
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {table} "
        f"(id integer NOT NULL PRIMARY KEY, {column} integer NOT NULL DEFAULT 0)"
    )
    row = conn.execute(f"SELECT count(*), min(id), max(id) FROM {table}").fetchone()
    if row == (WORLD_ROWS, 1, WORLD_ROWS):
        return []
    with conn.transaction():
        conn.execute(f"TRUNCATE {table}")
        conn.execute(
            f"INSERT INTO {table} (id, {column}) SELECT g, floor(random() * 10000 + 1)::int "
            f"FROM generate_series(1, {WORLD_ROWS}) AS g"
        )
    return [f"seeded {table} with {WORLD_ROWS:,} rows"]


def _ensure_fortune(conn: psycopg.Connection[Any], table: str) -> list[str]:
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {table} "
        "(id integer NOT NULL PRIMARY KEY, message varchar(2048) NOT NULL)"
    )
    expected = fortune_rows()
    if conn.execute(f"SELECT id, message FROM {table} ORDER BY id").fetchall() == expected:
        return []
    with conn.transaction():
        conn.execute(f"TRUNCATE {table}")
        with conn.cursor() as cur:
            cur.executemany(f"INSERT INTO {table} (id, message) VALUES (%s, %s)", expected)
    return [f"seeded {table} with {len(expected)} fortunes"]


def world_snapshot(conn: psycopg.Connection[Any]) -> dict[str, dict[int, int]]:
    """Every World row of both World tables: table -> {id: randomNumber}."""
    return {
        table: dict(conn.execute(f"SELECT id, {column} FROM {table}").fetchall())
        for table, column in WORLD_TABLES
    }


def changed_rows(before: dict[str, dict[int, int]], after: dict[str, dict[int, int]]) -> int:
    """How many World rows (of both tables) have a different randomNumber `after`."""
    return sum(
        1
        for table, rows in after.items()
        for row_id, number in rows.items()
        if before.get(table, {}).get(row_id) != number
    )


@dataclass(frozen=True, slots=True)
class Counts:
    """Queries, rows read and rows updated on one table, as counted by PostgreSQL, and the
    transactions of the whole database (counted with table statistics only)."""

    queries: int
    rows_read: int
    rows_updated: int
    transactions: int = 0

    def __sub__(self, other: Counts) -> Counts:
        return Counts(
            self.queries - other.queries,
            self.rows_read - other.rows_read,
            self.rows_updated - other.rows_updated,
            self.transactions - other.transactions,
        )


_STATEMENTS_SQL = """
SELECT coalesce(sum(calls), 0),
       coalesce(sum(rows) FILTER (WHERE query ~* 'select'), 0),
       coalesce(sum(rows) FILTER (WHERE query ~* 'update'), 0)
FROM pg_stat_statements
WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND query ~* %s
"""
# Without pg_stat_statements: index and sequential scans stand for queries (a primary-key
# lookup is one index scan), the tuples they fetched for rows read, and n_tup_upd for rows
# updated, summed over the unquoted and quoted table. PostgreSQL before 17 counts one index
# scan per value of `id IN (...)`, so batching shows only in the transactions: one per
# query in autocommit mode, one per request when batched (or run in one transaction).
_TABLES_SQL = """
SELECT coalesce(sum(coalesce(seq_scan, 0) + coalesce(idx_scan, 0)), 0),
       coalesce(sum(coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)), 0),
       coalesce(sum(n_tup_upd), 0),
       (SELECT xact_commit + xact_rollback FROM pg_stat_database
        WHERE datname = current_database())
FROM pg_stat_user_tables
WHERE lower(relname) = %s
"""


class QueryCounter:
    """Counts what the apps asked of the World or Fortune table (TechEmpower's check E)."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn
        self.mode = "pg_stat_statements" if self._statements_work() else "table statistics"

    def _statements_work(self) -> bool:
        try:
            self.conn.execute("SELECT 1 FROM pg_stat_statements LIMIT 1")
        except psycopg.Error:
            return False
        return True

    @property
    def exact(self) -> bool:
        """True when counting statements (TechEmpower's way); False for table statistics."""
        return self.mode == "pg_stat_statements"

    def read(self, table: str) -> Counts:
        """The counters of `table` ("world" or "fortune") now."""
        if self.exact:
            row = self.conn.execute(_STATEMENTS_SQL, (rf"\m{re.escape(table)}\M",)).fetchone()
        else:
            self.conn.execute("SELECT pg_stat_clear_snapshot()")
            row = self.conn.execute(_TABLES_SQL, (table,)).fetchone()
        assert row is not None
        return Counts(*(int(value or 0) for value in row))

    def wait_quiet(self, timeout: float = 20.0) -> None:
        """Return once no other session is connected to the database (DatabaseError if none).

        A backend publishes its table statistics when it exits (while it runs, at most once a
        second and up to ten seconds late), so the counts of a burst are complete once the
        server that caused them has stopped and its connections are gone.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            row = self.conn.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND backend_type = 'client backend'"
            ).fetchone()
            if row is not None and row[0] == 0:
                time.sleep(0.2)  # the last exits may still be publishing
                return
            time.sleep(0.1)
        raise DatabaseError(f"sessions still connected to {DATABASE_NAME} after {timeout:.0f}s")
