#!/usr/bin/env python3
"""Heron's HTTP benchmark: the TechEmpower test types, Heron side by side with its peers.

One command, `python3 benchmarks/run.py`, builds benchmarks/.venv (Heron editable + the peers),
installs wrk if missing, sets up the `hello_world` PostgreSQL database for the database types,
verifies every app's responses, then runs wrk against each app@server cell in interleaved
rounds and prints Markdown tables (also in benchmarks/results/). See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import bootstrap, machine
from harness.cells import (
    APPS,
    APPS_DIR,
    DEFAULT_CELLS,
    SERVERS,
    Cell,
    ServerOptions,
    granian_flags,
    missing_requirement,
    parse_cells,
    reference_key,
)
from harness.endpoints import API, DATABASE, ENDPOINTS, GROUPS, Endpoint, parse_types
from harness.load import LoadError, LoadSettings, run_wrk
from harness.proc import ServerError, ServerProcess, pinned, stop_all
from harness.report import CellOutcome, render_markdown, to_json
from harness.verify import header_mismatches, verify
from harness.verify_api import ApiVerifier

if TYPE_CHECKING:
    from harness.verify_db import DbVerifier

RESULTS = bootstrap.RESULTS_DIR
# A path no app serves: answered (with a 404) as soon as the server is up, without touching
# the database, so the query-count servers' readiness probes are not counted.
_READY_PROBE = "/__bench_ready__"


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument(
        "--cells",
        default="default",
        help="comma-separated app@server list, or 'default' or 'all' (see --list)",
    )
    p.add_argument(
        "--types",
        default="all",
        help="comma-separated test types: "
        + ",".join(e.name for e in ENDPOINTS)
        + ";\n'all' (default) is every TechEmpower type, 'api' is api_post,api_list,api_rows;"
        + "\ncells whose app serves none of them are left out",
    )
    p.add_argument(
        "--db-pool-size",
        type=int,
        default=16,
        help="database connections per server worker, every database app (default 16)",
    )
    p.add_argument("--runs", type=int, default=3, help="measured runs per cell (default 3)")
    p.add_argument("--duration", type=int, default=5, help="seconds per wrk run (default 5)")
    p.add_argument(
        "--warmup",
        type=int,
        default=2,
        help="seconds of warm-up per endpoint after each server start (default 2)",
    )
    p.add_argument("--connections", type=int, default=64, help="wrk -c (default 64)")
    p.add_argument("--threads", type=int, default=1, help="wrk -t (default 1)")
    p.add_argument("--server-cpu", type=int, default=0, help="core the server is pinned to")
    p.add_argument("--client-cpu", type=int, default=1, help="core wrk is pinned to")
    p.add_argument("--no-pin", action="store_true", help="do not pin server and wrk to cores")
    p.add_argument("--port", type=int, default=8311, help="port on 127.0.0.1 (default 8311)")
    p.add_argument("--gunicorn-worker", default="gthread", choices=["sync", "gthread"])
    p.add_argument("--gunicorn-threads", type=int, default=16)
    p.add_argument(
        "--freshness-wait",
        type=float,
        default=2.1,
        help="seconds between the two Date-freshness requests of verification",
    )
    p.add_argument("--verify-only", action="store_true", help="verify the apps, do not benchmark")
    p.add_argument("--list", action="store_true", help="list apps, servers and default cells")
    p.add_argument(
        "--profile",
        metavar="APP",
        nargs="?",
        const="heron",
        help="profile APP (default heron) under load instead; see profile_heron.py",
    )
    p.add_argument("--output", default="latest", help="results/<name>.md and .json")
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
    return p.parse_args(argv)  # fmt: skip


def log(message: str) -> None:
    """Progress goes to stderr, so stdout carries only the results table."""
    print(message, file=sys.stderr, flush=True)


def _versions(cells: list[Cell]) -> dict[str, str]:
    names = ["heron", "uvicorn", "uvloop", "httptools", "granian", "gunicorn", "orjson"]
    names += [c.app.package for c in cells]
    if any(c.app.group == DATABASE for c in cells):
        names += ["asyncpg", "psycopg", "psycopg-pool", "jinja2"]
    if any(c.app.group == API for c in cells):
        names += ["pydantic", "pydantic-core", "msgspec"]
    return machine.versions(names)


def _server_env(database_url: str, db_pool_size: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHONDEV", "PYTHONASYNCIO"))}
    env["PYTHONPATH"] = str(APPS_DIR)
    env["HERON_SECRET_KEY"] = "bench"
    env["PYTHONUNBUFFERED"] = "1"
    if database_url:
        env["BENCH_DATABASE_URL"] = database_url
        env["BENCH_DB_POOL_SIZE"] = str(db_pool_size)
    return env


class Bench:
    """One benchmark run: the cells, their settings, and what was measured."""

    def __init__(
        self, args: argparse.Namespace, wrk: str, cells: list[Cell], types: list[Endpoint]
    ) -> None:
        self.args = args
        self.wrk = wrk
        self.cells = cells
        bin_dir = Path(sys.executable).parent
        self.opts = ServerOptions(
            bin_dir=bin_dir,
            gunicorn_worker=args.gunicorn_worker,
            gunicorn_threads=args.gunicorn_threads,
            granian_flags=granian_flags(bin_dir) if any(
                c.server.name == "granian" for c in cells) else [],
        )  # fmt: skip
        pin = not args.no_pin and (os.cpu_count() or 1) >= 2
        if not pin and not args.no_pin:
            log("bench: fewer than 2 cores, server and wrk are not pinned")
        self.server_cpu: int | None = args.server_cpu if pin else None
        self.client_cpu: int | None = args.client_cpu if pin else None
        self.load = LoadSettings(
            threads=args.threads,
            connections=args.connections,
            duration=args.duration,
            warmup=args.warmup,
            client_cpu=self.client_cpu,
        )
        database_url = ""
        if any(c.app.group == DATABASE for c in cells):
            from harness import database  # needs psycopg (in the virtualenv)

            database_url = database.DATABASE_URL
        self.env = _server_env(database_url, args.db_pool_size)
        self.outcomes = {
            c.key: CellOutcome(c, tuple(e for e in c.app.endpoints if e in types)) for c in cells
        }
        self.database = ""  # a description for the report, once the database is set up

    def server(self, cell: Cell, phase: str) -> ServerProcess:
        """A (not yet started) server process for `cell`."""
        argv = pinned(cell.server.command(cell.app, self.args.port, self.opts), self.server_cpu)
        return ServerProcess(
            argv,
            port=self.args.port,
            cwd=APPS_DIR,
            env=self.env,
            log_path=RESULTS / "logs" / f"{cell.key}.{phase}.log",
        )

    @contextlib.contextmanager
    def _serving(self, cell: Cell, phase: str, ready_path: str) -> Iterator[ServerProcess]:
        """A started server for `cell`, stopped on exit."""
        with self.server(cell, phase) as server:
            server.start(ready_path)
            yield server

    def _database(self) -> tuple[DbVerifier | None, str]:
        """Set up `hello_world` for the database cells; (the checker, or None and why not)."""
        if not any(c.app.group == DATABASE for c in self.cells):
            return None, ""
        from harness import database
        from harness.verify_db import DbVerifier

        try:
            for line in database.ensure_database():
                log(f"database: {line}")
            conn = database.connect()
        except database.DatabaseError as exc:
            return None, f"database unavailable: {exc}"
        checker = DbVerifier(self.args.port, conn)
        version = conn.execute("SHOW server_version").fetchone()
        self.database = (
            f"PostgreSQL {version[0] if version else '?'} on 127.0.0.1 (same machine, not "
            f"pinned), database {database.DATABASE_NAME}; {self.args.db_pool_size} connections "
            f"per server worker; queries counted with {checker.counter.mode}"
        )
        log(f"database: {self.database}")
        if not checker.counter.exact:
            log("database: pg_stat_statements is not loaded (shared_preload_libraries); the "
                "query-count check uses table statistics instead")  # fmt: skip
        return checker, ""

    def verify_all(self) -> None:
        """Start each cell once and check its responses; failed cells are not benchmarked."""
        db_check, db_problem = self._database()
        api_check = ApiVerifier(self.args.port)
        python = Path(sys.executable)
        for cell in self.cells:
            outcome = self.outcomes[cell.key]
            is_db = cell.app.group == DATABASE
            why_not = missing_requirement(cell.app, python) or (db_problem if is_db else None)
            if why_not:
                outcome.failures.append(f"unavailable: {why_not}")
                log(f"verify {cell.key:<22} unavailable: {why_not}")
                continue
            if db_check is not None:
                db_check.pending.clear()
            try:
                with self._serving(cell, "verify", outcome.endpoints[0].path):
                    outcome.verdict = verify(
                        self.args.port,
                        list(outcome.endpoints),
                        self.args.freshness_wait,
                        db_check if is_db else None,
                        api_check,
                    )
                if is_db and db_check is not None and outcome.verdict is not None:
                    db_check.run_counts(
                        outcome.verdict,
                        lambda cell=cell: self._serving(cell, "count", _READY_PROBE),
                    )
            except ServerError as exc:
                if outcome.verdict is not None:  # a query-count server failed: not verified
                    outcome.verdict.problems.append(f"query count: {exc}")
                else:
                    outcome.failures.append(str(exc))
            verdict = outcome.verdict
            if verdict is not None and verdict.ok:
                extra = f" (warnings: {'; '.join(verdict.warnings)})" if verdict.warnings else ""
                log(f"verify {cell.key:<22} ok{extra}")
            else:
                why = (verdict.problems if verdict else []) + outcome.failures
                more = f" (+{len(why) - 6} more in the report)" if len(why) > 6 else ""
                log(f"verify {cell.key:<22} FAILED, not benchmarked: {'; '.join(why[:6])}{more}")
        keys = set(self.outcomes)
        for outcome in self.outcomes.values():
            ref_key = reference_key(outcome.cell, keys)
            ref = self.outcomes[ref_key].verdict if ref_key else None
            same_server = ref_key is not None and ref_key.endswith(f"@{outcome.cell.server.name}")
            if outcome.verdict and ref and ref_key != outcome.cell.key and same_server:
                notes = header_mismatches(ref, outcome.verdict)
                outcome.notes += notes
                for note in notes:
                    log(f"note   {outcome.cell.key:<22} {note}")

    def run_once(self, cell: Cell) -> str:
        """Start the server, warm up each endpoint, measure each, stop; return a progress line."""
        outcome = self.outcomes[cell.key]
        parts: list[str] = []
        try:
            with self.server(cell, "bench") as server:
                server.start(outcome.endpoints[0].path)
                for endpoint in outcome.endpoints:
                    if self.load.warmup > 0:
                        run_wrk(self.wrk, self.args.port, endpoint, self.load.warmup, self.load)
                for endpoint in outcome.endpoints:
                    result = run_wrk(
                        self.wrk, self.args.port, endpoint, self.load.duration, self.load
                    )
                    outcome.runs.setdefault(endpoint.name, []).append(result)
                    bad = result.non_2xx + result.errors
                    parts.append(
                        f"{endpoint.name} {result.rps:>9,.0f}/s" + (f" ({bad} bad)" if bad else "")
                    )
                if server.proc is not None and server.proc.poll() is not None:
                    outcome.failures.append("server exited during the run")
        except (ServerError, LoadError) as exc:
            outcome.failures.append(str(exc))
            parts.append(f"FAILED: {exc}")
        return "  ".join(parts)

    def benchmark(self) -> None:
        """Round-robin over the verified cells, `runs` times, rotating the starting cell."""
        todo = [c for c in self.cells if (v := self.outcomes[c.key].verdict) and v.ok]
        if not todo:
            return
        seconds = sum(
            len(self.outcomes[c.key].endpoints) * (self.load.warmup + self.load.duration) + 2.0
            for c in todo
        )
        eta = seconds * self.args.runs / 60
        log(f"bench: {len(todo)} cells x {self.args.runs} runs, about {eta:.0f} min")
        for rnd in range(self.args.runs):
            shift = rnd % len(todo)
            for cell in todo[shift:] + todo[:shift]:
                line = self.run_once(cell)
                log(f"run {rnd + 1}/{self.args.runs} {cell.key:<22} {line}")

    def meta(self, started: str, loadavg: str) -> dict[str, Any]:
        """Settings, machine and versions, for the report."""
        servers = sorted({c.server.name for c in self.cells}, key=list(SERVERS).index)
        return {
            "started": started,
            "loadavg": loadavg,
            "cpu": machine.cpu_model(),
            "python": platform.python_version(),
            "wrk": subprocess.run([self.wrk, "-v"], capture_output=True, text=True).stdout.split(
                "\n"
            )[0],
            "settings": {
                "runs": self.args.runs,
                "duration": self.load.duration,
                "warmup": self.load.warmup,
                "connections": self.load.connections,
                "threads": self.load.threads,
                "server_cpu": self.server_cpu,
                "client_cpu": self.client_cpu,
            },
            "servers": [SERVERS[s].describe(self.opts) for s in servers],
            "database": self.database,
            "versions": _versions(self.cells),
        }

    def write(self, started: str, loadavg: str) -> str:
        """Write results/<output>.md and .json (plus a timestamped JSON copy); return the table."""
        meta = self.meta(started, loadavg)
        markdown = render_markdown(self.outcomes, meta)
        data = to_json(self.outcomes, meta)
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / f"{self.args.output}.md").write_text(markdown)
        (RESULTS / f"{self.args.output}.json").write_text(json.dumps(data, indent=2) + "\n")
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
        (RESULTS / f"run-{stamp}.json").write_text(json.dumps(data, indent=2) + "\n")
        return markdown


def _list() -> None:
    for group, endpoints in GROUPS.items():
        types = ",".join(e.name for e in endpoints)
        apps = ", ".join(f"{a.name} ({a.interface})" for a in APPS.values() if a.group == group)
        print(f"apps ({types}): {apps}")
    print("servers: " + ", ".join(f"{s.name} ({'/'.join(s.interfaces)})" for s in SERVERS.values()))
    print("default cells: " + ", ".join(DEFAULT_CELLS))


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Entry point: bootstrap, verify, benchmark, report."""
    raw_argv = sys.argv[1:] if argv is None else argv
    args = parse_args(raw_argv)
    if args.list:
        _list()
        return 0
    try:
        types = parse_types(args.types)
        cells = [c for c in parse_cells(args.cells) if set(c.app.endpoints) & set(types)]
    except ValueError as exc:
        sys.exit(f"error: {exc}")
    if not cells:
        sys.exit(f"error: no cell of --cells {args.cells} serves --types {args.types}")
    if not args.no_bootstrap and not bootstrap.in_bench_venv():
        python = bootstrap.ensure_venv(args.python, force=args.reinstall)
        bootstrap.ensure_wrk()
        os.execv(python, [str(python), str(Path(__file__).resolve()), *raw_argv])
    wrk = bootstrap.ensure_wrk()
    if args.profile:
        import profile_heron

        apps = args.profile if args.profile.startswith("raw") else f"raw,{args.profile}"
        return profile_heron.main(["--apps", apps, "--port", str(args.port)])
    if 0 < args.freshness_wait < 1.1:
        log("bench: --freshness-wait raised to 1.1s (Date has one-second resolution)")
        args.freshness_wait = 1.1
    signal.signal(signal.SIGTERM, _on_sigterm)
    bench = Bench(args, wrk, cells, types)
    if bench.client_cpu is not None:
        os.sched_setaffinity(0, {bench.client_cpu})
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load1 = os.getloadavg()[0]
    loadavg = f"{load1:.2f}"
    if load1 > 0.7:
        log(f"bench: warning: load average is {load1:.2f}; the machine is not quiet, "
            "numbers will be noisy")  # fmt: skip
    t0 = time.monotonic()
    interrupted = False
    try:
        bench.verify_all()
        if not args.verify_only:
            bench.benchmark()
    except KeyboardInterrupt:
        interrupted = True
        log("bench: interrupted, writing what was measured so far")
    finally:
        stop_all()
    if args.verify_only:
        failed = [k for k, o in bench.outcomes.items() if not (o.verdict and o.verdict.ok)]
        return 1 if failed else 0
    print(bench.write(started, loadavg))
    log(f"bench: done in {(time.monotonic() - t0) / 60:.1f} min; wrote {RESULTS}/{args.output}.md")
    if interrupted:
        return 130
    return 0 if any(o.runs for o in bench.outcomes.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
