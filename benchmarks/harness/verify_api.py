"""Verification of the JSON API test types (`api_post`, `api_list`, `api_rows`), before timing.

- api_post: the body wrk sends (`lua/item.json`) must come back with status 201 as the same
  item plus an integer `id` and `total_value` (price * quantity, rounded to cents), nothing
  else; then each of a few invalid bodies (one broken rule each) must get a 422.
- api_list, api_rows: status 200 and exactly the 100 stored items of `apps/api_data.py`.

Values are compared after parsing, so `2026-01-01T01:00:01Z` and `...+00:00` are the same
time, and both need the usual headers (`verify.check_headers`).
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import importlib.util
import json
from datetime import datetime
from types import ModuleType
from typing import Any

from harness.cells import APPS_DIR
from harness.endpoints import Endpoint
from harness.verify import Headers, Verdict, check_headers, fetch

_DATETIME_FIELDS = ("created_at",)
_COMPUTED = ("id", "total_value")


@functools.cache
def _api_data() -> ModuleType:
    """`apps/api_data.py`, the apps' own data, loaded by path (apps/ is not a package)."""
    spec = importlib.util.spec_from_file_location("bench_api_data", APPS_DIR / "api_data.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def invalid_bodies(item: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Bodies that break one validation rule each, by what they break."""
    data = _api_data()
    without_price = {k: v for k, v in item.items() if k != "price"}
    return {
        "name too long": {**item, "name": "x" * (data.NAME_MAX + 1)},
        "quantity above its bound": {**item, "quantity": data.QUANTITY_MAX + 1},
        "price missing": without_price,
        "category not allowed": {**item, "category": "food"},
        "owner_email not an address": {**item, "owner_email": "not-an-address"},
        "too many tags": {**item, "tags": [f"t{i}" for i in range(data.TAGS_MAX + 1)]},
        "nested width not positive": {**item, "dimensions": {**item["dimensions"], "width": 0}},
        "in_stock not a boolean": {**item, "in_stock": [1]},
    }


def normalised(item: dict[str, Any]) -> dict[str, Any]:
    """`item` with its datetimes parsed (a JSON string or a datetime), for comparison."""
    out = dict(item)
    for name in _DATETIME_FIELDS:
        value = out.get(name)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                out[name] = datetime.fromisoformat(value)
    return out


def item_problems(got: Any, expected: dict[str, Any]) -> list[str]:
    """How one returned item differs from the expected one (keys, then values)."""
    if not isinstance(got, dict):
        return [f"an item is {type(got).__name__}, not an object"]
    problems: list[str] = []
    missing = sorted(expected.keys() - got.keys())
    extra = sorted(got.keys() - expected.keys())
    if missing:
        problems.append(f"fields missing: {', '.join(missing)}")
    if extra:
        problems.append(f"unexpected fields: {', '.join(extra)}")
    got, expected = normalised(got), normalised(expected)
    for name in sorted(expected.keys() & got.keys()):
        if got[name] != expected[name]:
            problems.append(f"{name} is {got[name]!r}, expected {expected[name]!r}")
    return problems


class ApiVerifier:
    """Checks the JSON API endpoints of the server on `port` (a `verify.GroupCheck`)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.rows: list[dict[str, Any]] = _api_data().ROWS

    def __call__(self, endpoint: Endpoint, v: Verdict) -> Headers | None:
        """Verify one JSON API endpoint into `v`; the headers of its main response."""
        try:
            if endpoint.method == "POST":
                return self._post(endpoint, v)
            return self._list(endpoint, v)
        except (OSError, http.client.HTTPException) as exc:
            v.problems.append(f"{endpoint.name}: request failed: {exc!r}")
        return None

    def _json(self, endpoint: Endpoint, body: bytes, v: Verdict) -> Any:
        try:
            return json.loads(body)
        except ValueError as exc:
            v.problems.append(f"{endpoint.name}: body is not JSON ({exc}): {body[:80]!r}")
            return None

    def _post(self, endpoint: Endpoint, v: Verdict) -> Headers:
        sent = endpoint.request_body()
        assert sent is not None
        status, headers, body = fetch(self.port, "POST", endpoint.path, endpoint.accept, sent)
        if status != 201:
            v.problems.append(f"{endpoint.name}: status {status}, expected 201: {body[:120]!r}")
        check_headers(endpoint, headers, v)
        item = json.loads(sent)
        got = self._json(endpoint, body, v)
        if got is not None:
            identifier = got.get("id") if isinstance(got, dict) else None
            if type(identifier) is not int:
                v.problems.append(f"{endpoint.name}: id is {identifier!r}, expected an integer")
            total = _api_data().total_value(item["price"], item["quantity"])
            expected = {**item, "id": identifier, "total_value": total}
            v.problems += [f"{endpoint.name}: {p}" for p in item_problems(got, expected)]
        for what, bad in invalid_bodies(item).items():
            payload = json.dumps(bad).encode()
            status, _, body = fetch(self.port, "POST", endpoint.path, endpoint.accept, payload)
            if status != 422:
                v.problems.append(
                    f"{endpoint.name}: a body with {what} got {status}, expected 422: {body[:80]!r}"
                )
        return headers

    def _list(self, endpoint: Endpoint, v: Verdict) -> Headers:
        status, headers, body = fetch(self.port, "GET", endpoint.path, endpoint.accept)
        if status != 200:
            v.problems.append(f"{endpoint.name}: status {status}, expected 200")
        check_headers(endpoint, headers, v)
        got = self._json(endpoint, body, v)
        if got is None:
            return headers
        if not isinstance(got, list) or len(got) != len(self.rows):
            size = len(got) if isinstance(got, list) else type(got).__name__
            v.problems.append(f"{endpoint.name}: {size} items, expected a list of {len(self.rows)}")
            return headers
        for index, (item, row) in enumerate(zip(got, self.rows, strict=True)):
            problems = item_problems(item, row)
            if problems:
                v.problems.append(f"{endpoint.name}: item {index}: {'; '.join(problems[:3])}")
                break
        return headers
