"""Runs wrk against one endpoint (pinned to the client core) and reads its summary."""

from __future__ import annotations

import json
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from harness.cells import HOST
from harness.endpoints import LUA_DIR, Endpoint
from harness.proc import pinned

_LUA = Path(__file__).resolve().parent / "wrk_report.lua"


@dataclass(frozen=True, slots=True)
class LoadSettings:
    """wrk's knobs for a run: threads, connections, seconds measured and seconds of warm-up."""

    threads: int = 1
    connections: int = 64
    duration: int = 5  # wrk takes whole seconds
    warmup: int = 2
    client_cpu: int | None = 1


class LoadError(RuntimeError):
    """wrk failed or printed no summary."""


@dataclass(frozen=True, slots=True)
class LoadResult:
    """One wrk run's numbers."""

    rps: float
    requests: int
    errors: int  # socket errors (connect/read/write/timeout)
    non_2xx: int
    p50_ms: float
    p99_ms: float

    def to_json(self) -> dict[str, Any]:
        """A plain dict for the JSON report."""
        return asdict(self)


def run_wrk(wrk: str, port: int, endpoint: Endpoint, seconds: int, s: LoadSettings) -> LoadResult:
    """Load `endpoint` on 127.0.0.1:`port` for `seconds` and return wrk's numbers.

    A type with a script of its own (a POST) runs that script, which reports like ours.
    """
    script = LUA_DIR / endpoint.script if endpoint.script else _LUA
    argv = pinned(
        [
            wrk, "-t", str(s.threads), "-c", str(s.connections), "-d", f"{seconds}s",
            "-s", str(script), "-H", f"Accept: {endpoint.accept}",
            f"http://{HOST}:{port}{endpoint.path}",
        ],
        s.client_cpu,
    )  # fmt: skip
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30)
    except subprocess.TimeoutExpired as exc:
        raise LoadError(f"wrk did not finish within {seconds + 30:.0f}s") from exc
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if proc.returncode != 0 or line is None:
        lines = (proc.stderr or proc.stdout).strip().splitlines() or ["no output"]
        raise LoadError(f"wrk failed (exit {proc.returncode}): {lines[0][:200]}")
    data = json.loads(line.removeprefix("BENCH_JSON "))
    duration = data["duration_us"] / 1e6
    return LoadResult(
        rps=data["requests"] / duration if duration > 0 else 0.0,
        requests=data["requests"],
        errors=data["connect"] + data["read"] + data["write"] + data["timeout"],
        non_2xx=data["status"],
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
    )
