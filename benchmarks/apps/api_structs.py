"""The msgspec Structs of the JSON API test types: the rules of `api_models.py`, as Structs.

Constraints are `msgspec.Meta` annotations with the limits of `api_data.py`; `msgspec.convert`
validates (a Struct's constructor does not).
"""

from datetime import datetime
from typing import Annotated

import msgspec
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
from msgspec import Meta, Struct


class Dimensions(Struct):
    """A nested object: the item's size."""

    width: Annotated[float, Meta(gt=0)]
    height: Annotated[float, Meta(gt=0)]
    unit: Unit


class ItemIn(Struct, kw_only=True):
    """The body of `POST /api/items`."""

    name: Annotated[str, Meta(min_length=1, max_length=NAME_MAX)]
    description: Annotated[str, Meta(max_length=DESCRIPTION_MAX)] | None = None
    price: Annotated[float, Meta(gt=0)]
    quantity: Annotated[int, Meta(ge=0, le=QUANTITY_MAX)]
    in_stock: bool
    tags: Annotated[list[Annotated[str, Meta(max_length=TAG_MAX)]], Meta(max_length=TAGS_MAX)]
    category: Category
    created_at: datetime
    owner_email: Annotated[str, Meta(max_length=EMAIL_MAX, pattern=EMAIL_PATTERN)]
    dimensions: Dimensions


class ItemOut(ItemIn, kw_only=True):
    """An item as the API returns it: the input plus its id and computed stock value."""

    id: int
    total_value: float


# The 100 stored items as Structs, built once: what `GET /api/items` returns.
ITEMS: list[ItemOut] = msgspec.convert(ROWS, list[ItemOut])


def created(item: ItemIn) -> ItemOut:
    """The stored form of a validated new item."""
    extra = {"id": new_id(), "total_value": total_value(item.price, item.quantity)}
    return msgspec.convert({**msgspec.structs.asdict(item), **extra}, ItemOut)
