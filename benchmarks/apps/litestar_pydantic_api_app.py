"""Litestar's JSON API endpoints with pydantic models (validated through its pydantic plugin).

The returned models are encoded by Litestar's encoder; a `TypeAdapter` validates the stored
rows, since Litestar does not validate return values. Validation errors become 422, as in
`litestar_api_app.py`.
"""

from api_data import ROWS
from api_models import ITEMS, ItemIn, ItemOut, created
from litestar import Litestar, get, post
from litestar.exceptions import ValidationException
from litestar_api_errors import unprocessable
from pydantic import TypeAdapter

_ITEMS = TypeAdapter(list[ItemOut])


@post("/api/items", status_code=201)
async def create_item(data: ItemIn) -> ItemOut:
    """Validate the new item, return it with its id and stock value."""
    return created(data)


@get("/api/items")
async def list_items() -> list[ItemOut]:
    """The stored items (model objects), encoded by Litestar."""
    return ITEMS


@get("/api/rows")
async def list_rows() -> list[ItemOut]:
    """The stored rows, validated into models and encoded by Litestar."""
    return _ITEMS.validate_python(ROWS)


app = Litestar(
    route_handlers=[create_item, list_items, list_rows],
    exception_handlers={ValidationException: unprocessable},
)
