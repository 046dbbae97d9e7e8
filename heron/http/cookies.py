"""Cookie parsing (``Cookie`` request header) and ``Set-Cookie`` value building.

Values made only of RFC 6265 cookie-octets are sent as they are; any other
printable value is sent as a quoted string with ``\\"``, ``\\\\`` and octal
``\\ooo`` escapes (for UTF-8 bytes, ``;`` and ``,``), the convention Python's
``http.cookies`` also reads, and :func:`parse_cookie_header` undoes it. Control
characters (CR, LF included) are refused with ``ValueError`` everywhere.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Literal

__all__ = ["SameSite", "build_set_cookie", "parse_cookie_header"]

SameSite = Literal["lax", "strict", "none"]

_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_OCTETS = re.compile(r"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ATTRIBUTE_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f;]")
_ESCAPE = re.compile(r"\\(?:([0-3][0-7][0-7])|(.))", re.DOTALL)
_SAMESITE = {"lax": "Lax", "strict": "Strict", "none": "None"}


def _quote(value: str) -> str:
    if _OCTETS.fullmatch(value):
        return value
    if _CONTROL.search(value):
        raise ValueError(f"Cookie value must not contain control characters: {value!r}")
    out = []
    for byte in value.encode("utf-8"):
        if byte in (0x22, 0x5C):
            out.append("\\" + chr(byte))
        elif 0x20 <= byte < 0x7F and byte not in (0x2C, 0x3B):
            out.append(chr(byte))
        else:
            out.append(f"\\{byte:03o}")
    return '"' + "".join(out) + '"'


def _unquote(value: str) -> str:
    if len(value) < 2 or value[0] != '"' or value[-1] != '"':
        return value
    inner = value[1:-1]
    if "\\" not in inner:
        return inner
    data = bytearray()
    pos = 0
    for match in _ESCAPE.finditer(inner):
        data += inner[pos : match.start()].encode("utf-8")
        octal, char = match.groups()
        data += bytes([int(octal, 8)]) if octal else char.encode("utf-8")
        pos = match.end()
    data += inner[pos:].encode("utf-8")
    return data.decode("utf-8", "replace")


def parse_cookie_header(header: str) -> dict[str, str]:
    """Parse a ``Cookie`` header into ``{name: value}``; the first of repeated names wins.

    Malformed pieces (no ``=``) are skipped rather than failing the request.
    """
    cookies: dict[str, str] = {}
    for piece in header.split(";"):
        name, sep, value = piece.partition("=")
        if not sep:
            continue
        name = name.strip()
        if name and name not in cookies:
            cookies[name] = _unquote(value.strip())
    return cookies


def _attribute(label: str, value: str) -> str:
    if _ATTRIBUTE_FORBIDDEN.search(value):
        raise ValueError(f"Cookie {label} must not contain ';' or control characters: {value!r}")
    return value


def build_set_cookie(
    key: str,
    value: str = "",
    *,
    max_age: int | timedelta | None = None,
    expires: datetime | int | str | None = None,
    path: str | None = "/",
    domain: str | None = None,
    secure: bool = False,
    httponly: bool = True,
    samesite: SameSite | None = "lax",
) -> str:
    """Return a ``Set-Cookie`` header value; invalid pieces raise ``ValueError``.

    ``expires`` is a datetime (naive means UTC), seconds from now, or a
    preformatted HTTP date string.
    """
    if not _NAME.fullmatch(key):
        raise ValueError(f"Invalid cookie name: {key!r}")
    parts = [f"{key}={_quote(value)}"]
    if max_age is not None:
        seconds = int(max_age.total_seconds()) if isinstance(max_age, timedelta) else max_age
        parts.append(f"Max-Age={int(seconds)}")
    if expires is not None:
        if isinstance(expires, int):
            expires = datetime.now(UTC) + timedelta(seconds=expires)
        if isinstance(expires, datetime):
            when = expires if expires.tzinfo else expires.replace(tzinfo=UTC)
            expires = format_datetime(when.astimezone(UTC), usegmt=True)
        parts.append("Expires=" + _attribute("expires", expires))
    if domain is not None:
        parts.append("Domain=" + _attribute("domain", domain))
    if path is not None:
        parts.append("Path=" + _attribute("path", path))
    if secure:
        parts.append("Secure")
    if httponly:
        parts.append("HttpOnly")
    if samesite is not None:
        try:
            parts.append("SameSite=" + _SAMESITE[samesite.lower()])
        except KeyError:
            message = f"samesite must be 'lax', 'strict' or 'none', not {samesite!r}"
            raise ValueError(message) from None
    return "; ".join(parts)
