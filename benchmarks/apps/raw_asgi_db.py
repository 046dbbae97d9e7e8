"""The database reference: a bare ASGI app on an asyncpg pool, no framework.

Every database cell's ratio is taken against this app. It does what a correct TechEmpower
app must do and no more: dispatch on the path, read `queries` from the query string, run
one query per row on a pooled asyncpg connection, serialise with orjson, and build the
fortunes page by hand with `html.escape`. The server adds `Server` and `Date`.
"""

from collections.abc import Awaitable, Callable, MutableMapping
from html import escape
from operator import itemgetter
from typing import Any
from urllib.parse import parse_qs

import asyncpg
import orjson
import tfb_db

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_JSON = [(b"content-type", b"application/json")]
_HTML = [(b"content-type", b"text/html; charset=utf-8")]
_FORTUNES_HEAD = (
    "<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table>"
    "<tr><th>id</th><th>message</th></tr>"
)
_FORTUNES_TAIL = "</table></body></html>"
_by_message = itemgetter(1)

pool: asyncpg.Pool | None = None


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _queries(scope: Scope) -> int:
    values = parse_qs(scope["query_string"].decode("latin-1")).get("queries")
    return tfb_db.query_count(values[0] if values else None)


async def _db(pool: asyncpg.Pool, scope: Scope) -> bytes:
    row_id = tfb_db.random_id()
    number = await pool.fetchval(tfb_db.READ_ROW_SQL, row_id)
    return orjson.dumps({"id": row_id, "randomNumber": number})


async def _multiple(pool: asyncpg.Pool, scope: Scope) -> bytes:
    async with pool.acquire() as conn:
        worlds = [
            {"id": i, "randomNumber": await conn.fetchval(tfb_db.READ_ROW_SQL, i)}
            for i in tfb_db.random_ids(_queries(scope))
        ]
    return orjson.dumps(worlds)


async def _updates(pool: asyncpg.Pool, scope: Scope) -> bytes:
    ids = tfb_db.update_ids(_queries(scope))
    async with pool.acquire() as conn:
        for i in ids:
            await conn.fetchval(tfb_db.READ_ROW_SQL, i)
        pairs = [(i, tfb_db.random_id()) for i in ids]
        await conn.executemany(tfb_db.WRITE_ROW_SQL, pairs)
    return orjson.dumps([{"id": i, "randomNumber": n} for i, n in pairs])


async def _fortunes(pool: asyncpg.Pool, scope: Scope) -> bytes:
    rows: list[Any] = await pool.fetch(tfb_db.FORTUNES_SQL)
    rows.append((0, tfb_db.ADDITIONAL_MESSAGE))
    rows.sort(key=_by_message)
    cells = "".join(f"<tr><td>{i}</td><td>{escape(m)}</td></tr>" for i, m in rows)
    return (_FORTUNES_HEAD + cells + _FORTUNES_TAIL).encode()


_JSON_ROUTES = {"/db": _db, "/queries": _multiple, "/updates": _updates}


async def _lifespan(receive: Receive, send: Send) -> None:
    global pool
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            pool = await asyncpg.create_pool(
                tfb_db.DATABASE_URL, min_size=tfb_db.POOL_SIZE, max_size=tfb_db.POOL_SIZE
            )
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if pool is not None:
                await pool.close()
            await send({"type": "lifespan.shutdown.complete"})
            return


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Serve /db, /queries, /fortunes and /updates; anything else is a 404."""
    if scope["type"] != "http":
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
        return
    assert pool is not None, "the server did not run the lifespan start-up"
    path = scope["path"]
    handler = _JSON_ROUTES.get(path)
    if handler is not None:
        await _send(send, 200, _JSON, await handler(pool, scope))
    elif path == "/fortunes":
        await _send(send, 200, _HTML, await _fortunes(pool, scope))
    else:
        await _send(send, 404, [(b"content-type", b"text/plain")], b"Not Found")
