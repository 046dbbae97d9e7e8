"""The JSON API reference: a bare ASGI app validating with pydantic by hand, the 1.0 line.

`POST /api/items` reads the body, validates it with `ItemIn.model_validate_json` (a 422 with
pydantic's errors when it fails) and answers 201 with the item, dumped by a
`TypeAdapter(ItemOut)`; `GET /api/items` dumps the stored model objects with a
`TypeAdapter(list[ItemOut])`, and `GET /api/rows` validates the stored dicts through it
first. Anything else is a 404. The server adds `Server` and `Date`, as it does for every
app. The lifespan handling and the 404 are `raw_asgi.py`'s.
"""

import orjson
from api_data import ROWS
from api_models import ITEMS, ItemIn, ItemOut, created
from pydantic import TypeAdapter, ValidationError
from raw_asgi import _NOT_FOUND_BODY, _NOT_FOUND_START, Receive, Scope, Send, _lifespan

_ITEM = TypeAdapter(ItemOut)
_ITEMS = TypeAdapter(list[ItemOut])


async def _body(receive: Receive) -> bytes:
    message = await receive()
    body: bytes = message.get("body", b"")
    if not message.get("more_body"):
        return body
    chunks = [body]
    while message.get("more_body"):
        message = await receive()
        chunks.append(message.get("body", b""))
    return b"".join(chunks)


async def _json(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _create(receive: Receive, send: Send) -> None:
    try:
        item = ItemIn.model_validate_json(await _body(receive))
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        await _json(send, 422, orjson.dumps({"detail": errors}))
        return
    await _json(send, 201, _ITEM.dump_json(created(item)))


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Serve POST and GET /api/items and GET /api/rows; anything else is a 404."""
    if scope["type"] != "http":
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
        return
    if scope["path"] == "/api/items":
        if scope["method"] == "POST":
            await _create(receive, send)
            return
        if scope["method"] == "GET":
            await _json(send, 200, _ITEMS.dump_json(ITEMS))
            return
    if scope["path"] == "/api/rows" and scope["method"] == "GET":
        await _json(send, 200, _ITEMS.dump_json(_ITEMS.validate_python(ROWS)))
        return
    await send(_NOT_FOUND_START)
    await send(_NOT_FOUND_BODY)
