"""A failing test that never closes its TestClient must not keep pytest from exiting."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

FAILING_TEST = textwrap.dedent(
    """
    from heron import Heron
    from heron.testing import TestClient

    def test_fails_inside_the_app():
        app = Heron(__name__)
        app.config["TESTING"] = True

        @app.get("/")
        async def index():
            raise TypeError("boom")

        TestClient(app).get("/")
    """
)


def test_process_exits_after_a_failure_with_an_open_client(tmp_path: Path) -> None:
    test_file = tmp_path / "test_failing.py"
    test_file.write_text(FAILING_TEST)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "1 failed" in result.stdout
