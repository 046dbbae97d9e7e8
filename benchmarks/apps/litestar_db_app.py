"""Litestar + asyncpg: the database endpoints, the idiomatic way (`on_startup` puts the pool in
the application state, query parameters as handler arguments, returned dicts and lists
serialised by msgspec, a `Template` response through its Jinja2 engine for the fortunes)."""

from operator import itemgetter
from pathlib import Path
from typing import Any

import asyncpg
import tfb_db
from litestar import Litestar, MediaType, get
from litestar.datastructures import State
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

_by_message = itemgetter("message")


async def open_pool(app: Litestar) -> None:
    """Open the pool (min = max = tfb_db.POOL_SIZE)."""
    size = tfb_db.POOL_SIZE
    app.state.pool = await asyncpg.create_pool(tfb_db.DATABASE_URL, min_size=size, max_size=size)


async def close_pool(app: Litestar) -> None:
    """Close the pool."""
    await app.state.pool.close()


@get("/db")
async def single_query(state: State) -> dict[str, int]:
    """One random World row."""
    row_id = tfb_db.random_id()
    return {"id": row_id, "randomNumber": await state.pool.fetchval(tfb_db.READ_ROW_SQL, row_id)}


# `queries` is read as a string: TechEmpower sends `foo` and expects it to count as 1.
@get("/queries")
async def multiple_queries(state: State, queries: str | None = None) -> list[dict[str, int]]:
    """`queries` random World rows, one query each."""
    async with state.pool.acquire() as conn:
        return [
            {"id": i, "randomNumber": await conn.fetchval(tfb_db.READ_ROW_SQL, i)}
            for i in tfb_db.random_ids(tfb_db.query_count(queries))
        ]


@get("/fortunes", media_type=MediaType.HTML)
async def fortunes(state: State) -> Template:
    """Every fortune plus one added at request time, sorted by message, through Jinja2."""
    rows: list[Any] = await state.pool.fetch(tfb_db.FORTUNES_SQL)
    rows.append({"id": 0, "message": tfb_db.ADDITIONAL_MESSAGE})
    rows.sort(key=_by_message)
    return Template(template_name="fortunes.html", context={"fortunes": rows})


@get("/updates")
async def updates(state: State, queries: str | None = None) -> list[dict[str, int]]:
    """`queries` rows read one by one, then given new random numbers in one batch."""
    ids = tfb_db.update_ids(tfb_db.query_count(queries))
    async with state.pool.acquire() as conn:
        for i in ids:
            await conn.fetchval(tfb_db.READ_ROW_SQL, i)
        pairs = [(i, tfb_db.random_id()) for i in ids]
        await conn.executemany(tfb_db.WRITE_ROW_SQL, pairs)
    return [{"id": i, "randomNumber": n} for i, n in pairs]


app = Litestar(
    route_handlers=[single_query, multiple_queries, fortunes, updates],
    on_startup=[open_pool],
    on_shutdown=[close_pool],
    template_config=TemplateConfig(
        directory=Path(__file__).parent / "templates", engine=JinjaTemplateEngine
    ),
)
