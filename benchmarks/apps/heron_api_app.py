"""Heron's JSON API endpoints, written as a user would write them with typed parameters.

The pydantic model parameter is the JSON body (validated straight from the bytes), the return
annotation is the response model, and `status_code=201` is a route option.
"""

from typing import Any

from api_data import ROWS
from api_models import ITEMS, ItemIn, ItemOut, created

from heron import Heron

app = Heron(__name__)
app.config["SECRET_KEY"] = "bench"  # production mode (DEBUG off) refuses to start without one
app.config["SECURITY_HEADERS"] = None  # the same headers as the peers (see heron_app.py)


@app.post("/api/items", status_code=201)
async def create_item(item: ItemIn) -> ItemOut:
    """Validate the new item, return it with its id and stock value."""
    return created(item)


@app.get("/api/items")
async def list_items() -> list[ItemOut]:
    """The stored items (model objects), serialised through `list[ItemOut]`."""
    return ITEMS


@app.get("/api/rows", response_model=list[ItemOut])
async def list_rows() -> list[dict[str, Any]]:
    """The stored rows (plain dicts), validated and serialised through `list[ItemOut]`."""
    return ROWS
