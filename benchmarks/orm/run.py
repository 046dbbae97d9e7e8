#!/usr/bin/env python3
"""Heron's ORM benchmark: Heron side by side with Django, SQLAlchemy, Tortoise, Piccolo and
the raw drivers, on the same PostgreSQL and SQLite data, in one run.

One command, `python3 benchmarks/orm/run.py`, builds benchmarks/.venv if needed (as the HTTP
benchmark does), seeds 100 authors and 10,000 books, then measures every ORM in a process of
its own, interleaved over the repeats, and prints a Markdown table of median ops/s and ratios
to the raw driver (also written to benchmarks/results/orm-latest.md). See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.append(str(HERE.parent))

import dataset  # noqa: E402
from adapters import Variant, select  # noqa: E402
from dataset import Target  # noqa: E402
from harness import bootstrap, machine  # noqa: E402
from report import ALL_OPS, Outcome, render, render_database, to_json  # noqa: E402

RESULTS = bootstrap.RESULTS_DIR
DATABASES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
VERSIONED = [
    "heron",
    "django",
    "sqlalchemy",
    "tortoise-orm",
    "piccolo",
    "psycopg",
    "asyncpg",
    "aiosqlite",
    "greenlet",
    "uvloop",
]
WORKER_TIMEOUT = 600


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--db", default="postgresql,sqlite", help="postgresql and/or sqlite")
    p.add_argument("--ops", default="all", help=f"operations, comma-separated: {','.join(ALL_OPS)}")
    p.add_argument(
        "--orms",
        default="all",
        help="ORMs (heron, django, sqlalchemy, tortoise, piccolo) or variants "
        "(django-sync, django-async...); the raw drivers are always measured",
    )
    p.add_argument("--repeat", type=int, default=3, help="interleaved runs per ORM (default 3)")
    p.add_argument("--budget", type=float, default=0.6, help="seconds timed per operation")
    p.add_argument("--warmup", type=float, default=0.15, help="seconds of warm-up per operation")
    p.add_argument("--bulk-iters", type=int, default=2, help="least timed bulk_create calls")
    p.add_argument("--tasks", type=int, default=64, help="tasks in the concurrent case")
    p.add_argument("--pool-size", type=int, default=10, help="connection pool size")
    p.add_argument(
        "--cpu",
        type=int,
        default=1,
        help="core each worker and its PostgreSQL server processes are pinned to (default 1)",
    )
    p.add_argument("--no-pin", action="store_true", help="do not pin workers and server processes")
    p.add_argument(
        "--quick",
        action="store_true",
        help="one run, 0.2 s per operation: a smoke test, not figures to quote",
    )
    p.add_argument("--pg-host", default="127.0.0.1")
    p.add_argument("--pg-port", type=int, default=5432)
    p.add_argument("--pg-user", default="postgres")
    p.add_argument(
        "--pg-database",
        default="heron_bench",
        help="created if missing; its tables are dropped at the end",
    )
    p.add_argument("--output", default="orm-latest", help="results/<name>.md and .json")
    p.add_argument(
        "--python",
        default=bootstrap.default_python(),
        help="interpreter the virtualenv is created from (default python3.11)",
    )
    p.add_argument("--reinstall", action="store_true", help="reinstall the virtualenv's packages")
    p.add_argument(
        "--no-bootstrap",
        action="store_true",
        help="use this interpreter as it is (no virtualenv, no installs)",
    )
    args = p.parse_args(argv)
    cores = os.cpu_count() or 1
    args.pin_cpu = None if args.no_pin else min(args.cpu, cores - 1)
    if args.quick:
        args.repeat, args.budget, args.warmup, args.bulk_iters = 1, 0.2, 0.05, 1
    return args


def log(message: str) -> None:
    """Progress goes to stderr, so stdout carries only the results table."""
    print(message, file=sys.stderr, flush=True)


def _split(text: str, known: list[str], what: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if names == ["all"]:
        return list(known)
    unknown = [n for n in names if n not in known]
    if unknown:
        sys.exit(f"error: unknown {what} {', '.join(unknown)}; known: {', '.join(known)}")
    return [n for n in known if n in names]


def _targets(args: argparse.Namespace, sqlite_dir: Path) -> list[Target]:
    out = []
    for vendor in _split(args.db, list(DATABASES), "database"):
        if vendor == "sqlite":
            out.append(
                Target("sqlite", str(sqlite_dir / "bench.sqlite3"), pool_size=args.pool_size)
            )
        else:
            out.append(
                Target(
                    "postgresql",
                    args.pg_database,
                    args.pg_host,
                    args.pg_port,
                    args.pg_user,
                    args.pool_size,
                )
            )
    return out


def run_worker(
    variant: Variant, target: Target, args: argparse.Namespace, seed: int, ops: list[str]
) -> dict[str, Any]:
    """Measure `variant` on `target` in a fresh interpreter; its RESULT line, parsed."""
    spec = {
        "module": variant.module,
        "mode": variant.mode,
        "target": json.loads(target.to_json()),
        "plan": {
            "budget": args.budget,
            "warmup": args.warmup,
            "bulk_iters": args.bulk_iters,
            "tasks": args.tasks,
        },
        "seed": seed,
        "cpu": args.pin_cpu,
        "ops": [op for op in ops if op != "concurrent" or variant.is_async],
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHONDEV", "PYTHONASYNCIO"))}
    env["PYTHONUNBUFFERED"] = "1"
    log_path = RESULTS / "logs" / f"orm-{variant.name}-{target.vendor}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, str(HERE / "worker.py"), json.dumps(spec)]
    try:
        proc = subprocess.run(
            argv,
            cwd=HERE,
            env=env,
            capture_output=True,
            text=True,
            timeout=WORKER_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"unavailable": f"worker timed out after {WORKER_TIMEOUT} s"}
    log_path.write_text(proc.stdout + proc.stderr)
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("RESULT "):
            result: dict[str, Any] = json.loads(line[len("RESULT ") :])
            return result
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return {"unavailable": f"worker exited {proc.returncode}: {tail[:300]}"}


def _progress(result: dict[str, Any]) -> str:
    if result.get("unavailable"):
        return f"unavailable: {result['unavailable']}"
    parts = [f"{op} {value:,.1f}/s" for op, value in result.get("ops", {}).items()]
    parts += [f"{op} FAILED: {msg}" for op, msg in result.get("errors", {}).items()]
    return "  ".join(parts)


def _versions() -> dict[str, str]:
    return machine.versions(VERSIONED)


def _commit() -> str:
    proc = subprocess.run(
        ["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.stdout.strip() or "unknown"


def _meta(args: argparse.Namespace, raw_argv: list[str], loadavg: float) -> dict[str, Any]:
    try:
        import uvloop  # noqa: F401

        loop = "uvloop"
    except ImportError:
        loop = "asyncio"
    return {
        "started": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _commit(),
        "python": platform.python_version(),
        "cpu": machine.cpu_model(),
        "loadavg": f"{loadavg:.2f}",
        "command": " ".join(["python3 benchmarks/orm/run.py", *raw_argv]),
        "repeat": args.repeat,
        "budget": args.budget,
        "warmup": args.warmup,
        "bulk_iters": args.bulk_iters,
        "pool_size": args.pool_size,
        "pin_cpu": args.pin_cpu,
        "loop": loop,
        "versions": _versions(),
    }


class Run:
    """The variants and databases of one run, and what was measured."""

    def __init__(
        self,
        args: argparse.Namespace,
        variants: list[Variant],
        targets: list[Target],
        ops: list[str],
    ) -> None:
        self.args = args
        self.variants = variants
        self.targets = targets
        self.ops = ops
        self.outcomes = {t.vendor: [Outcome(v) for v in variants] for t in targets}
        self.titles: dict[str, str] = {}
        self.failed_db: dict[str, str] = {}

    def prepare(self) -> None:
        """Create and seed every database; one that cannot be reached is reported, not run."""
        for target in self.targets:
            try:
                dataset.create_and_seed(target)
                self.titles[target.vendor] = dataset.server_version(target)
                log(f"orm: seeded {self.titles[target.vendor]} ({target.database})")
            except Exception as exc:
                self.failed_db[target.vendor] = f"{type(exc).__name__}: {exc}".strip()
                log(f"orm: {target.vendor} not benchmarked: {self.failed_db[target.vendor]}")

    def measure(self) -> None:
        """Every variant on every database, `repeat` times, rotating the order each round."""
        targets = [t for t in self.targets if t.vendor not in self.failed_db]
        for rnd in range(self.args.repeat):
            shift = rnd % len(self.variants)
            order = self.variants[shift:] + self.variants[:shift]
            for target in targets:
                by_name = {o.variant.name: o for o in self.outcomes[target.vendor]}
                for variant in order:
                    outcome = by_name[variant.name]
                    if outcome.unavailable:
                        continue
                    t0 = time.monotonic()
                    result = run_worker(variant, target, self.args, rnd, self.ops)
                    outcome.add(result)
                    self._settle(target)
                    log(
                        f"run {rnd + 1}/{self.args.repeat} {target.vendor:<10} {variant.name:<17}"
                        f" {time.monotonic() - t0:4.1f}s  {_progress(result)}"
                    )

    def _settle(self, target: Target) -> None:
        conn = dataset.connect(target)
        try:
            dataset.settle(conn, target)
        finally:
            conn.close()

    def finish(self) -> None:
        """Drop the benchmark's tables."""
        for target in self.targets:
            if target.vendor not in self.failed_db:
                try:
                    dataset.drop(target)
                except Exception as exc:
                    log(f"orm: could not drop the tables of {target.database}: {exc}")

    def markdown(self, meta: dict[str, Any]) -> str:
        """The report."""
        tables = []
        for target in self.targets:
            name = DATABASES[target.vendor]
            if target.vendor in self.failed_db:
                tables.append(f"### {name}\n\nNot benchmarked: `{self.failed_db[target.vendor]}`")
                continue
            tables.append(
                render_database(
                    self.titles[target.vendor],
                    target.vendor,
                    self.outcomes[target.vendor],
                    self.ops,
                )
            )
        return render(meta, tables)


def main(argv: list[str] | None = None) -> int:
    """Entry point: bootstrap, seed, measure, report."""
    raw_argv = sys.argv[1:] if argv is None else argv
    args = parse_args(raw_argv)
    try:
        variants = select(args.orms)
    except ValueError as exc:
        sys.exit(f"error: {exc}")
    ops = _split(args.ops, ALL_OPS, "operation")
    if not args.no_bootstrap and not bootstrap.in_bench_venv():
        with contextlib.redirect_stdout(sys.stderr):  # keep stdout for the table
            python = bootstrap.ensure_venv(args.python, force=args.reinstall)
        os.execv(python, [str(python), str(Path(__file__).resolve()), *raw_argv])
    load1 = os.getloadavg()[0]
    if load1 > 0.7:
        log(f"orm: warning: load average is {load1:.2f}; numbers will be noisy")
    meta = _meta(args, raw_argv, load1)
    shm = Path("/dev/shm")
    sqlite_dir = Path(tempfile.mkdtemp(prefix="heron-orm-", dir=shm if shm.is_dir() else None))
    run = Run(args, variants, _targets(args, sqlite_dir), ops)
    t0 = time.monotonic()
    interrupted = False
    try:
        run.prepare()
        run.measure()
    except KeyboardInterrupt:
        interrupted = True
        log("orm: interrupted, reporting what was measured so far")
    finally:
        run.finish()
        shutil.rmtree(sqlite_dir, ignore_errors=True)
    meta["loadavg_end"] = f"{os.getloadavg()[0]:.2f}"
    markdown = run.markdown(meta)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.output}.md").write_text(markdown)
    data = to_json(meta, run.outcomes)
    (RESULTS / f"{args.output}.json").write_text(json.dumps(data, indent=2) + "\n")
    print(markdown)
    log(f"orm: done in {(time.monotonic() - t0) / 60:.1f} min; wrote {RESULTS}/{args.output}.md")
    return 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
