"""Fixtures for the CLI tests: a throw-away project folder the commands run in."""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

WriteFile = Callable[[str, str], Path]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty project folder as the current directory; imports from it are forgotten after."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HERON_APP", raising=False)
    monkeypatch.delenv("HERON_DEBUG", raising=False)
    saved_path = list(sys.path)
    before = set(sys.modules)
    yield tmp_path
    sys.path[:] = saved_path
    for name in set(sys.modules) - before:
        module = sys.modules.get(name)
        if str(tmp_path) in str(getattr(module, "__file__", "") or ""):
            del sys.modules[name]
    os.environ.pop("HERON_APP", None)


@pytest.fixture
def write(project: Path) -> WriteFile:
    """Write a dedented file into the project; returns its path."""

    def write_file(name: str, text: str) -> Path:
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        return path

    return write_file
