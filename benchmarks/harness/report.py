"""Turns the runs into medians and ratios, and renders them as Markdown and JSON."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from harness.cells import Cell, reference_key
from harness.endpoints import API, BASIC, DATABASE, Endpoint
from harness.load import LoadResult
from harness.verify import Verdict

TIMES = "\u00d7"  # the multiplication sign, for "x raw"


@dataclass(slots=True)
class CellOutcome:
    """Everything measured about one cell across the run."""

    cell: Cell
    endpoints: tuple[Endpoint, ...] = ()  # the test types run on this cell
    verdict: Verdict | None = None
    runs: dict[str, list[LoadResult]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def median(self, endpoint: str) -> float | None:
        """Median req/s over the runs of `endpoint`, or None when none succeeded."""
        values = [r.rps for r in self.runs.get(endpoint, [])]
        return statistics.median(values) if values else None

    def spread(self, endpoint: str) -> float | None:
        """Half the min-max range over the runs, relative to the median."""
        values = [r.rps for r in self.runs.get(endpoint, [])]
        med = self.median(endpoint)
        if not values or not med:
            return None
        return (max(values) - min(values)) / 2 / med

    def bad_responses(self, endpoint: str) -> int:
        """Non-2xx responses plus socket errors summed over the runs."""
        return sum(r.non_2xx + r.errors for r in self.runs.get(endpoint, []))


def ratio(outcome: CellOutcome, outcomes: dict[str, CellOutcome], endpoint: str) -> float | None:
    """The cell's median divided by its reference raw cell's median."""
    ref_key = reference_key(outcome.cell, set(outcomes))
    mine = outcome.median(endpoint)
    if ref_key is None or mine is None:
        return None
    ref = outcomes[ref_key].median(endpoint)
    return mine / ref if ref else None


def _fmt_rps(outcome: CellOutcome, endpoint: str) -> str:
    med = outcome.median(endpoint)
    if med is None:
        return "—"
    spread = outcome.spread(endpoint) or 0.0
    mark = " †" if outcome.bad_responses(endpoint) else ""
    return f"{med:,.0f} ±{spread * 100:.0f}%{mark}"


def _fmt_ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


_SECTIONS = ((BASIC, "Plaintext and JSON"), (DATABASE, "Database test types"), (API, "JSON API"))
# (cell's app, the app it is divided by, heading): ratios printed under the group's table.
HEAD_TO_HEAD = {API: (("heron-api", "fastapi-api", "Heron \u00f7 FastAPI"),)}


def head_to_head(outcomes: dict[str, CellOutcome], group: str) -> list[dict[str, Any]]:
    """The group's head-to-head ratios on each server where both apps ran."""
    found: list[dict[str, Any]] = []
    for mine, theirs, title in HEAD_TO_HEAD.get(group, ()):
        for key, outcome in outcomes.items():
            if outcome.cell.app.name != mine:
                continue
            other = outcomes.get(f"{theirs}@{outcome.cell.server.name}")
            if other is None:
                continue
            ratios = {}
            for endpoint in outcome.endpoints:
                a, b = outcome.median(endpoint.name), other.median(endpoint.name)
                if a is not None and b:
                    ratios[endpoint.name] = a / b
            if ratios:
                found.append({"title": title, "cells": [key, other.cell.key], "ratios": ratios})
    return found


def _head_to_head_lines(outcomes: dict[str, CellOutcome], group: str) -> list[str]:
    labels = {e.name: e.label for o in outcomes.values() for e in o.endpoints}
    lines = []
    for entry in head_to_head(outcomes, group):
        server = entry["cells"][0].partition("@")[2]
        ratios = ", ".join(f"{labels[n]} {r:.2f}" for n, r in entry["ratios"].items())
        lines.append(f"{entry['title']} ({server}): {ratios}.")
    return lines


def _table(outcomes: dict[str, CellOutcome], group: str) -> list[str]:
    """One results table: the cells of `group` that ran, a req/s and ratio column per type."""
    rows = [o for o in outcomes.values() if o.runs and o.cell.app.group == group]
    endpoints: list[Endpoint] = []
    for o in rows:
        endpoints += [e for e in o.endpoints if e not in endpoints]
    if not rows or not endpoints:
        return []
    head = "| framework | server | " + "".join(
        f"{e.label} req/s | {TIMES} raw | " for e in endpoints
    )
    p99 = " / ".join(e.label for e in endpoints)
    lines = [
        head + f"p99 ms ({p99}) |",
        "| --- | --- | " + "---: | ---: | " * len(endpoints) + "---: |",
    ]
    for outcome in rows:
        cols = [outcome.cell.app.label, outcome.cell.server.name]
        for endpoint in endpoints:
            cols += [
                _fmt_rps(outcome, endpoint.name),
                _fmt_ratio(ratio(outcome, outcomes, endpoint.name)),
            ]
        cols.append(" / ".join(_p99(outcome, e.name) for e in endpoints))
        lines.append("| " + " | ".join(cols) + " |")
    return lines


def render_markdown(outcomes: dict[str, CellOutcome], meta: dict[str, Any]) -> str:
    """The results tables plus what was not benchmarked and why, as Markdown."""
    s = meta["settings"]
    groups = {o.cell.app.group for o in outcomes.values()}
    kinds = ["TechEmpower"] if groups - {API} or not groups else []
    kinds += ["JSON API"] if API in groups else []
    lines = [
        f"# Heron benchmarks: {' and '.join(kinds)} test types",
        "",
        f"{meta['started']} · {meta['cpu']} · Python {meta['python']} · "
        f"`wrk -t{s['threads']} -c{s['connections']} -d{s['duration']:g}s` "
        f"after a {s['warmup']:g}s warm-up per endpoint · {s['runs']} run(s) per cell, "
        f"interleaved · server on core {s['server_cpu']}, wrk on core {s['client_cpu']} · "
        f"load average at start {meta['loadavg']}",
    ]
    if meta.get("database"):
        lines += ["", f"Database: {meta['database']}."]
    for group, title in _SECTIONS:
        table = _table(outcomes, group)
        if table:
            lines += ["", f"## {title}", "", *table]
            extra = _head_to_head_lines(outcomes, group)
            if extra:
                lines += ["", *extra]
    lines += [
        "",
        "req/s: median over the runs; ± is half the min-max range, relative to the median. "
        f"{TIMES} raw: median req/s divided by the raw ASGI app's on the same server "
        "(for gunicorn rows, the raw ASGI app on uvicorn); for the database types the "
        "raw ASGI app on asyncpg, for the JSON API types the raw ASGI app validating with "
        "pydantic. "
        "† some responses were non-2xx or wrk counted socket errors (see the JSON).",
    ]
    skipped = [o for o in outcomes.values() if not o.runs]
    if skipped:
        lines += ["", "## Not benchmarked", ""]
        for o in skipped:
            why = "; ".join((o.verdict.problems if o.verdict else []) + o.failures) or "no run"
            lines.append(f"- `{o.cell.key}`: {why}")
    notes = [
        (o.cell.key, n)
        for o in outcomes.values()
        for n in (o.verdict.warnings if o.verdict else [])
        + o.notes
        + (o.failures if o.runs else [])
    ]
    if notes:
        lines += ["", "## Notes", ""] + [f"- `{key}`: {n}" for key, n in notes]
    lines += ["", "## Servers", ""] + [f"- {d}" for d in meta["servers"]]
    versions = ", ".join(f"{k} {v}" for k, v in meta["versions"].items())
    lines += ["", f"Versions: {versions}.", ""]
    return "\n".join(lines)


def _p99(outcome: CellOutcome, endpoint: str) -> str:
    runs = outcome.runs.get(endpoint, [])
    return f"{statistics.median(r.p99_ms for r in runs):.1f}" if runs else "—"


def to_json(outcomes: dict[str, CellOutcome], meta: dict[str, Any]) -> dict[str, Any]:
    """The full results (every run) as a JSON-ready dict."""
    cells = []
    for key, o in outcomes.items():
        entry: dict[str, Any] = {
            "cell": key,
            "app": o.cell.app.name,
            "server": o.cell.server.name,
            "reference": reference_key(o.cell, set(outcomes)),
            "verified": o.verdict.ok if o.verdict else False,
            "problems": o.verdict.problems if o.verdict else [],
            "warnings": (o.verdict.warnings if o.verdict else []) + o.notes,
            "failures": o.failures,
            "headers": o.verdict.headers if o.verdict else {},
        }
        for endpoint in o.endpoints:
            name = endpoint.name
            entry[name] = {
                "median_rps": o.median(name),
                "ratio_to_raw": ratio(o, outcomes, name),
                "spread": o.spread(name),
                "runs": [r.to_json() for r in o.runs.get(name, [])],
            }
        cells.append(entry)
    comparisons = [entry for group, _ in _SECTIONS for entry in head_to_head(outcomes, group)]
    return {"meta": meta, "cells": cells, "head_to_head": comparisons}
