"""Configuration loading order and the production secret-key rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from heron import ConfigError, Heron, Request
from heron.testing import TestClient


def test_defaults() -> None:
    app = Heron(__name__)
    assert app.config["DEBUG"] is False
    assert app.config["MAX_BODY_SIZE"] == 10 * 1024 * 1024
    assert app.debug is False


def test_environment_overrides_settings_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = tmp_path / "settings.py"
    settings.write_text("SECRET_KEY = 'from-file'\nGREETING = 'file'\nlower = 'ignored'\n")
    monkeypatch.setenv("HERON_SETTINGS", str(settings))
    monkeypatch.setenv("HERON_GREETING", "env")
    monkeypatch.setenv("HERON_DEBUG", "true")
    monkeypatch.setenv("HERON_MAX_BODY_SIZE", "2048")
    app = Heron(__name__)
    assert app.config["SECRET_KEY"] == "from-file"
    assert app.config["GREETING"] == "env"
    assert app.config["DEBUG"] is True
    assert app.config["MAX_BODY_SIZE"] == 2048
    assert "lower" not in app.config


def test_toml_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = tmp_path / "heron.toml"
    settings.write_text('[heron]\nsecret_key = "toml"\nmax_body_size = 5\n')
    monkeypatch.setenv("HERON_SETTINGS", str(settings))
    app = Heron(__name__)
    assert (app.config["SECRET_KEY"], app.config["MAX_BODY_SIZE"]) == ("toml", 5)


def test_settings_module_by_dotted_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HERON_SETTINGS", "tests.app.settings_sample")
    app = Heron(__name__)
    assert app.config["SAMPLE_SETTING"] == 42


def test_missing_settings_file_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HERON_SETTINGS", "/nonexistent/settings.py")
    with pytest.raises(ConfigError, match="cannot read settings file"):
        Heron(__name__)


def test_production_without_secret_key_refuses_to_start() -> None:
    app = Heron(__name__)

    @app.get("/")
    async def index() -> str:
        return "x"

    with pytest.raises(Exception, match="ConfigError: SECRET_KEY is not set"), TestClient(app):
        pass
    with pytest.raises(ConfigError, match="HERON_SECRET_KEY"):
        app.build()


def test_debug_without_secret_key_uses_a_random_one() -> None:
    app = Heron(__name__)
    app.config["DEBUG"] = True
    with pytest.warns(UserWarning, match="SECRET_KEY is not set"):
        app.build()
    assert len(app.config["SECRET_KEY"]) == 64


def test_max_body_size_from_config_gives_413(app: Heron) -> None:
    app.config["MAX_BODY_SIZE"] = 10

    @app.post("/")
    async def echo(request: Request) -> bytes:
        return await request.body()

    client = TestClient(app)
    assert client.post("/", content=b"0123456789").status_code == 200
    assert client.post("/", content=b"0123456789A").status_code == 413
