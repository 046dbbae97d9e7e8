"""Server processes: start pinned to a core in their own process group, wait ready, kill cleanly."""

from __future__ import annotations

import contextlib
import errno
import http.client
import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

from harness.cells import HOST

_LIVE: set[ServerProcess] = set()


class ServerError(RuntimeError):
    """The server could not be started (exited early, never answered, port stuck)."""


def port_is_free(port: int) -> bool:
    """Whether a server could bind 127.0.0.1:`port` now (nothing listening, bind succeeds)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.2)
        if probe.connect_ex((HOST, port)) == 0:
            return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def wait_port_free(port: int, timeout: float = 15.0) -> None:
    """Block until `port` is free, or raise ServerError."""
    deadline = time.monotonic() + timeout
    while not port_is_free(port):
        if time.monotonic() > deadline:
            raise ServerError(f"port {port} on {HOST} is still busy after {timeout:.0f}s")
        time.sleep(0.2)


def pinned(argv: list[str], cpu: int | None) -> list[str]:
    """Prefix `argv` with `taskset -c cpu` when a core is given."""
    return argv if cpu is None else ["taskset", "-c", str(cpu), *argv]


class ServerProcess:
    """One server run: started in a new session so the whole group (workers too) can be killed."""

    __slots__ = ("argv", "cwd", "env", "log_path", "port", "proc")

    def __init__(
        self, argv: list[str], *, port: int, cwd: Path, env: dict[str, str], log_path: Path
    ) -> None:
        self.argv = argv
        self.port = port
        self.cwd = cwd
        self.env = env
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, ready_path: str, timeout: float = 30.0) -> None:
        """Start the server and wait until it answers an HTTP request on `ready_path`."""
        wait_port_free(self.port)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            log.write(("$ " + " ".join(self.argv) + "\n").encode())
            log.flush()
            self.proc = subprocess.Popen(
                self.argv,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _LIVE.add(self)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise ServerError(f"server exited with code {self.proc.returncode}: {self.tail()}")
            if _answers(self.port, ready_path):
                return
            if time.monotonic() > deadline:
                self.stop()
                raise ServerError(f"server did not answer within {timeout:.0f}s: {self.tail()}")
            time.sleep(0.1)

    @property
    def pid(self) -> int:
        """The server's process id (the leader of its process group)."""
        assert self.proc is not None
        return self.proc.pid

    def tail(self, lines: int = 3) -> str:
        """The last lines of the server's log and where the log is, for error messages."""
        try:
            text = self.log_path.read_text(errors="replace").splitlines()[1:]
        except OSError:
            return "(no log)"
        last = [ln.strip() for ln in text if ln.strip()][-lines:]
        return (" | ".join(last) or "(empty log)") + f" (log: {self.log_path})"

    def stop(self, timeout: float = 8.0) -> None:
        """SIGTERM the process group, SIGKILL it after `timeout`, then wait for the port."""
        proc = self.proc
        if proc is None:
            return
        _LIVE.discard(self)
        pgid = proc.pid
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, sig)
            try:
                proc.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
        # Stray group members (a gunicorn worker, a granian worker) must not outlive the cell.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        self.proc = None
        wait_port_free(self.port)

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def stop_all() -> None:
    """Kill every server this process started and has not stopped (used on Ctrl-C and exit)."""
    for server in list(_LIVE):
        with contextlib.suppress(Exception):
            server.stop(timeout=3.0)


def _answers(port: int, path: str) -> bool:
    conn = http.client.HTTPConnection(HOST, port, timeout=1.0)
    try:
        conn.request("GET", path)
        conn.getresponse().read()
        return True
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


def group_cpu_seconds(pgid: int) -> tuple[float, float]:
    """User and system CPU seconds used so far by the live processes of process group `pgid`."""
    tick = os.sysconf("SC_CLK_TCK")
    user = system = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        # after the command: state ppid pgrp session ... utime(14th field) stime(15th)
        if int(fields[2]) == pgid:
            user += int(fields[11])
            system += int(fields[12])
    return user / tick, system / tick
