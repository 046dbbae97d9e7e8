"""``connections``: the process-wide registry of databases, by alias.

Configured explicitly with ``connections.configure(...)`` / ``configure_from(config)``
(``heron.db.init_app(app)`` does the latter). Until then, the first lookup configures it
from the current app's config if an app context is active, else from the
``HERON_DATABASE_URL`` environment variable, else ``sqlite:///db.sqlite3`` in the
working directory.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar, overload

from heron.db.backends.base import Database
from heron.db.backends.settings import DEFAULT_URL, normalize_settings
from heron.db.errors import ImproperlyConfigured

T = TypeVar("T")

DEFAULT_DB_ALIAS = "default"
ENV_DATABASE_URL = "HERON_DATABASE_URL"


class ConnectionHandler(Mapping[str, Database]):
    """Aliases to ``Database`` objects, created on first use from the configured settings."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._settings: dict[str, dict[str, Any]] | None = None
        self._databases: dict[str, Database] = {}
        self.root_path: Path | None = None
        self._pinned: dict[str, dict[str, Any]] | None = None

    # -- configuration ---------------------------------------------------------------------

    @property
    def configured(self) -> bool:
        """Whether settings were given (explicitly or by the lazy default)."""
        return self._settings is not None

    @property
    def settings(self) -> dict[str, dict[str, Any]]:
        """The normalised settings of every alias."""
        return dict(self._configured())

    def configure(
        self,
        database_url: str | None = None,
        databases: Mapping[str, Any] | None = None,
        root_path: str | os.PathLike[str] | None = None,
    ) -> None:
        """Set the databases: ``databases`` (alias -> URL or dict) and/or the default's URL.

        ``databases["default"]`` wins over ``database_url``; with neither, the default is
        ``sqlite:///db.sqlite3``. Relative SQLite paths resolve against ``root_path`` (else
        the working directory). Databases of an earlier configuration are closed (while
        ``pin()``-ed, the pinned ones stay open).
        """
        if self._pinned is not None:
            # A test session pinned its test databases: apps must not move off them.
            database_url, databases = None, self._pinned
        root = Path(root_path) if root_path is not None else Path.cwd()
        raw: dict[str, Any] = dict(databases or {})
        if DEFAULT_DB_ALIAS not in raw:
            raw = {DEFAULT_DB_ALIAS: database_url or DEFAULT_URL, **raw}
        settings = {alias: normalize_settings(alias, value, root) for alias, value in raw.items()}
        with self._lock:
            if self._pinned is not None and settings == self._settings:
                return  # keep the pinned databases open: a test's transaction runs on them
            old = list(self._databases.values())
            self._databases = {}
            self._settings = settings
            self.root_path = root
        for db in old:
            db.close()

    def pin(self, databases: Mapping[str, Mapping[str, Any]]) -> None:
        """Use ``databases`` (alias -> settings) and ignore ``configure()`` until ``unpin()``.

        The test fixtures pin the test databases, so an app created during a test (whose
        ``init_app`` configures its own URL) still talks to the test database.
        """
        with self._lock:
            self._pinned = {alias: dict(value) for alias, value in databases.items()}
        self.configure()

    def unpin(self) -> None:
        """Stop ignoring ``configure()``; the next lookup configures afresh."""
        with self._lock:
            self._pinned = None
        self.reset()

    def configure_from(
        self, config: Mapping[str, Any], root_path: str | os.PathLike[str] | None = None
    ) -> None:
        """Configure from a settings mapping (``DATABASE_URL``, ``DATABASES``).

        ``root_path`` defaults to the mapping's ``root_path`` attribute (a ``heron.Config``
        has the app's root).
        """
        if root_path is None:
            root_path = getattr(config, "root_path", None)
        databases = config.get("DATABASES")
        if databases is not None and not isinstance(databases, Mapping):
            raise ImproperlyConfigured(
                f"DATABASES must be a dict of alias -> URL or settings dict, got {databases!r}"
            )
        self.configure(config.get("DATABASE_URL"), databases, root_path)

    def _configured(self) -> dict[str, dict[str, Any]]:
        settings = self._settings
        if settings is None:
            with self._lock:
                if self._settings is None:
                    self._configure_lazily()
                settings = self._settings
        assert settings is not None
        return settings

    def _configure_lazily(self) -> None:
        from heron.globals import get_app

        try:
            app = get_app()
        except RuntimeError:
            self.configure(os.environ.get(ENV_DATABASE_URL) or DEFAULT_URL)
            return
        self.configure_from(app.config, app.root_path)

    # -- lookup -------------------------------------------------------------------------------

    def __getitem__(self, alias: str) -> Database:
        db = self._databases.get(alias)
        if db is not None:
            return db
        return self._create(alias)

    def _create(self, alias: str) -> Database:
        settings = self._configured()
        with self._lock:
            db = self._databases.get(alias)
            if db is not None:
                return db
            if alias not in settings:
                raise ImproperlyConfigured(
                    f"the database alias {alias!r} is not configured; configured aliases: "
                    f"{', '.join(sorted(settings))} (set DATABASES = {{{alias!r}: url, ...}})"
                )
            db = Database(settings[alias], alias=alias)
            self._databases[alias] = db
            return db

    @overload
    def get(self, alias: str, /) -> Database | None: ...

    @overload
    def get(self, alias: str, default: Database | T, /) -> Database | T: ...

    def get(self, alias: str, default: Any = None, /) -> Any:
        """The database of ``alias``, or ``default`` when the alias is not configured."""
        if alias not in self._configured():
            return default
        return self[alias]

    def __contains__(self, alias: object) -> bool:
        return alias in self._configured()

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._configured()))

    def __len__(self) -> int:
        return len(self._configured())

    def opened(self) -> list[Database]:
        """The databases created so far (those that may hold connections)."""
        return list(self._databases.values())

    # -- closing -----------------------------------------------------------------------------

    def close_all(self) -> None:
        """Close every open database's pools (async ones without waiting)."""
        for db in self.opened():
            db.close()

    async def aclose_all(self) -> None:
        """Close every open database's pools, the running loop's async ones gracefully."""
        for db in self.opened():
            await db.aclose()

    def reset(self) -> None:
        """Close everything and forget the configuration (the next lookup configures again)."""
        self.close_all()
        with self._lock:
            self._settings = None
            self._databases = {}
            self.root_path = None


connections = ConnectionHandler()
