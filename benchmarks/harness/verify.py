"""Checks an app's responses the way the TechEmpower verifier does before it is benchmarked.

Per endpoint: status 200, `Server`, `Date` and `Content-Type` present, `Content-Length` or
`Transfer-Encoding`, a parseable and *fresh* `Date` (two requests some seconds apart must differ),
the Content-Type regex, and the exact canonical body. The database and JSON API types add their
own checks (`verify_db.py`, `verify_api.py`), passed in as `db_check` and `api_check`.
Failures refuse the cell; warnings don't.
"""

from __future__ import annotations

import http.client
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from harness.cells import HOST
from harness.endpoints import API, BASIC, DATABASE, Endpoint

Headers = list[tuple[str, str]]


@dataclass(slots=True)
class Verdict:
    """The outcome of verifying one cell."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    headers: dict[str, list[str]] = field(default_factory=dict)  # endpoint -> header names

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.problems

    def add(self, severity: str, message: str) -> None:
        """Record a "fail" as a problem, anything else as a warning."""
        (self.problems if severity == "fail" else self.warnings).append(message)

    @property
    def flagged(self) -> int:
        """Problems and warnings so far (a check E runs only while this has not grown)."""
        return len(self.problems) + len(self.warnings)


# Checks one database or JSON API endpoint into the verdict; returns the headers of its main
# response (for the Date freshness check), or None when no response came.
GroupCheck = Callable[[Endpoint, Verdict], Headers | None]


def fetch(
    port: int, method: str, path: str, accept: str, body: bytes | None = None
) -> tuple[int, Headers, bytes]:
    """One request (a body is sent as JSON); (status, headers, body)."""
    headers = {"Accept": accept, "User-Agent": "heron-bench"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn = http.client.HTTPConnection(HOST, port, timeout=15.0)
    try:
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.getheaders(), resp.read()
    finally:
        conn.close()


def get(port: int, path: str, accept: str) -> tuple[int, Headers, bytes]:
    """GET `path` with TechEmpower's Accept header; (status, headers, body)."""
    return fetch(port, "GET", path, accept)


def check_headers(endpoint: Endpoint, headers: Headers, v: Verdict, what: str = "") -> None:
    """Common check C without the freshness step: required headers, length, Content-Type."""
    name = what or endpoint.name
    lowered = [(k.lower(), val) for k, val in headers]
    names = [k for k, _ in lowered]
    v.headers.setdefault(endpoint.name, sorted(names))
    for required in ("server", "date", "content-type"):
        count = names.count(required)
        if count == 0:
            v.problems.append(f"{name}: no {required.title()} header")
        elif count > 1:
            v.warnings.append(f"{name}: {count} {required.title()} headers")
    if "content-length" not in names and "transfer-encoding" not in names:
        v.problems.append(f"{name}: neither Content-Length nor Transfer-Encoding")
    values = dict(lowered)
    ctype = values.get("content-type")
    if ctype is not None and not endpoint.content_type.match(ctype):
        v.problems.append(f"{name}: Content-Type {ctype!r} does not match the TFB pattern")
    date = values.get("date")
    if date is not None:
        try:
            time.strptime(date, "%a, %d %b %Y %H:%M:%S %Z")
        except ValueError:
            v.warnings.append(f"{name}: Date {date!r} does not parse")


def _check_basic(port: int, endpoint: Endpoint, v: Verdict) -> Headers | None:
    try:
        status, headers, body = get(port, endpoint.path, endpoint.accept)
    except (OSError, http.client.HTTPException) as exc:
        v.problems.append(f"{endpoint.name}: request failed: {exc!r}")
        return None
    if status != 200:
        v.problems.append(f"{endpoint.name}: status {status}, expected 200")
    check_headers(endpoint, headers, v)
    problem = endpoint.body_problem(body)
    if problem:
        v.problems.append(f"{endpoint.name}: {problem}")
    return headers


def verify(
    port: int,
    endpoints: list[Endpoint],
    freshness_wait: float = 2.1,
    db_check: GroupCheck | None = None,
    api_check: GroupCheck | None = None,
) -> Verdict:
    """Verify `endpoints` of the server on `port` (takes about `freshness_wait` seconds more)."""
    v = Verdict()
    first_dates: dict[str, str | None] = {}
    checks = {DATABASE: db_check, API: api_check}
    for endpoint in endpoints:
        check = checks.get(endpoint.group)
        if endpoint.group == BASIC:
            headers = _check_basic(port, endpoint, v)
        elif check is None:
            what = "database" if endpoint.group == DATABASE else "checker"
            v.problems.append(f"{endpoint.name}: no {what} to verify against")
            headers = None
        else:
            headers = check(endpoint, v)
        if headers is not None:
            first_dates[endpoint.name] = _date(headers)
    if not first_dates or freshness_wait <= 0:
        return v
    time.sleep(freshness_wait)
    for endpoint in endpoints:
        if endpoint.name not in first_dates:
            continue
        try:
            method, path, body = endpoint.method, endpoint.path, endpoint.request_body()
            _, headers, _ = fetch(port, method, path, endpoint.accept, body)
        except (OSError, http.client.HTTPException) as exc:
            v.problems.append(f"{endpoint.name}: second request failed: {exc!r}")
            continue
        if _date(headers) == first_dates[endpoint.name]:
            v.problems.append(
                f"{endpoint.name}: Date did not change after {freshness_wait}s (cached Date)"
            )
    return v


def _date(headers: list[tuple[str, str]]) -> str | None:
    for key, value in headers:
        if key.lower() == "date":
            return value
    return None


def header_mismatches(reference: Verdict, other: Verdict) -> list[str]:
    """Header names `other` sends that the raw app on the same server does not, or lacks."""
    notes: list[str] = []
    for endpoint, names in other.headers.items():
        ref = set(reference.headers.get(endpoint, []))
        extra = sorted(set(names) - ref)
        missing = sorted(ref - set(names))
        if extra:
            notes.append(f"{endpoint}: extra headers vs raw: {', '.join(extra)}")
        if missing:
            notes.append(f"{endpoint}: headers missing vs raw: {', '.join(missing)}")
    return notes
