"""Runs uvicorn in this process under cProfile, for profile_heron.py's `--tool cprofile`.

The profiler starts disabled and is switched on by SIGUSR1 (after the warm-up); the stats are
written when uvicorn shuts down on SIGTERM.

Usage: python cprofile_server.py MODULE:APP PORT STATS_FILE
"""

from __future__ import annotations

import cProfile
import signal
import sys
from types import FrameType

import uvicorn


def main(target: str, port: int, stats_file: str) -> None:
    """Serve `target` on 127.0.0.1:`port`; dump the profile to `stats_file` on shutdown."""
    profiler = cProfile.Profile()

    def start(signum: int, frame: FrameType | None) -> None:
        profiler.enable()

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGUSR1, start)
    # uvicorn re-raises the signal it shut down on; this handler turns that into SystemExit so
    # the `finally` below still writes the stats.
    signal.signal(signal.SIGTERM, stop)
    config = uvicorn.Config(
        target,
        host="127.0.0.1",
        port=port,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level="warning",
    )
    try:
        uvicorn.Server(config).run()
    finally:
        profiler.disable()
        profiler.dump_stats(stats_file)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
