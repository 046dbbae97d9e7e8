"""Checks an app's responses the way the TechEmpower verifier does before it is benchmarked.

Per endpoint: status 200, `Server`, `Date` and `Content-Type` present, `Content-Length` or
`Transfer-Encoding`, a parseable and *fresh* `Date` (two requests some seconds apart must differ),
the Content-Type regex, and the exact canonical body. Failures refuse the cell; warnings don't.
"""

from __future__ import annotations

import http.client
import time
from dataclasses import dataclass, field

from harness.cells import HOST
from harness.endpoints import ENDPOINTS, Endpoint


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


def _get(port: int, endpoint: Endpoint) -> tuple[int, list[tuple[str, str]], bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=10.0)
    try:
        conn.request(
            "GET", endpoint.path, headers={"Accept": endpoint.accept, "User-Agent": "heron-bench"}
        )
        resp = conn.getresponse()
        return resp.status, resp.getheaders(), resp.read()
    finally:
        conn.close()


def _check_one(
    endpoint: Endpoint, status: int, headers: list[tuple[str, str]], body: bytes, v: Verdict
) -> None:
    name = endpoint.name
    if status != 200:
        v.problems.append(f"{name}: status {status}, expected 200")
    lowered = [(k.lower(), val) for k, val in headers]
    names = [k for k, _ in lowered]
    v.headers[name] = sorted(names)
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
    problem = endpoint.body_problem(body)
    if problem:
        v.problems.append(f"{name}: {problem}")


def verify(port: int, freshness_wait: float = 2.1) -> Verdict:
    """Verify both endpoints of the server on `port` (takes about `freshness_wait` seconds)."""
    v = Verdict()
    first_dates: dict[str, str | None] = {}
    for endpoint in ENDPOINTS:
        try:
            status, headers, body = _get(port, endpoint)
        except (OSError, http.client.HTTPException) as exc:
            v.problems.append(f"{endpoint.name}: request failed: {exc!r}")
            continue
        _check_one(endpoint, status, headers, body, v)
        first_dates[endpoint.name] = _date(headers)
    if not first_dates or freshness_wait <= 0:
        return v
    time.sleep(freshness_wait)
    for endpoint in ENDPOINTS:
        if endpoint.name not in first_dates:
            continue
        try:
            _, headers, _ = _get(port, endpoint)
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
