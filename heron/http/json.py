"""JSON encoding and decoding through orjson, extended for common Python types.

orjson handles ``datetime``, ``date``, ``time``, ``UUID``, enums and dataclasses
natively; ``Decimal`` becomes a string (no precision lost), sets become lists,
pydantic models (duck-typed on ``model_dump``) become their JSON-mode dump, objects
with a ``__json__()`` method (Heron models) what it returns, and
``os.PathLike`` objects become strings. Dict keys may be ints, floats, enums,
UUIDs and dates as well as strings.
"""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

import orjson

__all__ = ["JSONDecodeError", "dumps", "loads"]

JSONDecodeError = orjson.JSONDecodeError

_OPTIONS = orjson.OPT_NON_STR_KEYS


def _default(obj: Any) -> Any:
    """Convert what orjson does not know natively; raise ``TypeError`` otherwise."""
    if isinstance(obj, Decimal):
        return str(obj)
    to_json = getattr(obj, "__json__", None)
    if to_json is not None and callable(to_json):
        return to_json()
    model_dump = getattr(obj, "model_dump", None)
    if model_dump is not None and callable(model_dump):
        return model_dump(mode="json")
    if isinstance(obj, set | frozenset):
        return list(obj)
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def dumps(obj: Any) -> bytes:
    """Serialise ``obj`` to compact UTF-8 JSON bytes."""
    return orjson.dumps(obj, default=_default, option=_OPTIONS)


def loads(data: bytes | bytearray | memoryview | str) -> Any:
    """Parse JSON; raises ``JSONDecodeError`` (a ``ValueError``) with line/column."""
    return orjson.loads(data)
