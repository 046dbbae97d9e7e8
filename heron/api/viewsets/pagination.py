"""List pagination: limit/offset (with a total count) or cursors on the ordering key.

Limit/offset answers ``{"count", "next", "previous", "results"}``; cursor pagination
answers ``{"next", "results"}`` where ``next`` carries an opaque ``cursor`` made of the
last row's ordering value and primary key, so pages stay stable while rows are added.
"""

from __future__ import annotations

import base64
import binascii
import inspect
import threading
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, create_model
from pydantic_core import to_jsonable_python

from heron.db import Model, Q, QuerySet, ValidationError
from heron.http.exceptions import RequestValidationError
from heron.http.request import Request
from heron.params import Query

__all__ = ["Pagination", "page_schema"]

Pagination = Literal["limit_offset", "cursor"]

_lock = threading.Lock()
_pages: dict[tuple[type[BaseModel], str], type[BaseModel]] = {}


def page_schema(item: type[BaseModel], pagination: Pagination) -> type[BaseModel]:
    """The response model of a list page of ``item`` (cached, named after it)."""
    with _lock:
        cached = _pages.get((item, pagination))
        if cached is not None:
            return cached
        items: Any = list[item]  # type: ignore[valid-type]
        definitions: dict[str, Any] = {"next": (str | None, None), "results": (items, ...)}
        if pagination == "limit_offset":
            name = f"{item.__name__}Page"
            definitions = {"count": (int, ...), **definitions, "previous": (str | None, None)}
        else:
            name = f"{item.__name__}CursorPage"
        schema: type[BaseModel] = create_model(
            name, __config__=ConfigDict(from_attributes=True), **definitions
        )
        _pages[(item, pagination)] = schema
        return schema


def parameters(
    pagination: Pagination, page_size: int, max_page_size: int
) -> list[inspect.Parameter]:
    """The query parameters of a list: ``limit`` and ``offset`` or ``cursor``."""
    keyword = inspect.Parameter.KEYWORD_ONLY
    limit = inspect.Parameter(
        "limit",
        keyword,
        default=page_size,
        annotation=Annotated[int, Query(ge=1, le=max_page_size, description="Items per page.")],
    )
    if pagination == "limit_offset":
        offset = Annotated[int, Query(ge=0, le=2**62, description="Items to skip.")]
        return [limit, inspect.Parameter("offset", keyword, default=0, annotation=offset)]
    cursor = Annotated[str | None, Query(max_length=1000, description="From a page's next link.")]
    return [limit, inspect.Parameter("cursor", keyword, default=None, annotation=cursor)]


async def limit_offset_page(
    qs: QuerySet[Any], request: Request, limit: int, offset: int
) -> dict[str, Any]:
    """One page by position, with the total count and links to its neighbours."""
    count = await qs.acount()
    results = await qs[offset : offset + limit] if offset < count else []
    url = request.url
    following = offset + limit
    return {
        "count": count,
        "next": str(url.include_query_params(offset=following)) if following < count else None,
        "previous": (
            str(url.include_query_params(offset=max(offset - limit, 0))) if offset > 0 else None
        ),
        "results": results,
    }


class CursorPaginator:
    """Pages ordered by one field (then the primary key), continued after a cursor."""

    def __init__(self, model: type[Model], ordering: str) -> None:
        self.model = model
        self.descending = ordering.startswith("-")
        self.field = model._meta.get_field(ordering.lstrip("-"))
        if self.field.null:
            raise TypeError(
                f"Cursor pagination needs a non-null ordering field; {model.__name__}."
                f"{self.field.name} is null=True."
            )
        direction = "-" if self.descending else ""
        self.order = [f"{direction}{self.field.name}", f"{direction}pk"]

    def encode(self, obj: Model) -> str:
        value = to_jsonable_python(obj.__dict__[self.field.attname])
        raw = orjson.dumps([value, to_jsonable_python(obj.pk)])
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, cursor: str) -> tuple[Any, Any]:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            value, pk = orjson.loads(raw)
            return self.field.to_python(value), self.model._meta.pk.to_python(pk)
        except (binascii.Error, ValueError, TypeError, ValidationError):
            error = {"type": "cursor", "loc": ["query", "cursor"], "msg": "Invalid cursor."}
            raise RequestValidationError([error]) from None

    async def page(
        self, qs: QuerySet[Any], request: Request, limit: int, cursor: str | None
    ) -> dict[str, Any]:
        qs = qs.order_by(*self.order)
        if cursor:
            value, pk = self.decode(cursor)
            after = "lt" if self.descending else "gt"
            name = self.field.name
            qs = qs.filter(
                Q(**{f"{name}__{after}": value}) | Q(**{name: value, f"pk__{after}": pk})
            )
        rows = await qs[: limit + 1]
        results = rows[:limit]
        following = None
        if len(rows) > limit:
            following = str(request.url.include_query_params(cursor=self.encode(results[-1])))
        return {"next": following, "results": results}
