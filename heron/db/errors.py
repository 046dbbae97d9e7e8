"""Errors of ``heron.db``: one family for every driver, plus misuse and configuration errors.

Every driver error is re-raised as the matching class below with the driver's
exception as ``__cause__``, so code catching ``heron.db.IntegrityError`` works the
same on SQLite, PostgreSQL and MariaDB/MySQL, sync or async.
"""

from __future__ import annotations

from heron.config import ConfigError


class DatabaseError(Exception):
    """Base of every error the database reported; ``code`` is the driver's error code.

    ``code`` is the SQLSTATE on PostgreSQL (``"23505"``), the error number on
    MariaDB/MySQL (``1062``) and the extended result name on SQLite
    (``"SQLITE_CONSTRAINT_UNIQUE"``), or ``None`` when the driver gave none.
    """

    def __init__(self, message: str, code: str | int | None = None) -> None:
        super().__init__(message)
        self.code = code


class InterfaceError(DatabaseError):
    """The driver was misused or its connection is unusable (client side)."""


class DataError(DatabaseError):
    """A value does not fit its column or type: too long, out of range, invalid input."""


class OperationalError(DatabaseError):
    """The server could not do the work: connection lost, lock timeout, pool exhausted."""


class IntegrityError(DatabaseError):
    """A constraint failed: unique, foreign key, not null, check."""


class InternalError(DatabaseError):
    """The database reported an internal error (e.g. a transaction in an invalid state)."""


class ProgrammingError(DatabaseError):
    """The SQL is wrong: syntax error, unknown table or column, wrong number of parameters."""


class NotSupportedError(DatabaseError):
    """The database does not support the feature the SQL asked for."""


class TransactionManagementError(ProgrammingError):
    """``atomic()`` was misused, or a transaction could not be committed as asked."""


class AsyncContextError(RuntimeError):
    """A blocking database call was made from a thread running an event loop."""

    def __init__(self, method: str, twin: str) -> None:
        super().__init__(
            f"{method} was called from a running event loop, where it would block every "
            f"other task; use the async twin {twin} instead (or the a-prefixed QuerySet "
            "method, e.g. `await Model.objects.aget(...)`), or run the sync code in a "
            "thread with `await asyncio.to_thread(...)`"
        )
        self.method = method
        self.twin = twin


class ImproperlyConfigured(ConfigError):
    """The database settings are missing or wrong (unknown alias, bad URL, missing driver)."""


# Model-level errors (FieldError, ValidationError, ObjectDoesNotExist,
# MultipleObjectsReturned) belong below, next to the database errors.

__all__ = [
    "AsyncContextError",
    "DataError",
    "DatabaseError",
    "ImproperlyConfigured",
    "IntegrityError",
    "InterfaceError",
    "InternalError",
    "NotSupportedError",
    "OperationalError",
    "ProgrammingError",
    "TransactionManagementError",
]
