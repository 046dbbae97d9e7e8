#!/usr/bin/env python3
"""Where Heron's time goes: profiles apps' plaintext and JSON endpoints while wrk loads them.

`python3 benchmarks/profile_heron.py` (or `python3 benchmarks/run.py --profile heron`) serves
each app (default: the raw ASGI app, then Heron) on one pinned core. Per endpoint it measures
req/s and the server's user and kernel CPU per request without a profiler, then samples the
server with py-spy during a second wrk run to split that time between the framework, the
handlers, the server's Python code and the event loop (see harness/profiles.py for how).
The report (Markdown on stdout, also benchmarks/results/profile-<apps>-<server>.md) puts the
apps side by side, so Heron's cost over the raw app reads directly in microseconds.
`--tool cprofile` runs each app under cProfile instead (call counts, much higher overhead).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import bootstrap
from harness.cells import APPS, APPS_DIR, SERVERS, Cell, ServerOptions, granian_flags
from harness.endpoints import ENDPOINTS, PLAINTEXT, Endpoint
from harness.load import LoadResult, LoadSettings, run_wrk
from harness.proc import ServerProcess, group_cpu_seconds, pinned, stop_all
from harness.profiles import (
    Measured,
    read_collapsed,
    render_cprofile,
    render_functions,
    render_summary,
)

RESULTS = bootstrap.RESULTS_DIR


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument(
        "--apps", default="raw,heron", help="comma-separated app names (see run.py --list)"
    )
    p.add_argument("--app", help="profile this one app only (same as --apps APP)")
    p.add_argument("--server", default="uvicorn", choices=["uvicorn", "granian"])
    p.add_argument("--tool", default="py-spy", choices=["py-spy", "cprofile"])
    p.add_argument("--endpoints", default="plaintext,json")
    p.add_argument("--duration", type=int, default=10, help="seconds profiled per endpoint")
    p.add_argument("--measure", type=int, default=5, help="seconds measured unprofiled")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--rate", type=int, default=200, help="py-spy samples per second")
    p.add_argument("--top", type=int, default=20)
    p.add_argument(
        "--native",
        action="store_true",
        help="sample native frames too (stops the server for each sample: shows the GC and C "
        "functions, but over-samples syscalls)",
    )
    p.add_argument("--port", type=int, default=8311)
    p.add_argument("--server-cpu", type=int, default=0)
    p.add_argument("--client-cpu", type=int, default=1)
    return p.parse_args(argv)  # fmt: skip


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(APPS_DIR), "HERON_SECRET_KEY": "bench",
            "PYTHONUNBUFFERED": "1"}  # fmt: skip


def _framework(cell: Cell) -> str:
    return "" if cell.app.name.startswith("raw") else cell.app.package


def _measure(
    server: ServerProcess,
    wrk: str,
    port: int,
    endpoint: Endpoint,
    seconds: int,
    load: LoadSettings,
) -> tuple[LoadResult, float, float]:
    """Unprofiled wrk run; returns it with the server's user and kernel µs per request."""
    user0, sys0 = group_cpu_seconds(server.pid)
    result = run_wrk(wrk, port, endpoint, seconds, load)
    user1, sys1 = group_cpu_seconds(server.pid)
    n = max(result.requests, 1)
    return result, (user1 - user0) / n * 1e6, (sys1 - sys0) / n * 1e6


def _pyspy(cell: Cell, args: argparse.Namespace, endpoint: Endpoint, wrk: str) -> Measured:
    bin_dir = Path(sys.executable).parent
    opts = ServerOptions(bin_dir=bin_dir, granian_flags=granian_flags(bin_dir))
    argv = pinned(cell.server.command(cell.app, args.port, opts), args.server_cpu)
    load = LoadSettings(connections=args.connections, client_cpu=args.client_cpu)
    raw = RESULTS / f"profile-{cell.app.name}-{cell.server.name}-{endpoint.name}.txt"
    log_path = RESULTS / "logs" / f"{cell.key}.profile.log"
    with ServerProcess(argv, port=args.port, cwd=APPS_DIR, env=_env(), log_path=log_path) as server:
        server.start(PLAINTEXT.path)
        run_wrk(wrk, args.port, endpoint, args.warmup, load)
        result, user_us, sys_us = _measure(server, wrk, args.port, endpoint, args.measure, load)
        spy_argv = [
            str(bin_dir / "py-spy"), "record", "--pid", str(server.pid), "--duration",
            str(args.duration), "--rate", str(args.rate), "--format", "raw", "--function",
            "--output", str(raw), "--subprocesses",
        ]  # fmt: skip
        spy_argv.append("--native" if args.native else "--nonblocking")
        spy = subprocess.Popen(
            pinned(spy_argv, args.client_cpu), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        time.sleep(0.5)
        run_wrk(wrk, args.port, endpoint, args.duration + 1, load)
        out, _ = spy.communicate(timeout=args.duration + 30)
        if spy.returncode != 0 or not raw.exists():
            raise SystemExit(f"py-spy failed (exit {spy.returncode}): {out.decode()[-600:]}")
    framework = _framework(cell)
    profile = read_collapsed(raw, framework or "(none)", cell.app.module + ".py")
    return Measured(cell.app.label, framework, result.rps, user_us, sys_us, profile, args.native)


def _cprofile(cell: Cell, args: argparse.Namespace, endpoint: Endpoint, wrk: str) -> str:
    if cell.server.name != "uvicorn":
        raise SystemExit("--tool cprofile runs on uvicorn only")
    load = LoadSettings(connections=args.connections, client_cpu=args.client_cpu)
    stats = RESULTS / f"profile-{cell.app.name}-{endpoint.name}.pstats"
    stats.unlink(missing_ok=True)
    launcher = Path(__file__).resolve().parent / "harness" / "cprofile_server.py"
    argv = pinned(
        [sys.executable, str(launcher), cell.app.target, str(args.port), str(stats)],
        args.server_cpu,
    )
    log_path = RESULTS / "logs" / f"{cell.key}.cprofile.log"
    server = ServerProcess(argv, port=args.port, cwd=APPS_DIR, env=_env(), log_path=log_path)
    try:
        server.start(PLAINTEXT.path)
        run_wrk(wrk, args.port, endpoint, args.warmup, load)
        os.kill(server.pid, signal.SIGUSR1)
        result = run_wrk(wrk, args.port, endpoint, args.duration, load)
    finally:
        server.stop(timeout=15.0)
    if not stats.exists():
        raise SystemExit(f"no cProfile stats were written: {server.tail()}")
    head = f"**{cell.app.label}** ({result.rps:,.0f} req/s under cProfile):"
    return head + "\n\n" + render_cprofile(stats, args.top)


def main(argv: list[str] | None = None) -> int:
    """Entry point: profile each app on each endpoint and print the Markdown report."""
    raw_argv = sys.argv[1:] if argv is None else argv
    args = parse_args(raw_argv)
    if not bootstrap.in_bench_venv():
        python = bootstrap.ensure_venv(bootstrap.default_python())
        bootstrap.ensure_wrk()
        os.execv(python, [str(python), str(Path(__file__).resolve()), *raw_argv])
    wrk = bootstrap.ensure_wrk()
    RESULTS.mkdir(exist_ok=True)
    names = [args.app] if args.app else [a.strip() for a in args.apps.split(",") if a.strip()]
    unknown = [n for n in names if n not in APPS or APPS[n].interface != "asgi"]
    if unknown:
        sys.exit(f"error: not an ASGI app: {', '.join(unknown)} (see run.py --list)")
    cells = [Cell(APPS[n], SERVERS[args.server]) for n in names]
    endpoints = [e for e in ENDPOINTS if e.name in args.endpoints.split(",")]
    os.sched_setaffinity(0, {args.client_cpu})
    labels = ", ".join(c.app.label for c in cells)
    if args.tool == "cprofile":
        method = (
            f"{args.warmup:g}s warm-up, then {args.duration:g}s under cProfile (every Python "
            "call counted; its overhead slows the server several-fold and inflates small calls)."
        )
    else:
        method = (
            f"{args.warmup:g}s warm-up, {args.measure:g}s measured without the profiler (req/s, "
            "and the server's CPU per request from its user/system counters), then "
            f"{args.duration:g}s sampled by py-spy at {args.rate} Hz "
            + (
                "with native frames; the samples outside syscalls split the user-space time."
                if args.native
                else "without stopping the server (Python frames only: time in C, syscalls "
                "included, is charged to the Python function that called it)."
            )
        )
    sections = [
        f"# Where the time goes: {labels} on {args.server} ({args.tool})",
        "",
        f"`wrk -t1 -c{args.connections}`; server pinned to core {args.server_cpu}, wrk and the "
        f"profiler on core {args.client_cpu}. Per endpoint and app: {method}",
    ]
    try:
        for endpoint in endpoints:
            sections += ["", f"## {endpoint.name}", ""]
            if args.tool == "cprofile":
                for cell in cells:
                    sections += [_cprofile(cell, args, endpoint, wrk), ""]
                continue
            rows = [_pyspy(cell, args, endpoint, wrk) for cell in cells]
            sections += [render_summary(rows), ""]
            sections += ["\n\n".join(render_functions(m, args.top) for m in rows)]
    finally:
        stop_all()
    text = "\n".join(sections) + "\n"
    out = RESULTS / f"profile-{'-'.join(names)}-{args.server}.md"
    out.write_text(text)
    print(text)
    print(f"(written to {out})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
