"""The TechEmpower test types measured here: their URL, Accept header and expected response.

Two groups: `plaintext` and `json` (no database), and the four database types `db`,
`queries`, `fortunes` and `updates` (`shared/external/tfb/RULES.md`, sections 3 to 5).
A third group is Heron's own, not TechEmpower's: the JSON API types `api_post` (a validated
JSON body, a 201 response model), `api_list` (100 stored model objects through a response
model) and `api_rows` (100 stored plain dicts, validated into the response model).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

_ACCEPT_TAIL = "text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7"
JSON_ACCEPT = f"application/json,{_ACCEPT_TAIL}"
HTML_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
JSON_TYPE = re.compile(r"^application/json(; ?charset=(UTF|utf)-8)?$")
HTML_TYPE = re.compile(r"^text/html; ?charset=(UTF|utf)-8$")

BASIC = "basic"
DATABASE = "database"
API = "api"
LUA_DIR = Path(__file__).resolve().parent.parent / "lua"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A test type: the URL TFB is configured with, the level wrk loads, Accept, Content-Type.

    For the query-style types `url` ends with `?queries=` and the verifier appends its cases
    to it (`2`, `0`, `foo`, `501`, nothing); wrk loads `url + level`. A POST type names the
    JSON file it sends (`body`) and the wrk script that sends it (`script`), in benchmarks/lua/.
    """

    name: str
    url: str
    accept: str
    content_type: re.Pattern[str]
    group: str = BASIC
    level: str = ""
    title: str = ""
    method: str = "GET"
    body: str = ""
    script: str = ""

    @property
    def path(self) -> str:
        """The path wrk loads."""
        return self.url + self.level

    @property
    def label(self) -> str:
        """The column heading in the report."""
        return self.title or self.name

    def request_body(self) -> bytes | None:
        """The bytes this type sends as the request body (None for a GET)."""
        return (LUA_DIR / self.body).read_bytes() if self.body else None

    def body_problem(self, body: bytes) -> str | None:
        """Why `body` is not the canonical plaintext/JSON body, or None when it is."""
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
JSON = Endpoint("json", "/json", JSON_ACCEPT, JSON_TYPE, title="JSON")
DB = Endpoint("db", "/db", JSON_ACCEPT, JSON_TYPE, DATABASE, title="single query")
QUERIES = Endpoint(
    "queries", "/queries?queries=", JSON_ACCEPT, JSON_TYPE, DATABASE, "20", "20 queries"
)
FORTUNES = Endpoint("fortunes", "/fortunes", HTML_ACCEPT, HTML_TYPE, DATABASE)
UPDATES = Endpoint(
    "updates", "/updates?queries=", JSON_ACCEPT, JSON_TYPE, DATABASE, "20", "20 updates"
)
API_POST = Endpoint(
    "api_post",
    "/api/items",
    "application/json",
    JSON_TYPE,
    API,
    title="POST item",
    method="POST",
    body="item.json",
    script="post_json.lua",
)
API_LIST = Endpoint(
    "api_list", "/api/items", "application/json", JSON_TYPE, API, title="GET 100 items"
)
API_ROWS = Endpoint(
    "api_rows", "/api/rows", "application/json", JSON_TYPE, API, title="GET 100 rows"
)
TFB_ENDPOINTS = (PLAINTEXT, JSON, DB, QUERIES, FORTUNES, UPDATES)
ENDPOINTS = (*TFB_ENDPOINTS, API_POST, API_LIST, API_ROWS)
BY_NAME = {e.name: e for e in ENDPOINTS}
GROUPS = {
    group: tuple(e for e in ENDPOINTS if e.group == group) for group in (BASIC, DATABASE, API)
}
# Names standing for several types: `all` (the default) is every TechEmpower type.
ALIASES = {"all": TFB_ENDPOINTS, "api": GROUPS[API]}


def parse_types(spec: str) -> list[Endpoint]:
    """`plaintext,db,...` (or `all`, `api`) as endpoints in the canonical order; ValueError if
    a name is unknown."""
    names = {n.strip() for n in spec.split(",") if n.strip()} or {"all"}
    unknown = sorted(names - set(BY_NAME) - set(ALIASES))
    if unknown:
        known = ", ".join([*BY_NAME, *ALIASES])
        raise ValueError(f"unknown test type(s) {', '.join(unknown)} (known: {known})")
    chosen: set[Endpoint] = set()
    for name in names:
        chosen.update(ALIASES.get(name) or (BY_NAME[name],))
    return [e for e in ENDPOINTS if e in chosen]
