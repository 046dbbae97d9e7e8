"""Heron's routing, responses and templates on a plain asyncpg pool (no ORM).

Next to `heron_db_app.py` (the same endpoints through `heron.db`), this app separates what
Heron the web framework costs from what its ORM costs: the SQL, the pool and the driver
are exactly the raw ASGI reference's (`raw_asgi_db.py`).
"""

from operator import itemgetter
from typing import Any

import asyncpg
import tfb_db

from heron import Heron, HTMLResponse, Request, render

app = Heron(__name__)
app.config["SECRET_KEY"] = "bench"
app.config["SECURITY_HEADERS"] = None  # the same headers as the peers (see heron_app.py)

_by_message = itemgetter("message")
_pool: asyncpg.Pool | None = None


@app.on_startup
async def open_pool() -> None:
    """Open the connection pool (min = max = tfb_db.POOL_SIZE)."""
    global _pool
    _pool = await asyncpg.create_pool(
        tfb_db.DATABASE_URL, min_size=tfb_db.POOL_SIZE, max_size=tfb_db.POOL_SIZE
    )


@app.on_shutdown
async def close_pool() -> None:
    """Close the pool."""
    if _pool is not None:
        await _pool.close()


def pool() -> asyncpg.Pool:
    """The pool opened at start-up."""
    assert _pool is not None, "the server did not run the lifespan start-up"
    return _pool


@app.get("/db")
async def single_query() -> dict[str, Any]:
    """One random World row."""
    row_id = tfb_db.random_id()
    return {"id": row_id, "randomNumber": await pool().fetchval(tfb_db.READ_ROW_SQL, row_id)}


@app.get("/queries")
async def multiple_queries(request: Request) -> list[dict[str, Any]]:
    """`queries` random World rows, one query each."""
    count = tfb_db.query_count(request.query_params.get("queries"))
    async with pool().acquire() as conn:
        return [
            {"id": i, "randomNumber": await conn.fetchval(tfb_db.READ_ROW_SQL, i)}
            for i in tfb_db.random_ids(count)
        ]


@app.get("/fortunes")
async def fortunes(request: Request) -> HTMLResponse:
    """Every fortune plus one added at request time, sorted by message, through Jinja2."""
    rows: list[Any] = await pool().fetch(tfb_db.FORTUNES_SQL)
    rows.append({"id": 0, "message": tfb_db.ADDITIONAL_MESSAGE})
    rows.sort(key=_by_message)
    return render(request, "fortunes.html", fortunes=rows)


@app.get("/updates")
async def updates(request: Request) -> list[dict[str, Any]]:
    """`queries` rows read one by one, then given new random numbers in one batch."""
    ids = tfb_db.update_ids(tfb_db.query_count(request.query_params.get("queries")))
    async with pool().acquire() as conn:
        for i in ids:
            await conn.fetchval(tfb_db.READ_ROW_SQL, i)
        pairs = [(i, tfb_db.random_id()) for i in ids]
        await conn.executemany(tfb_db.WRITE_ROW_SQL, pairs)
    return [{"id": i, "randomNumber": n} for i, n in pairs]
