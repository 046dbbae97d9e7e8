"""Verification of the database test types, following `shared/external/tfb/RULES.md`.

- db (section 3): a World object (an array is tolerated with a warning), status 200, headers.
- queries and updates (section 4): the cases `2`, `0`, `foo`, `501` and nothing, each with
  its expected array length and severity, then the bare URL; updates also snapshot the
  World tables before the first case and after `501` and count the rows that changed.
- fortunes (section 5): the page, normalised like TechEmpower's parser does, must equal
  `tfb/fortunes_expected.html`; then the html Content-Type (charset required).
- check E: 512 one-shot requests at once, then the database's counters must show at least
  the queries and rows that many requests need (one query per row: `IN (...)` batching
  fails). Counted with pg_stat_statements when the server has it loaded, else with table
  statistics (see `database.QueryCounter`). Each burst runs against a fresh server that is
  stopped before the counters are read, so every backend has published its statistics.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import psycopg

from harness.burst import burst
from harness.database import DatabaseError, QueryCounter, changed_rows, connect, world_snapshot
from harness.endpoints import Endpoint
from harness.tfb_checks import FAIL, WARN, fortunes_problems, world_issues
from harness.verify import Headers, Verdict, check_headers, get

# (value appended to the URL, severity of a wrong answer, expected array length)
CASES = (("2", FAIL, 2), ("0", FAIL, 1), ("foo", FAIL, 1), ("501", WARN, 500), ("", FAIL, 1))
BURST = 512  # TechEmpower's highest concurrency, one request each
QUERY_LEVEL = 20  # what the count step of queries and updates appends

# Starts a fresh server of the cell being verified (stopped when the context exits).
Serve = Callable[[], AbstractContextManager[object]]


@dataclass(frozen=True, slots=True)
class _PendingCount:
    endpoint: Endpoint
    path: str


class DbVerifier:
    """Checks the database endpoints of the server on `port` (a `verify.GroupCheck`).

    Call it for each endpoint while the cell's server runs, then `run_counts` once that
    server has stopped: the query-count checks need servers of their own.
    """

    def __init__(self, port: int, conn: psycopg.Connection[Any]) -> None:
        self.port = port
        self.conn = conn
        self.counter = QueryCounter(conn)
        self.pending: list[_PendingCount] = []

    def __call__(self, endpoint: Endpoint, v: Verdict) -> Headers | None:
        """Verify one database endpoint into `v`; the headers of its first response."""
        try:
            if endpoint.name == "db":
                return self._single(endpoint, v)
            if endpoint.name == "fortunes":
                return self._fortunes(endpoint, v)
            return self._cases(endpoint, v, updates=endpoint.name == "updates")
        except (OSError, http.client.HTTPException) as exc:
            v.problems.append(f"{endpoint.name}: request failed: {exc!r}")
        except psycopg.Error as exc:
            v.problems.append(f"{endpoint.name}: reading the database failed: {exc}")
        return None

    def _get(self, endpoint: Endpoint, path: str) -> tuple[int, Headers, bytes]:
        return get(self.port, path, endpoint.accept)

    def _single(self, endpoint: Endpoint, v: Verdict) -> Headers:
        flagged = v.flagged
        status, headers, body = self._get(endpoint, endpoint.path)
        value = _json(endpoint.name, body, v)
        if value is not None:
            if isinstance(value, list):
                v.warnings.append("db: the body is an array, not an object")
                if not value:
                    v.problems.append("db: the body is an empty array")
                value = value[0] if value else {}
            for severity, message in world_issues(value):
                v.add(severity, f"db: {message}")
        if status != 200:
            v.problems.append(f"db: status {status}, expected 200")
        check_headers(endpoint, headers, v)
        if v.flagged == flagged:
            self.pending.append(_PendingCount(endpoint, endpoint.path))
        return headers

    def _fortunes(self, endpoint: Endpoint, v: Verdict) -> Headers:
        flagged = v.flagged
        _, headers, body = self._get(endpoint, endpoint.path)  # fortune never checks status
        if not body:
            v.problems.append("fortunes: empty body")
            return headers
        problems = fortunes_problems(body)
        v.problems += [f"fortunes: {p}" for p in problems]
        if not problems:
            check_headers(endpoint, headers, v)
        if v.flagged == flagged:
            self.pending.append(_PendingCount(endpoint, endpoint.path))
        return headers

    def _cases(self, endpoint: Endpoint, v: Verdict, *, updates: bool) -> Headers:
        name = endpoint.name
        before = _snapshot() if updates else None
        first: Headers | None = None
        for value, severity, expected in CASES:
            _, headers, body = self._get(endpoint, endpoint.url + value)
            first = first or headers
            what = f"{name} (queries={value})"
            parsed = _json(what, body, v)
            if parsed is not None:
                _check_array(what, parsed, severity, expected, v)
            check_headers(endpoint, headers, v, what)
            if updates and value == "501" and before is not None:
                _check_changed(changed_rows(before, _snapshot()), v)
        self.pending.append(_PendingCount(endpoint, f"{endpoint.url}{QUERY_LEVEL}"))
        status, headers, _ = self._get(endpoint, endpoint.url)
        if status != 200:
            v.problems.append(f"{name} (bare URL {endpoint.url}): status {status}, expected 200")
        check_headers(endpoint, headers, v, f"{name} (bare URL)")
        return first or headers

    def run_counts(self, v: Verdict, serve: Serve) -> None:
        """Run the query-count checks the endpoints asked for, each on a fresh server."""
        pending, self.pending = self.pending, []
        for item in pending:
            try:
                self._count(item.endpoint, item.path, v, serve)
            except (DatabaseError, psycopg.Error) as exc:
                v.problems.append(f"{item.endpoint.name}: counting queries failed: {exc}")

    def _count(self, endpoint: Endpoint, path: str, v: Verdict, serve: Serve) -> None:
        """Check E: a burst of requests, then the counters of the table it reads."""
        table = "fortune" if endpoint.name == "fortunes" else "world"
        self.counter.wait_quiet()
        start = self.counter.read(table)
        with serve():
            result = burst(self.port, path, endpoint.accept, BURST)
        self.counter.wait_quiet()
        delta = self.counter.read(table) - start
        if result.failures:
            v.problems.append(
                f"{endpoint.name}: {len(result.failures)} of {BURST} requests of the query-count "
                f"burst failed (first: {result.failures[0]})"
            )
        rows = QUERY_LEVEL * BURST
        if endpoint.name == "db":
            expected = {"queries": BURST, "rows read": BURST}
        elif endpoint.name == "fortunes":
            expected = {"queries": BURST, "rows read": 12 * BURST}
        elif endpoint.name == "queries":
            expected = {"queries": rows, "rows read": rows}
        else:
            expected = self._update_expectations(delta.queries, rows)
        got = {"queries": delta.queries, "rows read": delta.rows_read}
        got["rows updated"] = delta.rows_updated
        how = self.counter.mode
        for key, want in expected.items():
            have = got[key]
            if have < want:
                v.problems.append(
                    f"{endpoint.name}: {have:,} {key} for {BURST} requests of {path}, expected "
                    f"at least {want:,} ({how})"
                )
            elif have > 1.05 * want and (self.counter.exact or endpoint.name != "updates"):
                v.warnings.append(
                    f"{endpoint.name}: {have:,} {key} for {BURST} requests of {path}, more than "
                    f"5% over {want:,} ({how})"
                )

        batchable = endpoint.name in ("queries", "updates")
        if not self.counter.exact and batchable and delta.transactions < rows:
            v.warnings.append(
                f"{endpoint.name}: {delta.transactions:,} transactions for {BURST} requests "
                f"of {path}, fewer than the {rows:,} queries expected: either the queries "
                "are batched (`IN (...)`, which TechEmpower fails) or each request runs "
                "them in one transaction; table statistics cannot tell which"
            )

    def _update_expectations(self, queries: int, rows: int) -> dict[str, int]:
        """Queries / rows read / rows updated an update burst must reach (RULES.md, check E).

        With statement counts: bulk (20 selects + 1 update per request) when the count is
        within 0.1 % of that, else 20 selects + 20 updates; a bulk run may update up to 5 %
        fewer rows (merged duplicates). With table statistics an UPDATE is one scan or many
        depending on its plan, so only the selects plus one statement per request are
        required, and the bulk allowance always applies.
        """
        bulk = rows + BURST
        if self.counter.exact:
            is_bulk = abs(queries - bulk) <= 0.001 * bulk
            want_queries = bulk if is_bulk else 2 * rows
        else:
            is_bulk, want_queries = True, bulk
        updated = int(rows / 1.05) if is_bulk else rows
        return {"queries": want_queries, "rows read": rows, "rows updated": updated}


def _snapshot() -> dict[str, dict[int, int]]:
    """Both World tables, read on a connection of its own so its statistics are published
    (when it closes) before any query count starts."""
    with connect() as conn:
        return world_snapshot(conn)


def _json(what: str, body: bytes, v: Verdict) -> Any:
    """Check A: a non-empty body that parses as JSON (always a fail otherwise)."""
    if not body:
        v.problems.append(f"{what}: empty body")
        return None
    try:
        return json.loads(body)
    except ValueError as exc:
        v.problems.append(f"{what}: body is not JSON ({exc}): {body[:60]!r}")
        return None


def _check_array(what: str, value: Any, severity: str, expected: int, v: Verdict) -> None:
    if isinstance(value, dict):
        v.add(severity, f"{what}: top-level JSON is an object, not an array")
        value = [value]
    elif not isinstance(value, list):
        v.add(severity, f"{what}: top-level JSON is {type(value).__name__}, not an array")
        return
    if len(value) != expected:
        v.add(severity, f"{what}: {len(value)} objects, expected {expected}")
    bad = 0
    for element in value:
        issues = world_issues(element)
        for issue_severity, message in issues:
            v.add(severity if issue_severity == FAIL else WARN, f"{what}: {message}")
        bad += bool(issues)
        if bad >= 5:
            break


def _check_changed(changed: int, v: Verdict) -> None:
    """Section 4b: rows changed after the `501` case (and the cases before it)."""
    if changed <= 450:
        v.problems.append(f"updates: only {changed} World rows changed after queries=501")
    elif changed <= 475:
        v.warnings.append(f"updates: only {changed} World rows changed after queries=501")
