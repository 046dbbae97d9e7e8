"""Case-insensitive, multi-valued views over ASGI header lists.

ASGI servers hand over header names already lowercased (the ASGI spec asks them
to); lookups lowercase the requested name and scan the raw list, which is
faster than building a dict for the handful of headers a request carries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import TypeVar, overload

__all__ = ["Headers", "MutableHeaders", "encode_header_name", "encode_header_value"]

_T = TypeVar("_T")
RawHeaders = list[tuple[bytes, bytes]]

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_FORBIDDEN_VALUE = re.compile(r"[\r\n\x00]")


def encode_header_name(name: str) -> bytes:
    """Validate a header name (an RFC 9110 token) and return it lowercased as bytes."""
    if not _TOKEN.fullmatch(name):
        raise ValueError(f"Invalid header name: {name!r}")
    return name.lower().encode("latin-1")


def encode_header_value(value: str) -> bytes:
    """Return ``value`` as latin-1 bytes; CR, LF and NUL raise ``ValueError``."""
    if _FORBIDDEN_VALUE.search(value):
        raise ValueError(f"Header value must not contain CR, LF or NUL: {value!r}")
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        raise ValueError(f"Header value must be latin-1 encodable: {value!r}") from None


class Headers(Mapping[str, str]):
    """Read-only, case-insensitive headers; ``[name]`` gives the first value."""

    __slots__ = ("_raw",)

    def __init__(self, raw: RawHeaders | None = None) -> None:
        self._raw: RawHeaders = raw if raw is not None else []

    @property
    def raw(self) -> RawHeaders:
        """The underlying ASGI list of ``(name, value)`` byte pairs."""
        return self._raw

    def __getitem__(self, key: str) -> str:
        name = key.lower().encode("latin-1")
        for k, v in self._raw:
            if k == name:
                return v.decode("latin-1")
        raise KeyError(key)

    @overload
    def get(self, key: str, /) -> str | None: ...
    @overload
    def get(self, key: str, default: str, /) -> str: ...
    @overload
    def get(self, key: str, default: _T, /) -> str | _T: ...

    def get(self, key: str, default: object = None, /) -> object:
        """The first value of header ``key``, or ``default``."""
        name = key.lower().encode("latin-1")
        for k, v in self._raw:
            if k == name:
                return v.decode("latin-1")
        return default

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        name = key.lower().encode("latin-1", "replace")
        return any(k == name for k, _ in self._raw)

    def getlist(self, key: str) -> list[str]:
        """Every value of header ``key``, in order."""
        name = key.lower().encode("latin-1")
        return [v.decode("latin-1") for k, v in self._raw if k == name]

    def multi_items(self) -> list[tuple[str, str]]:
        """All ``(name, value)`` pairs, repeated names included."""
        return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in self._raw]

    def __iter__(self) -> Iterator[str]:
        return iter({k.decode("latin-1"): None for k, _ in self._raw})

    def __len__(self) -> int:
        return len({k for k, _ in self._raw})

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Headers):
            return sorted(self._raw) == sorted(other._raw)
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.multi_items()!r})"


class MutableHeaders(Headers, MutableMapping[str, str]):
    """Editable headers that change the raw ASGI list in place.

    Names must be valid tokens and values must not contain CR, LF or NUL
    (``ValueError``), so a response can never smuggle a header.
    """

    __slots__ = ()

    def __init__(
        self, raw: RawHeaders | Mapping[str, str] | Iterable[tuple[str, str]] | None = None
    ) -> None:
        if raw is None or (isinstance(raw, list) and (not raw or isinstance(raw[0][0], bytes))):
            super().__init__(raw)
            return
        super().__init__([])
        pairs = raw.items() if isinstance(raw, Mapping) else raw
        for name, value in pairs:
            self.append(name, value)  # type: ignore[arg-type]

    def __setitem__(self, key: str, value: str) -> None:
        """Set ``key`` to one value, replacing every existing value."""
        name = encode_header_name(key)
        encoded = encode_header_value(value)
        raw = self._raw
        found = False
        i = 0
        while i < len(raw):
            if raw[i][0] == name:
                if found:
                    del raw[i]
                    continue
                raw[i] = (name, encoded)
                found = True
            i += 1
        if not found:
            raw.append((name, encoded))

    def __delitem__(self, key: str) -> None:
        name = key.lower().encode("latin-1")
        before = len(self._raw)
        self._raw[:] = [pair for pair in self._raw if pair[0] != name]
        if len(self._raw) == before:
            raise KeyError(key)

    def append(self, key: str, value: str) -> None:
        """Add a value for ``key`` without touching existing ones."""
        self._raw.append((encode_header_name(key), encode_header_value(value)))

    def setdefault(self, key: str, default: str = "") -> str:
        """Return the value of ``key``, setting it to ``default`` first if absent."""
        value = self.get(key)
        if value is None:
            self.append(key, default)
            return default
        return value

    def add_vary_header(self, value: str) -> None:
        """Add ``value`` to the ``Vary`` header unless it is already listed."""
        current = self.get("vary")
        if current is None:
            self["vary"] = value
            return
        listed = {v.strip().lower() for v in current.split(",")}
        if value.lower() not in listed:
            self["vary"] = f"{current}, {value}"
