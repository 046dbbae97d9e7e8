"""The data of the JSON API test types, shared by every app that serves them.

The validation rules (the limits below, the categories and units, the e-mail pattern) are
written once here and expressed in each app's own model types (`api_models.py` for pydantic,
the Structs in `litestar_api_app.py` for msgspec). `ROWS` are the 100 items `GET /api/items`
returns, built at import as plain dicts, the way rows come out of a database driver.
"""

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

NAME_MAX = 100
DESCRIPTION_MAX = 500
QUANTITY_MAX = 10_000
TAGS_MAX = 10
TAG_MAX = 30
EMAIL_MAX = 254
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
Category = Literal["books", "games", "music", "tools"]
Unit = Literal["cm", "in"]
LIST_SIZE = 100

_CATEGORIES: tuple[Category, ...] = ("books", "games", "music", "tools")
_ids = itertools.count(LIST_SIZE + 1)


def new_id() -> int:
    """The id of a newly created item (per process, never reused)."""
    return next(_ids)


def total_value(price: float, quantity: int) -> float:
    """The computed field of an item: its stock value, rounded to cents."""
    return round(price * quantity, 2)


def _row(i: int) -> dict[str, Any]:
    price = round(1.5 + i * 0.75, 2)
    quantity = i * 37 % 500
    return {
        "name": f"Item {i}",
        "description": None if i % 3 == 0 else f"The description of item number {i}.",
        "price": price,
        "quantity": quantity,
        "in_stock": i % 4 != 0,
        "tags": [f"tag{i % 7}", f"tag{i % 11}", "sale"][: 1 + i % 3],
        "category": _CATEGORIES[i % len(_CATEGORIES)],
        "created_at": datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=i, seconds=i),
        "owner_email": f"owner{i}@example.com",
        "dimensions": {"width": 10.0 + i, "height": 5.5 + i / 8, "unit": "in" if i % 2 else "cm"},
        "id": i,
        "total_value": total_value(price, quantity),
    }


ROWS: list[dict[str, Any]] = [_row(i) for i in range(1, LIST_SIZE + 1)]
