"""Shared fixtures for ``heron.db`` tests, on real SQLite, PostgreSQL and MariaDB servers.

Fixtures (stable names; reuse them in any test under ``tests/db/``):

``db_url``
    A database URL, parametrised over ``"sqlite"``, ``"postgresql"`` and ``"mysql"``, so a
    test using it runs once per backend (ids ``[sqlite]``, ``[postgresql]``, ``[mysql]``).
    SQLite is a fresh file in the test's ``tmp_path``; PostgreSQL and MariaDB are the
    ``test`` database on 127.0.0.1 (users ``postgres`` / ``root``, no password). A server
    that does not answer skips the test, or fails it when ``CI=true``.
``database``
    A ``heron.db.backends.Database`` for ``db_url`` (alias ``"default"``), closed after
    the test. It is not registered in ``heron.db.connections``.
``sql``
    ``sql(text, asynchronous=False)``: ``text`` with its ``?`` placeholders rewritten in the
    paramstyle of ``database``'s sync (or async) driver.
``table_name``
    A table name unique to the test (``he_<hex>``): the servers are shared with other
    test runs, so tests never use fixed table names there.

``server_url(vendor)`` returns the server URL (or skips/fails like ``db_url``).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from heron.db.backends import Database

SERVERS = {
    "postgresql": ("postgresql://postgres@127.0.0.1:5432/test", 5432),
    "mysql": ("mysql://root@127.0.0.1:3306/test", 3306),
}
BACKENDS = ["sqlite", "postgresql", "mysql"]

_reachable: dict[int, bool] = {}


def _answers(port: int) -> bool:
    if port not in _reachable:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            _reachable[port] = True
        except OSError:
            _reachable[port] = False
    return _reachable[port]


def server_url(vendor: str) -> str:
    """The URL of a database server; skips the test (fails with CI=true) when it is down."""
    url, port = SERVERS[vendor]
    if not _answers(port):
        message = f"{vendor} is not reachable on 127.0.0.1:{port}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return url


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """One backend's URL per parametrisation (see the module docstring)."""
    vendor: str = request.param
    if vendor == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return server_url(vendor)


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    """A ``Database`` on ``db_url``, closed after the test."""
    db = Database(db_url)
    try:
        yield db
    finally:
        db.close()


@pytest.fixture
def sql(database: Database) -> Callable[..., str]:
    """Rewrite ``?`` placeholders for ``database``'s sync driver (or async one)."""

    def convert(text: str, asynchronous: bool = False) -> str:
        style = database.paramstyles[1 if asynchronous else 0]
        if style == "qmark":
            return text
        if style == "format":
            return text.replace("?", "%s")
        parts = text.split("?")
        return parts[0] + "".join(f"${i}{part}" for i, part in enumerate(parts[1:], 1))

    return convert


@pytest.fixture
def table_name() -> str:
    """A table name no other test (or test run) uses."""
    return f"he_{uuid.uuid4().hex[:12]}"
