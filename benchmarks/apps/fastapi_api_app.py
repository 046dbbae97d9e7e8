"""FastAPI's JSON API endpoints, the idiomatic way: a pydantic body parameter, the return
annotation or `response_model` as the response model, the default response class."""

from typing import Any

from api_data import ROWS
from api_models import ITEMS, ItemIn, ItemOut, created
from fastapi import FastAPI

app = FastAPI()


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
