"""The two TechEmpower test types measured here: their URL, Accept header and expected response."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

_ACCEPT_TAIL = "text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A test type: the path, the Accept header TFB sends, and the Content-Type regex it allows."""

    name: str
    path: str
    accept: str
    content_type: re.Pattern[str]

    def body_problem(self, body: bytes) -> str | None:
        """Why `body` is not the canonical body, or None when it is."""
        if self.name == "plaintext":
            if body != b"Hello, World!":
                return f"body is {body[:80]!r}, expected b'Hello, World!'"
            return None
        try:
            value = json.loads(body)
        except ValueError as exc:
            return f"body is not JSON ({exc}): {body[:80]!r}"
        if value != {"message": "Hello, World!"}:
            return f'body is {value!r}, expected {{"message": "Hello, World!"}}'
        return None


PLAINTEXT = Endpoint(
    "plaintext",
    "/plaintext",
    f"text/plain,{_ACCEPT_TAIL}",
    re.compile(r"^text/plain(; ?charset=(UTF|utf)-8)?$"),
)
JSON = Endpoint(
    "json",
    "/json",
    f"application/json,{_ACCEPT_TAIL}",
    re.compile(r"^application/json(; ?charset=(UTF|utf)-8)?$"),
)
ENDPOINTS = (PLAINTEXT, JSON)
