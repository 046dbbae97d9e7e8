"""Strict ``application/x-www-form-urlencoded`` parsing (query strings and form bodies).

Unlike ``urllib.parse.parse_qsl``, a malformed ``%`` escape or bytes that are not
UTF-8 are an error (``HTTPException(400)``), not silently replaced.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import unquote_to_bytes

from heron.http.exceptions import HTTPException

__all__ = ["parse_urlencoded"]

_BAD_PERCENT: Final = re.compile(rb"%(?![0-9A-Fa-f]{2})")


def _decode(part: bytes, what: str) -> str:
    if b"%" in part or b"+" in part:
        part = part.replace(b"+", b" ")
        if _BAD_PERCENT.search(part):
            raise HTTPException(400, f"Invalid percent-encoding in {what}")
        part = unquote_to_bytes(part)
    try:
        return part.decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPException(400, f"Invalid UTF-8 in {what}") from None


def parse_urlencoded(data: bytes | str, what: str = "query string") -> list[tuple[str, str]]:
    """Split ``name=value&...`` into decoded pairs, keeping blank values and order.

    ``what`` names the input in the error message ("query string", "form body").
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not data:
        return []
    if data.isascii() and b"%" not in data and b"+" not in data:
        pairs = []
        for field in data.decode("ascii").split("&"):
            if field:
                name, _, value = field.partition("=")
                pairs.append((name, value))
        return pairs
    result = []
    for raw_field in data.split(b"&"):
        if raw_field:
            name_bytes, _, value_bytes = raw_field.partition(b"=")
            result.append((_decode(name_bytes, what), _decode(value_bytes, what)))
    return result
