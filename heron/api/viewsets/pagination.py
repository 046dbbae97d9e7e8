"""List pagination: limit/offset (with a total count) or cursors on the ordering key.

Limit/offset answers ``{"count", "next", "previous", "results"}``; cursor pagination
answers ``{"next", "previous", "results"}`` where each link carries an opaque ``cursor``
made of a row's ordering value and primary key and a direction (after the last row,
before the first), so pages stay stable while rows are added.
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

# Where a cursor's page lies from its position: after it, before it, or up to and with it.
_AFTER, _BEFORE, _UP_TO = 0, 1, 2

_lock = threading.Lock()
_pages: dict[tuple[type[BaseModel], str], type[BaseModel]] = {}


def page_schema(item: type[BaseModel], pagination: Pagination) -> type[BaseModel]:
    """The response model of a list page of ``item`` (cached, named after it)."""
    with _lock:
        cached = _pages.get((item, pagination))
        if cached is not None:
            return cached
        items: Any = list[item]  # type: ignore[valid-type]
        definitions: dict[str, Any] = {
            "next": (str | None, None),
            "previous": (str | None, None),
            "results": (items, ...),
        }
        if pagination == "limit_offset":
            name = f"{item.__name__}Page"
            definitions = {"count": (int, ...), **definitions}
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
    cursor = Annotated[
        str | None, Query(max_length=1000, description="From a page's next or previous link.")
    ]
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

    def encode(self, value: Any, pk: Any, direction: int = _AFTER) -> str:
        """The cursor of the rows after (or before) the position ``(value, pk)``."""
        position = [to_jsonable_python(value), to_jsonable_python(pk)]
        raw = orjson.dumps(position if direction == _AFTER else [*position, direction])
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def position(self, obj: Model) -> tuple[Any, Any]:
        """A row's place in the ordering."""
        return obj.__dict__[self.field.attname], obj.pk

    def decode(self, cursor: str) -> tuple[Any, Any, int]:
        """``(value, pk, direction)`` of a cursor; a 422 when it is not one of Heron's."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            value, pk, *rest = orjson.loads(raw)
            direction = rest[0] if rest else _AFTER
            if len(rest) > 1 or direction not in (_AFTER, _BEFORE, _UP_TO):
                raise ValueError(cursor)
            field, pk_field = self.field, self.model._meta.pk
            return field.to_python(value), pk_field.to_python(pk), direction
        except (binascii.Error, ValueError, TypeError, ValidationError):
            error = {"type": "cursor", "loc": ["query", "cursor"], "msg": "Invalid cursor."}
            raise RequestValidationError([error]) from None

    async def page(
        self, qs: QuerySet[Any], request: Request, limit: int, cursor: str | None
    ) -> dict[str, Any]:
        """One page after (or before) the cursor's position, with links to its neighbours."""
        value: Any = None
        pk: Any = None
        direction = _AFTER
        if cursor:
            value, pk, direction = self.decode(cursor)
        before = direction != _AFTER
        # A page before the cursor is read backwards from it, then put back in order.
        backwards = self.descending != before
        qs = qs.order_by(*(self._reversed() if before else self.order))
        if cursor:
            beyond = "lt" if backwards else "gt"
            at_or_beyond = f"{beyond}e" if direction == _UP_TO else beyond
            name = self.field.name
            qs = qs.filter(
                Q(**{f"{name}__{beyond}": value}) | Q(**{name: value, f"pk__{at_or_beyond}": pk})
            )
        rows = await qs[: limit + 1]
        more = len(rows) > limit
        results = rows[:limit]
        if before:
            results.reverse()
        url = request.url
        following = preceding = None
        if results:
            # Beyond the rows read there are more when ``more``; on the cursor's side there
            # is (or was) the cursor's own row, which sat on the neighbouring page.
            has_following = before or more
            has_preceding = more if before else bool(cursor)
            if has_following:
                following = self._link(url, *self.position(results[-1]), _AFTER)
            if has_preceding:
                preceding = self._link(url, *self.position(results[0]), _BEFORE)
        elif before:  # nothing precedes the cursor any more: the list now starts there
            following = str(url.remove_query_params("cursor"))
        elif cursor:  # nothing follows it any more: the last page ends with its row
            preceding = self._link(url, value, pk, _UP_TO)
        return {"next": following, "previous": preceding, "results": results}

    def _link(self, url: Any, value: Any, pk: Any, direction: int) -> str:
        return str(url.include_query_params(cursor=self.encode(value, pk, direction)))

    def _reversed(self) -> list[str]:
        return [name[1:] if name.startswith("-") else f"-{name}" for name in self.order]
