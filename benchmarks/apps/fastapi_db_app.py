"""FastAPI + asyncpg: the database endpoints, the idiomatic way (a lifespan opens the pool, a
`Query` parameter, returned dicts and lists, `Jinja2Templates` for the fortunes page)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from operator import itemgetter
from pathlib import Path
from typing import Any

import asyncpg
import tfb_db
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
_by_message = itemgetter("message")
_state: dict[str, asyncpg.Pool] = {}


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open the pool (min = max = tfb_db.POOL_SIZE) for the life of the worker."""
    size = tfb_db.POOL_SIZE
    async with asyncpg.create_pool(tfb_db.DATABASE_URL, min_size=size, max_size=size) as db:
        _state["pool"] = db
        yield


app = FastAPI(lifespan=lifespan)


@app.get("/db")
async def single_query() -> dict[str, int]:
    """One random World row."""
    row_id = tfb_db.random_id()
    return {
        "id": row_id,
        "randomNumber": await _state["pool"].fetchval(tfb_db.READ_ROW_SQL, row_id),
    }


# `queries` is read as a string: TechEmpower sends `foo` and expects it to count as 1.
@app.get("/queries")
async def multiple_queries(queries: str | None = None) -> list[dict[str, int]]:
    """`queries` random World rows, one query each."""
    async with _state["pool"].acquire() as conn:
        return [
            {"id": i, "randomNumber": await conn.fetchval(tfb_db.READ_ROW_SQL, i)}
            for i in tfb_db.random_ids(tfb_db.query_count(queries))
        ]


@app.get("/fortunes", response_class=HTMLResponse)
async def fortunes(request: Request) -> Any:
    """Every fortune plus one added at request time, sorted by message, through Jinja2."""
    rows: list[Any] = await _state["pool"].fetch(tfb_db.FORTUNES_SQL)
    rows.append({"id": 0, "message": tfb_db.ADDITIONAL_MESSAGE})
    rows.sort(key=_by_message)
    return templates.TemplateResponse(request, "fortunes.html", {"fortunes": rows})


@app.get("/updates")
async def updates(queries: str | None = None) -> list[dict[str, int]]:
    """`queries` rows read one by one, then given new random numbers in one batch."""
    ids = tfb_db.update_ids(tfb_db.query_count(queries))
    async with _state["pool"].acquire() as conn:
        for i in ids:
            await conn.fetchval(tfb_db.READ_ROW_SQL, i)
        pairs = [(i, tfb_db.random_id()) for i in ids]
        await conn.executemany(tfb_db.WRITE_ROW_SQL, pairs)
    return [{"id": i, "randomNumber": n} for i, n in pairs]
