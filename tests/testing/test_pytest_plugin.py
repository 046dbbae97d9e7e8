"""The pytest plugin, run in a separate pytest process over a small sample project."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import heron

ROOT = Path(heron.__file__).resolve().parent.parent

CONFTEST = """
import pytest


class App:
    def __init__(self):
        self.events = []

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            await receive()
            self.events.append("startup")
            await send({"type": "lifespan.startup.complete"})
            await receive()
            self.events.append("shutdown")
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = ",".join(self.events).encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})


@pytest.fixture
def app():
    return App()
"""

TESTS = """
import pytest


def test_client_runs_lifespan(client, app):
    assert client.get("/").text == "startup"


@pytest.mark.anyio
async def test_async_client(async_client):
    response = await async_client.get("/")
    assert response.text == "startup"


@pytest.fixture
def anyio_backend():
    return "asyncio"
"""


def run_pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    env["PYTHONPATH"] = str(ROOT)
    command = [sys.executable, "-m", "pytest", "-p", "heron.testing.plugin", "-p", "anyio"]
    return subprocess.run(
        [*command, "-q", "-p", "no:cacheprovider", *args, str(project)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_fixtures_use_the_projects_app(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(textwrap.dedent(CONFTEST))
    (tmp_path / "test_sample.py").write_text(textwrap.dedent(TESTS))
    result = run_pytest(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_missing_app_fixture_fails_with_a_clear_message(tmp_path: Path) -> None:
    (tmp_path / "test_sample.py").write_text("def test_it(client):\n    client.get('/')\n")
    result = run_pytest(tmp_path)
    assert result.returncode == 1
    assert "need an `app` fixture" in result.stdout
    assert "conftest.py" in result.stdout
