"""Collects the workers' results and renders medians and ratios to the raw driver as Markdown."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from adapters import RAW_DRIVERS, Variant

TIMES = "\u00d7"
OP_TITLES = {
    "get": "get by pk",
    "fetch": "fetch 1,000",
    "fetch_related": "1,000 + author",
    "bulk_create": "bulk_create 10,000",
    "insert": "insert one",
    "update": "update one",
    "count": "count filter",
    "concurrent": "64 tasks: get",
}
ALL_OPS = list(OP_TITLES)


@dataclass
class Outcome:
    """One variant on one database over the whole run."""

    variant: Variant
    runs: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    unavailable: str | None = None

    def add(self, result: dict[str, Any]) -> None:
        """Record one worker's result."""
        if result.get("unavailable"):
            self.unavailable = result["unavailable"]
        for op, value in result.get("ops", {}).items():
            self.runs.setdefault(op, []).append(value)
        for op, message in result.get("errors", {}).items():
            self.errors.setdefault(op, message)

    def median(self, op: str) -> float | None:
        """Median ops/s over the runs, or None."""
        values = self.runs.get(op)
        return statistics.median(values) if values else None

    def spread(self, op: str) -> float | None:
        """Half the min-max range over the runs, relative to the median."""
        values, med = self.runs.get(op), self.median(op)
        if not values or len(values) < 2 or not med:
            return None
        return (max(values) - min(values)) / 2 / med


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _label(outcome: Outcome, vendor: str) -> str:
    v = outcome.variant
    if v.orm == "raw":
        return f"**{RAW_DRIVERS[(vendor, v.mode)]}** (raw)"
    return v.label


def _cell(outcome: Outcome, ceiling: Outcome | None, op: str) -> str:
    med = outcome.median(op)
    if med is None:
        return "failed" if op in outcome.errors else "—"
    ref = ceiling.median(op) if ceiling is not None else None
    if outcome.variant.orm == "raw" or not ref:
        return _number(med)
    return f"{_number(med)} ({med / ref:.2f}{TIMES})"


def render_database(title: str, vendor: str, outcomes: list[Outcome], ops: list[str]) -> str:
    """One database's table, then what could not be measured and the spread of the runs."""
    ceilings = {o.variant.mode: o for o in outcomes if o.variant.orm == "raw"}
    lines = [f"### {title}", ""]
    lines.append("| ORM | mode | " + " | ".join(OP_TITLES[op] for op in ops) + " |")
    lines.append("| --- | --- | " + " | ".join("---:" for _ in ops) + " |")
    for outcome in outcomes:
        ceiling = ceilings.get(outcome.variant.mode)
        cells = []
        for op in ops:
            sync_concurrent = op == "concurrent" and not outcome.variant.is_async
            cells.append("" if sync_concurrent else _cell(outcome, ceiling, op))
        lines.append(
            f"| {_label(outcome, vendor)} | {outcome.variant.mode} | " + " | ".join(cells) + " |"
        )
    notes = []
    for outcome in outcomes:
        name = f"{_label(outcome, vendor)} ({outcome.variant.mode})"
        if outcome.unavailable:
            notes.append(f"- {name}: unavailable: `{outcome.unavailable}`")
        for op, message in outcome.errors.items():
            notes.append(f"- {name}, {OP_TITLES.get(op, op)}: failed: `{message}`")
    if notes:
        lines += ["", "Not measured:", "", *notes]
    spreads = [s for o in outcomes for op in ops if (s := o.spread(op)) is not None]
    if spreads:
        lines += [
            "",
            f"Spread over the runs (half the min-max range / median): median "
            f"{statistics.median(spreads):.0%}, largest {max(spreads):.0%}.",
        ]
    return "\n".join(lines)


def _pinning(meta: dict[str, Any]) -> str:
    cpu = meta.get("pin_cpu")
    if cpu is None:
        return "not pinned"
    return f"each worker and its PostgreSQL server processes pinned to core {cpu}"


def render(meta: dict[str, Any], tables: list[str]) -> str:
    """The whole report: the settings and versions, then one table per database."""
    versions = ", ".join(f"{k} {v}" for k, v in meta["versions"].items())
    head = [
        "## ORM benchmark",
        "",
        f"{meta['started']}, commit `{meta['commit']}`, Python {meta['python']}, "
        f"{meta['cpu']}, load average {meta['loadavg']} at the start and "
        f"{meta.get('loadavg_end', '?')} at the end.",
        f"`{meta['command']}`: {meta['repeat']} interleaved run(s) per ORM, "
        f"{meta['budget']} s timed per operation after {meta['warmup']} s of warm-up "
        f"(bulk_create: at least {meta['bulk_iters']} timed call(s)), pools of "
        f"{meta['pool_size']}, {meta['loop']} event loop, {_pinning(meta)}.",
        f"Versions: {versions}.",
        "",
        "Operations per second (median over the runs) and, in brackets, the ratio to the raw "
        "driver of the same mode (sync or async). `fetch` and `bulk_create` count whole "
        "1,000-row fetches and 10,000-row inserts.",
    ]
    return "\n".join(head) + "\n\n" + "\n\n".join(tables) + "\n"


def to_json(meta: dict[str, Any], results: dict[str, list[Outcome]]) -> dict[str, Any]:
    """Every run's figure, for later comparison."""
    return {
        "meta": meta,
        "databases": {
            db: {
                o.variant.name: {
                    "runs": o.runs,
                    "median": {op: o.median(op) for op in o.runs},
                    "errors": o.errors,
                    "unavailable": o.unavailable,
                }
                for o in outcomes
            }
            for db, outcomes in results.items()
        },
    }
