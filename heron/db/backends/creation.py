"""Test databases: create a fresh, empty database beside a configured one, and drop it.

On PostgreSQL and MariaDB/MySQL the test database is ``test_<name>`` on the same server
(or ``TEST = {"NAME": ...}``, or the ``name`` argument); on SQLite it is in memory unless
``TEST["NAME"]`` names a file. The pytest fixtures of ``heron.db.testing`` call these.
"""

from __future__ import annotations

import re
from pathlib import Path

from heron.db.backends.base import Database
from heron.db.backends.settings import parse_url
from heron.db.errors import ImproperlyConfigured

_SAFE_NAME = re.compile(r"^[A-Za-z0-9_]+$")


def database_name_for_tests(db: Database, name: str | None = None) -> str:
    """The test database's name: ``name``, else ``TEST["NAME"]``, else ``test_<database>``.

    For SQLite, ``""`` means in memory.
    """
    chosen = name or db.settings["TEST"].get("NAME")
    if db.vendor == "sqlite":
        return str(chosen or "")
    if not chosen:
        chosen = f"test_{parse_url(db.url).database or db.alias}"
    if not _SAFE_NAME.match(chosen):
        raise ImproperlyConfigured(
            f"test database name {chosen!r} may hold only letters, digits and underscores"
        )
    return chosen


def create_test_database(
    db: Database, *, name: str | None = None, keepdb: bool = False
) -> Database:
    """Create the test database of ``db`` (dropping a leftover one unless ``keepdb``).

    Returns a new ``Database`` with ``db``'s alias and settings, pointing at it. Put it in
    place with ``connections.configure(databases={alias: test_db.settings, ...})``.
    """
    target = database_name_for_tests(db, name)
    settings = dict(db.settings)
    url = parse_url(db.url)
    if db.vendor == "sqlite":
        if target:
            path = Path(target)
            if not keepdb:
                _remove_sqlite_files(path)
            settings["URL"] = url.set(database=str(path)).render_as_string(hide_password=False)
        else:
            settings["URL"] = "sqlite://"
        return Database(settings, alias=db.alias)
    admin = _admin(db)
    try:
        if not keepdb:
            _drop(admin, target)
            admin.execute(f"CREATE DATABASE {target}")
        elif not _exists(admin, target):
            admin.execute(f"CREATE DATABASE {target}")
    finally:
        admin.close()
    settings["URL"] = url.set(database=target).render_as_string(hide_password=False)
    return Database(settings, alias=db.alias)


def destroy_test_database(test_db: Database, *, keepdb: bool = False) -> None:
    """Close ``test_db``'s connections and drop it (unless ``keepdb``)."""
    test_db.close()
    if test_db.vendor == "sqlite":
        drop_memory = getattr(test_db, "drop_memory", None)
        if drop_memory is not None and getattr(test_db, "memory", False):
            drop_memory()
        elif not keepdb:
            _remove_sqlite_files(Path(parse_url(test_db.url).database or ""))
        return
    if keepdb:
        return
    name = parse_url(test_db.url).database
    if not name or not _SAFE_NAME.match(name):
        raise ImproperlyConfigured(f"refusing to drop the database {name!r}")
    admin = _admin(test_db)
    try:
        _drop(admin, name)
    finally:
        admin.close()


def _drop(admin: Database, name: str) -> None:
    force = ""
    if admin.vendor == "postgresql":
        version = admin.fetchone("SHOW server_version_num")
        if version is not None and int(version[0]) >= 130000:
            force = " WITH (FORCE)"  # end the sessions still connected to it
    admin.execute(f"DROP DATABASE IF EXISTS {name}{force}")


def _admin(db: Database) -> Database:
    """A one-connection database on the same server, outside the database to create/drop."""
    url = parse_url(db.url)
    maintenance = "postgres" if db.vendor == "postgresql" else None
    settings = dict(db.settings)
    # URL.set() ignores None, so replace the field itself (URL is a named tuple).
    admin_url = url._replace(database=maintenance)
    settings.update(URL=admin_url.render_as_string(hide_password=False), POOL_SIZE=1)
    return Database(settings, alias=f"{db.alias}_admin")


def _exists(admin: Database, name: str) -> bool:
    if admin.vendor == "postgresql":
        sql = "SELECT 1 FROM pg_database WHERE datname = %s"
    else:
        sql = "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s"
    return admin.fetchone(sql, (name,)) is not None


def _remove_sqlite_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
