"""Litestar's JSON API endpoints with msgspec Structs, its native (fastest) model types.

The `data` parameter is the validated body; the returned Structs are encoded by msgspec.
Litestar answers validation errors with 400 by default: an exception handler makes them the
422 every app of this test type sends.
"""

import msgspec
from api_data import ROWS
from api_structs import ITEMS, ItemIn, ItemOut, created
from litestar import Litestar, get, post
from litestar.exceptions import ValidationException
from litestar_api_errors import unprocessable


@post("/api/items", status_code=201)
async def create_item(data: ItemIn) -> ItemOut:
    """Validate the new item, return it with its id and stock value."""
    return created(data)


@get("/api/items")
async def list_items() -> list[ItemOut]:
    """The stored items (Structs), encoded by msgspec."""
    return ITEMS


@get("/api/rows")
async def list_rows() -> list[ItemOut]:
    """The stored rows, validated into Structs (`msgspec.convert`) and encoded by msgspec."""
    return msgspec.convert(ROWS, list[ItemOut])


app = Litestar(
    route_handlers=[create_item, list_items, list_rows],
    exception_handlers={ValidationException: unprocessable},
)
