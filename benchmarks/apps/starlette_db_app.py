"""Starlette + asyncpg: the database endpoints, the idiomatic way (a lifespan opens the pool,
`JSONResponse`, `Jinja2Templates` for the fortunes page)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from operator import itemgetter
from pathlib import Path
from typing import Any

import asyncpg
import tfb_db
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
_by_message = itemgetter("message")


def pool(request: Request) -> asyncpg.Pool:
    """The pool the lifespan opened."""
    return request.app.state.pool  # type: ignore[no-any-return]


async def single_query(request: Request) -> JSONResponse:
    """One random World row."""
    row_id = tfb_db.random_id()
    number = await pool(request).fetchval(tfb_db.READ_ROW_SQL, row_id)
    return JSONResponse({"id": row_id, "randomNumber": number})


async def multiple_queries(request: Request) -> JSONResponse:
    """`queries` random World rows, one query each."""
    count = tfb_db.query_count(request.query_params.get("queries"))
    async with pool(request).acquire() as conn:
        worlds = [
            {"id": i, "randomNumber": await conn.fetchval(tfb_db.READ_ROW_SQL, i)}
            for i in tfb_db.random_ids(count)
        ]
    return JSONResponse(worlds)


async def fortunes(request: Request) -> Response:
    """Every fortune plus one added at request time, sorted by message, through Jinja2."""
    rows: list[Any] = await pool(request).fetch(tfb_db.FORTUNES_SQL)
    rows.append({"id": 0, "message": tfb_db.ADDITIONAL_MESSAGE})
    rows.sort(key=_by_message)
    return templates.TemplateResponse(request, "fortunes.html", {"fortunes": rows})


async def updates(request: Request) -> JSONResponse:
    """`queries` rows read one by one, then given new random numbers in one batch."""
    ids = tfb_db.update_ids(tfb_db.query_count(request.query_params.get("queries")))
    async with pool(request).acquire() as conn:
        for i in ids:
            await conn.fetchval(tfb_db.READ_ROW_SQL, i)
        pairs = [(i, tfb_db.random_id()) for i in ids]
        await conn.executemany(tfb_db.WRITE_ROW_SQL, pairs)
    return JSONResponse([{"id": i, "randomNumber": n} for i, n in pairs])


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    """Open the pool (min = max = tfb_db.POOL_SIZE) for the life of the worker."""
    size = tfb_db.POOL_SIZE
    async with asyncpg.create_pool(tfb_db.DATABASE_URL, min_size=size, max_size=size) as db:
        app.state.pool = db
        yield


app = Starlette(
    routes=[
        Route("/db", single_query),
        Route("/queries", multiple_queries),
        Route("/fortunes", fortunes),
        Route("/updates", updates),
    ],
    lifespan=lifespan,
)
