"""Request-side data structures: multi-valued mappings, query params, form data.

``Headers``, ``MutableHeaders``, ``URL`` and ``UploadFile`` live in their own
modules and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple, TypeVar
from urllib.parse import urlencode

from heron.http.headers import Headers, MutableHeaders
from heron.http.uploads import UploadFile
from heron.http.url import URL
from heron.http.urlencoded import parse_urlencoded

__all__ = [
    "URL",
    "Address",
    "FormData",
    "Headers",
    "MultiDict",
    "MutableHeaders",
    "QueryParams",
    "State",
    "UploadFile",
]

V = TypeVar("V")


class MultiDict(Mapping[str, V]):
    """A read-only mapping that keeps every value of repeated keys.

    ``[key]`` returns the last value (as a browser form would overwrite);
    ``getlist(key)`` returns them all, ``multi_items()`` every pair in order.
    """

    __slots__ = ("_dict", "_items")

    def __init__(self, items: Mapping[str, V] | Iterable[tuple[str, V]] = ()) -> None:
        pairs = list(items.items()) if isinstance(items, Mapping) else list(items)
        self._items: list[tuple[str, V]] = pairs
        self._dict: dict[str, V] = dict(pairs)

    def __getitem__(self, key: str) -> V:
        return self._dict[key]

    def __contains__(self, key: object) -> bool:
        return key in self._dict

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict)

    def __len__(self) -> int:
        return len(self._dict)

    def getlist(self, key: str) -> list[V]:
        """Every value of ``key`` in order (empty if absent)."""
        return [v for k, v in self._items if k == key]

    def multi_items(self) -> list[tuple[str, V]]:
        """Every ``(key, value)`` pair, repeated keys included."""
        return list(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MultiDict):
            return sorted(self._items, key=repr) == sorted(other._items, key=repr)
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._items!r})"


class QueryParams(MultiDict[str]):
    """Query-string parameters; parsing a raw string with a bad ``%`` escape or
    invalid UTF-8 raises ``HTTPException(400)``."""

    __slots__ = ()

    def __init__(
        self, query: bytes | str | Mapping[str, str] | Iterable[tuple[str, str]] = b""
    ) -> None:
        if isinstance(query, bytes | str):
            super().__init__(parse_urlencoded(query))
        else:
            super().__init__(query)

    def __str__(self) -> str:
        return urlencode(self._items)


class FormData(MultiDict[str | UploadFile]):
    """Fields of a submitted form; file parts are ``UploadFile`` values."""

    __slots__ = ()

    async def close(self) -> None:
        """Close every uploaded file (removing any temporary files)."""
        for _, value in self._items:
            if isinstance(value, UploadFile):
                await value.close()


class Address(NamedTuple):
    """The client's (or server's) network address."""

    host: str
    port: int


class State:
    """An attribute bag for per-request (or per-app) values: ``state.user = ...``."""

    __slots__ = ("_data",)

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        object.__setattr__(self, "_data", {} if data is None else data)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(f"State has no attribute {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        self._data[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self._data[name]
        except KeyError:
            raise AttributeError(f"State has no attribute {name!r}") from None

    def __contains__(self, name: str) -> bool:
        return name in self._data

    def __repr__(self) -> str:
        return f"State({self._data!r})"
