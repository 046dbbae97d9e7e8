"""Application configuration: defaults < settings module or file < ``HERON_*`` environment."""

from __future__ import annotations

import importlib
import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ENV_PREFIX = "HERON_"
SETTINGS_ENV_VAR = "HERON_SETTINGS"
_NOT_SETTINGS = frozenset({SETTINGS_ENV_VAR, "HERON_APP"})

DEFAULTS: dict[str, Any] = {
    "DEBUG": False,
    "TESTING": False,
    "SECRET_KEY": None,
    "MAX_BODY_SIZE": 10 * 1024 * 1024,
    "MAX_UPLOAD_SIZE": 100 * 1024 * 1024,
    "TEMPLATES_AUTO_RELOAD": None,
    "PROPAGATE_EXCEPTIONS": None,
    "SERVER_NAME": None,
    "PREFERRED_URL_SCHEME": "http",
    "SESSION_COOKIE_NAME": "session",
    "SECURITY_HEADERS": {},
    "GC_FREEZE": True,
    "GC_THRESHOLD": 10_000,
    "PROBLEM_DETAILS": False,
    "OPENAPI_TITLE": None,
    "OPENAPI_VERSION": "0.1.0",
    "OPENAPI_DESCRIPTION": None,
    "OPENAPI_SERVERS": None,
    "OPENAPI_TAGS": None,
    "OPENAPI_INFO": None,
}


class ConfigError(RuntimeError):
    """Raised when the configuration cannot be loaded or is unsafe to run with."""


class Config(dict[str, Any]):
    """A dict of upper-case settings with loaders for objects, files and the environment."""

    def __init__(
        self, root_path: str | os.PathLike[str], defaults: Mapping[str, Any] | None = None
    ):
        super().__init__(defaults or {})
        self.root_path = Path(root_path)

    def from_mapping(self, mapping: Mapping[str, Any] | None = None, **values: Any) -> None:
        """Copy the upper-case keys of ``mapping`` and ``values``."""
        for source in (mapping or {}, values):
            for key, value in source.items():
                if key.isupper():
                    self[key] = value

    def from_object(self, obj: object | str) -> None:
        """Copy the upper-case attributes of an object, or of a module named by a dotted path."""
        if isinstance(obj, str):
            try:
                obj = importlib.import_module(obj)
            except ImportError as exc:
                raise ConfigError(f"cannot import settings module {obj!r}: {exc}") from exc
        for key in dir(obj):
            if key.isupper():
                self[key] = getattr(obj, key)

    def from_pyfile(self, filename: str | os.PathLike[str], silent: bool = False) -> bool:
        """Execute a Python file and copy its upper-case globals."""
        path = self.root_path / filename
        try:
            source = path.read_text(encoding="utf-8")
        except OSError as exc:
            if silent:
                return False
            raise ConfigError(f"cannot read settings file {path}: {exc.strerror}") from exc
        namespace: dict[str, Any] = {"__file__": str(path)}
        exec(compile(source, str(path), "exec"), namespace)
        self.from_mapping(namespace)
        return True

    def from_toml(self, filename: str | os.PathLike[str], silent: bool = False) -> bool:
        """Load upper-case keys from a TOML file (a ``[heron]`` table if present, else the top)."""
        path = self.root_path / filename
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            if silent:
                return False
            raise ConfigError(f"cannot read settings file {path}: {exc.strerror}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"invalid TOML in settings file {path}: {exc}") from exc
        table = data.get("heron", data)
        self.from_mapping({key.upper(): value for key, value in table.items()})
        return True

    def from_settings(self, reference: str) -> None:
        """Load a ``.py``/``.toml`` file path or a dotted module path."""
        if reference.endswith(".py"):
            self.from_pyfile(reference)
        elif reference.endswith(".toml"):
            self.from_toml(reference)
        else:
            self.from_object(reference)

    def from_prefixed_env(self, prefix: str = ENV_PREFIX) -> None:
        """Copy ``HERON_NAME=value`` variables; values are parsed as JSON when they can be.

        ``HERON_DEBUG=true`` gives ``True``, ``HERON_MAX_BODY_SIZE=1024`` an int, and
        anything that is not JSON stays a string. ``HERON_SETTINGS`` and ``HERON_APP``
        (which name the settings and the app, not settings) are skipped.
        """
        for name, raw in os.environ.items():
            if not name.startswith(prefix) or name in _NOT_SETTINGS:
                continue
            key = name[len(prefix) :]
            if not key.isupper():
                continue
            self[key] = _parse_env_value(raw)

    def load_environment(self) -> None:
        """The loading order Heron applies at start-up: settings named by env, then ``HERON_*``."""
        settings = os.environ.get(SETTINGS_ENV_VAR)
        if settings:
            self.from_settings(settings)
        self.from_prefixed_env()


def _parse_env_value(raw: str) -> Any:
    lowered = raw.strip().lower()
    if lowered in ("true", "yes", "on"):
        return True
    if lowered in ("false", "no", "off"):
        return False
    try:
        return json.loads(raw)
    except ValueError:
        return raw
