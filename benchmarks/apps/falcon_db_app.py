"""Falcon (ASGI) + asyncpg: the database endpoints, the idiomatic way (resources with `on_get`,
`resp.media` for JSON, a middleware's `process_startup` opens the pool, Jinja2 for the
fortunes page since Falcon has no template engine of its own)."""

from operator import itemgetter
from pathlib import Path
from typing import Any

import asyncpg
import falcon
import falcon.asgi
import tfb_db
from jinja2 import Environment, FileSystemLoader, select_autoescape

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape()
)
_fortunes_page = _templates.get_template("fortunes.html")
_by_message = itemgetter("message")


class Database:
    """Holds the pool, opened and closed with the ASGI lifespan."""

    pool: asyncpg.Pool

    async def process_startup(self, scope: dict[str, Any], event: dict[str, Any]) -> None:
        """Open the pool (min = max = tfb_db.POOL_SIZE)."""
        size = tfb_db.POOL_SIZE
        self.pool = await asyncpg.create_pool(tfb_db.DATABASE_URL, min_size=size, max_size=size)

    async def process_shutdown(self, scope: dict[str, Any], event: dict[str, Any]) -> None:
        """Close the pool."""
        await self.pool.close()


db = Database()


def _queries(req: falcon.asgi.Request) -> int:
    return tfb_db.query_count(req.get_param("queries"))


class SingleQuery:
    """One random World row."""

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """GET /db."""
        row_id = tfb_db.random_id()
        resp.media = {
            "id": row_id,
            "randomNumber": await db.pool.fetchval(tfb_db.READ_ROW_SQL, row_id),
        }


class MultipleQueries:
    """`queries` random World rows, one query each."""

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """GET /queries."""
        async with db.pool.acquire() as conn:
            resp.media = [
                {"id": i, "randomNumber": await conn.fetchval(tfb_db.READ_ROW_SQL, i)}
                for i in tfb_db.random_ids(_queries(req))
            ]


class Fortunes:
    """Every fortune plus one added at request time, sorted by message, through Jinja2."""

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """GET /fortunes."""
        rows: list[Any] = await db.pool.fetch(tfb_db.FORTUNES_SQL)
        rows.append({"id": 0, "message": tfb_db.ADDITIONAL_MESSAGE})
        rows.sort(key=_by_message)
        resp.content_type = falcon.MEDIA_HTML
        resp.text = _fortunes_page.render(fortunes=rows)


class Updates:
    """`queries` rows read one by one, then given new random numbers in one batch."""

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """GET /updates."""
        ids = tfb_db.update_ids(_queries(req))
        async with db.pool.acquire() as conn:
            for i in ids:
                await conn.fetchval(tfb_db.READ_ROW_SQL, i)
            pairs = [(i, tfb_db.random_id()) for i in ids]
            await conn.executemany(tfb_db.WRITE_ROW_SQL, pairs)
        resp.media = [{"id": i, "randomNumber": n} for i, n in pairs]


app = falcon.asgi.App(middleware=[db])
app.add_route("/db", SingleQuery())
app.add_route("/queries", MultipleQueries())
app.add_route("/fortunes", Fortunes())
app.add_route("/updates", Updates())
