"""SQLAlchemy engines and the two dialects of a ``Database``, initialised for the real server.

Both dialects are initialised through one connection of the sync engine: the sync
dialect by the engine's first connect, the async one by running its ``initialize`` on
that same connection (they share their vendor's base dialect, which only asks the
server for its version, defaults and settings). So the async dialect knows the server
without needing SQLAlchemy's async machinery (and greenlet).
"""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING, Any

import sqlalchemy
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError

from heron.db.errors import ImproperlyConfigured

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect, Engine
    from sqlalchemy.ext.asyncio import AsyncEngine

    from heron.db.backends.base import Database


def create_engine(db: Database) -> Engine:
    """A SQLAlchemy engine on the sync driver, its connections set up like Heron's own."""
    engine = sqlalchemy.create_engine(db.sqlalchemy_url(), **_engine_options(db))
    event.listen(engine, "connect", _setup_hook(db))
    return engine


def create_async_engine(db: Database) -> AsyncEngine:
    """A SQLAlchemy async engine on the async driver (SQLAlchemy needs greenlet for it)."""
    if importlib.util.find_spec("greenlet") is None:
        raise ImproperlyConfigured(
            "Database.sqlalchemy_async_engine() needs the greenlet package "
            "(pip install 'sqlalchemy[asyncio]'); Heron's own async methods do not"
        )
    from sqlalchemy.ext.asyncio import create_async_engine as sa_create_async_engine

    engine = sa_create_async_engine(db.sqlalchemy_url(asynchronous=True), **_engine_options(db))
    event.listen(engine.sync_engine, "connect", _setup_hook(db))
    return engine


def _engine_options(db: Database) -> dict[str, Any]:
    options: dict[str, Any] = {"pool_size": db.settings["POOL_SIZE"]}
    options.update(db.engine_options)
    return options


def _setup_hook(db: Database) -> Any:
    def on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        db.setup_dbapi_connection(dbapi_connection)

    return on_connect


def initialise_dialects(db: Database) -> tuple[Dialect, Dialect]:
    """``(sync_dialect, async_dialect)``, both initialised by one connection to the server."""
    engine = db.sqlalchemy_engine()
    async_url = db.sqlalchemy_url(asynchronous=True)
    dialect_class: Any = async_url.get_dialect()
    async_dialect: Dialect = dialect_class(dbapi=dialect_class.import_dbapi())
    try:
        with engine.connect() as connection:
            async_dialect.initialize(connection)
    except DBAPIError as exc:
        raise db._translate(exc.orig or exc) from exc
    sync_dialect = engine.dialect
    async_dialect.statement_compiler = _plain_numeric_casts(async_dialect.statement_compiler)
    for dialect, style in ((sync_dialect, db.paramstyles[0]), (async_dialect, db.paramstyles[1])):
        if dialect.paramstyle != style or not dialect.positional:
            raise ImproperlyConfigured(
                f"the {dialect.name} dialect compiles {dialect.paramstyle} parameters, "
                f"but the driver is given {style}"
            )
    return sync_dialect, async_dialect


def _plain_numeric_casts(compiler: Any) -> Any:
    """``compiler``, casting bound decimals to plain ``NUMERIC`` where it casts parameters.

    SQLAlchemy's asyncpg dialect writes ``$1::NUMERIC(5, 2)`` for a value compared with a
    ``NUMERIC(5, 2)`` column, so ``price < 1000`` failed with "numeric field overflow"; it
    already casts strings to ``VARCHAR`` without the length for the same reason. Writes
    still round and check the value, when the column stores it.
    """

    class PlainNumericCasts(compiler):  # type: ignore[misc]
        def render_bind_cast(self, type_: Any, dbapi_type: Any, sqltext: str) -> str:
            if _fixed_point(dbapi_type):
                dbapi_type = sqlalchemy.Numeric()
            return super().render_bind_cast(type_, dbapi_type, sqltext)  # type: ignore[no-any-return]

    return PlainNumericCasts


def _fixed_point(type_: Any) -> bool:
    """Whether ``type_`` is a ``NUMERIC(p, s)`` (not a float, not plain ``NUMERIC``)."""
    return (
        isinstance(type_, sqlalchemy.Numeric)
        and not isinstance(type_, sqlalchemy.Float)
        and type_.precision is not None
    )
