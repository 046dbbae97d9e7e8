"""BlackSheep + asyncpg: the database endpoints, the idiomatic way (`on_start` opens the pool,
the `json()` helper, `view()` with its Jinja2 renderer for the fortunes page)."""

import os
from operator import itemgetter
from pathlib import Path
from typing import Any

# BlackSheep's setting for the template file extension (its default is .jinja); read when its
# Jinja2 renderer is imported, so it is set first.
os.environ.setdefault("APP_JINJA_EXTENSION", ".html")

import asyncpg
import tfb_db
from blacksheep import Application, Request, Response, json
from blacksheep.server.rendering.jinja2 import JinjaRenderer
from blacksheep.server.responses import view
from blacksheep.settings.html import html_settings
from jinja2 import FileSystemLoader

html_settings.use(JinjaRenderer(loader=FileSystemLoader(Path(__file__).parent / "templates")))
app = Application()
_by_message = itemgetter("message")
_state: dict[str, asyncpg.Pool] = {}


@app.on_start
async def open_pool(application: Application) -> None:
    """Open the pool (min = max = tfb_db.POOL_SIZE)."""
    size = tfb_db.POOL_SIZE
    _state["pool"] = await asyncpg.create_pool(tfb_db.DATABASE_URL, min_size=size, max_size=size)


@app.on_stop
async def close_pool(application: Application) -> None:
    """Close the pool."""
    await _state["pool"].close()


def _queries(request: Request) -> int:
    values = request.query.get("queries")
    return tfb_db.query_count(values[0] if values else None)


@app.router.get("/db")
async def single_query() -> Response:
    """One random World row."""
    row_id = tfb_db.random_id()
    number = await _state["pool"].fetchval(tfb_db.READ_ROW_SQL, row_id)
    return json({"id": row_id, "randomNumber": number})


@app.router.get("/queries")
async def multiple_queries(request: Request) -> Response:
    """`queries` random World rows, one query each."""
    async with _state["pool"].acquire() as conn:
        worlds = [
            {"id": i, "randomNumber": await conn.fetchval(tfb_db.READ_ROW_SQL, i)}
            for i in tfb_db.random_ids(_queries(request))
        ]
    return json(worlds)


@app.router.get("/fortunes")
async def fortunes() -> Response:
    """Every fortune plus one added at request time, sorted by message, through Jinja2."""
    rows: list[Any] = await _state["pool"].fetch(tfb_db.FORTUNES_SQL)
    rows.append({"id": 0, "message": tfb_db.ADDITIONAL_MESSAGE})
    rows.sort(key=_by_message)
    return view("fortunes.html", {"fortunes": rows})


@app.router.get("/updates")
async def updates(request: Request) -> Response:
    """`queries` rows read one by one, then given new random numbers in one batch."""
    ids = tfb_db.update_ids(_queries(request))
    async with _state["pool"].acquire() as conn:
        for i in ids:
            await conn.fetchval(tfb_db.READ_ROW_SQL, i)
        pairs = [(i, tfb_db.random_id()) for i in ids]
        await conn.executemany(tfb_db.WRITE_ROW_SQL, pairs)
    return json([{"id": i, "randomNumber": n} for i, n in pairs])
