"""The pydantic models of the JSON API test types, shared by the pydantic apps.

Heron, FastAPI, BlackSheep, Litestar (pydantic) and the raw ASGI app all validate with these
classes, so their rules are the same by construction; `api_data.py` holds the limits.
"""

from datetime import datetime
from typing import Annotated

from api_data import (
    DESCRIPTION_MAX,
    EMAIL_MAX,
    EMAIL_PATTERN,
    NAME_MAX,
    QUANTITY_MAX,
    ROWS,
    TAG_MAX,
    TAGS_MAX,
    Category,
    Unit,
    new_id,
    total_value,
)
from pydantic import BaseModel, Field


class Dimensions(BaseModel):
    """A nested object: the item's size."""

    width: Annotated[float, Field(gt=0)]
    height: Annotated[float, Field(gt=0)]
    unit: Unit


class ItemIn(BaseModel):
    """The body of `POST /api/items`."""

    name: Annotated[str, Field(min_length=1, max_length=NAME_MAX)]
    description: Annotated[str, Field(max_length=DESCRIPTION_MAX)] | None = None
    price: Annotated[float, Field(gt=0)]
    quantity: Annotated[int, Field(ge=0, le=QUANTITY_MAX)]
    in_stock: bool
    tags: Annotated[list[Annotated[str, Field(max_length=TAG_MAX)]], Field(max_length=TAGS_MAX)]
    category: Category
    created_at: datetime
    owner_email: Annotated[str, Field(max_length=EMAIL_MAX, pattern=EMAIL_PATTERN)]
    dimensions: Dimensions


class ItemOut(ItemIn):
    """An item as the API returns it: the input plus its id and computed stock value."""

    id: int
    total_value: float


# The 100 stored items as model objects, built once: what `GET /api/items` returns.
ITEMS: list[ItemOut] = [ItemOut.model_validate(row) for row in ROWS]


def created(item: ItemIn) -> ItemOut:
    """The stored form of a validated new item (its fields are not validated twice)."""
    extra = {"id": new_id(), "total_value": total_value(item.price, item.quantity)}
    return ItemOut.model_validate({**vars(item), **extra})
