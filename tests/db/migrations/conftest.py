"""Fixtures for the migration tests: a dedicated database per test on each backend, and a
throw-away project folder whose labels hold models written by the test."""

from __future__ import annotations

import importlib
import os
import shutil
import sys
import textwrap
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import make_url

from heron.db.backends.base import Database
from heron.db.connections import connections
from heron.db.migrations import VERSION_TABLE, migration_metadata
from heron.db.models.registry import registry

SERVERS = {
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "mysql": "mysql+pymysql://root@127.0.0.1:3306/test",
}
BACKENDS = ["sqlite", "postgresql", "mysql"]


@dataclass
class Target:
    """A database for one test: its vendor, URL and a SQLAlchemy engine."""

    vendor: str
    url: str
    engine: sa.Engine

    def tables(self) -> set[str]:
        return set(sa.inspect(self.engine).get_table_names())

    def tables_except_labels_other_than(self, *labels: str) -> set[str]:
        """The tables, leaving out those of other labels' models (other test modules' models
        are in the registry too, and ``migrate_all`` creates their tables)."""
        others = {
            t.name for t in registry.metadata.tables.values() if t.info.get("label") not in labels
        }
        return self.tables() - others

    def columns(self, table: str) -> dict[str, dict[str, Any]]:
        return {c["name"]: c for c in sa.inspect(self.engine).get_columns(table)}

    def indexes(self, table: str) -> dict[str, list[str]]:
        return {i["name"]: i["column_names"] for i in sa.inspect(self.engine).get_indexes(table)}

    def uniques(self, table: str) -> list[list[str]]:
        found = [u["column_names"] for u in sa.inspect(self.engine).get_unique_constraints(table)]
        if self.vendor == "mysql":  # MySQL reports unique constraints as unique indexes too
            found += [
                i["column_names"] for i in sa.inspect(self.engine).get_indexes(table) if i["unique"]
            ]
        return found

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        with self.engine.connect() as conn:
            return [tuple(row) for row in conn.exec_driver_sql(sql)]

    def execute(self, sql: str) -> None:
        with self.engine.begin() as conn:
            conn.exec_driver_sql(sql)

    def applied(self) -> set[tuple[str, str]]:
        if VERSION_TABLE not in self.tables():
            return set()
        return {(r[0], r[1]) for r in self.rows(f"SELECT label, name FROM {VERSION_TABLE}")}

    def diff(self, *labels: str) -> list[Any]:
        """What Alembic finds different between the database and the labels' models."""
        metadata = migration_metadata()
        wanted = set(labels)

        def include(obj: Any, name: str | None, type_: str, reflected: bool, other: Any) -> bool:
            if type_ != "table":
                return True
            if reflected:
                return bool(name) and any(name.startswith(f"{lbl}_") for lbl in wanted)
            return obj.info.get("label") in wanted

        with self.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": include}
            )
            with warnings.catch_warnings():  # models pointing at each other (a cycle)
                warnings.filterwarnings("ignore", "Cannot correctly sort", sa.exc.SAWarning)
                return list(compare_metadata(context, metadata))


def _unavailable(vendor: str, exc: Exception) -> None:
    message = f"{vendor} is not reachable at {SERVERS[vendor]}: {exc}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    """A new, empty database on each backend (PostgreSQL/MariaDB: a dedicated database),
    reached through Heron's own ``Database`` and its SQLAlchemy engine."""
    vendor: str = request.param
    if vendor == "sqlite":
        yield from _target(vendor, f"sqlite:///{tmp_path / 'db.sqlite3'}")
        return
    admin = sa.create_engine(SERVERS[vendor], isolation_level="AUTOCOMMIT")
    try:
        with admin.connect():
            pass
    except sa.exc.OperationalError as exc:
        admin.dispose()
        _unavailable(vendor, exc)
    name = f"heron_mig_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    url = make_url(SERVERS[vendor]).set(database=name)
    try:
        yield from _target(vendor, url.render_as_string(hide_password=False))
    finally:
        force = " WITH (FORCE)" if vendor == "postgresql" else ""
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}{force}")
        admin.dispose()


def _target(vendor: str, url: str) -> Iterator[Target]:
    database = Database(url, alias="migrations_test")
    try:
        yield Target(vendor, url, database.sqlalchemy_engine())
    finally:
        database.close()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Target]:
    """A SQLite database, for tests that do not depend on the vendor."""
    yield from _target("sqlite", f"sqlite:///{tmp_path / 'other.sqlite3'}")


@pytest.fixture
def restore_connections() -> Iterator[None]:
    """Put ``heron.db.connections`` back as it was after a test that configures it."""
    root, saved = connections.root_path, None
    if connections.configured:
        saved = {
            alias: {k: v for k, v in settings.items() if k != "VENDOR"}
            for alias, settings in connections.settings.items()
        }
    yield
    if saved is None:
        connections.reset()
    else:
        connections.configure(databases=saved, root_path=root)


class Project:
    """A folder on ``sys.path`` holding label packages (``<label>/models.py``)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.labels: list[str] = []

    def new_label(self, stem: str = "lbl") -> str:
        label = f"{stem}{uuid.uuid4().hex[:6]}"
        self.labels.append(label)
        return label

    def models(self, label: str, source: str) -> ModuleType:
        """(Re)write the label's models module and import it afresh."""
        package = self.root / label
        package.mkdir(exist_ok=True)
        (package / "__init__.py").touch()
        (package / "models.py").write_text(
            "from heron.db import Model, fields\n\n" + textwrap.dedent(source)
        )
        self.unload(label)
        shutil.rmtree(package / "__pycache__", ignore_errors=True)
        importlib.invalidate_caches()
        return importlib.import_module(f"{label}.models")

    def unload(self, label: str) -> None:
        for model in list(registry.models.get(label, {}).values()):
            registry.unregister(model)
        for name in [n for n in sys.modules if n == label or n.startswith(f"{label}.")]:
            del sys.modules[name]

    def migrations(self, label: str) -> list[str]:
        folder = self.root / label / "migrations"
        return sorted(p.stem for p in folder.glob("[0-9][0-9][0-9][0-9]_*.py"))

    def source(self, label: str, name: str) -> str:
        return (self.root / label / "migrations" / f"{name}.py").read_text()

    def write_migration(self, label: str, name: str, source: str) -> Path:
        path = self.root / label / "migrations" / f"{name}.py"
        path.write_text(textwrap.dedent(source))
        return path

    def close(self) -> None:
        for label in self.labels:
            self.unload(label)


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    """A project folder on ``sys.path``; its models leave the registry afterwards."""
    root = tmp_path / "project"
    root.mkdir()
    sys.path.insert(0, str(root))
    proj = Project(root)
    try:
        yield proj
    finally:
        proj.close()
        sys.path.remove(str(root))
