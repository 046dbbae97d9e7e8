"""What every database app shares: where the database is, the pool size, the SQL and the rules.

The SQL, the pool size and the query-count rule are the same for every peer, so the apps
differ only in their framework (and, for the ORM apps, in the ORM). The tables are the
TechEmpower ones (`benchmarks/harness/database.py` creates them): unquoted `world` /
`fortune` (columns `id`, `randomnumber`, `message`), used by the driver apps as TechEmpower's
asyncpg apps do, and quoted `"World"` / `"Fortune"` (column `"randomNumber"`).
"""

import os
from random import randint, sample

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/hello_world"
)
#: Connections per server worker, the same for every peer (asyncpg and psycopg pools:
#: min = max; Django: one persistent connection per gunicorn thread).
POOL_SIZE = int(os.environ.get("BENCH_DB_POOL_SIZE", "16"))

READ_ROW_SQL = "SELECT randomnumber FROM world WHERE id = $1"
WRITE_ROW_SQL = "UPDATE world SET randomnumber = $2 WHERE id = $1"
FORTUNES_SQL = "SELECT id, message FROM fortune"
ADDITIONAL_MESSAGE = "Additional fortune added at request time."


def query_count(raw: str | None) -> int:
    """The `queries` parameter as TechEmpower reads it: not an integer → 1, else 1..500."""
    try:
        count = int(raw) if raw is not None else 1
    except ValueError:
        return 1
    return min(max(count, 1), 500)


def random_id() -> int:
    """A random World id."""
    return randint(1, 10000)


def random_ids(count: int) -> list[int]:
    """`count` random World ids, one query each (repeats allowed, as TechEmpower allows)."""
    return [randint(1, 10000) for _ in range(count)]


def update_ids(count: int) -> list[int]:
    """`count` distinct World ids in ascending order, so concurrent updates cannot deadlock."""
    return sorted(sample(range(1, 10001), count))
