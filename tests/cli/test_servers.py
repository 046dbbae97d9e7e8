"""``heron run`` and ``heron serve`` as real processes on 127.0.0.1 (bounded by timeouts)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import heron
from tests.cli.conftest import WriteFile

ROOT = Path(heron.__file__).resolve().parent.parent
STARTUP_TIMEOUT = 30.0

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

SLEEPY = """
import asyncio

from heron import Heron

app = Heron(__name__, static_folder=None)


@app.get("/")
async def index(request):
    return "debug" if app.debug else "production"


@app.get("/slow")
async def slow(request):
    await asyncio.sleep(1)
    return "finished"
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A ``python -m heron.cli`` process whose output goes to a file."""

    def __init__(self, folder: Path, *args: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "HERON_SECRET_KEY": "x" * 32}
        for name in ("HERON_APP", "HERON_DEBUG", "WEB_CONCURRENCY"):
            env.pop(name, None)
        self.log = folder / "server.log"
        self._log_file = self.log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "heron.cli", *args],
            cwd=folder,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, url: str) -> httpx.Response:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"server exited early ({self.process.returncode}):\n{self.output()}")
            try:
                return httpx.get(url, timeout=2)
            except httpx.TransportError:
                time.sleep(0.1)
        pytest.fail(f"server not ready after {STARTUP_TIMEOUT}s:\n{self.output()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self._log_file.close()


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


def test_run_serves_in_debug_mode(write: WriteFile, project: Path, servers: list[Server]) -> None:
    write("app.py", SLEEPY)
    port = free_port()
    server = Server(project, "run", "--port", str(port), "--no-reload")
    servers.append(server)
    response = server.wait_ready(f"http://127.0.0.1:{port}/")
    assert response.status_code == 200
    assert response.text == "debug"
    assert "debug mode" in server.output()


def test_run_reloads_on_python_and_template_changes(
    write: WriteFile, project: Path, servers: list[Server]
) -> None:
    write("app.py", SLEEPY)
    write("templates/page.html", "<p>one</p>")
    write(".venv/lib/installed.py", "x = 0")
    port = free_port()
    server = Server(project, "run", "--port", str(port))
    servers.append(server)
    assert server.wait_ready(f"http://127.0.0.1:{port}/").text == "debug"

    # Rewritten every 2 s: a change made before the watcher is up would go unnoticed.
    deadline = time.monotonic() + STARTUP_TIMEOUT
    text, written = "", 0.0
    while time.monotonic() < deadline and text != "reloaded":
        if time.monotonic() - written > 2:
            write(".venv/lib/installed.py", f"x = {time.monotonic()}")  # must not reload
            write("app.py", SLEEPY.replace('"debug" if', '"reloaded" if'))
            written = time.monotonic()
        with contextlib.suppress(httpx.TransportError):
            text = httpx.get(f"http://127.0.0.1:{port}/", timeout=2).text
        time.sleep(0.2)
    assert text == "reloaded", server.output()

    deadline = time.monotonic() + 20
    while "page.html" not in server.output() and time.monotonic() < deadline:
        write("templates/page.html", f"<p>{time.monotonic()}</p>")
        time.sleep(1)
    assert "page.html" in server.output()
    assert "installed.py" not in server.output()


def test_serve_finishes_in_flight_requests_on_sigterm(
    write: WriteFile, project: Path, servers: list[Server]
) -> None:
    write("app.py", SLEEPY)
    port = free_port()
    server = Server(project, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2")
    servers.append(server)
    ready = server.wait_ready(f"http://127.0.0.1:{port}/")
    assert ready.text == "production"

    result: dict[str, httpx.Response | BaseException] = {}

    def request() -> None:
        try:
            result["response"] = httpx.get(f"http://127.0.0.1:{port}/slow", timeout=15)
        except BaseException as exc:  # reported by the assertion below
            result["response"] = exc

    thread = threading.Thread(target=request)
    thread.start()
    time.sleep(0.4)  # the request is now being handled
    server.process.send_signal(signal.SIGTERM)
    thread.join(timeout=20)
    response = result.get("response")
    assert isinstance(response, httpx.Response), f"{response!r}\n{server.output()}"
    assert response.status_code == 200
    assert response.text == "finished"
    assert server.process.wait(timeout=20) == 0, server.output()
    output = server.output()
    assert '"GET /slow HTTP/1.1" 200' in output  # access log is on
    assert output.index("Shutting down") < output.index('"GET /slow HTTP/1.1" 200')


def test_serve_single_worker_with_granian(
    write: WriteFile, project: Path, servers: list[Server]
) -> None:
    pytest.importorskip("granian")
    write("app.py", SLEEPY)
    port = free_port()
    server = Server(
        project, "serve", "--server", "granian", "--host", "127.0.0.1", "--port", str(port),
        "--workers", "1",
    )  # fmt: skip
    servers.append(server)
    response = server.wait_ready(f"http://127.0.0.1:{port}/")
    assert response.text == "production"
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=20) == 0, server.output()


def test_serve_refuses_to_start_without_an_app(project: Path, servers: list[Server]) -> None:
    server = Server(project, "serve", "--port", str(free_port()))
    servers.append(server)
    assert server.process.wait(timeout=30) == 2
    assert "Could not find a Heron application" in server.output()
