"""quickstart.md's "Add models" section, run as written: files, migrations, requests."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from heron.db import connections, registry
from heron.testing import TestClient

DOCS = Path(__file__).resolve().parents[2] / "docs" / "quickstart.md"
HERON = Path(sys.executable).with_name("heron")


def _section_code(title: str) -> list[str]:
    text = DOCS.read_text()
    section = text.split(f"## {title}", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def _forget() -> None:
    for name in ("app", "models"):
        sys.modules.pop(name, None)
    for model in list(registry.all_models()):
        if model._meta.label == "models":
            registry.unregister(model)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    models_code, app_code = _section_code("Add models")
    (tmp_path / "models.py").write_text(models_code)
    (tmp_path / "app.py").write_text(app_code)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("HERON_DEBUG", "1")
    monkeypatch.delenv("HERON_DATABASE_URL", raising=False)
    _forget()
    yield tmp_path
    connections.reset()
    _forget()


def test_quickstart_models_as_written(project: Path) -> None:
    for command in ("makemigrations", "migrate"):
        done = subprocess.run(
            [str(HERON), command], cwd=project, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
    assert (project / "migrations" / "0001_initial.py").exists()
    assert (project / "db.sqlite3").exists()
    app = importlib.import_module("app").app
    with pytest.warns(UserWarning, match="SECRET_KEY"), TestClient(app) as client:
        created = client.post("/notes", json={"text": "buy milk"})
        assert created.status_code == 201
        note_id = created.json()["id"]
        assert client.get("/notes").json() == [{"id": note_id, "text": "buy milk", "done": False}]
        assert client.get(f"/notes/{note_id}").json()["text"] == "buy milk"
        invalid = client.post("/notes", json={"text": ""})
        assert invalid.status_code == 422
        assert invalid.json()["errors"] == {"text": ["This field cannot be blank."]}
        missing = client.get("/notes/999", headers={"Accept": "application/json"})
        assert missing.status_code == 404
