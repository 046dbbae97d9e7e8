"""Fixtures for the QuerySet tests: the ``qt<run>_*`` tables on SQLite, PostgreSQL and MariaDB.

``db`` points ``connections["default"]`` at ``db_url`` (``tests/db/conftest.py``: each test
runs once per backend) with the tables of ``qt_models`` created (once per server, emptied
after every test; a fresh file for SQLite). ``library`` fills them with a small, known data
set; ``other`` adds a second database, ``connections["other"]``, on a SQLite file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from heron.db import connections, registry
from heron.db.backends import Database
from tests.db.query import qt_models as m

_created: dict[str, str] = {}  # vendor -> server URL whose qt<run>_* tables exist


def qt_tables() -> list[sa.Table]:
    """Every table of the ``qt`` label (the auto-created many-to-many table included)."""
    assert m.Book._meta.label == "qt"
    return registry.tables_for("qt")


def _point_default_at(url: str) -> Database:
    if not connections.configured or connections.settings["default"]["URL"] != url:
        connections.configure(database_url=url)
    return connections["default"]


def _clear(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(qt_tables()):
            conn.execute(table.delete())


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """``connections["default"]`` on the backend, with empty ``qt<run>_*`` tables."""
    database = _point_default_at(db_url)
    engine = database.sqlalchemy_engine()
    if database.vendor == "sqlite":
        registry.metadata.create_all(engine, tables=qt_tables())
    elif _created.get(database.vendor) != db_url:
        registry.metadata.drop_all(engine, tables=qt_tables())
        registry.metadata.create_all(engine, tables=qt_tables())
        _created[database.vendor] = db_url
    try:
        yield database
    finally:
        if database.vendor != "sqlite":
            _clear(engine)
        connections.close_all()


@pytest.fixture
def other(db: Database, tmp_path: Path) -> Iterator[Database]:
    """``default`` on the backend under test, ``other`` a SQLite file, both with the tables."""
    connections.configure(
        databases={"default": db.settings, "other": f"sqlite:///{tmp_path / 'other.db'}"}
    )
    second = connections["other"]
    registry.metadata.create_all(second.sqlalchemy_engine(), tables=qt_tables())
    yield second
    connections.close_all()


@pytest.fixture(scope="session", autouse=True)
def _drop_qt_tables() -> Iterator[None]:
    """Drop the ``qt<run>_*`` tables from every server they were created on."""
    yield
    for vendor, url in list(_created.items()):
        database = _point_default_at(url)
        registry.metadata.drop_all(database.sqlalchemy_engine(), tables=qt_tables())
        del _created[vendor]
        database.close()


def at(day: int, hour: int = 12) -> dt.datetime:
    """A UTC datetime in March 2024."""
    return dt.datetime(2024, 3, day, hour, 30, tzinfo=dt.UTC)


@pytest.fixture
def library(db: Database) -> SimpleNamespace:
    """Publishers, authors, books (with tags and reviews) every query test knows by heart.

    ========  =====  =========  ==============  =====  ======  ==========  ========
    book      pages  rating     published       author editor  tags        reviews
    ========  =====  =========  ==============  =====  ======  ==========  ========
    Dune      412    4.5        2024-03-01      ann    bob     scifi,epic  5, 4
    Emma      300    None       2024-03-05      bea    None    classic     3
    Ulysses   730    3.0        2024-03-10      bea    ann     classic     (none)
    Neuro     271    4.0        None            cid    None    scifi       2
    ========  =====  =========  ==============  =====  ======  ==========  ========

    Authors: ann (age 40, acme), bea (age 25, no publisher, email set), cid (age 35, acme).
    """
    acme = m.Publisher.objects.create(name="Acme")
    m.Publisher.objects.create(name="Empty")
    ann = m.Author.objects.create(name="ann", age=40, publisher=acme)
    bea = m.Author.objects.create(name="bea", age=25, email="bea@example.com")
    cid = m.Author.objects.create(name="cid", age=35, publisher=acme)
    scifi, epic, classic = (m.Tag.objects.create(name=n) for n in ("scifi", "epic", "classic"))
    dune = m.Book.objects.create(
        title="Dune", pages=412, rating=4.5, published=at(1), author=ann, editor=bea
    )
    emma = m.Book.objects.create(title="Emma", pages=300, published=at(5), author=bea)
    ulysses = m.Book.objects.create(
        title="Ulysses", pages=730, rating=3.0, published=at(10, 23), author=bea, editor=ann
    )
    neuro = m.Book.objects.create(title="Neuro", pages=271, rating=4.0, author=cid)
    dune.tags.add(scifi, epic)
    emma.tags.add(classic)
    ulysses.tags.add(classic)
    neuro.tags.add(scifi)
    m.Review.objects.create(book=dune, stars=5, text="great")
    m.Review.objects.create(book=dune, stars=4)
    m.Review.objects.create(book=emma, stars=3)
    m.Review.objects.create(book=neuro, stars=2)
    return SimpleNamespace(
        acme=acme,
        ann=ann,
        bea=bea,
        cid=cid,
        scifi=scifi,
        epic=epic,
        classic=classic,
        dune=dune,
        emma=emma,
        ulysses=ulysses,
        neuro=neuro,
    )
