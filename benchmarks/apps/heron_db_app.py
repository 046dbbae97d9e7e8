"""Heron's database endpoints through its ORM (`heron.db`), written as a user would write them.

Models on TechEmpower's quoted tables (`"World"`, column `"randomNumber"`; `"Fortune"`),
one `aget` per row, `abulk_update` for the updates, the fortunes page through `render`
and `templates/fortunes.html`. `heron_raw_db_app.py` serves the same endpoints with the
same framework on asyncpg directly, so the two cells separate the ORM's cost from Heron's.
"""

from operator import attrgetter
from typing import Any

import tfb_db

from heron import Heron, HTMLResponse, Request, render
from heron.db import Model, fields, hold_connection, init_app


class World(Model):
    """A row of the World table."""

    randomnumber = fields.Integer(column="randomNumber")

    class Meta:
        table = "World"


class Fortune(Model):
    """A row of the Fortune table."""

    message = fields.String(max_length=2048)

    class Meta:
        table = "Fortune"


app = Heron(__name__)
app.config.update(
    SECRET_KEY="bench",
    SECURITY_HEADERS=None,  # the same headers as the peers (see heron_app.py)
    DATABASES={"default": {"URL": tfb_db.DATABASE_URL, "POOL_SIZE": tfb_db.POOL_SIZE}},
)
init_app(app)
_by_message = attrgetter("message")


@app.get("/db")
async def single_query() -> dict[str, Any]:
    """One random World row."""
    world = await World.objects.aget(id=tfb_db.random_id())
    return {"id": world.id, "randomNumber": world.randomnumber}


@app.get("/queries")
async def multiple_queries(request: Request) -> list[dict[str, Any]]:
    """`queries` random World rows, one query each."""
    count = tfb_db.query_count(request.query_params.get("queries"))
    async with hold_connection():  # one pooled connection for the request's queries
        worlds = [await World.objects.aget(id=i) for i in tfb_db.random_ids(count)]
    return [{"id": w.id, "randomNumber": w.randomnumber} for w in worlds]


@app.get("/fortunes")
async def fortunes(request: Request) -> HTMLResponse:
    """Every fortune plus one added at request time, sorted by message."""
    rows = await Fortune.objects.all()
    rows.append(Fortune(id=0, message=tfb_db.ADDITIONAL_MESSAGE))
    rows.sort(key=_by_message)
    return render(request, "fortunes.html", fortunes=rows)


@app.get("/updates")
async def updates(request: Request) -> list[dict[str, Any]]:
    """`queries` rows read one by one, then given new random numbers in one bulk update."""
    ids = tfb_db.update_ids(tfb_db.query_count(request.query_params.get("queries")))
    async with hold_connection():
        worlds = [await World.objects.aget(id=i) for i in ids]
        for world in worlds:
            world.randomnumber = tfb_db.random_id()
        await World.objects.abulk_update(worlds, ["randomnumber"])
    return [{"id": w.id, "randomNumber": w.randomnumber} for w in worlds]
